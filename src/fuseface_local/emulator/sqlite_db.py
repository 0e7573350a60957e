"""One SQLite database of the DATA dir, shared by the emulator's request threads and by other processes.

werkzeug serves every request on a new thread, so connections come from a small pool instead of one per thread
(opening one costs more than most queries). Writes go one at a time within the process (a lock), so threads never
spin in SQLite's busy handler against each other; across processes WAL mode and a generous busy timeout apply.
Switching a new database to WAL while another process does the same can fail at once with "database is locked"
(SQLite does not call the busy handler there); that switch is retried for a while.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List, Sequence

__all__ = ["Database"]


class Database:
    def __init__(self, path: Path, schema: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._idle: List[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        with self._write_lock, self.connection() as db:
            db.executescript(schema)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        deadline = time.monotonic() + 60
        while True:
            try:
                db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = self._open()
        try:
            yield db
        finally:
            with self._lock:
                self._idle.append(db)

    def query(self, sql: str, args: Sequence[Any] = ()) -> List[tuple]:
        with self.connection() as db:
            return db.execute(sql, args).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``), rolled back when the block raises."""
        with self._write_lock, self.connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
