"""Soft masks shared by the fusion stages: a Hermite step, filled polygons, feathering, and the coarse grid
the per-pixel mask work runs on.

Masks are ``(H, W) uint8`` 0/255 when hard and ``(H, W) float32`` in [0, 1] when soft.
"""

from __future__ import annotations

import cv2
import numpy as np

from .warp import Roi

__all__ = ["CoarseGrid", "feather", "planes3", "polygon_mask", "rows3", "smoothstep"]


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at ``e0`` to 1 at ``e1``, elementwise (``x``'s dtype is kept for float32)."""
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def planes3(plane: np.ndarray) -> np.ndarray:
    """``(H, W)`` -> ``(H, W, 3)``, the plane in every channel. Elementwise work with a 3-channel image is several
    times faster on it than on ``plane[:, :, None]`` (numpy broadcasts that in 3-element inner loops)."""
    if plane.dtype == bool:
        return planes3(plane.view(np.uint8)).view(bool)
    return cv2.merge((plane, plane, plane))


def rows3(values: np.ndarray, width: int) -> np.ndarray:
    """Per-channel ``values`` (3,) repeated as a ``(width, 3)`` row: broadcast over a ``(H, width, 3)`` image it
    gives numpy whole-row inner loops (a bare (3,) array gives 3-element ones); same results. (Filled by assignment:
    ``np.tile`` costs several times more on these small rows.)"""
    values = np.asarray(values)
    row = np.empty((width, values.size), values.dtype)
    row[...] = values
    return row


def polygon_mask(shape: tuple, polys: list, offset: tuple = (0, 0), *, dilate: int = 0) -> np.ndarray:
    """Filled polygons (each (N, 2) image coords) as a ``(H, W) uint8`` 0/255 mask; ``offset`` = ROI origin.

    ``dilate`` grows each polygon by that many px (a thick outline: much cheaper than ``cv2.dilate``).
    """
    mask = np.zeros(shape[:2], dtype=np.uint8)
    pts = [np.round((np.asarray(p, np.float64) - offset) * 16).astype(np.int32) for p in polys]
    cv2.fillPoly(mask, pts, 255, lineType=cv2.LINE_AA, shift=4)
    if dilate > 0:
        cv2.polylines(mask, pts, True, 255, thickness=2 * int(dilate) + 1, lineType=cv2.LINE_AA, shift=4)
    return mask


def feather(mask: np.ndarray, *, erode: float, sigma: float) -> np.ndarray:
    """A hard ``uint8`` mask eroded by ``erode`` px (dilated if negative), softened by a Gaussian -> float32."""
    m = mask
    r = int(round(abs(erode)))
    if r > 0:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        m = cv2.erode(m, k) if erode > 0 else cv2.dilate(m, k)
    f = m.astype(np.float32) * (1.0 / 255.0)
    if sigma > 0.3:
        h, w = f.shape
        factor = 2 if sigma > 6 else 1
        if factor > 1:
            small = cv2.resize(f, (max(w // factor, 1), max(h // factor, 1)), interpolation=cv2.INTER_AREA)
            small = cv2.GaussianBlur(small, (0, 0), sigma / factor)
            f = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        else:
            f = cv2.GaussianBlur(f, (0, 0), sigma)
    return f


class CoarseGrid:
    """The pixels of ``box`` on a grid ``step`` times coarser (by default 2 for a face wider than 160 px, else
    1), where the mask and colour statistics work runs.

    ``shape``: the coarse ``(h, w)``; ``sx``: coarse px per image px (x). ``down``/``up`` resample a box-sized
    array to the grid and back; ``poly`` maps image-coordinate points (N, 2) to grid coordinates.
    """

    def __init__(self, box: Roi, face_width: float, *, step: int | None = None) -> None:
        h, w = box.shape
        self.step = step if step is not None else (2 if face_width > 160 else 1)
        sh, sw = max(h // self.step, 2), max(w // self.step, 2)
        self.shape = (sh, sw)
        self.sx, self.sy = sw / w, sh / h
        self._full = (w, h)
        self._origin = (box.x0, box.y0)

    def down(self, img: np.ndarray) -> np.ndarray:
        """A box-sized array on the grid (area-averaged)."""
        if self.step == 1:
            return img
        return cv2.resize(img, (self.shape[1], self.shape[0]), interpolation=cv2.INTER_AREA)

    def up(self, img: np.ndarray) -> np.ndarray:
        """A grid-sized array back on the box (bilinear)."""
        return cv2.resize(img, self._full, interpolation=cv2.INTER_LINEAR) if self.step > 1 else img

    def poly(self, points: np.ndarray) -> np.ndarray:
        """Image-coordinate points (N, 2) in grid coordinates (float64)."""
        return (np.asarray(points, np.float64) - self._origin) * (self.sx, self.sy)
