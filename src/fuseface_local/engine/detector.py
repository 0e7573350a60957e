"""Face detection over every face size an upload can have: from a face filling the frame (a 112 px aligned crop,
a selfie cropped tight) down to ``min_face`` px (34, FuseFace's smallest face) in a large photo.

The views of one image (``FaceDetector.plan`` / ``views``):

* the close view: BlazeFace short range (MediaPipe's selfie model) on the whole image, letterboxed into one
  128x128 view. It finds faces from ``CLOSE_MIN`` of the image's long side up to faces larger than the frame;
  ``retry`` runs it on the image shrunk into the middle of a padded view (pad-and-retry, for an image where no
  face was found: a face cut by the frame on every side);
* full-range levels: BlazeFace full range on the image resized by each level's scale and cut into overlapping
  192x192 tiles. The finest level brings a ``min_face`` face to the ``MIN_VIEW_FACE`` px the model needs;
  coarser levels (the whole image in one view at the coarsest) are added only when they save views. Each
  level's tiles overlap by the largest face that no coarser view finds, so every face is seen whole once.

Candidates down to ``weak_score`` are kept (a turned face scores lower than a frontal one): ``FaceAnalyzer``
accepts a weak one only when the face mesh is confident it is a face. Everything is merged with weighted NMS.
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional

import cv2
import numpy as np

from .blazeface import (
    FULL_RANGE,
    SHORT_RANGE,
    BlazeFace,
    Box,
    Candidates,
    Detection,
    Keypoint,
    weighted_nms,
)
from .blazeface import _iou_matrix as _overlaps

__all__ = [
    "Box", "CLOSE_MIN", "Detection", "FaceDetector", "Keypoint", "MIN_VIEW_FACE", "ViewLevel", "weighted_nms",
]

MIN_VIEW_FACE = 12  # px: the smallest face the full-range model finds in a 192-px view (at a weak score)
FULL_MAX = 0.5  # the largest face a full-range view finds reliably, as a fraction of the view
CLOSE_MIN = 0.2  # the smallest face the close view finds reliably, as a fraction of the image's long side
MAX_LEVEL_STEP = 6.0  # neighbouring full-range levels at most this far apart (their face ranges overlap)
RETRY_FILL = 0.6  # pad-and-retry: the image fills this much of the close view
CLOSE_BOX_SCALE = 1.1  # a short-range box grown by this and moved up by CLOSE_BOX_SHIFT of its height
CLOSE_BOX_SHIFT = 0.06  # is the full-range box of the same face (measured on the test faces)
_TILE = FULL_RANGE.size


class ViewLevel(NamedTuple):
    """One full-range level: the image is resized by ``scale`` and cut into 192x192 views starting at x
    offsets ``xs`` and y offsets ``ys`` (resized px), neighbours overlapping by at least ``overlap`` px."""

    scale: float
    overlap: int
    xs: List[int]
    ys: List[int]

    @property
    def views(self) -> int:
        return len(self.xs) * len(self.ys)


class FaceDetector:
    """BlazeFace full range and short range on LiteRT (each model loaded once). ``detect(img_bgr)`` returns
    merged ``Detection`` values, unsorted.

    Options (keyword-only): ``threads`` per interpreter; ``min_score``: a detection at least this sure needs no
    confirmation (MediaPipe's 0.6); ``weak_score``: candidates down to this score are returned for the mesh to
    confirm; ``min_face``: the smallest face side (image px) the tiles are sized for; ``max_views``: the budget
    of full-range views per image (very large images get a coarser finest level).
    """

    def __init__(
        self,
        *,
        threads: int = 2,
        min_score: float = 0.6,
        weak_score: float = 0.4,
        min_face: int = 34,
        max_views: int = 40,
    ) -> None:
        self.full = BlazeFace(FULL_RANGE, threads=threads)
        self.short = BlazeFace(SHORT_RANGE, threads=threads)
        self.min_score = min_score
        self.weak_score = min(weak_score, min_score)
        self.min_face = min_face
        self.max_views = max_views

    # -- the plan ----------------------------------------------------------------------------------------
    def plan(self, h: int, w: int) -> List[ViewLevel]:
        """The full-range levels of an ``h`` x ``w`` image, coarsest first (see the module docstring): the
        cheapest chain of levels from the finest one to one that reaches the close view's faces."""
        side = max(h, w)
        coarsest = _TILE / side
        target = MIN_VIEW_FACE / self.min_face
        while True:
            best: Optional[List[ViewLevel]] = None
            for chain in _chains(target, coarsest, side):
                levels = _levels(chain, h, w, side)
                if best is None or sum(v.views for v in levels) < sum(v.views for v in best):
                    best = levels
            assert best is not None
            if sum(v.views for v in best) <= self.max_views or len(best) == 1:
                return best[::-1]
            target *= 0.85

    @staticmethod
    def coarse_level(h: int, w: int) -> ViewLevel:
        """The whole image in one full-range view."""
        return ViewLevel(_TILE / max(h, w), 0, [0], [0])

    # -- detection ---------------------------------------------------------------------------------------
    def close_view(self, rgb: np.ndarray, *, fill: float = 1.0, halvings: Optional[list] = None) -> Candidates:
        """The short-range model on the whole image (``fill`` < 1: shrunk into the middle of a padded view,
        the padding continuing the image's edges), in image pixels. ``halvings``: see ``_shrink``."""
        h, w = rgb.shape[:2]
        size = self.short.size
        scale = size * fill / max(h, w)
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        small = _shrink(rgb, sw, sh, halvings)
        offset = np.zeros(2, np.float32)
        if fill < 1.0:
            left, top = (size - sw) // 2, (size - sh) // 2
            small = cv2.copyMakeBorder(small, top, size - sh - top, left, size - sw - left, cv2.BORDER_REPLICATE)
            offset = np.array([-left, -top], np.float32)
        seen = self.short.infer(self.short.tensor(small), self.weak_score)
        return _as_full_range(seen.moved(offset, scale))

    def tiles(self, rgb: np.ndarray, levels: List[ViewLevel], halvings: Optional[list] = None) -> List[Candidates]:
        """The full-range model on every tile of ``levels``, in image pixels; a detection cut by a tile edge
        that is not an image edge is dropped (a neighbour sees it whole). ``halvings``: see ``_shrink``."""
        h, w = rgb.shape[:2]
        found = []
        src = rgb
        for level in sorted(levels, key=lambda v: -v.scale):  # finest first: coarser levels shrink it
            lw, lh = max(1, round(w * level.scale)), max(1, round(h * level.scale))
            src = _shrink(src, lw, lh, halvings if src is rgb else None)
            for x0 in level.xs:
                for y0 in level.ys:
                    view = src[y0: y0 + _TILE, x0: x0 + _TILE]
                    seen = self.full.infer(self.full.tensor(view), self.weak_score)
                    if len(seen.scores):
                        keep = _not_cut(seen.boxes, x0, y0, view.shape[1], view.shape[0], lw, lh)
                        found.append(seen.select(keep).moved(np.array([x0, y0], np.float32), level.scale))
        return found

    def detect(
        self, img_bgr: np.ndarray, *, rgb: np.ndarray | None = None, coarse_only: bool = False
    ) -> List[Detection]:
        """Faces in ``img_bgr`` ((H, W, 3) uint8 BGR), merged over every view.

        ``rgb``: the same image already converted to RGB (saves a conversion). ``coarse_only``: only the close
        view and the whole image in one full-range view (``coarse_level``; faces under about ``MIN_VIEW_FACE``
        px in that view may be missed).
        """
        src = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB) if rgb is None else rgb
        h, w = src.shape[:2]
        levels = [self.coarse_level(h, w)] if coarse_only else self.plan(h, w)
        halvings = [src]  # the finest tiles and the close view both start by halving the image
        tiled = _nms(Candidates.concat(self.tiles(src, levels, halvings)))
        return _prefer(tiled, _nms(self.close_view(src, halvings=halvings)), self.min_score)

    def retry(self, rgb: np.ndarray) -> List[Detection]:
        """Pad-and-retry, for an image where ``detect`` found no face: the close view of the image shrunk into
        the middle of a padded view (a face cut by the frame on every side)."""
        return _nms(self.close_view(rgb, fill=RETRY_FILL))


