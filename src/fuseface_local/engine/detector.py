"""MediaPipe BlazeFace full-range face detector run on LiteRT, with our own pre- and post-processing.

The model (``face_detection_full_range.tflite``) takes a ``(1, 192, 192, 3)`` float32 RGB image in [-1, 1]
and returns 2304 anchors (a 48x48 grid, stride 4, one fixed-size anchor per cell), each with 16 regressors
(box centre x, y, width, height, then 6 keypoints x, y, all in 192-px input units relative to the anchor)
and one score logit. Keypoints: subject's right eye, left eye, nose tip, mouth centre, right ear tragion,
left ear tragion.

A single 192x192 view of a big group photo shrinks small faces below the ~14 px the model needs, so larger
images are also scanned at a finer pyramid level in overlapping 192x192 tiles; the detections of every view
are merged with weighted NMS.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import IntEnum
from typing import List, NamedTuple

import cv2
import numpy as np

from .modelfiles import load_interpreter

__all__ = ["Box", "Detection", "FaceDetector", "Keypoint", "MIN_VIEW_FACE", "ViewLevel", "weighted_nms"]

_INPUT = 192
_GRID = 48
_MODEL = "face_detection_full_range.tflite"
MIN_VIEW_FACE = 14  # px: faces smaller than this in a 192-px view are not found reliably
_MIN_LEVEL_STEP = 1.6  # add a finer level only when it magnifies at least this much


class Keypoint(IntEnum):
    """Row of each of BlazeFace's six keypoints in ``Detection.keypoints`` (the subject's right and left)."""

    RIGHT_EYE = 0
    LEFT_EYE = 1
    NOSE_TIP = 2
    MOUTH = 3
    RIGHT_EAR = 4  # tragion
    LEFT_EAR = 5


class Box(NamedTuple):
    """A face box in image pixels: ``[x0, x1) x [y0, y1)``, floats."""

    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Detection:
    """One face in image pixel coordinates: ``box``, ``score`` in [0, 1], ``keypoints`` (6, 2) float32 (rows
    in ``Keypoint`` order)."""

    box: Box
    score: float
    keypoints: np.ndarray

    @property
    def right_eye(self) -> np.ndarray:
        """(2,) float32: the subject's right eye (image left in a frontal photo)."""
        return self.keypoints[Keypoint.RIGHT_EYE]

    @property
    def left_eye(self) -> np.ndarray:
        return self.keypoints[Keypoint.LEFT_EYE]


class Candidates(NamedTuple):
    """Raw detections before merging: ``boxes`` (N, 4) float32 as x0, y0, x1, y1; ``scores`` (N,) float32;
    ``keypoints`` (N, 6, 2) float32."""

    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray


class ViewLevel(NamedTuple):
    """One pyramid level of ``FaceDetector.plan``: the image is resized by ``scale`` and cut into 192x192
    views starting at x offsets ``xs`` and y offsets ``ys`` (resized px), neighbours overlapping by at least
    ``overlap`` px."""

    scale: float
    overlap: int
    xs: List[int]
    ys: List[int]


