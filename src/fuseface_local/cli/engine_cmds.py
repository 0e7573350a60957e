"""Engine sub-commands of ``fuseface`` (local extra): ``detect`` (and, from the fusion side, ``fuse``/``sweep``).

Each sub-command is one ``_add_<name>(sub)`` function that declares its arguments and sets ``func``;
``register`` calls them all. Heavy imports (numpy, cv2, LiteRT) happen inside the command functions.
"""

from __future__ import annotations

import argparse
import json
import sys

from scf_fuseface.errors import FuseFaceError

__all__ = ["register"]


def read_image_arg(path: str) -> bytes:
    """Bytes of an image file named on the command line; an unreadable path is an input error (exit 2)."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise FuseFaceError(
            "InvalidParameterValue.ParameterValueError", f"Cannot read {path}: {exc.strerror or exc}."
        ) from exc


def _cmd_detect(args: argparse.Namespace) -> int:
    from ..engine.codec import decode
    from ..engine.faces import FaceAnalyzer

    img = decode(read_image_arg(args.image))
    faces = FaceAnalyzer().analyze(img)
    json.dump([face.to_json() for face in faces], sys.stdout, indent=2 if args.pretty else None)
    sys.stdout.write("\n")
    return 0


def _add_detect(sub) -> None:
    p = sub.add_parser(
        "detect",
        help="list the faces of an image as JSON",
        description='Print the faces of IMAGE as a JSON list of {"X","Y","Width","Height","Score"} in the '
        "engine's stable order (left to right by box centre x, ties by y). Exit 2 on an input error.",
    )
    p.add_argument("image", metavar="IMAGE", help="a jpg or png file")
    p.add_argument("--pretty", action="store_true", help="indent the JSON")
    p.set_defaults(func=_cmd_detect)


def register(subparsers) -> None:
    """Add the engine sub-commands to ``fuseface``'s sub-parsers."""
    from .fusion_cmds import add_fuse, add_sweep

    _add_detect(subparsers)
    add_fuse(subparsers)
    add_sweep(subparsers)
