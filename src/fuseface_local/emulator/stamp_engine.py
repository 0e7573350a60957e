"""``--engine stamp``: a LOAD-TEST STAND-IN for the fusion engine, not a fusion.

A burst test must measure the function (limits, retries, claims, COS traffic), not this machine's CPU.
``StampEngine.fuse`` waits ``latency_ms`` (FuseFace's own processing time, as a knob) and returns the template
with a small stamp in its top-left corner whose colour is derived from the user image, so outputs of different
uploads differ and can be told apart. ``detect`` reports one face in the middle of any image (so materials can be
added under it). Nothing about the pixels is meaningful: use the real engine (the default) for that.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

__all__ = ["StampEngine"]


@dataclass(frozen=True)
class StampFace:
    x: int
    y: int
    width: int
    height: int
    score: float = 1.0


class StampEngine:
    """The stand-in (see the module docstring); thread-safe, no models."""

    name = "stamp"
    takes_overlay = True  # ``fuse(..., overlay=...)`` is honoured, as by the real engine

    def __init__(self, latency_ms: float = 0.0) -> None:
        self.latency_ms = float(latency_ms)
        self._lock = threading.Lock()
        self._cache: Dict[bytes, Any] = {}

    def _decoded(self, template: bytes) -> Any:
        """The template's pixels (BGR), decoded once per template (a burst fuses one template again and again)."""
        import cv2
        import numpy as np

        key = hashlib.sha256(template).digest()
        with self._lock:
            if key not in self._cache:
                img = cv2.imdecode(np.frombuffer(template, np.uint8), cv2.IMREAD_COLOR)
                if img is None:
                    raise ValueError("the template could not be decoded")
                self._cache = {key: img}  # one template at a time: enough for a burst
            return self._cache[key]

    def detect(self, image: bytes) -> List[StampFace]:
        from PIL import Image

        with Image.open(io.BytesIO(image)) as img:
            w, h = img.size
        side = max(35, min(w, h) // 3)
        return [StampFace((w - side) // 2, (h - side) // 2, side, side)]

    def fuse(self, template: bytes, users: List[bytes], *, overlay: Optional[Callable[[Any], None]] = None,
             **kwargs: Any) -> bytes:
        """The template with the stamp (after ``latency_ms``); ``overlay`` draws on the pixels before encoding."""
        import cv2

        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000.0)
        digest = hashlib.sha256(b"".join(users)).digest()
        out = self._decoded(template).copy()
        side = max(8, min(out.shape[:2]) // 12)
        rgb = tuple(int(c) for c in digest[:3])
        cv2.rectangle(out, (4, 4), (4 + side, 4 + side), rgb[::-1], thickness=-1)
        cv2.rectangle(out, (4, 4), (4 + side, 4 + side), (255, 255, 255), thickness=1)
        if overlay is not None:
            overlay(out)
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 90])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        return bytes(buf)
