"""API Gateway trigger (integrated response): recognised by ``requestContext.serviceId``."""

from __future__ import annotations

from typing import Any, Mapping

from ..models.http_event import HttpRequest
from .http import HttpTriggerHandler

__all__ = ["ApiGatewayHandler"]


class ApiGatewayHandler(HttpTriggerHandler):
    trigger = "apigw"
    parse = HttpRequest.from_apigw

    @classmethod
    def infer(cls, event: Any) -> bool:
        ctx = event.get("requestContext") if isinstance(event, Mapping) else None
        return isinstance(ctx, Mapping) and bool(ctx.get("serviceId")) and "Records" not in event
