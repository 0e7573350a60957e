"""Fusion stage 3, the mouth: mouths are never cross-faded.

With similar mouths the user's lips surround the template's interior. An open/closed mismatch takes the whole
mouth (shape, lips, teeth) from one side: the user's for ``faceswap`` and for FuseFaceDegree below
``USER_MOUTH_BELOW_DEGREE``, else the template's (its expression). No ghost teeth.

Landmarks are ``(468, 2)`` float64 image px.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np

from . import topology as topo
from .masks import CoarseGrid, feather, polygon_mask, smoothstep
from .params import Algorithm, Degrees
from .shape import VertexWeights
from .warp import Roi

__all__ = [
    "MOUTHS_DIFFER", "MOUTH_OPEN", "USER_MOUTH_BELOW_DEGREE", "MouthPlan", "MouthSource", "close_user_mouth",
    "mouth_from_template", "mouth_width", "openness", "plan_mouth", "pinned_lips", "template_mouth_mask",
    "weigh_mouth",
]

MOUTHS_DIFFER = 0.05  # openness difference above which two mouths count as open vs closed
MOUTH_OPEN = 0.06  # openness above which a mouth counts as open (and below which as closed)
USER_MOUTH_BELOW_DEGREE = 50  # FuseFaceDegree below which a mismatched mouth is the user's


class MouthSource(Enum):
    """Where the fused face's mouth comes from. Open and closed mouths are never cross-faded (that shows
    ghost teeth): a whole mouth comes from one side, or the user's lips go around the template's interior."""

    USER = "user"  # the user's whole mouth: shape, lips and interior
    TEMPLATE = "template"  # the template's whole mouth (its expression), over an open/closed mismatch
    USER_LIPS = "user lips"  # the user's lips around the template's mouth interior (similar mouths)


def mouth_width(landmarks: np.ndarray) -> float:
    """Distance between the mouth corners (at least 1 px)."""
    a, b = landmarks[topo.MOUTH_CORNERS]
    return max(float(np.linalg.norm(a - b)), 1.0)


def openness(landmarks: np.ndarray) -> float:
    """The mean gap between the inner lips, in mouth widths (0 for a closed mouth)."""
    pairs = topo.INNER_LIP_PAIRS
    gap = np.linalg.norm(landmarks[pairs[:, 1]] - landmarks[pairs[:, 0]], axis=1).mean()
    return float(gap / mouth_width(landmarks))


@dataclass(frozen=True)
class MouthPlan:
    """Where the fused mouth comes from (``source``), whether the two mouths differ (open vs closed), and the
    openness of each."""

    source: MouthSource
    differ: bool
    user_openness: float
    template_openness: float

    @property
    def closes_user_mouth(self) -> bool:
        """True when the user's open mouth must be painted closed: its lips are used around a closed template
        mouth."""
        return (self.source is not MouthSource.USER and self.user_openness > MOUTH_OPEN
                and self.template_openness < MOUTH_OPEN)


def plan_mouth(user: np.ndarray, template: np.ndarray, algorithm: Algorithm, degrees: Degrees) -> MouthPlan:
    """Decide where the mouth comes from, given both faces' landmarks, the algorithm and the degrees."""
    open_u, open_t = openness(user), openness(template)
    differ = abs(open_u - open_t) > MOUTHS_DIFFER
    if algorithm is Algorithm.FACESWAP or (differ and degrees.face < USER_MOUTH_BELOW_DEGREE):
        source = MouthSource.USER
    elif differ:
        source = MouthSource.TEMPLATE
    else:
        source = MouthSource.USER_LIPS
    return MouthPlan(source, differ, open_u, open_t)


def weigh_mouth(plan: MouthPlan, weights: VertexWeights, template: np.ndarray) -> VertexWeights:
    """The vertex weights with the mouth region given to one side when the mouths differ.

    Template's mouth: the lips take the template's expression (shape; texture stays per degree), and a smooth
    region around the mouth follows too, or the user's cheek points would fold over the lips. User's mouth:
    shape and texture, opaque -- a cross-fade would stretch the closed lips over the template's open mouth
    and let its teeth show through.
    """
    if not plan.differ:
        return weights
    lt = template
    mc = lt[topo.LIPS_OUTER].mean(axis=0)
    near = 1.0 - smoothstep(0.55, 1.05, np.linalg.norm(lt - mc, axis=1) / mouth_width(lt))
    if plan.source is MouthSource.TEMPLATE:
        return VertexWeights(np.maximum(weights.shape, 0.85 * near), weights.texture)
    return VertexWeights(weights.shape * (1.0 - near), weights.texture * (1.0 - near))


