"""A fusion request's parameters: the ``Algorithm`` and ``Degrees`` types the fusion stages take, and
``validate``, which checks the public API's plain values before any image work, with FuseFace's codes.

``validate`` raises ``FusionError`` for: an unknown algorithm, a degree that is not an int 0..100, no users
or more than ``limits.MAX_MERGE_INFOS``, ``user_rects``/``template_face_ids`` of the wrong length, or one
template face chosen twice (``InvalidParameterValue.ParameterValueError``); a rect that is not four ints or
is under 30x30 (``InvalidParameterValue.FaceRectParameterValueError``).
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple, Optional, Sequence

import numpy as np

from scf_fuseface import limits

from ..algorithms import ALGORITHMS, DEFAULT_DEGREE
from .errors import FusionError

__all__ = ["Algorithm", "Degrees", "PARAMETER_ERROR", "RECT_ERROR", "validate"]

PARAMETER_ERROR = "InvalidParameterValue.ParameterValueError"
RECT_ERROR = "InvalidParameterValue.FaceRectParameterValueError"


class Algorithm(Enum):
    """The console's fusion algorithms (values as in ``fuseface_local.algorithms.ALGORITHMS``). What differs
    between them in this engine is noted per member; everything else is shared."""

    FACESWAP = "faceswap"  # degrees ignored (0/0); always the user's mouth; the silhouette may move further
    REINVENT = "reinvent"  # side-face correction: a turned user's hidden half comes from the mirror image
    REDEFINE = "redefine"  # the template's lighting is laid over the user's features at reduced strength


class Degrees(NamedTuple):
    """FuseFaceDegree and FuseProfileDegree, ints 0..100: how much of the template's features (``face``) and
    silhouette (``profile``) the fused face keeps (0: all the user's, 100: all the template's)."""

    face: int
    profile: int


def _check_degree(name: str, value) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= int(value) <= 100:
        raise FusionError(PARAMETER_ERROR, f"{name} must be an integer 0..100, got {value!r}.")


def _check_rect(rect) -> None:
    if len(rect) != 4 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in rect):
        raise FusionError(RECT_ERROR,
                          f"InputImageFaceRect must be four integers X, Y, Width, Height, got {rect!r}.")
    if rect[2] < limits.MIN_FACE_RECT or rect[3] < limits.MIN_FACE_RECT or rect[0] < 0 or rect[1] < 0:
        raise FusionError(RECT_ERROR,
                          f"InputImageFaceRect must be at least {limits.MIN_FACE_RECT}x{limits.MIN_FACE_RECT} "
                          f"at a non-negative position, got {tuple(rect)}.")


def validate(
    users: Sequence,
    algorithm: str,
    face_degree: Optional[int],
    profile_degree: Optional[int],
    user_rects: Optional[Sequence],
    template_face_ids: Optional[Sequence],
) -> Degrees:
    """Check the parameters of ``FusionEngine.fuse`` (see the module docstring); returns the effective
    degrees: the algorithm's default for a missing one, ``(0, 0)`` for ``faceswap``. Once this passed,
    ``Algorithm(algorithm)`` is valid."""
    if algorithm not in ALGORITHMS:
        raise FusionError(PARAMETER_ERROR,
                          f"Algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}.")
    _check_degree("FuseFaceDegree", face_degree)
    _check_degree("FuseProfileDegree", profile_degree)
    n = len(users)
    if n == 0:
        raise FusionError(PARAMETER_ERROR, "At least one user image (MergeInfos) is required.")
    if n > limits.MAX_MERGE_INFOS:
        raise FusionError(PARAMETER_ERROR,
                          f"At most {limits.MAX_MERGE_INFOS} merge infos are allowed, got {n}.")
    for name, seq in (("user_rects", user_rects), ("template_face_ids", template_face_ids)):
        if seq is not None and len(seq) != n:
            raise FusionError(PARAMETER_ERROR, f"{name} must have one entry per user ({n}), got {len(seq)}.")
    for rect in user_rects or ():
        if rect is not None:
            _check_rect(rect)
    ids = [i for i in (template_face_ids or ()) if i is not None]
    for i in ids:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise FusionError(PARAMETER_ERROR, f"TemplateFaceID must be an integer, got {i!r}.")
    if len(set(ids)) != len(ids):
        raise FusionError(PARAMETER_ERROR, "Each merge info must use a different template face.")
    if Algorithm(algorithm) is Algorithm.FACESWAP:
        return Degrees(0, 0)
    default = DEFAULT_DEGREE[algorithm]
    return Degrees(default if face_degree is None else int(face_degree),
                   default if profile_degree is None else int(profile_degree))
