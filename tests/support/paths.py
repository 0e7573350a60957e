"""Repository paths and the names the fixtures in ``events/`` use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
FACES = ROOT / "tests" / "assets" / "faces"
BUCKET = "fuseface-1250000000"
PROJECT = "at_1603326187690926080"  # the fixtures' activity and material (events/materials/materials.json)
MATERIAL = "mt_1603586676924403712"
MODEL = f"{MATERIAL}_1"
REGION = "ap-guangzhou"


def load_event(name: str) -> Dict[str, Any]:
    """An event fixture of ``events/`` by file name."""
    return json.loads((EVENTS / name).read_text("utf-8"))


def event_files() -> List[Path]:
    """Every SCF event fixture (COS, API Gateway, Function URL) in ``events/``."""
    return sorted(p for p in EVENTS.glob("*.json") if p.name.startswith(("cos_", "apigw_", "function_url_")))


def asset(name: str) -> bytes:
    """Bytes of ``tests/assets/faces/<name>`` (public-domain faces; see PROVENANCE.md there)."""
    return (FACES / name).read_bytes()