def mouth_from_template(fused: np.ndarray, template: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Give the fused shape the template's mouth opening (the expression is the template's); the area around
    the mouth follows with a Gaussian fall-off, above the mouth with the upper lip, below with the lower.
    ``up`` (2,): unit vector from the mouth to the eyes."""
    f, lt = fused.copy(), template
    ui, li = topo.INNER_LIP_PAIRS[:, 0], topo.INNER_LIP_PAIRS[:, 1]
    opening = lt[li] - lt[ui]
    mid = (f[ui] + f[li]) / 2
    new_u, new_l = mid - opening / 2, mid + opening / 2
    du, dl = (new_u - f[ui]).mean(axis=0), (new_l - f[li]).mean(axis=0)
    mouth_c = f[topo.LIPS_OUTER].mean(axis=0)
    mouth_w = mouth_width(f)
    rel = f - mouth_c
    fall = np.exp(-((np.sqrt((rel ** 2).sum(-1)) / (0.7 * mouth_w)) ** 2))
    below = (rel @ up) < 0
    shift = np.where(below[:, None], dl[None] * fall[:, None], du[None] * fall[:, None])
    shift[topo.UPPER_LIP_OUTER] = du
    shift[topo.LOWER_LIP_OUTER] = dl
    f += shift
    f[ui], f[li] = new_u, new_l
    return f


def pinned_lips(plan: MouthPlan, fused: np.ndarray) -> np.ndarray:
    """(468,) bool: vertices the mesh's fold relaxation leaves where they are. With the user's mouth the
    template's (covered) mouth may fold freely, so the vertices within 0.9 mouth widths of it are pinned."""
    if plan.source is not MouthSource.USER:
        return np.zeros(len(fused), dtype=bool)
    mc = fused[topo.LIPS_OUTER].mean(axis=0)
    return np.linalg.norm(fused - mc, axis=1) < 0.9 * mouth_width(fused)


def template_mouth_mask(
    source: MouthSource, fused: np.ndarray, grid: CoarseGrid, inter_ocular: float
) -> np.ndarray:
    """Where the template's mouth shows through the user layer, on ``grid``: ``(h, w) float32`` in [0, 1].

    Nothing for the user's mouth; the whole (slightly grown) mouth for the template's; the mouth opening
    for the user's lips around the template's interior. ``fused``: (468, 2) image px; ``inter_ocular`` in
    grid px.
    """
    if source is MouthSource.USER:
        return np.zeros(grid.shape, np.float32)
    if source is MouthSource.TEMPLATE:
        lips = grid.poly(fused[topo.LIPS_OUTER])
        return feather(polygon_mask(grid.shape, [lips], dilate=int(0.2 * inter_ocular)), erode=0,
                       sigma=0.07 * inter_ocular)
    return feather(polygon_mask(grid.shape, [grid.poly(fused[topo.LIPS_INNER])]), erode=0, sigma=0.6)


def close_user_mouth(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """A copy of ``image`` ((H, W, 3) uint8 BGR) with the open mouth's interior painted lip-coloured (the
    median colour of the lips); ``image`` itself when too few lip pixels show."""
    lu = landmarks
    inner = lu[topo.LIPS_INNER]
    roi = Roi.around(lu[topo.LIPS_OUTER], image.shape, pad=4)
    crop = image[roi.slices].copy()
    m_in = polygon_mask(crop.shape, [inner], (roi.x0, roi.y0))
    m_out = polygon_mask(crop.shape, [lu[topo.LIPS_OUTER]], (roi.x0, roi.y0))
    lips = (m_out > 127) & (m_in < 128)
    if lips.sum() < 10:
        return image
    colour = np.median(crop[lips], axis=0)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    fill = cv2.dilate(m_in, k) > 64
    crop[fill] = colour.astype(np.uint8)
    out = image.copy()
    out[roi.slices] = cv2.GaussianBlur(crop, (3, 3), 0)
    return out
