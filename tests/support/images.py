"""Images for tests: synthetic JPEG/PNG files built in memory, and public-domain faces (``tests/assets/faces``,
provenance in PROVENANCE.md there) resized in memory. Nothing is written to the repository."""

from __future__ import annotations

import io
from typing import Optional, Tuple

from .paths import BUCKET, EVENTS, FACES, MODEL


def exif_orientation(value: int) -> bytes:
    """EXIF bytes carrying only Orientation (tag 0x0112) = ``value``."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def solid_jpeg(width: int, height: int, color: Tuple[int, int, int], *, orientation: Optional[int] = None) -> bytes:
    """A uniform JPEG (no face in it), optionally tagged with an EXIF orientation."""
    from PIL import Image

    buf = io.BytesIO()
    extra = {"exif": exif_orientation(orientation)} if orientation else {}
    Image.new("RGB", (width, height), color).save(buf, format="JPEG", **extra)
    return buf.getvalue()


def jpeg_bytes(width: int = 200, height: int = 240, *, orientation: Optional[int] = None) -> bytes:
    """A small uniform JPEG: valid for every header check, no face in it."""
    return solid_jpeg(width, height, (180, 140, 120), orientation=orientation)


def png_bytes(width: int, height: int) -> bytes:
    """A uniform PNG."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 180, 160)).save(buf, "PNG")
    return buf.getvalue()


def noisy_jpeg(size: int = 200) -> bytes:
    """A JPEG that does not compress well (for size-limit tests)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.effect_noise((size, size), 80).convert("RGB").save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def no_face_jpeg(size: int = 256) -> bytes:
    """A smooth gradient: a valid, non-uniform JPEG with no face in it."""
    from PIL import Image

    img = Image.linear_gradient("L").resize((size, size)).convert("RGB")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()


def small_face(name: str = "biden.jpg", width: int = 360, *, square: bool = True, orientation: Optional[int] = None,
               fmt: str = "JPEG") -> bytes:
    """A public-domain test face scaled to ``width`` px.

    ``square`` crops the top square first (where the face is in the portrait photos) and gives a
    ``width`` x ``width`` image; otherwise the aspect ratio is kept. With ``orientation=6`` the image is tagged
    "rotate 90 degrees clockwise to display" and its pixels are stored rotated the other way, so the upright view
    still shows an upright face.
    """
    from PIL import Image

    with Image.open(FACES / name) as img:
        img = img.convert("RGB")
        if square:
            side = min(img.width, img.height)
            img = img.crop((0, 0, side, side)).resize((width, width))
        else:
            img = img.resize((width, round(img.height * width / img.width)))
        buf = io.BytesIO()
        if orientation == 6:
            img.transpose(Image.ROTATE_90).save(buf, format=fmt, exif=exif_orientation(6), quality=90)
        elif orientation is not None:
            raise ValueError("only orientation 6 is supported")
        else:
            img.save(buf, format=fmt, quality=90)
        return buf.getvalue()


def selfie_bytes() -> bytes:
    """The sample upload of the fixtures (``events/objects/.../selfie.jpg``)."""
    return (EVENTS / "objects" / BUCKET / "uploads" / MODEL / "selfie.jpg").read_bytes()
