"""Object state of the emulated COS: an index (SQLite) of buckets and keys, and one body file per write.

Layout under ``DATA/cos/``::

    index.sqlite3                  buckets, and one row per (bucket, key): size, ETag, times, Content-Type,
                                   x-cos-meta-*, kept headers, and the name of its body file
    blobs/<bucket>/<hex>-<name>    the bodies (see ``blobs.py``)

A write stores the body first, then swaps the key's row in one transaction: a reader sees the old object or the
new one, never a body from one write with the metadata of another, even when several processes (the emulator,
``fuseface replay`` on the same DATA dir) write one key at once. Keys never become paths, so ``x`` and
``x.json/y`` coexist as in COS, a key cannot escape the data directory, and a refused write leaves nothing
behind. ``put(..., if_absent=True)`` is the create-only write behind ``x-cos-forbid-overwrite: true``.

DATA dirs of the earlier layout (``<bucket>/<key>`` files with ``.meta/`` sidecars) are migrated on open, once,
under a lock; what could not be migrated is kept under ``.legacy/``.

Key rules (:func:`check_key`): 1..850 bytes of UTF-8, not starting with ``/``, no NUL or backslash, no ``.``,
``..`` or empty segment except a trailing ``/`` (a console folder marker). Bucket names (:func:`check_bucket`):
``name-appid``, lower-case ``[a-z0-9-]``, no leading or trailing ``-`` (COS 436/14518).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import legacy
from .blobs import sweep, write_blob
from .sqlite_db import Database

__all__ = ["ObjectRecord", "ObjectStore", "StoreError", "check_bucket", "check_key"]

_BUCKET_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?-\d{1,12}$")
_META_PREFIX = "x-cos-meta-"
MAX_KEY_BYTES = 850
_SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
    last_modified REAL NOT NULL, content_type TEXT NOT NULL, metadata TEXT NOT NULL, headers TEXT NOT NULL,
    blob TEXT NOT NULL, PRIMARY KEY (bucket, key));
CREATE INDEX IF NOT EXISTS objects_blob ON objects (bucket, blob);
"""
_COLUMNS = "key, size, etag, last_modified, content_type, metadata, headers, blob"


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
    blob: str = ""  # the body file's name under blobs/<bucket>/


def check_bucket(bucket: str) -> str:
    if not isinstance(bucket, str) or not _BUCKET_RE.match(bucket):
        raise StoreError("InvalidBucketName", f"The bucket name must be name-appid in [a-z0-9-]: {bucket!r}.")
    return bucket


def check_key(key: str) -> str:
    """``key`` when COS (and this emulator) accept it, else ``StoreError``."""
    if not isinstance(key, str) or not key:
        raise StoreError("InvalidArgument", "The object key is empty.")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise StoreError("KeyTooLong", f"The object key is longer than {MAX_KEY_BYTES} bytes.")
    if key.startswith("/") or "\x00" in key or "\\" in key:
        raise StoreError("InvalidArgument", "The object key may not be absolute or contain NUL or backslash.")
    parts = key[:-1].split("/") if key.endswith("/") else key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise StoreError("InvalidArgument", "The object key may not contain empty, '.' or '..' segments.")
    return key


def _normalise_metadata(metadata: Optional[Dict[str, str]]) -> Dict[str, str]:
    out = {}
    for name, value in (metadata or {}).items():
        name = str(name).lower()
        if not name.startswith(_META_PREFIX):
            name = _META_PREFIX + name
        out[name] = str(value)
    return out


def _record(row: tuple) -> ObjectRecord:
    key, size, etag, modified, ctype, meta, headers, blob = row
    return ObjectRecord(key, size, etag, modified, ctype, json.loads(meta), json.loads(headers), blob)


