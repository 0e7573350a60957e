"""Shared by the test folders: repository paths, the fixture bucket/activity/material and synthetic JPEGs."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
FACES = ROOT / "tests" / "assets" / "faces"
BUCKET = "fuseface-1250000000"
PROJECT = "300029"
MODEL = "qc_300029_000001_1"


def load_event(name: str) -> Dict[str, Any]:
    return json.loads((EVENTS / name).read_text("utf-8"))


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
