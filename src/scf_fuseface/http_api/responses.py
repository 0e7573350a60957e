"""HTTP replies in the integrated-response shape, Tencent's error envelope, and CORS headers.

CORS: allowed origins come from ``FUSEFACE_CORS_ORIGINS`` (``*`` allowed); the request's Origin is echoed when
allowed, and a preflight (``OPTIONS``) also gets the allowed methods and headers.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from .. import limits
from ..config import Settings
from ..errors import FuseFaceError
from ..models.http_event import HttpRequest

__all__ = ["cors_headers", "error_response", "internal_error_response", "preflight_headers", "respond"]


def respond(status: int, payload: Any, headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """A JSON reply (an empty body when ``payload`` is None)."""
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    out_headers = {"Content-Type": "application/json"}
    out_headers.update(headers or {})
    return {"isBase64Encoded": False, "statusCode": status, "headers": out_headers, "body": body}


def error_response(err: FuseFaceError, request_id: Optional[str],
                   headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Tencent's error envelope ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`` as an HTTP reply."""
    error = err.to_error()
    error["Message"] = error["Message"][: limits.MAX_MESSAGE_CHARS]
    return respond(err.http_status, {"Response": {"Error": error, "RequestId": err.request_id or request_id}},
                   headers)


def internal_error_response(request_id: str, headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """The 500 reply for an unexpected exception: no detail leaves the function."""
    return respond(500, {"Response": {"Error": {"Code": "InternalError", "Message": "Internal error."},
                                      "RequestId": request_id}}, headers)


def cors_headers(settings: Settings, req: HttpRequest) -> Dict[str, str]:
    """The CORS headers of a reply to ``req`` (none when its Origin is not allowed)."""
    origin = req.header("origin")
    allowed = settings.cors_origins
    if not origin or not allowed or ("*" not in allowed and origin not in allowed):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
            "Access-Control-Expose-Headers": "X-Request-Id"}


def preflight_headers(cors: Dict[str, str]) -> Dict[str, str]:
    """The headers of a reply to ``OPTIONS`` (the CORS headers plus what may be sent, when the Origin is allowed)."""
    if not cors:
        return cors
    return dict(cors, **{"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                         "Access-Control-Allow-Headers": "Content-Type, X-Api-Key",
                         "Access-Control-Max-Age": "600"})
