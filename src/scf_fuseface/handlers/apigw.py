"""API Gateway trigger (integrated response; the legacy HTTP trigger: API Gateway takes new triggers only from
allow-listed accounts since 2025-06-30): recognised by ``requestContext.serviceId``, which only API Gateway events
carry (doc 583/12513).

Its time budget defaults to 60 s, the ``serviceTimeout`` of ``POST /fuse`` in ``serverless.yml`` (the gateway's wait
for the function, "API 的后端服务超时时间"); set ``FUSEFACE_HTTP_TIMEOUT_MS`` when that changes."""

from __future__ import annotations

from typing import Any, Mapping

from ..models.http_event import HttpRequest
from .http import HttpTriggerHandler

__all__ = ["ApiGatewayHandler"]


class ApiGatewayHandler(HttpTriggerHandler):
    trigger = "apigw"
    parse = HttpRequest.from_apigw
    default_timeout_ms = 60_000  # serverless.yml: /fuse serviceTimeout 60 (a test keeps the two equal)

    @classmethod
    def infer(cls, event: Any) -> bool:
        ctx = event.get("requestContext") if isinstance(event, Mapping) else None
        return isinstance(ctx, Mapping) and bool(ctx.get("serviceId")) and "Records" not in event
