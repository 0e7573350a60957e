"""Fusion stage 4, the warp mesh: one Delaunay mesh over the 468 fused points plus a fixed outer ring (the
template's silhouette scaled up about the face centre, the "dilated face region").

The same mesh warps the template (face and surroundings, continuously) and the user texture; pixels outside
the ring are never written. Where another template face is near, the ring shrinks so it stays clear of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from . import topology as topo
from .shape import face_centre
from .warp import delaunay

__all__ = ["RING_SCALE", "FusionMesh", "build_mesh", "face_region", "ring_scale_clear_of", "signed_areas"]

RING_SCALE = 1.4  # the outer ring's scale about the face centre, when no other face is near
_NARROWER_RINGS = (1.3, 1.22, 1.15, 1.1)  # tried in turn when another face's silhouette is inside the ring
_NARROWEST_RING = 1.06
_FOLD_PASSES = 4


def face_region(landmarks: np.ndarray, *, scale: float = RING_SCALE) -> np.ndarray:
    """The outer ring (the dilated face region) of a template face with ``landmarks`` (468, 2): a ``(36, 2)``
    polygon in image coords, the silhouette scaled by ``scale`` about its centre."""
    c = face_centre(landmarks)
    return c + (landmarks[topo.FACE_OVAL] - c) * scale


def ring_scale_clear_of(template: np.ndarray, others: Sequence[np.ndarray]) -> float:
    """The largest ring scale (<= RING_SCALE) whose ring contains no silhouette point of the ``others``
    (the landmarks (468, 2) of the template's other faces)."""
    if not others:
        return RING_SCALE
    pts = np.vstack([np.asarray(o, np.float64)[topo.FACE_OVAL] for o in others]).astype(np.float32)
    for scale in (RING_SCALE, *_NARROWER_RINGS):
        poly = face_region(template, scale=scale).astype(np.float32).reshape(-1, 1, 2)
        if all(cv2.pointPolygonTest(poly, (float(x), float(y)), False) < 0 for x, y in pts):
            return scale
    return _NARROWEST_RING


def signed_areas(tri: np.ndarray) -> np.ndarray:
    """Twice the signed area of each triangle in ``tri`` (K, 3, 2): ``(K,)``."""
    u, v = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]


@dataclass(frozen=True)
class FusionMesh:
    """The warp mesh. ``points`` (504, 2) float64: the fused landmarks (468) then the ring (36), where the
    pixels go; ``template_points``: the template's landmarks then the same ring, where they come from;
    ``triangles`` (K, 3) int32 vertex indices."""

    points: np.ndarray
    template_points: np.ndarray
    triangles: np.ndarray

    @property
    def fused(self) -> np.ndarray:
        """(468, 2) the fused landmarks (after fold relaxation)."""
        return self.points[: topo.N_POINTS]

    @property
    def ring(self) -> np.ndarray:
        """(36, 2) the outer ring."""
        return self.points[topo.N_POINTS:]


def build_mesh(
    fused: np.ndarray, template: np.ndarray, *, ring_scale: float, pinned: np.ndarray
) -> FusionMesh:
    """The mesh from ``fused`` to ``template`` landmarks with the ring at ``ring_scale``.

    One triangulation of everything, so the warp is continuous (two meshes disagree along concave parts of
    the silhouette and tear there); the ring is far outside, so it links (almost) only to the silhouette.
    A triangle folded in the template (source) shows as a dotted tear, so the fused vertices of folded
    triangles are pulled halfway back to the template, up to ``_FOLD_PASSES`` times, except the ``pinned``
    ones ((468,) bool).
    """
    f, lt = fused.copy(), template
    ring = face_region(lt, scale=ring_scale)
    dst = np.vstack([f, ring])
    src_t = np.vstack([lt, ring])
    tris = delaunay(dst)
    for _ in range(_FOLD_PASSES):
        a_src, a_dst = signed_areas(src_t[tris]), signed_areas(dst[tris])
        bad = (a_src * a_dst) <= 0.05 * a_dst * a_dst
        if not bad.any():
            break
        v = np.unique(tris[bad])
        v = v[(v < len(f)) & ~pinned[np.minimum(v, len(f) - 1)]]
        if len(v) == 0:
            break
        f[v] = lt[v] + (f[v] - lt[v]) * 0.5
        dst[: len(f)] = f
        tris = delaunay(dst)
    return FusionMesh(dst, src_t, tris)
