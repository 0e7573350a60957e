"""Piecewise-affine warping on a region of interest, vectorised.

A ``MeshRaster`` rasterises destination triangles once (a triangle-id image over the ROI plus, per
triangle, the affine map from destination pixel to barycentric coordinates). From it, any set of source
vertex positions gives a pair of ``cv2.remap`` maps, and any per-vertex scalar gives a smooth per-pixel
field, both without a per-pixel Python loop.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["Roi", "MeshRaster", "delaunay", "remap_roi"]

_SHIFT = 4  # sub-pixel bits for cv2.fillConvexPoly


class Roi:
    """An axis-aligned box ``[x0, x1) x [y0, y1)`` inside an image."""

    def __init__(self, x0: int, y0: int, x1: int, y1: int) -> None:
        self.x0, self.y0, self.x1, self.y1 = int(x0), int(y0), int(x1), int(y1)

    @classmethod
    def around(cls, points: np.ndarray, shape: tuple, *, pad: float = 2.0) -> Roi:
        """The bounding box of ``points`` (N, 2) grown by ``pad`` px and clipped to an image ``shape``."""
        h, w = shape[:2]
        x0 = max(int(np.floor(points[:, 0].min() - pad)), 0)
        y0 = max(int(np.floor(points[:, 1].min() - pad)), 0)
        x1 = min(int(np.ceil(points[:, 0].max() + pad)) + 1, w)
        y1 = min(int(np.ceil(points[:, 1].max() + pad)) + 1, h)
        return cls(x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))

    @property
    def shape(self) -> tuple:
        return (self.y1 - self.y0, self.x1 - self.x0)

    @property
    def slices(self) -> tuple:
        """``(rows, cols)`` slices of this box in the image."""
        return (slice(self.y0, self.y1), slice(self.x0, self.x1))

    def slices_in(self, outer: Roi) -> tuple:
        """``(rows, cols)`` slices of this box in an array covering ``outer`` (which must contain it)."""
        return (slice(self.y0 - outer.y0, self.y1 - outer.y0), slice(self.x0 - outer.x0, self.x1 - outer.x0))

    def overlaps(self, other: Roi) -> bool:
        """Whether the two boxes share a pixel."""
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def intersection(self, other: Roi) -> Roi:
        """The part of this box inside ``other`` (assumed to overlap it)."""
        return Roi(max(self.x0, other.x0), max(self.y0, other.y0),
                   min(self.x1, other.x1), min(self.y1, other.y1))


def delaunay(points: np.ndarray) -> np.ndarray:
    """Delaunay triangulation of ``points`` (N, 2) as an ``(K, 3) int32`` array of vertex indices.

    Coincident points keep the first index; triangles touching Subdiv2D's virtual outer vertices are dropped.
    (Subdiv2D stores float32 points, so its triangle corners map back to indices exactly.)
    """
    pts = np.ascontiguousarray(points, dtype=np.float32)
    lo = pts.min(axis=0) - 10.0
    hi = pts.max(axis=0) + 10.0
    subdiv = cv2.Subdiv2D((float(lo[0]), float(lo[1]), float(hi[0] - lo[0]) + 1.0, float(hi[1] - lo[1]) + 1.0))
    subdiv.insert(pts)  # one call: Subdiv2D inserts the points one by one, in order
    tri = np.asarray(subdiv.getTriangleList(), dtype=np.float32).reshape(-1, 2)
    # Look the corners up by their exact float32 bit pattern (two float32 = one int64 key).
    keys = np.ascontiguousarray(pts).view(np.int64).ravel()
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    probe = np.ascontiguousarray(tri).view(np.int64).ravel()
    pos = np.clip(np.searchsorted(sorted_keys, probe), 0, len(keys) - 1)
    ids = np.where(sorted_keys[pos] == probe, order[pos], -1).reshape(-1, 3)
    return ids[(ids >= 0).all(axis=1)].astype(np.int32)


def _bary_matrices(dst: np.ndarray, tris: np.ndarray) -> tuple:
    """Per triangle, the 3x3 matrix mapping homogeneous ``(x, y, 1)`` to barycentric weights; degenerate mask."""
    p = dst[tris].astype(np.float64)  # (K, 3, 2)
    m = np.ones((len(tris), 3, 3), dtype=np.float64)
    m[:, 0, :] = p[:, :, 0]
    m[:, 1, :] = p[:, :, 1]
    det = np.linalg.det(m)
    ok = np.abs(det) > 1e-6
    inv = np.zeros_like(m)
    inv[ok] = np.linalg.inv(m[ok])
    return inv, ok


class MeshRaster:
    """Destination triangles rasterised over ``roi``; triangles later in ``tris`` win where they overlap.

    Parameters
    ----------
    dst : (N, 2) float array
        Destination vertex positions in image coordinates.
    tris : (K, 3) int array
        Triangles as vertex indices.
    roi : Roi
        The region rasterised; pixels no triangle covers get id -1.
    """

    def __init__(self, dst: np.ndarray, tris: np.ndarray, roi: Roi) -> None:
        self.roi = roi
        self.dst = np.asarray(dst, dtype=np.float64)
        self.tris = np.asarray(tris, dtype=np.int32)
        self.bary, ok = _bary_matrices(self.dst, self.tris)
        h, w = roi.shape
        ids = np.full((h, w), -1, dtype=np.int32)
        corners = np.round((self.dst - (roi.x0, roi.y0)) * (1 << _SHIFT)).astype(np.int32)[self.tris]
        fill = cv2.fillConvexPoly  # ~1000 calls: positional arguments, corners as a list of (3, 2) arrays
        for k, tri in zip(np.flatnonzero(ok).tolist(), list(corners[ok])):
            fill(ids, tri, k, cv2.LINE_8, _SHIFT)
        self._index(ids)

    def _index(self, ids: np.ndarray) -> None:
        roi = self.roi
        self.ids = ids
        self.covered = ids >= 0
        # Per pixel: its triangle, or len(tris) for "no triangle" (an extra coefficient row: the fill).
        self._tid = np.where(self.covered, ids, len(self.tris)).astype(np.intp)  # ``np.take`` indexes by intp
        self._x = np.arange(roi.x0, roi.x1, dtype=np.float32)[None, :]  # broadcast over the rows
        self._y = np.arange(roi.y0, roi.y1, dtype=np.float32)[:, None]

    def crop(self, box: Roi) -> MeshRaster:
        """The same raster restricted to ``box`` (which must lie inside this raster's ROI), no re-drawing."""
        sub = object.__new__(MeshRaster)
        sub.roi, sub.dst, sub.tris, sub.bary = box, self.dst, self.tris, self.bary
        ids = self.ids[box.slices_in(self.roi)]
        sub._index(np.ascontiguousarray(ids))
        return sub

    def _fields(self, coeffs: np.ndarray, fill: np.ndarray) -> list:
        """Evaluate per-triangle affine ``coeffs`` (K, C, 3) at each pixel: ``c[0] * x + c[1] * y + c[2]``;
        pixels outside every triangle use the affine ``fill`` (C, 3). Returns C ``(H, W) float32`` arrays."""
        table = np.concatenate([coeffs, np.asarray(fill, np.float64)[None]], axis=0).astype(np.float32)
        table = np.ascontiguousarray(table.transpose(1, 2, 0))  # (C, 3, K + 1): one contiguous row per term
        tid = self._tid
        fields = []
        for c in table:  # in place: one temporary per field
            field = np.take(c[0], tid)
            field *= self._x
            term = np.take(c[1], tid)
            term *= self._y
            field += term
            field += np.take(c[2], tid, out=term)
            fields.append(field)
        return fields

    def maps(self, src: np.ndarray) -> tuple:
        """``(map_x, map_y)`` float32 ROI-sized maps for ``cv2.remap``: destination pixel -> source position.

        Pixels outside every triangle map to themselves (an identity warp there).
        """
        s = np.asarray(src, dtype=np.float64)[self.tris]  # (K, 3, 2)
        b = self.bary
        coeffs = s[:, 0, :, None] * b[:, 0, None, :]  # (K, 2, 3): src = coeffs @ (x, y, 1); summed over the
        coeffs += s[:, 1, :, None] * b[:, 1, None, :]  # corners in order, as np.einsum("kvc,kvj->kcj") does,
        coeffs += s[:, 2, :, None] * b[:, 2, None, :]  # at twice its speed
        return tuple(self._fields(coeffs, np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])))

    def interp(self, values: np.ndarray, *, outside: float = 0.0) -> np.ndarray:
        """Per-vertex scalars ``values`` (N,) interpolated linearly inside each triangle: ``(H, W) float32``."""
        v = np.asarray(values, dtype=np.float64)[self.tris]  # (K, 3)
        b = self.bary  # np.einsum("kv,kvj->kj", v, b), corner by corner in the same order
        coeffs = (v[:, 0, None] * b[:, 0] + v[:, 1, None] * b[:, 1] + v[:, 2, None] * b[:, 2])[:, None, :]
        return self._fields(coeffs, np.array([[0.0, 0.0, float(outside)]]))[0]


def remap_roi(img: np.ndarray, maps: tuple, *, border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
    """Sample ``img`` (H, W, C) at ``maps`` with bilinear interpolation; the result has the maps' size."""
    return cv2.remap(img, maps[0], maps[1], cv2.INTER_LINEAR, borderMode=border)
