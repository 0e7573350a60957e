"""Object bodies of the emulated COS on disk: one immutable file per write, locked while it is being written.

``DATA/cos/blobs/<bucket>/<16 hex>-<last key segment>`` (readable names: ``ls`` shows what is there). A body is
written to ``.tmp-<hex>`` under an exclusive ``flock`` held until the writer has recorded it in the index (or
given up), then renamed into place (``os.replace``, atomic). A file whose lock can be taken by someone else, that
is older than a few seconds and that no index row names is garbage from a killed writer: :func:`sweep` removes it, so neither ``.tmp-*`` files
nor unreferenced bodies outlive a crash, while bodies being written by another live process are never touched.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

__all__ = ["PendingBlob", "sweep", "write_blob"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
GRACE_S = 5.0  # files younger than this are never swept


def _display_name(key: str) -> str:
    tail = key.rstrip("/").rsplit("/", 1)[-1]
    return _UNSAFE.sub("_", tail)[-60:] or "object"


class PendingBlob:
    """A body written and renamed into place, still locked: call :meth:`release` once the index names it
    (or :meth:`discard` when the write was refused)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    @property
    def name(self) -> str:
        return self.path.name

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = -1

    def discard(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        self.release()


def write_blob(directory: Path, key: str, data: bytes) -> PendingBlob:
    """Write ``data`` as a new body for ``key`` under ``directory`` (which exists); returns it still locked."""
    hexid = uuid.uuid4().hex[:16]
    tmp = directory / f".tmp-{hexid}"
    final = directory / f"{hexid}-{_display_name(key)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.replace(tmp, final)
    except BaseException:
        os.close(fd)
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    return PendingBlob(final, fd)


def _unlocked(path: Path) -> bool:
    """True when nobody holds the file's lock (its writer finished or died) and it is older than the grace
    period (a writer creates its ``.tmp-*`` file a moment before it can lock it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if time.time() - os.fstat(fd).st_mtime < GRACE_S:
            return False
    except OSError:
        os.close(fd)
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for bucket_dir in root.iterdir():
        if bucket_dir.is_dir():
            yield from (p for p in bucket_dir.iterdir() if p.is_file())


def sweep(root: Path, referenced: Callable[[str, str], bool]) -> int:
    """Remove ``.tmp-*`` files and bodies no index row names (``referenced(bucket, name)``), unless a live
    writer still holds their lock. Returns how many files were removed."""
    removed = 0
    for path in _files(root):
        if not path.name.startswith(".tmp-") and referenced(path.parent.name, path.name):
            continue
        if _unlocked(path) and (path.name.startswith(".tmp-") or not referenced(path.parent.name, path.name)):
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed
