"""Format, dimensions and EXIF orientation from the first bytes of a jpg/png, without decoding pixels.

Used before any paid call (pre-validation reads at most ``limits.SNIFF_BYTES`` of an object) and before any
decode (a header that claims 100k x 100k is refused before a single pixel is allocated). Standard library only.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Optional

from . import limits
from .errors import FuseFaceError

__all__ = ["ImageInfo", "sniff", "check_dimensions"]

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers that carry the dimensions (baseline, progressive, lossless, arithmetic ...).
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "jpeg" | "png"
    width: int
    height: int
    orientation: int = 1  # EXIF orientation 1..8; 1 = upright

    @property
    def content_type(self) -> str:
        return "image/jpeg" if self.format == "jpeg" else "image/png"

    @property
    def rotated(self) -> bool:
        return self.orientation not in (0, 1)


def _decode_failed(why: str) -> FuseFaceError:
    return FuseFaceError("FailedOperation.ImageDecodeFailed", f"The image could not be decoded: {why}.")


def sniff(data: bytes) -> ImageInfo:
    """Read format, size and orientation from the start of ``data`` (64 KB is enough for real files).

    Raises ``FuseFaceError("FailedOperation.ImageDecodeFailed")`` for anything that is not a jpg or png
    whose header can be read.
    """
    if data.startswith(_PNG_MAGIC):
        return _sniff_png(data)
    if data.startswith(b"\xff\xd8"):
        return _sniff_jpeg(data)
    if data[:6] in (b"GIF87a", b"GIF89a") or data[:2] == b"BM" or data[8:12] == b"WEBP":
        raise _decode_failed("only jpg and png are accepted")
    raise _decode_failed("not a jpg or png")


def _sniff_png(data: bytes) -> ImageInfo:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise _decode_failed("truncated png header")
    width, height = struct.unpack(">II", data[16:24])
    if width == 0 or height == 0:
        raise _decode_failed("png header has a zero dimension")
    return ImageInfo("png", width, height, 1)


def _sniff_jpeg(data: bytes) -> ImageInfo:
    pos, orientation = 2, 1
    n = len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            raise _decode_failed("corrupt jpeg marker")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01,) or 0xD0 <= marker <= 0xD7:  # stand-alone markers
            pos += 2
            continue
        if marker == 0xD9:
            break
        (seg_len,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if seg_len < 2:
            raise _decode_failed("corrupt jpeg segment")
        body = data[pos + 4 : pos + 2 + seg_len]
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            orientation = _exif_orientation(body[6:]) or orientation
        if marker in _SOF_MARKERS:
            if len(body) < 5:
                break
            height, width = struct.unpack(">HH", body[1:5])
            if width == 0 or height == 0:
                raise _decode_failed("jpeg frame has a zero dimension")
            return ImageInfo("jpeg", width, height, orientation)
        if marker == 0xDA:  # start of scan before any frame header
            break
        pos += 2 + seg_len
    raise _decode_failed("no jpeg frame header in the first bytes")


def _exif_orientation(tiff: bytes) -> Optional[int]:
    """Orientation tag (0x0112) of IFD0, or None when absent or unreadable."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    end = "<" if tiff[:2] == b"II" else ">"
    try:
        (ifd,) = struct.unpack(end + "I", tiff[4:8])
        (count,) = struct.unpack(end + "H", tiff[ifd : ifd + 2])
        for i in range(count):
            entry = tiff[ifd + 2 + 12 * i : ifd + 14 + 12 * i]
            tag, typ = struct.unpack(end + "HH", entry[:4])
            if tag == 0x0112 and typ == 3:
                (value,) = struct.unpack(end + "H", entry[8:10])
                return value if 1 <= value <= 8 else None
    except struct.error:
        return None
    return None


def check_dimensions(info: ImageInfo, *, max_side: Optional[int] = None) -> None:
    """FuseFace's per-side limits: 64 < side < ``max_side`` (default 4096; FuseFaceUltra: 8000); raises the
    FuseFace code."""
    max_side = limits.MAX_SIDE_EXCLUSIVE if max_side is None else max_side
    w, h = info.width, info.height
    if min(w, h) <= limits.MIN_SIDE_EXCLUSIVE:
        raise FuseFaceError(
            "FailedOperation.ImageResolutionTooSmall",
            f"The image is {w}x{h}; each side must be larger than {limits.MIN_SIDE_EXCLUSIVE} px.",
        )
    if max(w, h) >= max_side:
        raise FuseFaceError(
            "FailedOperation.ImagePixelExceed",
            f"The image is {w}x{h}; each side must be smaller than {max_side} px.",
        )
