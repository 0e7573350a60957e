"""Billable calls: the per-account QPS limit, the usage counters (``fuseface usage``) and the fault hook.

Every call of a billable action (``BILLABLE``: ``FuseFace``; another action module adds its own name) goes
through :meth:`Meter.call`:

1. ``Calls`` += 1;
2. over the action's per-account limit (``--qps``, default 20 for FuseFace, doc 670/85618) in the last second
   (a sliding window; Tencent's exact window is UNCONFIRMED) -> ``RequestLimitExceeded``, ``Throttled`` += 1;
3. an injected fault (``faults.py``): an error code (``Throttled`` for RequestLimitExceeded, else ``Failed``)
   or extra latency;
4. the work: a ``FuseFaceError`` -> ``Failed`` += 1; success -> ``Billable`` += 1 (only successful calls are
   billed: UNCONFIRMED, no price list was found);
5. ``lost-reply``: billed, then :class:`LostReply` makes the app drop the connection (``LostReplies`` += 1).

Counters persist in ``DATA/usage.sqlite3`` per month (Beijing time, the billing calendar: UNCONFIRMED) and
action, written in one transaction per call, so several processes (emulators, replays) can share a DATA dir.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any, Callable, Deque, Dict, Mapping, Optional

from scf_fuseface.errors import FuseFaceError

from .faults import FaultPlan
from .sqlite_db import Database

__all__ = ["BILLABLE", "COUNTERS", "LostReply", "Meter", "Usage", "month_of"]

BILLABLE = {"FuseFace"}
COUNTERS = ("Calls", "Billable", "Throttled", "Failed", "LostReplies")
_COLUMNS = ("calls", "billable", "throttled", "failed", "lost_replies")
_BEIJING = 8 * 3600


def month_of(ts: Optional[float] = None) -> str:
    """``YYYY-MM`` of ``ts`` in Beijing time (UTC+8)."""
    return time.strftime("%Y-%m", time.gmtime((time.time() if ts is None else ts) + _BEIJING))


class LostReply(Exception):
    """The call was processed and billed; its reply must never reach the client."""


class Usage:
    """Monthly counters per action in ``path`` (SQLite, shared by processes)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db = Database(self.path, "CREATE TABLE IF NOT EXISTS usage (month TEXT NOT NULL, action TEXT NOT NULL, "
                            + ", ".join(f"{c} INTEGER NOT NULL DEFAULT 0" for c in _COLUMNS)
                            + ", PRIMARY KEY (month, action));")

    def add(self, action: str, **counts: int) -> None:
        """Add ``counts`` (``calls=1``, ``billable=1``, ...) to this month's row of ``action``."""
        cols = [c for c in _COLUMNS if counts.get(c)]
        if not cols:
            return
        with self._db.transaction() as db:
            db.execute(
                f"INSERT INTO usage (month, action, {', '.join(cols)}) VALUES (?, ?{', ?' * len(cols)}) "
                f"ON CONFLICT (month, action) DO UPDATE SET {', '.join(f'{c} = {c} + excluded.{c}' for c in cols)}",
                (month_of(), action, *[int(counts[c]) for c in cols]))

    def report(self, month: Optional[str] = None) -> Dict[str, Dict[str, int]]:
        """``{action: {"Calls", "Billable", "Throttled", "Failed", "LostReplies"}}`` for ``month`` (default: now)."""
        rows = self._db.query(f"SELECT action, {', '.join(_COLUMNS)} FROM usage WHERE month=? ORDER BY action",
                              (month or month_of(),))
        return {row[0]: dict(zip(COUNTERS, row[1:])) for row in rows}


class _Window:
    """Accepted calls per action in the last second (sliding window)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: Dict[str, Deque[float]] = defaultdict(deque)

    def admit(self, action: str, limit: float, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._times[action]
            while times and times[0] <= now - 1.0:
                times.popleft()
            if len(times) >= limit:
                return False
            times.append(now)
            return True


class Meter:
    """QPS limits, faults and usage around every billable call (see the module docstring)."""

    def __init__(self, usage: Usage, *, limits: Optional[Mapping[str, float]] = None,
                 faults: Optional[FaultPlan] = None) -> None:
        self.usage = usage
        self.limits: Dict[str, float] = dict(limits or {})
        self.faults = faults
        self._window = _Window()

    def call(self, action: str, params: Mapping[str, Any], work: Callable[[], Dict]) -> Dict:
        """Run ``work`` for a call of ``action`` (non-billable actions are run as they are)."""
        if action not in BILLABLE:
            return work()
        self.usage.add(action, calls=1)
        limit = self.limits.get(action)
        if limit is not None and not self._window.admit(action, limit):
            self.usage.add(action, throttled=1)
            raise FuseFaceError("RequestLimitExceeded", f"{action} is limited to {limit:g} requests per second.")
        fault = self.faults.api_fault(action, params) if self.faults is not None else None
        if self.faults is not None and self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000.0)
        if fault is not None and fault.error:
            self.usage.add(action, **({"throttled": 1} if fault.error == "RequestLimitExceeded" else {"failed": 1}))
            raise FuseFaceError(fault.error, f"Injected fault {fault.error}.")
        try:
            result = work()
        except FuseFaceError:
            self.usage.add(action, failed=1)
            raise
        self.usage.add(action, billable=1)
        if fault is not None and fault.lost_reply:
            self.usage.add(action, lost_replies=1)
            raise LostReply(action)
        return result
