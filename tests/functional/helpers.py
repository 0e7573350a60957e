"""Helpers for the functional tests: the SCF handler against the in-process emulator through the real SDKs."""

from __future__ import annotations

import io
import uuid
from typing import Any, Dict, Optional

from ..helpers import BUCKET, EVENTS, FACES, MODEL, exif_orientation, solid_jpeg

TOKEN = "functional-session-token"


def selfie_bytes() -> bytes:
    return (EVENTS / "objects" / BUCKET / "uploads" / MODEL / "selfie.jpg").read_bytes()


def small_face(name: str = "biden.jpg", width: int = 360, *, orientation: Optional[int] = None,
               fmt: str = "JPEG") -> bytes:
    """A test face scaled to ``width`` px (top square crop, where the face is); optionally tagged rotated
    (the pixels are then rotated the other way, so the upright image still shows an upright face)."""
    from PIL import Image

    with Image.open(FACES / name) as img:
        img = img.convert("RGB")
        side = min(img.width, img.height)
        img = img.crop((0, 0, side, side)).resize((width, width))
        buf = io.BytesIO()
        if orientation == 6:  # "rotate 90 CW to display": store it rotated 90 CCW
            img.transpose(Image.ROTATE_90).save(buf, format=fmt, exif=exif_orientation(6))
        else:
            img.save(buf, format=fmt)
        return buf.getvalue()


def blank_jpeg(width: int = 320, height: int = 320) -> bytes:
    return solid_jpeg(width, height, (90, 140, 200))


def unique_key(stem: str, ext: str = ".jpg") -> str:
    return f"uploads/{MODEL}/{stem}-{uuid.uuid4().hex[:8]}{ext}"


def context(time_limit_ms: int = 60000) -> Dict[str, Any]:
    return {"request_id": f"fn-{uuid.uuid4().hex[:12]}", "time_limit_in_ms": time_limit_ms,
            "memory_limit_in_mb": 512, "function_name": "fuseface"}
