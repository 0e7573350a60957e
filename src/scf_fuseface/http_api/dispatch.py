"""One HTTP request in, one integrated-response reply out; never raises.

Routes are matched on the path *suffix* (API Gateway stage/service prefixes do not matter) and the method:
``OPTIONS`` (any path) is the CORS preflight, ``GET|HEAD /healthz`` needs no API key, then the key is checked and
the route table below is consulted; a known path with another method is ``UnsupportedOperation.MethodNotAllowed``
(405, with ``Allow``), anything else is ``ResourceNotFound.Route`` (404).
Errors: ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`` with ``FuseFaceError.http_status``.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any, Callable, Dict, Tuple

from ..errors import FuseFaceError
from ..models.http_event import HttpRequest
from ..run import Run
from . import detect, routes
from .api_keys import check_api_key
from .responses import cors_headers, error_response, internal_error_response, preflight_headers, respond

__all__ = ["handle"]

log = logging.getLogger(__name__)

Route = Callable[[HttpRequest, Run, str], Dict[str, Any]]
ROUTES: Dict[Tuple[str, str], Route] = {
    ("fuse", "POST"): routes.fuse,
    ("materials", "GET"): routes.materials,
    ("detect", "POST"): detect.detect,
}
_NAMES = ("fuse", "materials", "detect", "healthz")


def _route_name(path: str) -> str:
    clean = "/" + path.strip("/")
    for name in _NAMES:
        if clean == f"/{name}" or clean.endswith(f"/{name}"):
            return name
    return ""


def _allowed_methods(name: str) -> str:
    """The methods a known route answers (``"GET, HEAD"`` for /healthz), or "" for an unknown path."""
    if name == "healthz":
        return "GET, HEAD"
    return ", ".join(method for (route, method) in ROUTES if route == name)


def handle(req: HttpRequest, run: Run) -> Dict[str, Any]:
    """Serve one HTTP request; never raises (errors become the Tencent error envelope)."""
    request_id = req.request_id or run.invocation_id or str(uuid.uuid4())
    cors = cors_headers(run.settings, req)
    headers = dict(cors, **{"X-Request-Id": request_id})
    name = _route_name(req.path)
    started = time.perf_counter()
    try:
        if req.method == "OPTIONS":
            return respond(204, None, preflight_headers(cors))
        if name == "healthz" and req.method in ("GET", "HEAD"):
            return respond(200, routes.health(), headers)
        check_api_key(run.settings, req)
        route = ROUTES.get((name, req.method))
        if route is None:
            allowed = _allowed_methods(name)
            if allowed:
                headers["Allow"] = allowed
                raise FuseFaceError("UnsupportedOperation.MethodNotAllowed",
                                    f"{req.method} is not allowed on /{name}: use {allowed}.")
            raise FuseFaceError("ResourceNotFound.Route", f"No route for {req.method} {req.path}.")
        status = 200
        response = respond(200, route(req, run, request_id), headers)
    except FuseFaceError as err:
        status = err.http_status
        log.warning("http request failed", extra={"code": err.code, "error": err.message, "route": name,
                                                   "fuseface_request_id": err.request_id})
        response = error_response(err, request_id, headers)
    except Exception as exc:  # last resort: never a traceback to the caller
        status = 500
        log.error("unexpected error", extra={"route": name, "error_type": type(exc).__name__})
        response = internal_error_response(request_id, headers)
    log.info("http request done", extra={"method": req.method, "route": name, "status": status,
                                         "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    return response
