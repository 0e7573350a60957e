"""Object state of the emulated COS: buckets and objects on disk, one metadata sidecar per object.

Layout under ``DATA/cos/``::

    <bucket>/<key>                 the object bytes (the key's "/" are directories)
    .meta/<bucket>/<key>.json      {"key", "size", "etag", "last_modified", "content_type", "metadata", "headers"}

so objects survive a restart and a replay can print a human-readable path. A bucket exists once its directory
does (buckets are created on the first write).

Keys are checked before any path is built (:func:`check_key`): no empty key, no absolute key, no NUL or
backslash, no ``.``/``..``/empty segment (so ``a//b`` and folder markers ``dir/`` are refused), at most 850
bytes and 255 bytes per segment, and the final path must resolve inside the bucket directory. A key that is a
prefix directory of another key (``a`` and ``a/b``) cannot coexist on a file system: the second write is refused
with ``InvalidArgument`` (a documented deviation from COS).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

__all__ = ["ObjectRecord", "ObjectStore", "StoreError", "check_bucket", "check_key"]

_BUCKET_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?-\d{1,12}$")
_META_PREFIX = "x-cos-meta-"
MAX_KEY_BYTES = 850


class StoreError(Exception):
    """A COS-level refusal: ``code`` is the COS error code, ``status`` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass
class ObjectRecord:
    key: str
    size: int
    etag: str  # md5 hex, without quotes
    last_modified: float
    content_type: str = "application/octet-stream"
    metadata: Dict[str, str] = field(default_factory=dict)  # lowercase "x-cos-meta-*" names
    headers: Dict[str, str] = field(default_factory=dict)  # Cache-Control, Content-Disposition, ...


def check_bucket(bucket: str) -> str:
    if not isinstance(bucket, str) or not _BUCKET_RE.match(bucket):
        raise StoreError("InvalidBucketName", f"The bucket name must be name-appid in [a-z0-9-]: {bucket!r}.")
    return bucket


def check_key(key: str) -> List[str]:
    """The key's path segments, or ``StoreError`` for a key that could escape the data directory."""
    if not isinstance(key, str) or not key:
        raise StoreError("InvalidArgument", "The object key is empty.")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise StoreError("KeyTooLong", f"The object key is longer than {MAX_KEY_BYTES} bytes.")
    if key.startswith("/") or "\x00" in key or "\\" in key:
        raise StoreError("InvalidArgument", "The object key may not be absolute or contain NUL or backslash.")
    parts = key.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise StoreError("InvalidArgument", "The object key may not contain empty, '.' or '..' segments.")
        if len(part.encode("utf-8")) > 255:
            raise StoreError("KeyTooLong", "An object key segment is longer than 255 bytes.")
    return parts


def _normalise_metadata(metadata: Optional[Dict[str, str]]) -> Dict[str, str]:
    out = {}
    for name, value in (metadata or {}).items():
        name = str(name).lower()
        if not name.startswith(_META_PREFIX):
            name = _META_PREFIX + name
        out[name] = str(value)
    return out


