"""MediaPipe 468-point face mesh (``face_landmark.tflite``) on LiteRT, with our own ROI and projection.

The model takes a ``(1, 192, 192, 3)`` float32 RGB crop in [0, 1] and returns 1404 values (468 points x, y, z
in crop pixels; z has the same scale as x, smaller = nearer the camera) plus a face-presence logit.

The crop is a square around the face, rotated so that the eye line is horizontal and 1.5x the face box
(MediaPipe's ROI recipe); a second pass re-centres the crop on the first pass's own landmarks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from . import topology
from .modelfiles import load_interpreter

__all__ = ["MeshResult", "FaceMesh", "roi_from_eyes"]

_INPUT = 192
_MODEL = "face_landmark.tflite"
_ROI_SCALE = 1.5


@dataclass(frozen=True)
class MeshResult:
    """Landmarks of one face: ``points`` (468, 2) float32 image px, ``z`` (468,) float32 in image px,
    ``presence`` in [0, 1], ``yaw_degrees`` (> 0: the face turns toward the image's right)."""

    points: np.ndarray
    z: np.ndarray
    presence: float
    yaw_degrees: float


class _Pass(NamedTuple):
    """One model pass: ``points`` (468, 3) float64 in image px (z scaled alike), ``presence`` probability,
    ``raw`` (468, 3) float64 model output in crop px."""

    points: np.ndarray
    presence: float
    raw: np.ndarray


def roi_from_eyes(centre: np.ndarray, right_eye: np.ndarray, left_eye: np.ndarray, side: float) -> np.ndarray:
    """2x3 affine matrix mapping crop pixels (192x192) to image pixels for a square of ``side`` px centred at
    ``centre`` whose x axis runs from the subject's right eye to the left eye."""
    axis = np.asarray(left_eye, np.float64) - np.asarray(right_eye, np.float64)
    norm = float(np.hypot(*axis))
    ux = axis / norm if norm > 1e-6 else np.array([1.0, 0.0])
    uy = np.array([-ux[1], ux[0]])
    k = side / _INPUT
    origin = np.asarray(centre, np.float64) - (ux + uy) * side / 2
    return np.array([[ux[0] * k, uy[0] * k, origin[0]], [ux[1] * k, uy[1] * k, origin[1]]])


class FaceMesh:
    """``landmarks(img_rgb, box, right_eye, left_eye) -> MeshResult`` with ``refine`` extra passes."""

    def __init__(self, *, threads: int = 2, refine: int = 1) -> None:
        self._interp = load_interpreter(_MODEL, threads=threads)
        self._lock = threading.Lock()  # a LiteRT interpreter must not run in two threads at once
        self._in = self._interp.get_input_details()[0]["index"]
        outs = sorted(self._interp.get_output_details(), key=lambda d: -int(np.prod(d["shape"])))
        self._pts, self._flag = outs[0]["index"], outs[1]["index"]
        self.refine = refine

    def _pass(self, img_rgb: np.ndarray, crop_to_img: np.ndarray) -> _Pass:
        """One model pass on the crop given by ``crop_to_img`` (2x3 affine, crop px -> image px)."""
        img_to_crop = cv2.invertAffineTransform(crop_to_img)
        crop = cv2.warpAffine(
            img_rgb, img_to_crop, (_INPUT, _INPUT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        tensor = (crop.astype(np.float32) * np.float32(1 / 255.0))[None]
        with self._lock:
            self._interp.set_tensor(self._in, tensor)
            self._interp.invoke()
            raw = self._interp.get_tensor(self._pts).reshape(topology.N_POINTS, 3).astype(np.float64)
            logit = float(self._interp.get_tensor(self._flag).ravel()[0])
        presence = 1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0)))
        xy = raw[:, :2] @ crop_to_img[:, :2].T + crop_to_img[:, 2]
        scale = float(np.hypot(crop_to_img[0, 0], crop_to_img[1, 0]))  # crop px -> image px
        pts = np.concatenate([xy, raw[:, 2:3] * scale], axis=1)
        return _Pass(pts, presence, raw)

    def landmarks(
        self, img_rgb: np.ndarray, box: tuple, right_eye: np.ndarray, left_eye: np.ndarray
    ) -> MeshResult:
        """Mesh of the face in ``box`` (x0, y0, x1, y1) with detector eye keypoints, in image coordinates."""
        x0, y0, x1, y1 = box
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        side = max(x1 - x0, y1 - y0) * _ROI_SCALE
        run = self._pass(img_rgb, roi_from_eyes(centre, right_eye, left_eye, side))
        for _ in range(self.refine):
            pts = run.points
            r_eye = pts[topology.RIGHT_EYE_CORNERS, :2].mean(0)
            l_eye = pts[topology.LEFT_EYE_CORNERS, :2].mean(0)
            # rotation only: measure the landmarks' box in the eye-aligned frame
            m = roi_from_eyes(np.zeros(2), r_eye, l_eye, 1.0)
            rot = m[:, :2] / np.hypot(m[0, 0], m[1, 0])
            local = pts[:, :2] @ rot  # coordinates along (ux, uy)
            lo, hi = local.min(0), local.max(0)
            centre = rot @ ((lo + hi) / 2)
            side = float((hi - lo).max()) * _ROI_SCALE
            run = self._pass(img_rgb, roi_from_eyes(centre, r_eye, l_eye, side))
        return MeshResult(
            points=run.points[:, :2].astype(np.float32),
            z=run.points[:, 2].astype(np.float32),
            presence=float(run.presence),
            yaw_degrees=_yaw(run.raw),
        )


def _yaw(raw: np.ndarray) -> float:
    """Yaw from the crop-frame mesh (eye line horizontal): the angle of the cheek-to-cheek line in x-z."""
    a, b = raw[topology.RIGHT_CHEEK], raw[topology.LEFT_CHEEK]
    return float(np.degrees(np.arctan2(b[2] - a[2], b[0] - a[0])))
