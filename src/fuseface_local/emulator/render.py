"""Finishing touches on a fused JPEG, as FuseFace applies them: the AI label (or the caller's logo) and the codec
metadata.

* Label (``LogoAdd != 0``): FuseFace draws "本图片为AI合成图片" bottom-right. OpenCV's Hershey fonts have no CJK
  glyphs, so the emulator draws the ASCII text ``AI-generated`` (white on a dark box) instead.
* Logo (``LogoAdd != 0`` with ``LogoParam``, see ``logo.py``): the logo image stretched into ``LogoRect`` (clipped
  to the result; a PNG's alpha channel is honoured) instead of the label.
* ``FuseParam.ImageCodecParam.MetaData`` (at most one ``{MetaKey, MetaValue}``): written as one JPEG COM
  segment whose payload is ``"{MetaKey}={MetaValue}"`` in UTF-8, placed after the APPn segments. Read it back
  with :func:`read_metadata` or ``PIL.Image.open(...).info["comment"]``.
"""

from __future__ import annotations

import struct
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Tuple

__all__ = [
    "LABEL_TEXT", "add_label", "draw_label", "draw_logo", "insert_comment", "label_pixels", "read_comments",
    "read_metadata", "warm",
]

LABEL_TEXT = "AI-generated"


def add_label(jpeg: bytes, text: str = LABEL_TEXT, quality: int = 95) -> bytes:
    """Draw ``text`` in a small dark box at the bottom-right corner; returns a new JPEG."""
    import cv2
    import numpy as np

    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if img is None:  # the engine always returns a JPEG; keep the bytes rather than fail the call
        return jpeg
    draw_label(img, text)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return bytes(buf) if ok else jpeg


def draw_label(img, text: str = LABEL_TEXT) -> None:
    """Draw ``text`` in a small dark box at the bottom-right corner of ``img`` ((H, W, 3) uint8 BGR, in place)."""
    import cv2
    import numpy as np

    h, w = img.shape[:2]
    scale = max(0.35, min(w, h) / 900.0)
    thickness = max(1, int(round(scale * 1.5)))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    pad = max(3, int(round(6 * scale)))
    x1, y1 = w - tw - 3 * pad, h - th - base - 3 * pad
    x2, y2 = w - pad, h - pad
    roi = img[max(0, y1):y2, max(0, x1):x2]
    roi[:] = (roi.astype(np.float32) * 0.35).astype(np.uint8)
    cv2.putText(img, text, (x1 + pad, y2 - base - pad // 2), cv2.FONT_HERSHEY_SIMPLEX, scale,
                (255, 255, 255), thickness, cv2.LINE_AA)


def label_pixels(img) -> None:
    """:func:`draw_label` on the label threads (see ``_label_threads``): the engines' ``overlay``, so a fused
    image is encoded once, label included, instead of encoded, decoded and encoded again."""
    _label_threads().submit(draw_label, img).result()


def draw_logo(jpeg: bytes, logo: bytes, rect: Tuple[int, int, int, int], quality: int = 95) -> bytes:
    """``logo`` (jpg/png) stretched to ``rect`` = (x, y, w, h) on ``jpeg``; raises ``ValueError`` when ``rect`` lies
    wholly outside the image or an image cannot be decoded."""
    import cv2
    import numpy as np

    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    mark = cv2.imdecode(np.frombuffer(logo, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None or mark is None:
        raise ValueError("undecodable image")
    if mark.ndim == 2:
        mark = cv2.cvtColor(mark, cv2.COLOR_GRAY2BGR)
    x, y, w, h = rect
    height, width = img.shape[:2]
    x2, y2 = min(width, x + w), min(height, y + h)
    if x >= width or y >= height or x2 <= x or y2 <= y:
        raise ValueError(f"the rect {rect} lies outside the {width}x{height} result")
    mark = cv2.resize(mark, (w, h), interpolation=cv2.INTER_AREA)[: y2 - y, : x2 - x]
    roi = img[y:y2, x:x2].astype(np.float32)
    if mark.shape[2] == 4:
        alpha = mark[:, :, 3:4].astype(np.float32) / 255.0
        roi = roi * (1.0 - alpha) + mark[:, :, :3].astype(np.float32) * alpha
    else:
        roi = mark[:, :, :3].astype(np.float32)
    img[y:y2, x:x2] = np.clip(roi, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("the result could not be encoded")
    return bytes(buf)


def _segments(jpeg: bytes):
    """Yield ``(marker, start, end)`` of each marker segment before the scan data."""
    pos = 2
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF:
        marker = jpeg[pos + 1]
        if marker == 0xDA:  # start of scan: no more headers
            return
        length = struct.unpack(">H", jpeg[pos + 2:pos + 4])[0]
        yield marker, pos, pos + 2 + length
        pos += 2 + length


def insert_comment(jpeg: bytes, payload: bytes) -> bytes:
    """Insert one COM segment after SOI and the APPn segments."""
    if not jpeg.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    if len(payload) > 65533:
        raise ValueError("COM payload too long")
    at = 2
    for marker, _start, end in _segments(jpeg):
        if 0xE0 <= marker <= 0xEF:
            at = end
        else:
            break
    segment = b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:at] + segment + jpeg[at:]


def read_comments(jpeg: bytes) -> List[bytes]:
    return [jpeg[start + 4:end] for marker, start, end in _segments(jpeg) if marker == 0xFE]


def read_metadata(jpeg: bytes) -> Dict[str, str]:
    """``{MetaKey: MetaValue}`` from the COM segments written by :func:`finish`."""
    out = {}
    for payload in read_comments(jpeg):
        key, sep, value = payload.decode("utf-8", "replace").partition("=")
        if sep:
            out[key] = value
    return out


_LABEL_THREADS = 2
_LABEL_POOL: Optional[ThreadPoolExecutor] = None
_WARMED = False
_LABEL_POOL_LOCK = threading.Lock()


def _label_threads() -> ThreadPoolExecutor:
    """Long-lived threads for the label: OpenCV sets up its Hershey font once per *thread* (~40 ms), and the
    emulator's server starts a thread per request, so drawing there would pay that on every call."""
    global _LABEL_POOL
    with _LABEL_POOL_LOCK:
        if _LABEL_POOL is None:
            _LABEL_POOL = ThreadPoolExecutor(max_workers=_LABEL_THREADS, thread_name_prefix="fuseface-label")
        return _LABEL_POOL


def warm() -> None:
    """Import OpenCV and set up the label font on every label thread now (once per process), not during the
    first call that draws a label."""
    global _WARMED
    import numpy as np

    with _LABEL_POOL_LOCK:
        if _WARMED:
            return
        _WARMED = True
    pool = _label_threads()
    both = threading.Barrier(_LABEL_THREADS)  # each task waits for the others: one task per thread

    def draw() -> None:
        both.wait(timeout=10)
        draw_label(np.zeros((64, 64, 3), np.uint8))

    for task in [pool.submit(draw) for _ in range(_LABEL_THREADS)]:
        task.result()


def finish(jpeg: bytes, *, logo: bool, metadata: Optional[Tuple[str, str]],
           custom_logo: Optional[Tuple[bytes, Tuple[int, int, int, int]]] = None) -> bytes:
    """The label (``logo``) or, when given, ``custom_logo`` = (image, rect) instead; then the codec metadata."""
    if custom_logo is not None:
        jpeg = draw_logo(jpeg, *custom_logo)
    elif logo:
        jpeg = _label_threads().submit(add_label, jpeg).result()
    if metadata is not None:
        jpeg = insert_comment(jpeg, f"{metadata[0]}={metadata[1]}".encode())
    return jpeg
