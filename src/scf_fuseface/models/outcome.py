"""What became of one COS record: the typed outcome the pipeline returns and the COS handler counts.

``status`` is ``fused`` (an output was written), ``skipped`` (nothing to do; ``reason`` says why:
``not-created``, ``own-output``, ``folder``, ``template`` (the FuseFaceUltra template itself), ``already-fused``,
``already-failed``), ``failed`` (a permanent error; ``code``, and ``failure_key`` when a failure record was
written) or ``error`` (a transient error that is raised at the end of the event so SCF retries it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, Literal, Optional, Tuple

__all__ = ["RecordOutcome", "RecordStatus", "STATUSES"]

RecordStatus = Literal["fused", "skipped", "failed", "error"]
STATUSES: Tuple[RecordStatus, ...] = ("fused", "skipped", "failed", "error")


@dataclass(frozen=True)
class RecordOutcome:
    bucket: str
    key: str
    event: Optional[str]  # the COS event name; None when the record failed before it was looked at
    status: RecordStatus
    reason: Optional[str] = None
    output_key: Optional[str] = None
    code: Optional[str] = None
    failure_key: Optional[str] = None
    fuseface_request_id: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        """The record as the function returns it: every field that is set, in declaration order."""
        return {name: value for name, value in asdict(self).items() if value is not None}
