"""Many events through the function (``fuseface replay FILE|FOLDER ...``): what each one came to, and the summary.

:func:`event_sources` expands folders into their ``*.json`` files (sorted); :func:`outcomes` reads what the handler
returned (or raised) as one outcome per COS record or HTTP request -- ``fused``, ``skipped``, ``answered`` (an HTTP
request served without a fusion: /materials, /healthz), ``failed`` (with the code), or ``unrecognised`` (the
function answered ``InvalidParameterValue.InvalidEvent``);
:class:`Summary` adds them up with the paid calls (FuseFace and FuseFaceUltra apart: they are billed apart) and the
wall time.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, List, Tuple

from .runner import ReplayResult

__all__ = ["INVALID_EVENT", "Summary", "event_sources", "outcomes"]

INVALID_EVENT = "InvalidParameterValue.InvalidEvent"


def event_sources(items: Iterable[str]) -> List[str]:
    """Paths (or ``-``) to replay, in order: a folder stands for its ``*.json`` files, sorted by name."""
    out: List[str] = []
    for item in items:
        path = Path(item)
        if item != "-" and path.is_dir():
            out.extend(str(p) for p in sorted(path.glob("*.json")))
        else:
            out.append(item)
    return out


def _http_outcome(result: dict) -> Tuple[str, str]:
    try:
        status = int(result.get("statusCode"))
    except (TypeError, ValueError):
        return "failed", "InvalidHandlerResult"
    if status < 400:
        try:
            fused = "FusedImage" in json.loads(result.get("body") or "{}").get("Response", {})
        except (ValueError, AttributeError):
            fused = False
        return ("fused" if fused else "answered"), ""
    try:
        code = json.loads(result.get("body") or "{}")["Response"]["Error"]["Code"]
    except (ValueError, KeyError, TypeError):
        code = f"HTTP{status}"
    return "failed", str(code)


def outcomes(res: ReplayResult) -> List[Tuple[str, str]]:
    """``[(kind, code)]`` for one replayed event; ``code`` is "" unless ``kind`` is failed/unrecognised."""
    if res.error is not None:
        return [("failed", str(getattr(res.error, "code", "") or type(res.error).__name__))]
    result = res.result
    if isinstance(result, dict) and isinstance(result.get("error"), dict):
        code = str(result["error"].get("Code") or "")
        return [("unrecognised" if code == INVALID_EVENT else "failed", code)]
    if isinstance(result, dict) and isinstance(result.get("records"), list):
        out = []
        for rec in result["records"]:
            status = rec.get("status") if isinstance(rec, dict) else None
            if status in ("fused", "skipped"):
                out.append((status, ""))
            else:
                out.append(("failed", str((rec or {}).get("code") or status or "unknown")))
        return out
    if isinstance(result, dict) and "statusCode" in result:
        return [_http_outcome(result)]
    return [("failed", "InvalidHandlerResult")]


@dataclass
class Summary:
    """Totals over a batch of replayed events."""

    events: int = 0
    counts: Counter = field(default_factory=Counter)  # fused / skipped / answered / failed / unrecognised
    failed_codes: Counter = field(default_factory=Counter)
    fuseface_calls: int = 0
    ultra_calls: int = 0  # FuseFaceUltra, billed apart from FuseFace
    wall_s: float = 0.0
    raised: int = 0  # events whose handler raised (SCF would retry them)

    def add(self, res: ReplayResult) -> List[Tuple[str, str]]:
        got = outcomes(res)
        self.events += 1
        self.raised += res.error is not None
        ultra = res.fuseface_actions.count("FuseFaceUltra")
        self.fuseface_calls += len(res.fuseface_request_ids) - ultra
        self.ultra_calls += ultra
        for kind, code in got:
            self.counts[kind] += 1
            if kind == "failed":
                self.failed_codes[code] += 1
        return got

    @property
    def exit_code(self) -> int:
        """2 when an event was not recognised (an input error), 1 when the handler raised, else 0."""
        if self.counts["unrecognised"]:
            return 2
        return 1 if self.raised else 0

    def table(self) -> List[Tuple[str, Any]]:
        rows: List[Tuple[str, Any]] = [("events", self.events), ("fused", self.counts["fused"]),
                                       ("skipped", self.counts["skipped"])]
        if self.counts["answered"]:
            rows.append(("answered (HTTP, no fusion)", self.counts["answered"]))
        rows.append(("failed", self.counts["failed"]))
        rows += [(f"  {code}", n) for code, n in sorted(self.failed_codes.items())]
        if self.counts["unrecognised"]:
            rows.append(("unrecognised events", self.counts["unrecognised"]))
        rows.append(("FuseFace calls", self.fuseface_calls))
        if self.ultra_calls:
            rows.append(("FuseFaceUltra calls", self.ultra_calls))
        rows.append(("wall time", f"{self.wall_s:.2f} s"))
        return rows
