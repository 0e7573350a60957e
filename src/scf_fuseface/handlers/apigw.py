"""API Gateway trigger (integrated response): recognised by ``requestContext.serviceId``."""

from __future__ import annotations

from typing import Any, Dict, Mapping

from .. import http_api
from ..models.http_event import HttpRequest
from ..pipeline import Run

__all__ = ["ApiGatewayHandler"]


class ApiGatewayHandler:
    trigger = "apigw"

    @classmethod
    def infer(cls, event: Any) -> bool:
        ctx = event.get("requestContext") if isinstance(event, Mapping) else None
        return isinstance(ctx, Mapping) and bool(ctx.get("serviceId")) and "Records" not in event

    def __init__(self, event: Mapping[str, Any], run: Run) -> None:
        self.event = event
        self.run = run

    def __call__(self) -> Dict[str, Any]:
        return http_api.handle_event(HttpRequest.from_apigw, self.event, self.run)
