"""Face effects after a fusion (FuseFaceUltra's ``FusionUltraParam``), driven by the 468 face-mesh landmarks.

Pure ndarray functions (no I/O, no detection): each takes a ``(H, W, 3) uint8`` BGR image and the landmarks of one
face in it, and returns a new image. Each effect writes only inside its region; every pixel outside it is left
exactly as it was. A strength of 0 returns an unchanged copy.

* :func:`smooth_skin` (``MpRadio``, 磨皮): edge-preserving (bilateral) smoothing of the skin -- the face oval minus
  the eyes, brows and lips -- feathered inward from the silhouette.
* :func:`enhance_face` (``EnhanceRadio``): an unsharp mask over the whole face oval (features included): more
  detail, crisper edges.
* :func:`whiten_teeth` (``TeethEnhanceRadio``): inside the inner-lip contour only, the bright, un-red pixels (the
  teeth; not the lips, tongue or the dark mouth) are lifted toward white and lose their yellow cast. A closed mouth is
  left as it is.

:func:`apply_effects` runs them in that order of concern: enhancement first (the whole face), then smoothing (the
skin only, so at equal strengths the skin ends smooth and the features sharp), then the teeth.
"""

from __future__ import annotations

from typing import Tuple

import cv2
import numpy as np

from . import topology as topo

__all__ = ["apply_effects", "enhance_face", "face_width", "mouth_mask", "skin_mask", "smooth_skin", "whiten_teeth"]

_MIN_MOUTH_AREA = 12.0  # px^2 of the inner-lip polygon: below it the mouth is closed
_SMOOTH_WIDTH = 320.0  # px: skin smoothing runs on the face scaled down to this width


def face_width(landmarks: np.ndarray) -> float:
    """Cheek-to-cheek distance (mesh points 234 and 454), at least 8 px."""
    lm = np.asarray(landmarks, np.float64)
    return max(float(np.linalg.norm(lm[454] - lm[234])), 8.0)


def _roi(points: np.ndarray, shape: tuple, pad: int) -> Tuple[int, int, int, int]:
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + pad + 1
    h, w = shape[:2]
    return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


def _fill(shape: tuple, polygons, offset: Tuple[int, int]) -> np.ndarray:
    """A hard 0/1 float32 mask of the filled ``polygons`` (image coordinates) on a ``shape`` grid at ``offset``."""
    mask = np.zeros(shape[:2], np.uint8)
    pts = [np.round(np.asarray(p, np.float64) - offset).astype(np.int32) for p in polygons]
    cv2.fillPoly(mask, pts, 1)
    return mask.astype(np.float32)


def _feather_inward(hard: np.ndarray, sigma: float) -> np.ndarray:
    """A soft mask that is 0 wherever ``hard`` is 0 and rises smoothly inside it (computed on a coarser grid
    when ``sigma`` is large: the result is smooth anyway)."""
    if sigma <= 0.3:
        return hard
    factor = max(1.0, sigma / 4.0)
    grid = hard if factor == 1.0 else cv2.resize(
        hard, (max(int(round(hard.shape[1] / factor)), 1), max(int(round(hard.shape[0] / factor)), 1)),
        interpolation=cv2.INTER_AREA)
    k = max(int(round(sigma / factor)), 1)
    core = cv2.erode(grid, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1)))
    soft = cv2.GaussianBlur(core, (0, 0), sigma / factor)
    if factor != 1.0:
        soft = cv2.resize(soft, (hard.shape[1], hard.shape[0]), interpolation=cv2.INTER_LINEAR)
    return soft * hard


def _region(img: np.ndarray, landmarks: np.ndarray, polygon_idx: np.ndarray, pad: int):
    lm = np.asarray(landmarks, np.float64)
    x0, y0, x1, y1 = _roi(lm[polygon_idx], img.shape, pad)
    return lm, (x0, y0, x1, y1)


def skin_mask(shape: tuple, landmarks: np.ndarray, roi: Tuple[int, int, int, int]) -> np.ndarray:
    """Skin weights (0..1) on the ``roi`` grid: the face oval feathered inward, minus eyes, brows and lips."""
    x0, y0, x1, y1 = roi
    lm = np.asarray(landmarks, np.float64)
    fw = face_width(lm)
    grid = (y1 - y0, x1 - x0)
    oval = _feather_inward(_fill(grid, [lm[topo.FACE_OVAL]], (x0, y0)), 0.04 * fw)
    holes = _fill(grid, [lm[topo.RIGHT_EYE], lm[topo.LEFT_EYE], lm[topo.RIGHT_BROW], lm[topo.LEFT_BROW],
                         lm[topo.LIPS_OUTER]], (x0, y0))
    k = max(int(round(0.03 * fw)), 1)
    holes = cv2.dilate(holes, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1)))
    holes = np.clip(cv2.GaussianBlur(holes, (0, 0), 0.02 * fw) * 1.5, 0.0, 1.0)
    return oval * (1.0 - holes)