class ObjectStore:
    """Buckets and objects under ``root`` (``DATA/cos``); thread-safe, writes are atomic (temp file + rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()

    # --- paths -------------------------------------------------------------------------------------------
    def _bucket_dir(self, bucket: str) -> Path:
        return self.root / check_bucket(bucket)

    def _inside(self, base: Path, parts: List[str], suffix: str = "") -> Path:
        path = base.joinpath(*parts)
        if suffix:
            path = path.with_name(path.name + suffix)
        resolved_base = base.resolve()
        resolved = path.resolve()
        if resolved != resolved_base and resolved_base not in resolved.parents:
            raise StoreError("InvalidArgument", "The object key escapes the bucket.")
        return path

    def path_of(self, bucket: str, key: str) -> Path:
        """Where the object's bytes live (whether or not it exists)."""
        return self._inside(self._bucket_dir(bucket), check_key(key))

    def _meta_path(self, bucket: str, key: str) -> Path:
        return self._inside(self.root / ".meta" / check_bucket(bucket), check_key(key), ".json")

    # --- queries -----------------------------------------------------------------------------------------
    def bucket_exists(self, bucket: str) -> bool:
        return self._bucket_dir(bucket).is_dir()

    def buckets(self) -> List[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _BUCKET_RE.match(p.name))

    def exists(self, bucket: str, key: str) -> bool:
        try:
            return self.path_of(bucket, key).is_file() and self._meta_path(bucket, key).is_file()
        except StoreError:
            return False

    def head(self, bucket: str, key: str) -> ObjectRecord:
        """The object's record, or ``StoreError`` NoSuchBucket / NoSuchKey (404)."""
        if not self.bucket_exists(bucket):
            raise StoreError("NoSuchBucket", "The specified bucket does not exist.", 404)
        meta = self._meta_path(bucket, key)
        if not meta.is_file() or not self.path_of(bucket, key).is_file():
            raise StoreError("NoSuchKey", "The specified key does not exist.", 404)
        return ObjectRecord(**json.loads(meta.read_text("utf-8")))

    def read(self, bucket: str, key: str) -> Tuple[ObjectRecord, bytes]:
        with self._lock:
            record = self.head(bucket, key)
            return record, self.path_of(bucket, key).read_bytes()

    def get(self, bucket: str, key: str) -> Tuple[bytes, Dict[str, str], str]:
        """``(data, metadata, content_type)``; metadata names are lowercase ``x-cos-meta-*``."""
        record, data = self.read(bucket, key)
        return data, dict(record.metadata), record.content_type

    def list(self, bucket: str, prefix: str = "") -> List[str]:
        """Every key of ``bucket`` starting with ``prefix``, sorted (an unknown bucket lists as empty)."""
        return [r.key for r in self.records(bucket, prefix)]

    def records(self, bucket: str, prefix: str = "") -> List[ObjectRecord]:
        base = self.root / ".meta" / check_bucket(bucket)
        if not base.is_dir():
            return []
        out = []
        for meta in base.rglob("*.json"):
            record = ObjectRecord(**json.loads(meta.read_text("utf-8")))
            if record.key.startswith(prefix):
                out.append(record)
        return sorted(out, key=lambda r: r.key)

    def find_buckets(self, key: str) -> List[str]:
        """Buckets holding ``key`` (used for URLs that name no bucket, e.g. ``http://127.0.0.1:PORT/key``)."""
        return [b for b in self.buckets() if self.exists(b, key)]

    # --- writes ------------------------------------------------------------------------------------------
    def put(self, bucket: str, key: str, data: bytes, metadata: Optional[Dict[str, str]] = None,
            content_type: Optional[str] = None, headers: Optional[Dict[str, str]] = None) -> ObjectRecord:
        """Store ``data`` (creating the bucket); metadata names may be given with or without ``x-cos-meta-``."""
        data = bytes(data)
        record = ObjectRecord(
            key=key, size=len(data), etag=hashlib.md5(data).hexdigest(), last_modified=time.time(),  # noqa: S324
            content_type=content_type or "application/octet-stream",
            metadata=_normalise_metadata(metadata), headers=dict(headers or {}),
        )
        path, meta = self.path_of(bucket, key), self._meta_path(bucket, key)
        with self._lock:
            try:
                _atomic_write(path, data)
                _atomic_write(meta, json.dumps(record.__dict__, ensure_ascii=False).encode("utf-8"))
            except (NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
                raise StoreError("InvalidArgument", "The key collides with a prefix of another key.") from exc
        return record

    def delete(self, bucket: str, key: str) -> bool:
        """Remove the object; ``True`` if it existed (deleting a missing key is not an error, as in COS)."""
        path, meta = self.path_of(bucket, key), self._meta_path(bucket, key)
        with self._lock:
            existed = path.is_file()
            for p in (path, meta):
                if p.is_file():
                    p.unlink()
            return existed


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
