"""Fusion stage 3, the mouth: it moves continuously with FuseFaceDegree, and an open and a closed mouth are never
cross-faded (no ghost teeth).

* Shape: the mouth is mixed like every feature, so its opening goes smoothly from the user's to the template's.
* Lips: cross-faded by the texture weight like the skin (lips on both sides: nothing to ghost).
* Interior (the opening between the fused inner lips): from the side that opens it, warped into the fused
  opening by the mesh. The fused gap is ``(1 - w) * user gap + w * template gap`` (``w`` the texture weight);
  each side's share of the interior follows its share of that gap, sharpened, so a closed user and an open
  template give the user's lip seam at degree 0 and the template's teeth as soon as its gap dominates (an
  opening that grows from a slit to the template's), and the other way round. Two open mouths are cross-faded;
  an open and a closed one practically never (the closed one's share vanishes with its gap).

Landmarks are ``(468, 2)`` float64 image px.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import topology as topo
from .masks import CoarseGrid, feather, polygon_mask

__all__ = ["MIN_GAP", "MouthPlan", "interior_mask", "mouth_width", "openness", "pinned_lips", "plan_mouth"]

MIN_GAP = 1e-3  # the least a mouth's gap counts for (mouth widths): two closed mouths are simply cross-faded


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
    """The openness of the user's and the template's mouth, and where the fused mouth's interior comes from."""

    user_openness: float
    template_openness: float

    def interior_user(self, texture: np.ndarray) -> np.ndarray:
        """The user's share of the mouth interior given the template texture weight ``texture`` (any shape, in
        [0, 1]): ``u^2 / (u^2 + t^2)`` with ``u = (1 - texture) * user gap`` and ``t = texture * template gap``
        (the sides' shares of the fused gap, sharpened; a gap counts at least ``MIN_GAP``)."""
        w = np.asarray(texture, np.float32)
        u = (1.0 - w) * max(self.user_openness, MIN_GAP)
        t = w * max(self.template_openness, MIN_GAP)
        return (u * u) / (u * u + t * t)


def plan_mouth(user: np.ndarray, template: np.ndarray) -> MouthPlan:
    """The mouth plan of the user's and the template's landmarks."""
    return MouthPlan(openness(user), openness(template))


def pinned_lips(fused: np.ndarray) -> np.ndarray:
    """(468,) bool: vertices the mesh's fold relaxation leaves where they are: those within 0.9 mouth widths of
    the mouth. An open mouth mixed with a closed one collapses the other's opening, which is not a fold to
    undo (relaxing it would open or close the mouth by steps as the degree moves)."""
    mc = fused[topo.LIPS_OUTER].mean(axis=0)
    return np.linalg.norm(fused - mc, axis=1) < 0.9 * mouth_width(fused)


def interior_mask(fused: np.ndarray, grid: CoarseGrid) -> np.ndarray:
    """The fused mouth's opening on ``grid`` (between the inner lips), softened by about a grid pixel:
    ``(h, w) float32`` in [0, 1]."""
    return feather(polygon_mask(grid.shape, [grid.poly(fused[topo.LIPS_INNER])]), erode=0, sigma=0.6)
