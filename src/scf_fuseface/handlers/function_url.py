"""Function URL trigger: the API-Gateway-compatible shape *without* ``requestContext`` (doc 583/96099):
``httpMethod``, ``path``, ``headers``, ``body``, ``queryString``. Recognised by ``httpMethod`` + ``headers``
and the absence of ``requestContext`` and ``Records``."""

from __future__ import annotations

from typing import Any, Dict, Mapping

from .. import http_api
from ..models.http_event import HttpRequest
from ..pipeline import Run

__all__ = ["FunctionUrlHandler"]


class FunctionUrlHandler:
    trigger = "function_url"

    @classmethod
    def infer(cls, event: Any) -> bool:
        if not isinstance(event, Mapping) or "requestContext" in event or "Records" in event:
            return False
        return isinstance(event.get("httpMethod"), str) and isinstance(event.get("headers"), Mapping)

    def __init__(self, event: Mapping[str, Any], run: Run) -> None:
        self.event = event
        self.run = run

    def __call__(self) -> Dict[str, Any]:
        return http_api.handle_event(HttpRequest.from_function_url, self.event, self.run)
