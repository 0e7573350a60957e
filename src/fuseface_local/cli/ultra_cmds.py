"""``fuseface fuse --ultra``: FuseFaceUltra on the local engine (the same code the emulator runs,
``engine.ultra.fuse_ultra``). Its options are added to ``fuse`` by :func:`add_ultra_arguments`; ``fuse`` hands over
to :func:`fuse_ultra_command` when ``--ultra`` is given."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Optional

from scf_fuseface.errors import FuseFaceError

__all__ = ["add_ultra_arguments", "fuse_ultra_command"]

_PARAM = "FailedOperation.ParameterValueError"  # FuseFaceUltra's code for a bad parameter
_RADIOS = (("warp", "WarpRadio", "face shape: 0 the template's .. 1 the user's (default 0.7)"),
           ("enhance", "EnhanceRadio", "face enhancement / sharpening 0..1 (default 0.5)"),
           ("mp", "MpRadio", "skin smoothing 0..1 (default 0.5)"),
           ("teeth", "TeethEnhanceRadio", "teeth enhancement 0..1 (default 1)"))


def add_ultra_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("FuseFaceUltra (--ultra): the template is any image, no material")
    g.add_argument("--ultra", action="store_true", help="fuse as FuseFaceUltra (图片人脸融合专业版)")
    g.add_argument("--swap-model-type", type=int, default=None, metavar="N",
                   help="SwapModelType 1..6 (default 1; recorded only: the engine has one model; 6 ignores the radios)")
    for name, field, text in _RADIOS:
        g.add_argument(f"--{name}", type=float, default=None, metavar="R", help=f"{field}: {text}")
    g.add_argument("--template-rect", action="append", metavar="X,Y,W,H",
                   help="TemplateFaceRect of the matching --user ('-' = the largest free face)")


def _radio(value: Optional[float], field: str) -> Optional[float]:
    if value is not None and not 0.0 <= value <= 1.0:
        raise FuseFaceError(_PARAM, f"{field} must be in [0, 1], got {value}.")
    return value


def _per_user(values, n: int, flag: str, parse: Callable) -> Optional[list]:
    if not values:
        return None
    if len(values) > n:
        raise FuseFaceError(_PARAM, f"There are more {flag} than --user arguments.")
    return [parse(v) for v in values] + [None] * (n - len(values))


def fuse_ultra_command(args: argparse.Namespace, read_image: Callable[[str], bytes], parse_rect: Callable,
                       write: Callable[[str, bytes], bytes]) -> int:
    from ..engine import FusionEngine
    from ..engine.ultra import UltraOptions, fuse_ultra

    used = [flag for flag, value in (("--algorithm", args.algorithm), ("--face-degree", args.face_degree),
                                     ("--profile-degree", args.profile_degree),
                                     ("--template-face-id", args.template_face_id)) if value]
    if used:
        raise FuseFaceError(_PARAM, f"Not with --ultra: {', '.join(used)} (use --warp, --template-rect).")
    if args.swap_model_type is not None and not 1 <= args.swap_model_type <= 6:
        raise FuseFaceError(_PARAM, f"--swap-model-type must be 1..6, got {args.swap_model_type}.")
    radios = {field: _radio(getattr(args, name), field) for name, field, _ in _RADIOS}
    template = read_image(args.template)
    users = [read_image(p) for p in args.user]
    options = UltraOptions.from_request(args.swap_model_type, radios)
    out = fuse_ultra(FusionEngine(), template, users, options=options,
                     user_rects=_per_user(args.user_rect, len(users), "--user-rect", parse_rect),
                     template_rects=_per_user(args.template_rect, len(users), "--template-rect", parse_rect))
    out = write(args.output, out)
    print(f"{args.output}: {len(out)} bytes (FuseFaceUltra {options.describe()})", file=sys.stderr)
    return 0
