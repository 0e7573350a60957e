"""One-time migration of a DATA dir written by the earlier object layout (``DATA/cos/<bucket>/<key>`` files with
``DATA/cos/.meta/<bucket>/<key>.json`` sidecars) into the index + blobs layout of ``store.py``.

It runs when an ``ObjectStore`` opens a DATA dir that still has ``.meta/``, under an exclusive lock so that two
processes opening it at once migrate it once. Every object whose sidecar and body are both readable becomes an
index row (its body file is moved, not copied); the old bucket directories become buckets. Whatever is left (a
body without a sidecar, a sidecar that does not parse) is moved under ``DATA/cos/.legacy/`` for inspection.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import ObjectStore

__all__ = ["migrate"]

log = logging.getLogger(__name__)


def _import(store: ObjectStore, meta_root: Path) -> int:
    from .store import StoreError

    moved = 0
    for bucket_dir in sorted(p for p in meta_root.iterdir() if p.is_dir()):
        bucket = bucket_dir.name
        for sidecar in sorted(p for p in bucket_dir.rglob("*.json") if p.is_file()):
            try:
                meta = json.loads(sidecar.read_text("utf-8"))
                key = meta["key"]
                body = store.root / bucket / key
                data = body.read_bytes()
                record = store.put(bucket, key, data, metadata=meta.get("metadata"),
                                   content_type=meta.get("content_type"), headers=meta.get("headers"))
            except (OSError, ValueError, KeyError, TypeError, StoreError) as exc:
                log.warning("legacy object not migrated: %s (%s)", sidecar.relative_to(meta_root), type(exc).__name__)
                continue
            with store._tx() as db:  # keep the original time stamp
                db.execute("UPDATE objects SET last_modified=? WHERE bucket=? AND key=?",
                           (float(meta.get("last_modified") or record.last_modified), bucket, key))
            body.unlink()
            sidecar.unlink()
            moved += 1
    return moved


def migrate(store: ObjectStore) -> int:
    """Migrate the old layout under ``store.root`` if there is one; returns how many objects moved."""
    meta_root = store.root / ".meta"
    if not meta_root.is_dir():
        return 0
    with open(store.root / ".migrate.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not meta_root.is_dir():  # another process did it while we waited
            return 0
        from .store import _BUCKET_RE

        old_buckets = [p for p in store.root.iterdir() if p.is_dir() and _BUCKET_RE.match(p.name)]
        for bucket_dir in old_buckets:
            store.create_bucket(bucket_dir.name)
        moved = _import(store, meta_root)
        leftovers = store.root / ".legacy" / time.strftime("%Y%m%dT%H%M%S")
        for old in [meta_root, *old_buckets]:
            if any(p.is_file() for p in old.rglob("*")):
                leftovers.mkdir(parents=True, exist_ok=True)
                os.replace(old, leftovers / old.name)
            else:
                shutil.rmtree(old)
        log.info("migrated %d objects of the earlier DATA layout", moved)
        return moved
