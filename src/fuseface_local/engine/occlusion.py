"""Fusion stage 5b, occlusion: what of the user is not pasted, and the feature masks both sides use.

User pixels that are not the user's skin (their own hands, hair, fringe, beard) are not pasted, except on
the user's own features. Non-skin regions count only when large (hair, hands), not wrinkles, shadows or pores.
What of the template stays in front is ``segment``'s (which also uses ``FeatureMasks`` and ``sunglasses``).

Everything here runs on a ``masks.CoarseGrid``: Lab images ``(h, w, 3) float32``, soft masks ``(h, w) float32``
in [0, 1], hard masks ``(h, w) uint8`` 0/255.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Optional

import cv2
import numpy as np

from . import topology as topo
from .colour import SkinStats, skin_likelihood
from .masks import CoarseGrid, polygon_mask, smoothstep

__all__ = ["EDGE_BAND", "FeatureMasks", "sunglasses", "user_keep"]

EDGE_BAND = 0.12  # face widths inside the silhouette where the user's pixels must pass the strict skin test


@dataclass(frozen=True)
class FeatureMasks:
    """The fused face's regions on the coarse grid.

    ``oval``: the silhouette (uint8). ``features``: brows, eyes, nose and lips grown by ``reach`` px (float32;
    never occluders of the template). ``user_features``: a tighter outline of the same with the lips grown
    more (float32; always pasted from the user, so a fringe touching the brows is not). ``eyes`` and
    ``eye_surround`` (uint8): the two eyes and the eyes grown by ``1.5 * reach`` (for the sunglasses test).
    The last three are drawn when first asked for (not every user of the masks needs them).
    """

    oval: np.ndarray
    features: np.ndarray
    reach: int
    _shape: tuple
    _feature_polys: list  # grid coordinates: eyes, brows, outer lips, nose hull
    _inter_ocular: float  # grid px

    @classmethod
    def draw(cls, fused: np.ndarray, grid: CoarseGrid, inter_ocular: float) -> FeatureMasks:
        """Masks of ``fused`` (468, 2) image px; ``inter_ocular`` in grid px."""
        f, small, poly, pdist = fused, grid.shape, grid.poly, inter_ocular
        oval = polygon_mask(small, [poly(f[topo.FACE_OVAL])])
        r = max(int(0.16 * pdist), 1)
        feat_polys = [poly(f[i]) for i in (topo.LEFT_EYE, topo.RIGHT_EYE, topo.LEFT_BROW, topo.RIGHT_BROW,
                                           topo.LIPS_OUTER)]
        feat_polys.append(poly(cv2.convexHull(f[topo.NOSE].astype(np.float32))[:, 0, :]))
        feat = polygon_mask(small, feat_polys, dilate=r)
        return cls(oval, feat.astype(np.float32) * (1.0 / 255.0), r, small, feat_polys, pdist)

    @cached_property
    def user_features(self) -> np.ndarray:
        pdist, lips = self._inter_ocular, self._feature_polys[4]
        feat_user = np.maximum(polygon_mask(self._shape, self._feature_polys, dilate=max(int(0.05 * pdist), 1)),
                               polygon_mask(self._shape, [lips], dilate=max(int(0.22 * pdist), 1)))
        return feat_user.astype(np.float32) / 255.0

    @cached_property
    def eyes(self) -> np.ndarray:
        return polygon_mask(self._shape, self._feature_polys[:2])

    @cached_property
    def eye_surround(self) -> np.ndarray:
        return polygon_mask(self._shape, self._feature_polys[:2], dilate=int(1.5 * self.reach))


def sunglasses(lab: np.ndarray, eye_mask: np.ndarray, surround: np.ndarray, stats: SkinStats) -> bool:
    """True when the skin around an eye (``surround``, a uint8 mask) is mostly very dark: glasses cover it."""
    ring = (surround > 127) & (eye_mask < 128)
    if ring.sum() < 20:
        return False
    L = lab[:, :, 0][ring]
    return float(np.mean(L < 0.5 * stats.median[0])) > 0.45


def _large_regions(bad: np.ndarray, face_width: float) -> np.ndarray:
    """``bad`` (float32) opened (only regions larger than ~3 % of the face width count), then grown so the
    soft edge of a rejected region is covered too."""
    big = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * max(int(0.03 * face_width), 1) + 1,) * 2)
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * max(int(0.025 * face_width), 1) + 1,) * 2)
    return cv2.dilate(cv2.morphologyEx(bad, cv2.MORPH_OPEN, big), grow)


def _soften(keep: np.ndarray, face_width: float) -> np.ndarray:
    return cv2.GaussianBlur(keep, (0, 0), 0.02 * face_width)


def user_keep(
    lab: np.ndarray,
    stats: SkinStats,
    skin: np.ndarray,
    height: np.ndarray,
    masks: FeatureMasks,
    face_width: float,
    hair: Optional[np.ndarray] = None,
    strict_edge: float = 0.0,
) -> np.ndarray:
    """Soft mask of the user pixels that may be pasted: the user's skin and features.

    ``lab``: the warped user texture; ``stats``/``skin``: its skin statistics and likelihood; ``height``:
    per-pixel height above the eyes (inter-ocular units: above the brows, a stricter skin test, as fringes and
    bangs are darker than skin; so within ``EDGE_BAND`` face widths of the silhouette, by ``strict_edge`` in
    0..1: on a turned template the user's temple, hair and the shade of its turning cheek are stretched over the
    template's near cheek); ``face_width`` in grid px; ``hair``: (h, w) bool, pixels with the colour of the
    user's own hair (``segment.FaceGrid.hairy``), also left out (hair at the temples of a narrow face).
    """
    fore = smoothstep(0.38, 0.55, height)
    k = 2 * max(int(EDGE_BAND * face_width), 1) + 1
    edge = (masks.oval > 127) & (cv2.erode(masks.oval, np.ones((k, k), np.uint8)) < 128)
    strict = skin_likelihood(lab, stats, tol=2.0, dark=0.85)
    bad = 1.0 - np.clip(skin * 2.5, 0.0, 1.0)
    bad = np.maximum(bad, np.maximum(fore, edge * strict_edge) * (1.0 - strict))
    if hair is not None:
        bad = np.maximum(bad, hair.astype(np.float32))
    bad = _large_regions(bad, face_width)
    return _soften(1.0 - bad * (1.0 - masks.user_features), face_width)