def _as_full_range(found: Candidates) -> Candidates:
    """Short-range boxes in the full-range model's convention: they are about ``CLOSE_BOX_SCALE`` times
    smaller and start lower (brows to chin, not forehead to chin), measured on the test faces."""
    b = found.boxes
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2 - CLOSE_BOX_SHIFT * h
    w, h = w * CLOSE_BOX_SCALE, h * CLOSE_BOX_SCALE
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float32)
    return Candidates(boxes, found.scores, found.keypoints)


def _nms(found: Candidates) -> List[Detection]:
    return weighted_nms(*found) if len(found.scores) else []


def _prefer(primary: List[Detection], other: List[Detection], sure: float) -> List[Detection]:
    """``primary`` plus each face of ``other`` that no kept face overlaps; where two overlap, the ``primary``
    one, unless it is weak (score under ``sure``) and the other surer."""
    kept = list(primary)
    for det in sorted(other, key=lambda d: -d.score):
        if kept:
            iou, ios = _overlaps(np.array([k.box for k in kept], np.float32), np.asarray(det.box, np.float32))
            hit = np.flatnonzero((iou > 0.3) | (ios > 0.7))
            if hit.size:
                j = int(hit[np.argmax(iou[hit])])
                if kept[j].score < sure and det.score > kept[j].score:
                    kept[j] = det
                continue
        kept.append(det)
    return kept


