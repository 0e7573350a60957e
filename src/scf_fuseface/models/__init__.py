"""Typed event, request and outcome models (pydantic v2 and dataclasses, Python 3.9 compatible)."""

from .cos_event import CosBucket, CosEvent, CosObject, CosRecord
from .fusion import FuseRequest, MergeInfo
from .http_event import HttpRequest
from .outcome import RecordOutcome
from .ultra import FuseUltraRequest

__all__ = ["CosBucket", "CosEvent", "CosObject", "CosRecord", "FuseRequest", "FuseUltraRequest", "HttpRequest",
           "MergeInfo", "RecordOutcome"]
