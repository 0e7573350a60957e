"""The values passed between ``FusionEngine`` (core) and the fusion stages (``fuse`` and the modules it calls).

The public API takes plain strings and ints (``FusionEngine.fuse(algorithm="redefine", face_degree=...)``);
``params.validate`` turns them into these types once, and nothing below it compares strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple, Optional

import numpy as np

__all__ = ["Algorithm", "Degrees", "MirrorView", "MouthSource", "UserFace"]


class Algorithm(Enum):
    """The console's fusion algorithms (values as in ``fuseface_local.algorithms.ALGORITHMS``). What differs
    between them in this engine is noted per member; everything else is shared."""

    FACESWAP = "faceswap"  # degrees ignored (0/0); always the user's mouth; the silhouette may move further
    REINVENT = "reinvent"  # side-face correction: the hidden half of a turned user comes from the mirror image
    REDEFINE = "redefine"  # the template's lighting is laid over the user's features at reduced strength


class Degrees(NamedTuple):
    """FuseFaceDegree and FuseProfileDegree, ints 0..100: how much of the template's features (``face``) and
    silhouette (``profile``) the fused face keeps (0: all the user's, 100: all the template's)."""

    face: int
    profile: int


class MouthSource(Enum):
    """Where the fused face's mouth comes from. Open and closed mouths are never cross-faded (that shows
    ghost teeth): a whole mouth comes from one side, or the lips from the user around the template's inside."""

    USER = "user"  # the user's whole mouth: shape, lips and interior
    TEMPLATE = "template"  # the template's whole mouth (its expression), over an open/closed mismatch
    USER_LIPS = "user lips"  # the user's lips around the template's mouth interior (similar mouths)


class MirrorView(NamedTuple):
    """The user image flipped left-right, ``image`` (H, W, 3) uint8 BGR, and the landmarks of the same face
    in it, ``landmarks`` (468, 2) float (side-face correction reads the hidden half from here)."""

    image: np.ndarray
    landmarks: np.ndarray


@dataclass
class UserFace:
    """One user face to fuse.

    ``image``: (H, W, 3) uint8 BGR. ``landmarks``: (468, 2) float64 image px. ``yaw``: degrees, > 0 when the
    face turns toward the image's right. ``depth``: (468,) float64 mesh depth in px (smaller = nearer), for
    the 3D alignment. ``mirror``: the flipped view for side-face correction (``reinvent``, turned faces).
    """

    image: np.ndarray
    landmarks: np.ndarray
    yaw: float = 0.0
    depth: Optional[np.ndarray] = None
    mirror: Optional[MirrorView] = None
