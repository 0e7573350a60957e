"""Typed event and request models (pydantic v2, Python 3.9 compatible)."""

from .cos_event import CosBucket, CosEvent, CosObject, CosRecord
from .fusion import FuseRequest, MergeInfo
from .http_event import HttpRequest

__all__ = ["CosBucket", "CosEvent", "CosObject", "CosRecord", "FuseRequest", "HttpRequest", "MergeInfo"]
