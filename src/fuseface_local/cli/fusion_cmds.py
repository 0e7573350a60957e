"""``fuseface fuse`` and ``fuseface sweep`` (registered by ``engine_cmds.register``).

Heavy imports (numpy, cv2, the engine) happen inside the command functions.
"""

from __future__ import annotations

import argparse
import sys

from scf_fuseface.errors import FuseFaceError

from ..algorithms import ALGORITHMS, DEFAULT_DEGREE, RECOMMENDED_LEVELS
from .engine_cmds import read_image_arg
from .ultra_cmds import add_ultra_arguments, fuse_ultra_command

__all__ = ["add_fuse", "add_sweep", "parse_rect", "sweep_levels"]

_TILE_H = 360


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


def _write(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise FuseFaceError("InvalidParameterValue.ParameterValueError",
                            f"Cannot write {path}: {exc.strerror or exc}.") from exc


def _cmd_fuse(args: argparse.Namespace) -> int:
    from ..engine import FusionEngine

    if args.ultra:
        return fuse_ultra_command(args, read_image_arg, parse_rect, _write)
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
    _write(args.output, out)
    print(f"{args.output}: {len(out)} bytes", file=sys.stderr)
    return 0


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
    p.add_argument("--algorithm", default=None, choices=ALGORITHMS, help="default redefine (not with --ultra)")
    p.add_argument("--face-degree", type=int, default=None, help="FuseFaceDegree 0..100 (features)")
    p.add_argument("--profile-degree", type=int, default=None, help="FuseProfileDegree 0..100 (contour)")
    p.add_argument("--user-rect", action="append", metavar="X,Y,W,H",
                   help="InputImageFaceRect of the matching --user (in order; '-' = none for that user)")
    p.add_argument("--template-face-id", action="append", type=int, metavar="N",
                   help="1-based template face (left to right) for the matching --user")
    p.add_argument("--output", required=True, help="output JPEG path")
    add_ultra_arguments(p)
    p.set_defaults(func=_cmd_fuse)


def _tile(img, label: str, box=None):
    """A labelled tile of ``img``, cropped to ``box`` (x0, y0, x1, y1) when given."""
    import cv2
    import numpy as np

    if box is not None:
        img = img[box[1]:box[3], box[0]:box[2]]
    h, w = img.shape[:2]
    scale = _TILE_H / h
    tile = cv2.resize(img, (max(int(round(w * scale)), 1), _TILE_H), interpolation=cv2.INTER_AREA)
    bar = np.full((34, tile.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2, cv2.LINE_AA)
    return np.vstack([bar, tile])


def _face_box(img, faces) -> tuple:
    """A square around the largest face (2.4x its box), clipped to the image; the whole image if none."""
    h, w = img.shape[:2]
    if not faces:
        return (0, 0, w, h)
    f = max(faces, key=lambda face: face.area)
    cx, cy = f.centre
    half = 1.2 * max(f.width, f.height)
    return (int(max(cx - half, 0)), int(max(cy - half, 0)), int(min(cx + half, w)), int(min(cy + half, h)))


def sweep_levels(algorithm: str) -> list:
    """The fused tiles of a sweep after template and user, in order: ``[(degree, label)]`` with both degrees
    equal to ``degree`` -- 0, the algorithm's five recommended levels, 100; ``faceswap`` (no degrees): one."""
    if algorithm == "faceswap":
        return [(None, "faceswap")]
    default = DEFAULT_DEGREE[algorithm]
    return [(level, f"{algorithm} {level}/{level}" + (" (default)" if level == default else ""))
            for level in (0, *RECOMMENDED_LEVELS[algorithm], 100)]


def _cmd_sweep(args: argparse.Namespace) -> int:
    import cv2
    import numpy as np

    from ..engine import FusionEngine
    from ..engine.codec import decode

    template, user = read_image_arg(args.template), read_image_arg(args.user)
    engine = FusionEngine()
    t_img, u_img = decode(template), decode(user)
    t_box = _face_box(t_img, engine.analyzer.analyze(t_img))
    tiles = [_tile(t_img, "template", t_box), _tile(u_img, "user", _face_box(u_img, engine.analyzer.analyze(u_img)))]
    for level, label in sweep_levels(args.algorithm):
        out = engine.fuse(template, [user], algorithm=args.algorithm, face_degree=level, profile_degree=level)
        tiles.append(_tile(decode(out), label, t_box))
    per_row = 5
    rows = []
    for i in range(0, len(tiles), per_row):
        row = tiles[i: i + per_row]
        width = sum(t.shape[1] for t in tiles[:per_row])
        strip = np.hstack(row)
        if strip.shape[1] < width:
            strip = np.hstack([strip, np.full((strip.shape[0], width - strip.shape[1], 3), 255, np.uint8)])
        rows.append(strip)
    width = max(r.shape[1] for r in rows)
    rows = [np.hstack([r, np.full((r.shape[0], width - r.shape[1], 3), 255, np.uint8)]) for r in rows]
    sheet = np.vstack(rows)
    ext = ".png" if not args.output.lower().endswith((".jpg", ".jpeg")) else ".jpg"
    ok, buf = cv2.imencode(ext, sheet)
    if not ok:
        raise RuntimeError("could not encode the contact sheet")
    _write(args.output, buf.tobytes())
    print(f"{args.output}: {len(tiles)} tiles", file=sys.stderr)
    return 0


def add_sweep(sub) -> None:
    p = sub.add_parser(
        "sweep",
        help="contact sheet of an algorithm's recommended degree levels",
        description="Write a labelled contact sheet: template, user, then the fused result at 0, the "
        "algorithm's five recommended levels and 100 (both degrees equal; faceswap: its single result).",
    )
    p.add_argument("--template", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--algorithm", default="redefine", choices=ALGORITHMS)
    p.add_argument("--output", required=True, help="sheet path (.png, or .jpg)")
    p.set_defaults(func=_cmd_sweep)
