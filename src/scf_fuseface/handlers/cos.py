"""COS trigger: ``Records[*].cos`` with ``event.eventSource == "qcs::cos"``. Every record is processed; a
transient failure of one record does not stop the others, and is raised at the end so SCF retries the event
(records already fused are skipped on redelivery)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping

from ..errors import FuseFaceError
from ..models.cos_event import parse_cos_event
from ..pipeline import process_record
from ..run import Run

__all__ = ["CosUploadHandler"]

log = logging.getLogger(__name__)


class CosUploadHandler:
    trigger = "cos"

    @classmethod
    def infer(cls, event: Any) -> bool:
        records = event.get("Records") if isinstance(event, Mapping) else None
        if not isinstance(records, list) or not records:
            return False
        return all(
            isinstance(r, Mapping) and isinstance(r.get("cos"), Mapping)
            and isinstance(r.get("event"), Mapping) and r["event"].get("eventSource") == "qcs::cos"
            for r in records
        )

    def __init__(self, event: Mapping[str, Any], run: Run) -> None:
        self.event = event
        self.run = run

    def __call__(self) -> Dict[str, Any]:
        parsed = parse_cos_event(self.event)
        results: List[Dict[str, Any]] = []
        transient: List[FuseFaceError] = []
        for record in parsed.records:
            try:
                results.append(process_record(record, self.run))
            except FuseFaceError as err:  # errors before a failure record could be written (HEAD, config)
                if err.retryable:
                    transient.append(err)
                else:
                    log.error("record failed", extra={"code": err.code, "error": err.message, "key": record.object_key})
                status = "error" if err.retryable else "failed"
                results.append({"bucket": record.bucket, "key": record.object_key, "status": status,
                                "code": err.code})
        counts = {status: sum(1 for r in results if r["status"] == status)
                  for status in ("fused", "skipped", "failed", "error")}
        log.info("cos event done", extra={"records": len(results), **counts})
        if transient:
            raise transient[0]
        return {"trigger": self.trigger, "records": results, **{k: v for k, v in counts.items() if k != "error"}}
