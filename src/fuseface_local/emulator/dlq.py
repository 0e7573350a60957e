"""Dead letters: ``DATA/dead-letters/<time>-<id>.json``, one per event that used up its retries.

Each file is SCF's dead-letter message (doc 583/39704: ``RequestId``, ``ErrorCode``, ``ErrorMessage`` and a
``Body`` whose ``ClientContext`` is the original event as a JSON string, with ``RetryNum``) plus what a person
needs without CMQ: ``Event`` (the event itself), ``Attempts`` (each attempt's RequestId, start and end times and
error) and ``Redrive`` (the command that re-drives it). The ``Body`` values ``RequestSource: TRIGGER_COS`` and
``InvocationType: Event`` are UNCONFIRMED (the documented sample is a timer trigger).

``fuseface replay <dead letter>`` accepts the file as an event (:func:`unwrap`); once the replay succeeds the
file moves to ``dead-letters/redriven/`` (:func:`mark_redriven`), so the folder lists only what is still owed.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

__all__ = ["DeadLetters", "is_dead_letter", "mark_redriven", "unwrap"]

_BEIJING = timezone(timedelta(hours=8))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=_BEIJING).isoformat(timespec="milliseconds")


class DeadLetters:
    """The dead-letter folder of one DATA dir."""

    def __init__(self, directory: Path, *, function_name: str, namespace: str = "default") -> None:
        self.directory = Path(directory)
        self.function_name = function_name
        self.namespace = namespace

    def write(self, delivery: Any) -> Path:
        """Write ``delivery`` (a ``workers.Delivery`` whose last attempt failed); returns the file."""
        last = delivery.attempts[-1]
        error = last.error or {}
        appid = _appid(delivery.event)
        message = {
            "RequestId": last.request_id,
            "ErrorCode": error.get("ErrorCode", -1),
            "ErrorMessage": error.get("ErrorMessage", ""),
            "Body": {
                "AppId": appid, "Uin": "", "SubAccountUin": "", "RequestSource": "TRIGGER_COS",
                "FunctionName": self.function_name, "Namespace": self.namespace, "Qualifier": "$DEFAULT",
                "InvocationType": "Event", "ClientContext": json.dumps(delivery.event, ensure_ascii=False),
                "LogType": "", "TimeStampForInvoker": str(int(delivery.enqueued * 1000)),
                "RequestId": delivery.attempts[0].request_id, "PushTime": _iso(time.time()),
                "RetryNum": len(delivery.attempts) - 1, "Ttl": 0,
            },
            "Event": delivery.event,
            "Attempts": [
                {"Attempt": a.number, "RequestId": a.request_id, "Started": _iso(a.started), "Ended": _iso(a.ended),
                 "DurationMs": round((a.ended - a.started) * 1000.0, 1), "Error": a.error}
                for a in delivery.attempts
            ],
        }
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{delivery.id[:12]}.json"
        message["Redrive"] = f"fuseface replay {path} --data {self.directory.parent}"
        tmp = path.with_name(f".tmp-{path.name}")
        tmp.write_text(json.dumps(message, ensure_ascii=False, indent=2), "utf-8")
        os.replace(tmp, path)
        return path


def _appid(event: Any) -> Optional[int]:
    try:
        return int(event["Records"][0]["cos"]["cosBucket"]["appid"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def is_dead_letter(doc: Any) -> bool:
    body = doc.get("Body") if isinstance(doc, dict) else None
    return isinstance(body, dict) and isinstance(body.get("ClientContext"), str) and "ErrorCode" in doc


def unwrap(doc: Any) -> Any:
    """The original event of a dead letter (``ClientContext``); any other document as it is."""
    if not is_dead_letter(doc):
        return doc
    return json.loads(doc["Body"]["ClientContext"])


def mark_redriven(path: Path) -> Path:
    """Move a re-driven dead letter to ``redriven/`` next to it; returns the new path."""
    path = Path(path)
    target = path.parent / "redriven" / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    return target