def mouth_mask(shape: tuple, landmarks: np.ndarray, roi: Tuple[int, int, int, int]) -> np.ndarray:
    """The inner-lip opening (0..1, feathered inward) on the ``roi`` grid."""
    x0, y0, x1, y1 = roi
    lm = np.asarray(landmarks, np.float64)
    hard = _fill((y1 - y0, x1 - x0), [lm[topo.LIPS_INNER]], (x0, y0))
    return _feather_inward(hard, 0.006 * face_width(lm))


def _blend(img: np.ndarray, roi, target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = roi
    out = img.copy()
    crop = img[y0:y1, x0:x1].astype(np.float32)
    mixed = crop + weight[:, :, None] * (target - crop)
    written = weight > 0
    out[y0:y1, x0:x1][written] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)[written]
    return out


def smooth_skin(img: np.ndarray, landmarks: np.ndarray, strength: float) -> np.ndarray:
    """``MpRadio``: bilateral smoothing of the skin, mixed in by ``strength`` (0..1).

    The filter runs on the face scaled to at most ``_SMOOTH_WIDTH`` px wide (a bilateral filter's cost grows with
    the square of its radius), and the smoothed skin is scaled back: the same look at any resolution.
    """
    if strength <= 0:
        return img.copy()
    lm, roi = _region(img, landmarks, topo.FACE_OVAL, 2)
    x0, y0, x1, y1 = roi
    fw = face_width(lm)
    crop = np.ascontiguousarray(img[y0:y1, x0:x1])
    scale = min(1.0, _SMOOTH_WIDTH / fw)
    small = crop if scale >= 1.0 else cv2.resize(
        crop, (max(int(round(crop.shape[1] * scale)), 1), max(int(round(crop.shape[0] * scale)), 1)),
        interpolation=cv2.INTER_AREA)
    sw = fw * scale
    smooth = cv2.bilateralFilter(small, 0, 28.0, max(0.012 * sw, 1.5))
    smooth = cv2.bilateralFilter(smooth, 0, 22.0, max(0.02 * sw, 2.0))
    if scale < 1.0:
        smooth = cv2.resize(smooth, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_CUBIC)
    weight = skin_mask(img.shape, lm, roi) * float(min(strength, 1.0))
    return _blend(img, roi, smooth.astype(np.float32), weight)


def enhance_face(img: np.ndarray, landmarks: np.ndarray, strength: float) -> np.ndarray:
    """``EnhanceRadio``: an unsharp mask (amount up to 1.5) over the face oval, by ``strength`` (0..1)."""
    if strength <= 0:
        return img.copy()
    lm, roi = _region(img, landmarks, topo.FACE_OVAL, 2)
    x0, y0, x1, y1 = roi
    fw = face_width(lm)
    crop = img[y0:y1, x0:x1].astype(np.float32)
    soft = cv2.GaussianBlur(crop, (0, 0), max(0.006 * fw, 0.8))
    sharp = crop + 1.5 * (crop - soft)
    weight = _feather_inward(_fill(crop.shape, [lm[topo.FACE_OVAL]], (x0, y0)), 0.03 * fw) * float(min(strength, 1.0))
    return _blend(img, roi, sharp, weight)


def whiten_teeth(img: np.ndarray, landmarks: np.ndarray, strength: float) -> np.ndarray:
    """``TeethEnhanceRadio``: teeth inside the mouth opening brightened and de-yellowed, by ``strength`` (0..1)."""
    lm = np.asarray(landmarks, np.float64)
    inner = lm[topo.LIPS_INNER].astype(np.float32)
    if strength <= 0 or abs(cv2.contourArea(inner)) < _MIN_MOUTH_AREA:
        return img.copy()
    roi = _roi(lm[topo.LIPS_INNER], img.shape, 2)
    x0, y0, x1, y1 = roi
    mask = mouth_mask(img.shape, lm, roi)
    if not (mask > 0).any():
        return img.copy()
    lab = cv2.cvtColor(np.ascontiguousarray(img[y0:y1, x0:x1]), cv2.COLOR_BGR2LAB).astype(np.float32)
    light, red, yellow = lab[:, :, 0], lab[:, :, 1] - 128.0, lab[:, :, 2] - 128.0
    inside = light[mask > 0.5] if (mask > 0.5).any() else light[mask > 0]
    lo, hi = np.percentile(inside, 30), np.percentile(inside, 85)
    teeth = np.clip((light - lo) / max(hi - lo, 8.0), 0.0, 1.0)
    teeth *= 1.0 - np.clip((red - 10.0) / 14.0, 0.0, 1.0)  # lips and tongue are red, teeth are not
    w = teeth * mask * float(min(strength, 1.0))
    lab[:, :, 0] = light + w * 0.35 * (255.0 - light)
    lab[:, :, 2] = 128.0 + yellow * (1.0 - 0.6 * w * (yellow > 0))
    target = cv2.cvtColor(np.clip(lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2BGR).astype(np.float32)
    return _blend(img, roi, target, (w > 0).astype(np.float32))


def apply_effects(img: np.ndarray, landmarks: np.ndarray, *, enhance: float, mp: float, teeth: float) -> np.ndarray:
    """Enhancement, skin smoothing and teeth whitening of one face (see the module docstring)."""
    out = enhance_face(img, landmarks, enhance)
    out = smooth_skin(out, landmarks, mp)
    return whiten_teeth(out, landmarks, teeth)
