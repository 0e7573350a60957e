"""Function URL trigger (函数 URL, the HTTP trigger of today's SCF; ``- http:`` in ``serverless.yml``).

Event (doc 583/96099, 2023): API-Gateway-compatible *without* ``requestContext``, ``headerParameters``,
``isBase64Encoded``, ``pathParameters`` and ``queryStringParameters``: ``httpMethod``, ``path``, ``headers``
(lower-case, client IP in ``x-scf-remote-addr``), ``body``, ``queryString``. Third-party code from 2026 reports a
``requestContext`` with ``sourceIp`` in Function URL events (UNCONFIRMED), so both shapes are recognised.

Recognised by ``headers`` and a method (``httpMethod``, or ``requestContext.httpMethod`` /
``requestContext.http.method`` for the shapes third-party adapters also read) without ``Records`` and without
``requestContext.serviceId``: that key is API Gateway's own (doc 583/12513), so the two HTTP handlers stay
exclusive (``tests/cloud/test_infer.py`` checks every fixture matches exactly one).

Time budget: the Function URL trigger has no timeout setting of its own (the SCF ``CreateTrigger`` ``TriggerDesc``
of an ``http`` trigger carries AuthType, NetConfig and CorsConfig only: tencent-component-toolkit
``src/modules/triggers/http.ts``), so the function's own timeout is taken as the client's wait (UNCONFIRMED); set
``FUSEFACE_HTTP_TIMEOUT_MS`` to cap it.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..models.http_event import HttpRequest, request_method
from .http import HttpTriggerHandler

__all__ = ["FunctionUrlHandler"]


class FunctionUrlHandler(HttpTriggerHandler):
    trigger = "function_url"
    parse = HttpRequest.from_function_url
    default_timeout_ms = None  # the function's own timeout (UNCONFIRMED, see above)

    @classmethod
    def infer(cls, event: Any) -> bool:
        if not isinstance(event, Mapping) or "Records" in event or not isinstance(event.get("headers"), Mapping):
            return False
        ctx = event.get("requestContext")
        if ctx is not None and (not isinstance(ctx, Mapping) or "serviceId" in ctx):
            return False
        return request_method(event) is not None
