"""Preparing an upload for FuseFace's base64 input: EXIF rotation and the 5 MB base64 limit (Pillow)."""

from __future__ import annotations

import base64
import io
from typing import Optional

from . import limits
from .errors import FuseFaceError
from .imageinfo import check_dimensions, sniff

__all__ = ["upright_base64", "check_base64_image"]


def upright_base64(data: bytes, *, max_base64: Optional[int] = None) -> str:
    """Apply the EXIF orientation, re-encode as JPEG and return base64 within ``max_base64`` bytes (5 MB; Ultra:
    10 MB), lowering the quality, then the size."""
    from PIL import Image, ImageOps

    max_base64 = limits.MAX_BASE64_BYTES if max_base64 is None else max_base64
    try:
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            for scale in (1.0, 0.85, 0.7, 0.5):
                current = img if scale == 1.0 else img.resize(
                    (max(65, int(img.width * scale)), max(65, int(img.height * scale))), Image.LANCZOS)
                for quality in (92, 85, 75):
                    buf = io.BytesIO()
                    current.save(buf, format="JPEG", quality=quality)
                    if limits.base64_len(buf.tell()) <= max_base64:
                        return base64.b64encode(buf.getvalue()).decode("ascii")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise FuseFaceError("FailedOperation.ImageDecodeFailed", f"The image could not be decoded: {exc}.") from None
    raise FuseFaceError("FailedOperation.ImageSizeExceed",
                        f"The image does not fit in {max_base64 // (1024 * 1024)} MB of base64 even re-encoded.")


def check_base64_image(text: str, image_limits: Optional[limits.ImageLimits] = None) -> str:
    """Validate a base64 image (jpg/png, 64 < side < 4096, or Ultra's 8000); an EXIF-rotated one is made upright.

    ``text`` comes from a validated request model (which enforces the base64 ceiling). Returns the base64 text to send.
    """
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        raise FuseFaceError("FailedOperation.ImageDecodeFailed", "Image is not valid base64.") from None
    info = sniff(data[: limits.SNIFF_BYTES])
    if image_limits is None:  # FuseFace's
        check_dimensions(info)
        return upright_base64(data) if info.rotated else text
    check_dimensions(info, max_side=image_limits.max_side_exclusive)
    return upright_base64(data, max_base64=image_limits.max_base64_bytes) if info.rotated else text
