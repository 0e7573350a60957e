"""Fusion stage 1, alignment: the user's landmarks moved onto the template face.

A similarity (rotation, uniform scale, translation) fitted on every point but the silhouette
(``topology.ALIGN_POINTS``; the silhouette is what the profile degree morphs), in 3D with the mesh depth
when both depths are known, so a frontal user is turned to a turned template's pose (and back) before the
shapes are mixed. A user face much larger than the template face is shrunk first (``shrink_large_user``).

Side-face correction (``reinvent``): for a user turned more than ``SIDE_FACE_FROM_YAW`` degrees, the hidden
half of the face (shape here, texture in ``fuse``) comes from the mirror image of the visible half.

Landmarks are ``(468, 2)`` float64 image px unless stated otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Optional, Tuple

import cv2
import numpy as np

from . import topology as topo
from .masks import smoothstep
from .warp import Roi

__all__ = [
    "AlignedUser", "MirrorView", "SIDE_FACE_FROM_YAW", "SIDE_FACE_FULL_YAW", "Similarity", "UserFace",
    "align_landmarks", "align_user", "hidden_side", "shrink_large_user", "umeyama", "zoom",
]

# Side-face correction starts for a user turned more than this many degrees and is complete at the second.
SIDE_FACE_FROM_YAW = 12.0
SIDE_FACE_FULL_YAW = 30.0
# A user face that must shrink below this scale to fit the template face is resampled first (no aliasing).
SHRINK_BELOW = 0.8


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


class Similarity(NamedTuple):
    """``dst ~ src @ matrix.T + offset``: ``matrix`` (D, D) is a rotation times a uniform scale, ``offset``
    (D,) a translation."""

    matrix: np.ndarray
    offset: np.ndarray

    def apply(self, points: np.ndarray) -> np.ndarray:
        """``points`` (N, D) moved by the similarity."""
        return points @ self.matrix.T + self.offset


def umeyama(src: np.ndarray, dst: np.ndarray) -> Similarity:
    """Least-squares similarity from ``src`` (N, D) to ``dst`` (N, D) (Umeyama's method)."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    ms, md = src.mean(axis=0), dst.mean(axis=0)
    s0, d0 = src - ms, dst - md
    cov = d0.T @ s0 / len(src)
    u, d, vt = np.linalg.svd(cov)
    sign = np.ones(src.shape[1])
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1.0
    rot = u @ np.diag(sign) @ vt
    var = (s0 ** 2).sum() / len(src)
    scale = float((d * sign).sum() / max(var, 1e-12))
    a = scale * rot
    return Similarity(a, md - ms @ a.T)


def align_landmarks(
    landmarks: np.ndarray,
    template: np.ndarray,
    *,
    depth: Optional[np.ndarray] = None,
    template_depth: Optional[np.ndarray] = None,
) -> np.ndarray:
    """``landmarks`` moved onto ``template`` by a similarity fitted on ``ALIGN_POINTS``; in 3D when both
    ``depth`` and ``template_depth`` ((468,) px) are given (the result is the projection back to 2D)."""
    idx = topo.ALIGN_POINTS
    if depth is not None and template_depth is not None:
        s3 = np.column_stack([landmarks, np.asarray(depth, np.float64)])
        d3 = np.column_stack([template, np.asarray(template_depth, np.float64)])
        return umeyama(s3[idx], d3[idx]).apply(s3)[:, :2]
    return umeyama(landmarks[idx], template[idx]).apply(landmarks)


def zoom(landmarks: np.ndarray, template: np.ndarray) -> float:
    """How much the user face must grow to match the template face (the 2D similarity's scale)."""
    idx = topo.ALIGN_POINTS
    a = umeyama(landmarks[idx], template[idx]).matrix
    return float(np.sqrt(abs(np.linalg.det(a))))


def _shrink(img: np.ndarray, landmarks: np.ndarray, scale: float) -> Tuple[np.ndarray, np.ndarray]:
    """The area around the face resized by ``scale`` (area-averaged) and the landmarks in that crop."""
    lm = np.asarray(landmarks, np.float64)
    roi = Roi.around(lm, img.shape, pad=0.35 * float(np.ptp(landmarks[:, 0])))
    crop = img[roi.slices]
    size = (max(int(round(crop.shape[1] * scale)), 8), max(int(round(crop.shape[0] * scale)), 8))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    fx, fy = size[0] / crop.shape[1], size[1] / crop.shape[0]
    return small, (lm - (roi.x0, roi.y0)) * (fx, fy)


def shrink_large_user(user: UserFace, template: np.ndarray) -> UserFace:
    """``user`` unchanged, or, when its face must shrink below ``SHRINK_BELOW`` to match ``template``, a
    user face cropped around the face and shrunk to the template's scale (image, landmarks, depth and
    mirror view alike), so the bilinear warp does not alias (no speckle, no dotted edges)."""
    scale = zoom(np.asarray(user.landmarks, np.float64), template)
    if scale >= SHRINK_BELOW:
        return user
    img, lm = _shrink(user.image, user.landmarks, scale)
    depth = None if user.depth is None else np.asarray(user.depth, np.float64) * scale
    mirror = user.mirror
    if mirror is not None:
        mirror = MirrorView(*_shrink(mirror.image, mirror.landmarks, scale))
    return UserFace(img, lm, user.yaw, depth=depth, mirror=mirror)


def hidden_side(landmarks: np.ndarray, yaw: float) -> np.ndarray:
    """Per-vertex weight (468,) in 0..1 of the mirrored face for a user turned ``yaw`` degrees: 1 on the
    hidden half (the cheek nearer the nose in the image), 0 on the visible half and for small yaws."""
    span = SIDE_FACE_FULL_YAW - SIDE_FACE_FROM_YAW
    strength = float(np.clip((abs(yaw) - SIDE_FACE_FROM_YAW) / span, 0.0, 1.0))
    if strength <= 0.0:
        return np.zeros(len(landmarks))
    lu = landmarks
    mid = lu[topo.MIDLINE]
    mc = mid.mean(axis=0)
    _, _, vt = np.linalg.svd(mid - mc)
    axis = vt[0]
    normal = np.array([-axis[1], axis[0]])
    if (lu[topo.LEFT_CHEEK] - mc) @ normal < 0:
        normal = -normal  # positive towards the subject's left
    side = (lu - mc) @ normal
    half = max(float(np.abs(side[topo.FACE_OVAL]).max()), 1.0)
    nose = lu[topo.NOSE_TIP]
    left_hidden = np.linalg.norm(lu[topo.LEFT_CHEEK] - nose) < np.linalg.norm(lu[topo.RIGHT_CHEEK] - nose)
    hidden = 1.0 if left_hidden else -1.0
    return strength * smoothstep(-0.08, 0.25, hidden * side / half)


class AlignedUser(NamedTuple):
    """The user's shape in the template's frame, ``landmarks`` (468, 2), and ``hidden`` (468,): the weight of
    the mirror image per vertex (all 0 without side-face correction)."""

    landmarks: np.ndarray
    hidden: np.ndarray


def align_user(user: UserFace, template: np.ndarray, template_depth: Optional[np.ndarray]) -> AlignedUser:
    """``user``'s landmarks aligned onto ``template`` (3D when both depths are known); with a mirror view,
    the hidden half's vertices come from the mirrored face (aligned in 2D)."""
    lu = np.asarray(user.landmarks, np.float64)
    aligned = align_landmarks(lu, template, depth=user.depth, template_depth=template_depth)
    hidden = np.zeros(len(lu))
    if user.mirror is not None:
        hidden = hidden_side(lu, user.yaw)
        if hidden.any():
            mirrored = align_landmarks(np.asarray(user.mirror.landmarks, np.float64), template)
            aligned = aligned * (1.0 - hidden[:, None]) + mirrored * hidden[:, None]
    return AlignedUser(aligned, hidden)
