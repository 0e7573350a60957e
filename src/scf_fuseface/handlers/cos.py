"""COS trigger: ``Records[*].cos`` with ``event.eventSource == "qcs::cos"``. Every record is processed; a
transient failure of one record does not stop the others, and is raised at the end so SCF retries the event
(records already fused are skipped on redelivery). A configuration error is raised (SCF retries)."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any, ClassVar, Dict, List, Mapping, NoReturn, Optional

from ..config import Settings
from ..errors import FuseFaceError
from ..models.cos_event import CosRecord, parse_cos_event
from ..models.outcome import STATUSES, RecordOutcome
from ..pipeline import process_record
from ..run import Run

__all__ = ["CosUploadHandler"]

log = logging.getLogger(__name__)


class CosUploadHandler:
    trigger: ClassVar[str] = "cos"

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

    @classmethod
    def time_limit_ms(cls, settings: Settings, function_limit_ms: float) -> float:
        """Asynchronous: nobody waits for the reply, the function's own limit is the budget."""
        return function_limit_ms

    @classmethod
    def configuration_error(cls, err: FuseFaceError, request_id: Optional[str]) -> NoReturn:
        """Raised: SCF retries the event, which succeeds once the configuration is fixed."""
        raise err

    def __init__(self, event: Mapping[str, Any], run: Run) -> None:
        self.event = event
        self.run = run

    def __call__(self) -> Dict[str, Any]:
        outcomes: List[RecordOutcome] = []
        transient: List[FuseFaceError] = []
        for record in parse_cos_event(self.event).records:
            try:
                outcomes.append(process_record(record, self.run))
            except FuseFaceError as err:  # errors before a failure record could be written (HEAD, config)
                if err.retryable:
                    transient.append(err)
                else:
                    log.error("record failed", extra={"code": err.code, "error": err.message, "key": record.object_key})
                outcomes.append(_unprocessed(record, err))
        counts = Counter(outcome.status for outcome in outcomes)
        log.info("cos event done", extra={"records": len(outcomes), **{status: counts[status] for status in STATUSES}})
        if transient:
            raise transient[0]
        return {"trigger": self.trigger, "records": [outcome.to_dict() for outcome in outcomes],
                **{status: counts[status] for status in STATUSES if status != "error"}}


def _unprocessed(record: CosRecord, err: FuseFaceError) -> RecordOutcome:
    """The outcome of a record whose error came before a failure record could be written."""
    return RecordOutcome(bucket=record.bucket, key=record.object_key, event=None,
                         status="error" if err.retryable else "failed", code=err.code)
