"""Fusion stage 2, the fused shape: per-vertex template weights from the two degrees, the mix of the
template's and the aligned user's landmarks, and the limits on where the silhouette may go.

* ``face_degree`` weighs the features (brows, eyes, nose, mouth), ``profile_degree`` the silhouette, blended
  by "contour-ness" in between; the forehead and hairline stay the template's. The fused shape is
  ``w * template + (1 - w) * user``.
* The silhouette may move inward freely but outward only a little (the fused jaw stays inside the template
  head) and never far enough to fold the background mesh; inner vertices may not overtake it.

Landmarks are ``(468, 2)`` float64 image px; per-vertex arrays are ``(468,)`` float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from . import topology as topo
from .masks import smoothstep
from .params import Algorithm, Degrees

__all__ = [
    "TemplateFrame", "VertexWeights", "degree_weights", "face_centre", "keep_inside", "limit_silhouette",
    "mix_shapes",
]


def face_centre(landmarks: np.ndarray) -> np.ndarray:
    """(2,) the mean of the silhouette points."""
    return landmarks[topo.FACE_OVAL].mean(axis=0)


def _squared_distances(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(N, M) squared distances from ``points`` (N, 2) to ``targets`` (M, 2) (x and y apart: numpy sums a
    2-long last axis in 2-element loops)."""
    dx = points[:, None, 0] - targets[None, :, 0]
    dy = points[:, None, 1] - targets[None, :, 1]
    dx *= dx
    dy *= dy
    dx += dy
    return dx