class ObjectStore:
    """Buckets and objects under ``root`` (``DATA/cos``); safe across threads and processes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.blob_root = self.root / "blobs"
        self._db = Database(self.root / "index.sqlite3", _SCHEMA)
        self._blob_dirs: set = set()
        legacy.migrate(self)
        sweep(self.blob_root, self._referenced)

    def _tx(self):
        """A write transaction on the index (``Database.transaction``)."""
        return self._db.transaction()

    def _referenced(self, bucket: str, blob: str) -> bool:
        return bool(self._db.query("SELECT 1 FROM objects WHERE bucket=? AND blob=?", (bucket, blob)))

    def _row(self, bucket: str, key: str) -> Optional[ObjectRecord]:
        rows = self._db.query(f"SELECT {_COLUMNS} FROM objects WHERE bucket=? AND key=?", (bucket, key))
        return _record(rows[0]) if rows else None

    # --- queries -----------------------------------------------------------------------------------------
    def bucket_exists(self, bucket: str) -> bool:
        check_bucket(bucket)
        return bool(self._db.query("SELECT 1 FROM buckets WHERE name=?", (bucket,)))

    def buckets(self) -> List[str]:
        return [r[0] for r in self._db.query("SELECT name FROM buckets ORDER BY name")]

    def create_bucket(self, bucket: str) -> bool:
        """Create ``bucket``; False when it already existed."""
        check_bucket(bucket)
        with self._tx() as db:
            return db.execute("INSERT OR IGNORE INTO buckets VALUES (?, ?)", (bucket, time.time())).rowcount == 1

    def exists(self, bucket: str, key: str) -> bool:
        try:
            return self._row(check_bucket(bucket), check_key(key)) is not None
        except StoreError:
            return False

    def head(self, bucket: str, key: str) -> ObjectRecord:
        """The object's record, or ``StoreError`` NoSuchBucket / NoSuchKey (404)."""
        if not self.bucket_exists(bucket):
            raise StoreError("NoSuchBucket", "The specified bucket does not exist.", 404)
        record = self._row(bucket, key)
        if record is None:
            raise StoreError("NoSuchKey", "The specified key does not exist.", 404)
        return record

    def path_of(self, bucket: str, key: str) -> Path:
        """The file holding the object's current body (``StoreError`` 404 when there is no such object)."""
        return self.blob_root / bucket / self.head(bucket, key).blob

    def read(self, bucket: str, key: str) -> Tuple[ObjectRecord, bytes]:
        for _ in range(5):  # a concurrent overwrite may remove the body between the lookup and the open
            record = self.head(bucket, key)
            try:
                return record, (self.blob_root / bucket / record.blob).read_bytes()
            except FileNotFoundError:
                continue
        raise StoreError("InternalError", "The object changed too often while being read.", 500)

    def get(self, bucket: str, key: str) -> Tuple[bytes, Dict[str, str], str]:
        """``(data, metadata, content_type)``; metadata names are lowercase ``x-cos-meta-*``."""
        record, data = self.read(bucket, key)
        return data, dict(record.metadata), record.content_type

    def list(self, bucket: str, prefix: str = "") -> List[str]:
        """Every key of ``bucket`` starting with ``prefix``, sorted (an unknown bucket lists as empty)."""
        return [r.key for r in self.records(bucket, prefix)]

    def records(self, bucket: str, prefix: str = "") -> List[ObjectRecord]:
        """The records of ``bucket`` whose key starts with ``prefix``, in key order (UTF-8 byte order, as COS)."""
        check_bucket(bucket)
        out = []
        with self._db.connection() as db:
            for row in db.execute(f"SELECT {_COLUMNS} FROM objects WHERE bucket=? AND key>=? ORDER BY key",
                                  (bucket, prefix)):
                if not row[0].startswith(prefix):
                    break
                out.append(_record(row))
        return out

    def find_buckets(self, key: str) -> List[str]:
        """Buckets holding ``key`` (used for URLs that name no bucket, e.g. ``http://127.0.0.1:PORT/key``)."""
        return [r[0] for r in self._db.query("SELECT bucket FROM objects WHERE key=? ORDER BY bucket", (key,))]

    # --- writes ------------------------------------------------------------------------------------------
    def put(self, bucket: str, key: str, data: bytes, metadata: Optional[Dict[str, str]] = None,
            content_type: Optional[str] = None, headers: Optional[Dict[str, str]] = None, *,
            if_absent: bool = False) -> ObjectRecord:
        """Store ``data`` (creating the bucket); metadata names may be given with or without ``x-cos-meta-``.
        With ``if_absent`` an existing key is refused with 409 ``FileAlreadyExists`` and left unchanged."""
        check_bucket(bucket)
        check_key(key)
        data = bytes(data)
        directory = self.blob_root / bucket
        if bucket not in self._blob_dirs:
            directory.mkdir(parents=True, exist_ok=True)
            self._blob_dirs.add(bucket)
        blob = write_blob(directory, key, data)
        record = ObjectRecord(
            key=key, size=len(data), etag=hashlib.md5(data).hexdigest(), last_modified=time.time(),  # noqa: S324
            content_type=content_type or "application/octet-stream",
            metadata=_normalise_metadata(metadata), headers=dict(headers or {}), blob=blob.name,
        )
        try:
            with self._tx() as db:
                old = db.execute("SELECT blob FROM objects WHERE bucket=? AND key=?", (bucket, key)).fetchone()
                if old is not None and if_absent:
                    raise StoreError("FileAlreadyExists", "The object already exists and overwriting is forbidden.",
                                     409)
                db.execute("INSERT OR IGNORE INTO buckets VALUES (?, ?)", (bucket, record.last_modified))
                db.execute(f"INSERT OR REPLACE INTO objects (bucket, {_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                           (bucket, key, record.size, record.etag, record.last_modified, record.content_type,
                            json.dumps(record.metadata, ensure_ascii=False),
                            json.dumps(record.headers, ensure_ascii=False), record.blob))
        except BaseException:
            blob.discard()
            raise
        blob.release()
        if old is not None:
            self._unlink(bucket, old[0])
        return record

    def delete(self, bucket: str, key: str) -> bool:
        """Remove the object; ``True`` if it existed (deleting a missing key is not an error, as in COS)."""
        check_bucket(bucket)
        check_key(key)
        with self._tx() as db:
            old = db.execute("SELECT blob FROM objects WHERE bucket=? AND key=?", (bucket, key)).fetchone()
            db.execute("DELETE FROM objects WHERE bucket=? AND key=?", (bucket, key))
        if old is not None:
            self._unlink(bucket, old[0])
        return old is not None

    def _unlink(self, bucket: str, blob: str) -> None:
        try:
            (self.blob_root / bucket / blob).unlink()
        except FileNotFoundError:
            pass