def _anchors() -> np.ndarray:
    """(2304, 2) anchor centres in [0, 1], row-major over the 48x48 grid (fixed anchor size 1x1)."""
    centres = (np.arange(_GRID, dtype=np.float32) + 0.5) / _GRID
    ys, xs = np.meshgrid(centres, centres, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def _iou_matrix(boxes: np.ndarray, box: np.ndarray) -> tuple:
    """IoU and intersection-over-smaller-area of ``box`` (4,) against ``boxes`` (N, 4)."""
    ix0 = np.maximum(boxes[:, 0], box[0])
    iy0 = np.maximum(boxes[:, 1], box[1])
    ix1 = np.minimum(boxes[:, 2], box[2])
    iy1 = np.minimum(boxes[:, 3], box[3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    area = (box[2] - box[0]) * (box[3] - box[1])
    iou = inter / np.maximum(areas + area - inter, 1e-9)
    ios = inter / np.maximum(np.minimum(areas, area), 1e-9)
    return iou, ios


def weighted_nms(
    boxes: np.ndarray,
    scores: np.ndarray,
    keypoints: np.ndarray,
    *,
    iou: float = 0.3,
    containment: float = 0.7,
) -> List[Detection]:
    """MediaPipe-style weighted NMS: each cluster of boxes overlapping the best remaining one by IoU > ``iou``
    is replaced by the score-weighted mean of its boxes and keypoints, keeping the best score. Then a box
    lying mostly (``containment`` of its area) inside a bigger kept box is dropped: a face inside a face is a
    fragment seen by a fine tile.

    ``boxes`` (N, 4) as x0, y0, x1, y1, ``scores`` (N,) and ``keypoints`` (N, 6, 2), all float32 (see
    ``Candidates``). Returns one ``Detection`` per kept cluster, best score first.
    """
    order = np.argsort(-scores, kind="stable")
    boxes, scores, keypoints = boxes[order], scores[order], keypoints[order]
    alive = np.ones(len(scores), dtype=bool)
    out = []
    for i in range(len(scores)):
        if not alive[i]:
            continue
        ov, _ = _iou_matrix(boxes, boxes[i])
        members = alive & (ov > iou)
        members[i] = True
        w = scores[members][:, None]
        box = (boxes[members] * w).sum(0) / w.sum()
        kps = (keypoints[members] * w[:, :, None]).sum(0) / w.sum()
        out.append((box, float(scores[i]), kps))
        alive &= ~members
    if len(out) >= 2:
        kept = np.array([b for b, _, _ in out])
        areas = (kept[:, 2] - kept[:, 0]) * (kept[:, 3] - kept[:, 1])
        result = []
        for j, item in enumerate(out):
            _, ios = _iou_matrix(kept, kept[j])
            inside_bigger = (ios > containment) & (areas > areas[j])
            if not inside_bigger.any():
                result.append(item)
        out = result
    return [Detection(Box(*(float(v) for v in b)), s, k.astype(np.float32)) for b, s, k in out]


class FaceDetector:
    """BlazeFace full-range on LiteRT. ``detect(img_bgr) -> list[Detection]`` (unsorted, merged).

    Options (keyword-only): ``threads`` for the interpreter, ``min_score`` (MediaPipe uses 0.6 for this
    model), ``min_face`` (smallest face side in image px the tiled levels are sized to find), ``max_views``
    (budget of 192x192 model runs per image; very large images get a coarser finest level).
    """

    def __init__(
        self, *, threads: int = 2, min_score: float = 0.6, min_face: int = 34, max_views: int = 40
    ) -> None:
        self._interp = load_interpreter(_MODEL, threads=threads)
        self._lock = threading.Lock()  # a LiteRT interpreter must not run in two threads at once
        self._in = self._interp.get_input_details()[0]["index"]
        outs = {d["name"]: d["index"] for d in self._interp.get_output_details()}
        self._reg = next(i for n, i in outs.items() if "regressor" in n)
        self._cls = next(i for n, i in outs.items() if "classifier" in n)
        self._anchors = _anchors()
        self.min_score = min_score
        self.min_face = min_face
        self.max_views = max_views

    # -- one 192x192 view --------------------------------------------------------------------------------
    def _infer(self, tensor: np.ndarray) -> Candidates:
        """Run the model on one (192, 192, 3) float32 view in [-1, 1]: the anchors above ``min_score``, in
        view pixels."""
        with self._lock:
            self._interp.set_tensor(self._in, tensor[None])
            self._interp.invoke()
            logits = self._interp.get_tensor(self._cls)[0, :, 0]
            regressors = self._interp.get_tensor(self._reg)[0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -100.0, 100.0)))
        keep = np.nonzero(scores >= self.min_score)[0]
        if keep.size == 0:
            empty = np.zeros(0, np.float32)
            return Candidates(empty.reshape(0, 4), empty, empty.reshape(0, 6, 2))
        raw = regressors[keep]
        anchors = self._anchors[keep] * _INPUT
        cx, cy = raw[:, 0] + anchors[:, 0], raw[:, 1] + anchors[:, 1]
        bw, bh = raw[:, 2], raw[:, 3]
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
        kps = raw[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]
        return Candidates(boxes, scores[keep], kps)

    @staticmethod
    def _to_tensor(rgb: np.ndarray) -> np.ndarray:
        """(h, w, 3) uint8 with h, w <= 192 -> (192, 192, 3) float32 in [-1, 1], image at the top left and
        black padding (a letterbox whose offset is 0)."""
        out = np.full((_INPUT, _INPUT, 3), -1.0, dtype=np.float32)
        h, w = rgb.shape[:2]
        view = out[:h, :w]
        np.multiply(rgb, np.float32(2.0 / 255.0), out=view)
        view -= 1.0
        return out

    # -- the views of one image --------------------------------------------------------------------------
    def plan(self, h: int, w: int) -> List[ViewLevel]:
        """The views of an ``h`` x ``w`` image, one ``ViewLevel`` per pyramid level, coarsest first.

        Level 0 is the whole image in one view; finer levels (at most 4x apart) are tiled until a
        ``min_face`` px face reaches the ~14 px the model needs. When that would take more than
        ``max_views`` views (very large images), the finest level is coarsened to fit the budget."""
        target = min(1.0, MIN_VIEW_FACE / self.min_face)
        while True:
            scales = [_INPUT / max(h, w)]
            while target / scales[-1] > _MIN_LEVEL_STEP:
                scales.append(min(target, scales[-1] * 4.0))
            levels = []
            for i, scale in enumerate(scales):
                ratio = scale / scales[i - 1] if i else 1.0
                overlap = min(_INPUT // 2, int(np.ceil(ratio * MIN_VIEW_FACE)) + 8)
                lw, lh = max(1, round(w * scale)), max(1, round(h * scale))
                levels.append(ViewLevel(scale, overlap, _starts(lw, overlap), _starts(lh, overlap)))
            if sum(len(v.xs) * len(v.ys) for v in levels) <= self.max_views or len(levels) == 1:
                return levels
            target *= 0.85

    def detect(
        self, img_bgr: np.ndarray, *, rgb: np.ndarray | None = None, coarse_only: bool = False
    ) -> List[Detection]:
        """Faces in ``img_bgr`` ((H, W, 3) uint8 BGR), merged over every view.

        ``rgb``: the same image already converted to RGB (saves a conversion). ``coarse_only``: run only
        level 0 (the whole image in one view; faces under ~14 px in that view are missed).
        """
        h, w = img_bgr.shape[:2]
        found: List[Candidates] = []  # in image pixels
        src = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB) if rgb is None else rgb
        levels = self.plan(h, w)
        if coarse_only:
            levels = levels[:1]
        for level in reversed(levels):  # finest first: coarser levels shrink it
            scale = level.scale
            lw, lh = max(1, round(w * scale)), max(1, round(h * scale))
            src = _shrink(src, lw, lh)
            for x0 in level.xs:
                for y0 in level.ys:
                    view = src[y0 : y0 + _INPUT, x0 : x0 + _INPUT]
                    seen = self._infer(self._to_tensor(view))
                    if len(seen.scores) == 0:
                        continue
                    keep = _not_cut(seen.boxes, x0, y0, view.shape[1], view.shape[0], lw, lh)
                    offset = np.array([x0, y0], np.float32)
                    found.append(Candidates(
                        (seen.boxes[keep] + np.tile(offset, 2)) / scale,
                        seen.scores[keep],
                        (seen.keypoints[keep] + offset) / scale,
                    ))
        if not found:
            return []
        scores = np.concatenate([c.scores for c in found])
        if len(scores) == 0:
            return []
        boxes = np.concatenate([c.boxes for c in found])
        keypoints = np.concatenate([c.keypoints for c in found])
        return weighted_nms(boxes, scores, keypoints)


def _shrink(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize to (width, height): halvings with ``pyrDown`` (anti-aliased, fast) then one bilinear step."""
    if (img.shape[1], img.shape[0]) == (width, height):
        return img
    while img.shape[1] >= 2 * width and img.shape[0] >= 2 * height:
        img = cv2.pyrDown(img)
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)


def _starts(length: int, overlap: int) -> list:
    """Start offsets of 192-px tiles covering ``length`` px with at least ``overlap`` px of overlap."""
    if length <= _INPUT:
        return [0]
    n = int(np.ceil((length - overlap) / (_INPUT - overlap)))
    return [round(i * (length - _INPUT) / (n - 1)) for i in range(n)]


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