def _distance_to(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(N,) distance from each of ``points`` (N, 2) to the nearest of ``targets`` (M, 2)."""
    return np.sqrt(_squared_distances(points, targets).min(axis=1))  # the root is monotonic: after the minimum


@dataclass(frozen=True)
class TemplateFrame:
    """Measures of one template face that several stages use.

    ``centre`` (2,): the silhouette's mean. ``inter_ocular``: px between the eye centres (>= 1). ``up`` (2,):
    unit vector from the mouth to the eyes. ``height`` (468,): each vertex's height above the eyes, in
    inter-ocular units. ``width``: px from cheek to cheek (at least twice the inter-ocular distance).
    ``contourness`` (468,): 0 on the features, 1 on the silhouette, in between by relative distance.
    """

    centre: np.ndarray
    inter_ocular: float
    up: np.ndarray
    height: np.ndarray
    width: float
    contourness: np.ndarray

    @classmethod
    def measure(cls, template: np.ndarray, *, contour: bool = True) -> TemplateFrame:
        """The measures of a face with landmarks ``template``; ``contour=False`` skips ``contourness`` (all 0),
        the costly one, for a face only its size and axes are needed of."""
        lt = template
        contourness = np.zeros(len(lt))
        if contour:
            d_oval = _distance_to(lt, lt[topo.FACE_OVAL])
            d_feat = _distance_to(lt, lt[topo.FEATURES])
            contourness = d_feat / np.maximum(d_feat + d_oval, 1e-6)
            contourness[topo.FACE_OVAL] = 1.0
            contourness[topo.FEATURES] = 0.0
        er, el = lt[topo.RIGHT_EYE].mean(axis=0), lt[topo.LEFT_EYE].mean(axis=0)
        eyes = (er + el) / 2
        ipd = max(float(np.linalg.norm(el - er)), 1.0)
        up = eyes - lt[topo.LIPS_OUTER].mean(axis=0)
        up /= max(float(np.linalg.norm(up)), 1e-6)
        height = (lt - eyes) @ up / ipd
        width = max(float(np.linalg.norm(lt[topo.LEFT_CHEEK] - lt[topo.RIGHT_CHEEK])), 2.0 * ipd)
        return cls(face_centre(lt), ipd, up, height, width, contourness)


class VertexWeights(NamedTuple):
    """Per-vertex template weights (468,) in 0..1: of the position (``shape``) and of the texture."""

    shape: np.ndarray
    texture: np.ndarray


def degree_weights(frame: TemplateFrame, degrees: Degrees) -> VertexWeights:
    """The template weights of each vertex from the two degrees; the forehead and hairline lean to the
    template in shape, and a little in texture near the silhouette (hair is part of the material)."""
    fd, pd = degrees.face / 100.0, degrees.profile / 100.0
    c = frame.contourness
    w = fd * (1.0 - c) + pd * c
    forehead = smoothstep(0.45, 0.8, frame.height)
    w_shape = w + (1.0 - w) * forehead
    w_tex = w + (1.0 - w) * forehead * c * 0.15
    return VertexWeights(w_shape, w_tex)


def mix_shapes(weights: VertexWeights, template: np.ndarray, user: np.ndarray) -> np.ndarray:
    """``w * template + (1 - w) * user`` per vertex, with ``w = weights.shape``."""
    w = weights.shape[:, None]
    return w * template + (1.0 - w) * user


def _clamp_contour(
    fused: np.ndarray, template: np.ndarray, frame: TemplateFrame, *, max_out: float, reach: float
) -> np.ndarray:
    """Smooth the silhouette's move and clamp it: outward at most ``max_out`` face widths (the jaw stays
    inside the head), inward more at the jaw than at the ears/temples (no torn ear lobes; ``reach`` scales
    it), sideways a little: never enough to fold the mesh."""
    f, lt, face_w = fused.copy(), template, frame.width
    idx = topo.FACE_OVAL
    d = f[idx] - lt[idx]
    for _ in range(3):  # circular [1, 2, 1] / 4 smoothing: no wavy cheek edge
        d = (np.roll(d, 1, axis=0) + 2.0 * d + np.roll(d, -1, axis=0)) / 4.0
    normal = lt[idx] - frame.centre
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-6)
    out = (d * normal).sum(axis=1)
    tang = d - out[:, None] * normal
    max_in = (0.025 + 0.075 * (1.0 - smoothstep(-1.45, -0.9, frame.height[idx]))) * face_w * reach
    out = np.clip(out, -max_in, max_out * face_w)
    tl = np.linalg.norm(tang, axis=1, keepdims=True)
    tang *= np.minimum(1.0, 0.03 * face_w / np.maximum(tl, 1e-6))
    f[idx] = lt[idx] + out[:, None] * normal + tang
    return f


def keep_inside(fused: np.ndarray, template: np.ndarray, face_width: float) -> np.ndarray:
    """Inner vertices may not overtake the (clamped) silhouette outward.

    With a much wider user the cheek points next to the silhouette would land outside it and drag the
    template's cheek edge and ear outward in shards. A vertex at distance ``d`` inside the template's
    silhouette may move outward (from the face centre) at most as far as the silhouette near it does
    (Gaussian mean of their radial moves), plus ``0.6 d``; a vertex already outside it in the template
    (the mesh's silhouette cuts the far cheek of a turned face) only as far as the silhouette.
    """
    f, lt = fused, template
    idx = topo.FACE_OVAL
    radial = lt - face_centre(lt)
    radial /= np.maximum(np.linalg.norm(radial, axis=1, keepdims=True), 1e-6)
    r = ((f - lt) * radial).sum(axis=1)
    d = np.sqrt(_squared_distances(lt, lt[idx]))  # (468, 36)
    w = np.exp(-((d / (0.06 * face_width)) ** 2)) + 1e-12
    local = (w @ r[idx]) / w.sum(axis=1)  # how far the silhouette near each vertex moved outward
    excess = np.zeros(len(f))
    poly = lt[idx].astype(np.float32).reshape(-1, 1, 2)
    movers = np.flatnonzero(r > local)  # only these can exceed their limit
    test = cv2.pointPolygonTest
    depth = np.array([test(poly, p, True) for p in map(tuple, lt[movers].tolist())])  # > 0 inside
    excess[movers] = np.maximum(r[movers] - local[movers] - 0.6 * np.maximum(depth, 0.0), 0.0)
    excess[idx] = 0.0
    return f - excess[:, None] * radial


def limit_silhouette(
    fused: np.ndarray, template: np.ndarray, frame: TemplateFrame, *, algorithm: Algorithm, ring_scale: float
) -> np.ndarray:
    """The silhouette clamped (``faceswap`` lets it move further, the outer ring at ``ring_scale`` bounds the
    outward move) and the inner vertices kept inside it."""
    faceswap = algorithm is Algorithm.FACESWAP
    max_out = min(0.045 if faceswap else 0.04, (ring_scale - 1.0) * 0.2)
    f = _clamp_contour(fused, template, frame, max_out=max_out, reach=1.4 if faceswap else 1.0)
    return keep_inside(f, template, frame.width)
