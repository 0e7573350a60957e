"""Shared helpers for the ``fuseface serve`` tests: repository paths and small derived test images."""

from __future__ import annotations

import io

from PIL import Image

from ..helpers import EVENTS, FACES, ROOT  # noqa: F401  (re-exported to the serve tests)


def small_face(name: str = "obama.jpg", width: int = 320) -> bytes:
    """A public-domain test face, resized in memory (nothing is written to the repository)."""
    img = Image.open(FACES / name).convert("RGB")
    img = img.resize((width, round(img.height * width / img.width)))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()


def no_face_jpeg(size: int = 256) -> bytes:
    """A smooth gradient: a valid JPEG with no face in it."""
    img = Image.linear_gradient("L").resize((size, size)).convert("RGB")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()
