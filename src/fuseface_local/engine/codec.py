"""Bytes <-> BGR images: the only place the engine decodes or encodes pictures.

Before a single pixel is decoded the header is read with ``imageinfo.sniff``: anything but jpg/png, and any
header claiming too many pixels (a decompression bomb) or a too small side, is refused with FuseFace's code.
JPEG EXIF orientation is applied, alpha is composited on white and grayscale becomes 3 channels.
"""

from __future__ import annotations

import cv2
import numpy as np

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.imageinfo import check_dimensions, sniff

from .errors import FusionError

__all__ = ["decode", "encode_jpeg"]

JPEG_QUALITY = 95
# Apply EXIF orientation ourselves (from the sniffed header), never implicitly.
_READ_FLAGS = cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION


def decode(data: bytes) -> np.ndarray:
    """Decode jpg/png ``data`` to an upright ``(H, W, 3) uint8`` BGR image.

    The header is checked first (``imageinfo.sniff`` + ``check_dimensions``), without decoding: raises
    ``FusionError`` with ``FailedOperation.ImageDecodeFailed`` (not jpg/png, unreadable header or corrupt
    data), ``FailedOperation.ImagePixelExceed`` (a side >= 4096, so also any decompression bomb) or
    ``FailedOperation.ImageResolutionTooSmall`` (a side <= 64).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
        raise FusionError("FailedOperation.ImageDecodeFailed", "The image could not be decoded: no data.")
    data = bytes(data)
    try:
        info = sniff(data)
        check_dimensions(info)
    except FuseFaceError as exc:  # imageinfo's error: re-raise as the engine's type
        raise FusionError(exc.code, exc.message) from exc
    raw = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), _READ_FLAGS)
    if raw is None or raw.size == 0:
        raise FusionError(
            "FailedOperation.ImageDecodeFailed", "The image could not be decoded: corrupt data."
        )
    if raw.shape[0] != info.height or raw.shape[1] != info.width:
        raise FusionError(
            "FailedOperation.ImageDecodeFailed",
            f"The image could not be decoded: header says {info.width}x{info.height}, "
            f"data is {raw.shape[1]}x{raw.shape[0]}.",
        )
    img = _to_bgr8(raw)
    if info.format == "jpeg":
        img = _apply_orientation(img, info.orientation)
    return np.ascontiguousarray(img)


def _to_bgr8(raw: np.ndarray) -> np.ndarray:
    if raw.dtype == np.uint16:
        raw = (raw >> 8).astype(np.uint8)
    elif raw.dtype != np.uint8:
        raw = np.clip(raw, 0, 255).astype(np.uint8)
    if raw.ndim == 2:
        return cv2.cvtColor(raw, cv2.COLOR_GRAY2BGR)
    channels = raw.shape[2]
    if channels == 1:
        return cv2.cvtColor(raw[:, :, 0], cv2.COLOR_GRAY2BGR)
    if channels == 2:  # gray + alpha
        raw = cv2.merge([raw[:, :, 0], raw[:, :, 0], raw[:, :, 0], raw[:, :, 1]])
        channels = 4
    if channels == 4:
        alpha = raw[:, :, 3:4].astype(np.float32) / 255.0
        rgb = raw[:, :, :3].astype(np.float32)
        return (rgb * alpha + 255.0 * (1.0 - alpha) + 0.5).astype(np.uint8)  # composite on white
    return raw[:, :, :3]


def _apply_orientation(img: np.ndarray, orientation: int) -> np.ndarray:
    """Turn a stored JPEG into its upright view (EXIF orientation 1..8)."""
    if orientation == 2:
        return cv2.flip(img, 1)
    if orientation == 3:
        return cv2.rotate(img, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(img, 0)
    if orientation == 5:  # transpose
        return cv2.transpose(img)
    if orientation == 6:
        return cv2.rotate(img, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:  # transverse
        return cv2.rotate(cv2.transpose(img), cv2.ROTATE_180)
    if orientation == 8:
        return cv2.rotate(img, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return img


def encode_jpeg(img_bgr: np.ndarray, *, quality: int = JPEG_QUALITY) -> bytes:
    """Encode an ``(H, W, 3) uint8`` BGR image as baseline JPEG bytes."""
    if img_bgr.dtype != np.uint8 or img_bgr.ndim != 3 or img_bgr.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {img_bgr.shape} {img_bgr.dtype}")
    ok, buf = cv2.imencode(".jpg", img_bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()
