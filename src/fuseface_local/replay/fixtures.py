"""The replay fixtures: where ``events/`` is, reading an event, and seeding an emulator from ``events/objects``
and ``events/materials``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List

__all__ = ["default_events_dir", "load_event", "sample_defaults", "seed"]


def default_events_dir() -> Path:
    """``$FUSEFACE_EVENTS_DIR``, else the repository's ``events/`` (next to ``src/``), else ``./events``."""
    env = os.environ.get("FUSEFACE_EVENTS_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3] / "events"  # src/fuseface_local/replay/ -> the repository
    return repo if repo.is_dir() else Path("events")


def load_event(source: str) -> Any:
    """Event JSON from a path, or from stdin when ``source`` is ``-``; a dead letter of the emulator
    (``DATA/dead-letters/*.json``) gives the event it holds."""
    from ..emulator.dlq import unwrap

    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    return unwrap(json.loads(text))


def seed(emu: Any, events_dir: Path) -> Dict[str, int]:
    """Copy fixture objects and materials into the emulator, idempotently.

    Objects already present in the DATA dir are never overwritten; a material whose MaterialId is already
    registered is not added again. ``materials.json`` entries are ``{ProjectId, MaterialId, ModelId, Image, Name,
    Algorithm}`` (``MaterialId`` may be missing in entries of the legacy format, whose ``ModelId`` is the material's
    ID). Returns ``{"objects": n_new, "materials": n_new}``.
    """
    added = {"objects": 0, "materials": 0}
    manifest_path = events_dir / "objects.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    obj_root = events_dir / "objects"
    if obj_root.is_dir():
        for bucket_dir in sorted(p for p in obj_root.iterdir() if p.is_dir()):
            bucket = bucket_dir.name
            for path in sorted(p for p in bucket_dir.rglob("*") if p.is_file()):
                key = path.relative_to(bucket_dir).as_posix()
                if emu.store.exists(bucket, key):
                    continue
                info = manifest.get(bucket, {}).get(key, {})
                emu.store.put(bucket, key, path.read_bytes(), metadata=info.get("metadata") or None,
                              content_type=info.get("content_type"))
                added["objects"] += 1
    for entry in _material_entries(events_dir):
        known = {m.get("MaterialId") for m in emu.materials.list(entry["ProjectId"])}
        if _material_id(entry) in known:
            continue
        emu.materials.add(
            entry["ProjectId"], (events_dir / "materials" / entry["Image"]).read_bytes(),
            name=entry.get("Name"), algorithm=entry.get("Algorithm", "redefine"), material_id=_material_id(entry),
        )
        added["materials"] += 1
    return added


def _material_id(entry: Dict[str, Any]) -> str:
    """An entry's ``MaterialId``; entries written before the current ID format carry only ``ModelId`` (which was
    the material's ID then)."""
    return entry.get("MaterialId") or entry["ModelId"]


def _material_entries(events_dir: Path) -> List[Dict[str, Any]]:
    """``materials/materials.json`` of the fixtures (empty when there is none)."""
    mat_file = events_dir / "materials" / "materials.json"
    return json.loads(mat_file.read_text(encoding="utf-8")) if mat_file.is_file() else []


def sample_defaults(events_dir: Path) -> Dict[str, str]:
    """``FUSEFACE_PROJECT_ID``/``FUSEFACE_MODEL_ID`` of the first fixture material (empty without one)."""
    entries = _material_entries(events_dir)
    if not entries:
        return {}
    return {"FUSEFACE_PROJECT_ID": entries[0]["ProjectId"], "FUSEFACE_MODEL_ID": entries[0]["ModelId"]}
