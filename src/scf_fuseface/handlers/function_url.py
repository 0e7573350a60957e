"""Function URL trigger: the API-Gateway-compatible shape *without* ``requestContext`` (doc 583/96099):
``httpMethod``, ``path``, ``headers``, ``body``, ``queryString``. Recognised by ``httpMethod`` + ``headers``
and the absence of ``requestContext`` and ``Records``."""

from __future__ import annotations

from typing import Any, Mapping

from ..models.http_event import HttpRequest
from .http import HttpTriggerHandler

__all__ = ["FunctionUrlHandler"]


class FunctionUrlHandler(HttpTriggerHandler):
    trigger = "function_url"
    parse = HttpRequest.from_function_url

    @classmethod
    def infer(cls, event: Any) -> bool:
        if not isinstance(event, Mapping) or "requestContext" in event or "Records" in event:
            return False
        return isinstance(event.get("httpMethod"), str) and isinstance(event.get("headers"), Mapping)