def _chains(target: float, coarsest: float, side: int) -> List[List[float]]:
    """Candidate chains of full-range scales, finest first: the finest level at ``target`` (or the whole image
    in one view when that is finer) alone when it reaches the close view's smallest face, else with 1..3
    coarser levels spaced evenly down to the whole image in one view, neighbours at most ``MAX_LEVEL_STEP``
    apart."""
    if target <= coarsest:
        return [[coarsest]]
    reach = FULL_MAX * _TILE / (CLOSE_MIN * side)  # a level this coarse finds the close view's smallest face
    chains = [[target]] if target <= reach else []
    for n in range(2, 5):
        chain = [float(s) for s in np.geomspace(target, coarsest, n)]
        if chain[0] / chain[1] <= MAX_LEVEL_STEP:
            chains.append(chain)
    return chains or [[float(s) for s in np.geomspace(target, coarsest, 5)]]


def _levels(chain: List[float], h: int, w: int, side: int) -> List[ViewLevel]:
    """``ViewLevel`` values (finest first) of a chain of scales: each overlaps its tiles by the largest face no
    coarser view finds (the next level's smallest, or the close view's)."""
    levels = []
    for i, scale in enumerate(chain):
        next_min = MIN_VIEW_FACE / chain[i + 1] if i + 1 < len(chain) else CLOSE_MIN * side
        overlap = min(_TILE // 2, int(np.ceil(next_min * scale)) + 8)
        lw, lh = max(1, round(w * scale)), max(1, round(h * scale))
        levels.append(ViewLevel(scale, overlap, _starts(lw, overlap), _starts(lh, overlap)))
    return levels


def _shrink(img: np.ndarray, width: int, height: int, halvings: Optional[list] = None) -> np.ndarray:
    """Resize to (width, height): halvings with ``pyrDown`` (anti-aliased, fast) then one bilinear step.

    ``halvings``: ``[img, pyrDown(img), ...]`` as far as computed (at least ``[img]``); the halvings this call
    needs are taken from it and added to it, so several shrinks of one image halve it once."""
    if (img.shape[1], img.shape[0]) == (width, height):
        return img
    halvings = [img] if halvings is None else halvings
    k = 0
    while img.shape[1] >= 2 * width and img.shape[0] >= 2 * height:
        k += 1
        if k == len(halvings):
            halvings.append(cv2.pyrDown(img))
        img = halvings[k]
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)


def _starts(length: int, overlap: int) -> list:
    """Start offsets of 192-px tiles covering ``length`` px with at least ``overlap`` px of overlap."""
    if length <= _TILE:
        return [0]
    n = int(np.ceil((length - overlap) / (_TILE - overlap)))
    return [round(i * (length - _TILE) / (n - 1)) for i in range(n)]


def _not_cut(boxes: np.ndarray, x0: int, y0: int, vw: int, vh: int, lw: int, lh: int) -> np.ndarray:
    """Detections not cut by a tile edge that is not an image edge (a neighbour tile sees those whole)."""
    m = 1.0
    keep = np.ones(len(boxes), dtype=bool)
    if x0 > 0:
        keep &= boxes[:, 0] > m
    if y0 > 0:
        keep &= boxes[:, 1] > m
    if x0 + vw < lw:
        keep &= boxes[:, 2] < vw - m
    if y0 + vh < lh:
        keep &= boxes[:, 3] < vh - m
    return keep

