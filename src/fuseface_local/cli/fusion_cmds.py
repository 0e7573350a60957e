"""``fuseface fuse`` and ``fuseface sweep`` (registered by ``engine_cmds.register``).

Heavy imports (numpy, cv2, the engine) happen inside the command functions.
"""

from __future__ import annotations

import argparse
import os
import sys

from scf_fuseface.errors import FuseFaceError

from ..algorithms import ALGORITHMS
from ..sweep import IMAGE_EXTENSIONS, sweep_levels
from .engine_cmds import read_image_arg
from .ultra_cmds import add_ultra_arguments, fuse_ultra_command

__all__ = ["add_fuse", "add_sweep", "output_extension", "parse_rect", "sweep_levels", "write_file"]


def parse_rect(text: str):
    """``"X,Y,W,H"`` -> a 4-tuple of ints; ``"-"`` -> None (no rect for that user: its largest face);
    anything else is ``InvalidParameterValue.FaceRectParameterValueError``."""
    if text.strip() == "-":
        return None
    try:
        parts = tuple(int(v) for v in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4:
        raise FuseFaceError("InvalidParameterValue.FaceRectParameterValueError",
                            f"--user-rect must be X,Y,W,H (four integers), got {text!r}.")
    return parts


def output_extension(path: str) -> str:
    """The image extension of an output path (``.png``, ``.jpg``, ``.jpeg``), checked before any work:
    anything else is an input error (exit 2)."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in IMAGE_EXTENSIONS:
        raise FuseFaceError("InvalidParameterValue.ParameterValueError",
                            f"--output must end in .png, .jpg or .jpeg (the format follows it), got {path!r}.")
    return ext


def write_file(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise FuseFaceError("InvalidParameterValue.ParameterValueError",
                            f"Cannot write {path}: {exc.strerror or exc}.") from exc


def _cmd_fuse(args: argparse.Namespace) -> int:
    from ..engine import FusionEngine

    output_extension(args.output)  # checked before any work
    if args.ultra:
        return fuse_ultra_command(args, read_image_arg, parse_rect, _write_image)
    if args.swap_model_type is not None or args.template_rect or \
            any(getattr(args, name) is not None for name in ("warp", "enhance", "mp", "teeth")):
        raise FuseFaceError("InvalidParameterValue.ParameterValueError",
                            "--swap-model-type, --warp, --enhance, --mp, --teeth and --template-rect need --ultra.")
    args.algorithm = args.algorithm or "redefine"
    template = read_image_arg(args.template)
    users = [read_image_arg(p) for p in args.user]
    rects = None
    if args.user_rect:
        if len(args.user_rect) > len(users):
            raise FuseFaceError("InvalidParameterValue.ParameterValueError",
                                "There are more --user-rect than --user arguments.")
        rects = [parse_rect(r) for r in args.user_rect] + [None] * (len(users) - len(args.user_rect))
    ids = None
    if args.template_face_id:
        ids = list(args.template_face_id) + [None] * max(len(users) - len(args.template_face_id), 0)
    FusionEngine.validate(users, args.algorithm, args.face_degree, args.profile_degree, rects, ids)
    out = FusionEngine().fuse(template, users, algorithm=args.algorithm, face_degree=args.face_degree,
                              profile_degree=args.profile_degree, user_rects=rects, template_face_ids=ids)
    out = _write_image(args.output, out)
    print(f"{args.output}: {len(out)} bytes", file=sys.stderr)
    return 0


def _write_image(path: str, out: bytes) -> bytes:
    """Writes the engine's JPEG (or the template's own bytes at 100/100) at ``path``, re-encoded as a PNG for a
    ``.png`` path; returns the bytes written."""
    if output_extension(path) == ".png":
        from ..engine.codec import decode
        from ..sweep import encode_image

        out = encode_image(decode(out), ".png")
    write_file(path, out)
    return out


def add_fuse(sub) -> None:
    p = sub.add_parser(
        "fuse",
        help="fuse user faces into a template (material) image",
        description="Fuse each --user face into the template, FuseFace-style (or, with --ultra, "
        "FuseFaceUltra-style). Exit 2 with one JSON line "
        '{"Code","Message"} on stderr for an input error (FuseFace codes).',
    )
    p.add_argument("--template", required=True, help="the material image (jpg/png)")
    p.add_argument("--user", required=True, action="append", help="a user image; repeat for several faces")
    p.add_argument("--algorithm", default=None, choices=ALGORITHMS,
                   help="faceswap (换脸版), reinvent (优享版) or redefine (畅享版); redefine when not given "
                   "(not with --ultra)")
    p.add_argument("--face-degree", type=int, default=None, help="FuseFaceDegree 0..100 (features)")
    p.add_argument("--profile-degree", type=int, default=None, help="FuseProfileDegree 0..100 (contour)")
    p.add_argument("--user-rect", action="append", metavar="X,Y,W,H",
                   help="InputImageFaceRect of the matching --user (in order; '-' = none for that user)")
    p.add_argument("--template-face-id", action="append", type=int, metavar="N",
                   help="1-based template face (left to right) for the matching --user")
    p.add_argument("--output", required=True, help="output image: .jpg/.jpeg gets a JPEG, .png a PNG")
    add_ultra_arguments(p)
    p.set_defaults(func=_cmd_fuse)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from ..engine import FusionEngine
    from ..sweep import contact_sheet, encode_image

    extension = output_extension(args.output)
    template, user = read_image_arg(args.template), read_image_arg(args.user)
    sheet = contact_sheet(FusionEngine(), template, user, args.algorithm)
    write_file(args.output, encode_image(sheet, extension))
    print(f"{args.output}: {len(sweep_levels(args.algorithm)) + 2} tiles", file=sys.stderr)
    return 0


def add_sweep(sub) -> None:
    p = sub.add_parser(
        "sweep",
        help="contact sheet of an algorithm's recommended degree levels",
        description="Write a labelled contact sheet: template, user, then the fused result at 0, the "
        "algorithm's five recommended levels and 100 (both degrees equal; faceswap: its single result).",
    )
    p.add_argument("--template", required=True, help="the material image (jpg/png)")
    p.add_argument("--user", required=True, help="the user image (jpg/png)")
    p.add_argument("--algorithm", default="redefine", choices=ALGORITHMS,
                   help="faceswap (换脸版), reinvent (优享版) or redefine (畅享版)")
    p.add_argument("--output", required=True, help="sheet path: .png gets a PNG, .jpg/.jpeg a JPEG")
    p.set_defaults(func=_cmd_sweep)
