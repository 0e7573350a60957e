"""The WSGI app of ``fuseface serve``: HTTP request -> Function URL event -> ``main_handler`` -> HTTP response.

Every request becomes a Function URL event (``eventgen.http_event(..., function_url=True)`` shape: lower-case
headers, ``x-scf-remote-addr``, ``queryString``, a text body for text/JSON and base64 for binary bodies); the
handler's integrated response is turned back into HTTP. Bodies over SCF's 6 MB synchronous limit are answered
413 (``RequestSizeLimitExceeded``) without calling the handler. ``GET /`` is the try-it page, whose files live in
``static/`` (package data, read with ``importlib.resources``) and are served under ``/static/`` (another method
on them is 405). Paths under ``/local/`` are local-only routes (``local_routes``), never the function's.

The access log has one line per request (time, method, path, status, ms): never a query, header or body.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
import threading
import time
import uuid
from importlib import resources
from pathlib import PurePosixPath
from typing import Any, Callable, Dict, Mapping, Optional, TextIO, Tuple

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.regions import DEFAULT_REGION

from ..eventgen import http_event
from ..replay import DEFAULT_CONTEXT, Handler
from .local_routes import PREFIX as LOCAL_PREFIX
from .local_routes import LocalRoutes

__all__ = ["MAX_SYNC_REQUEST_BYTES", "FunctionUrlApp", "build_event", "static_file", "to_response"]

# SCF's synchronous invocation limit (request and response): 6 MB, the value config uses for replies.
MAX_SYNC_REQUEST_BYTES = 6 * 1000 * 1000
_BINARY_TYPES = ("image/", "multipart/", "application/octet-stream")
_DROPPED_HEADERS = ("transfer-encoding", "content-length")  # the event carries the whole, de-chunked body

# The demo page: its routes, and the static files' media types (text/javascript per RFC 9239).
_PAGE_PATHS = ("/", "/index.html")
_STATIC_PREFIX = "/static/"
_MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".js": "text/javascript; charset=utf-8"}


def _is_binary(content_type: str) -> bool:
    return content_type.strip().lower().startswith(_BINARY_TYPES)


def build_event(request: Request, body: bytes) -> Dict[str, Any]:
    """The Function URL event SCF would deliver for ``request`` (with ``body`` already read)."""
    headers = {k.lower(): v for k, v in request.headers.items() if k.lower() not in _DROPPED_HEADERS}
    ctype = headers.get("content-type", "")
    payload: Any = None
    if body:
        payload = body
        if not _is_binary(ctype):
            try:
                payload = body.decode("utf-8")
            except UnicodeDecodeError:
                payload = body  # not text: base64, as eventgen encodes any bytes body
    query = {k: (v[0] if len(v) == 1 else v) for k, v in request.args.lists()}
    source_ip = request.remote_addr or "127.0.0.1"
    event = http_event(request.method, request.path, body=payload, query=query, function_url=True,
                       source_ip=source_ip, host=headers.get("host"))
    # Real headers only (eventgen's placeholders such as user-agent are not what this client sent).
    real = dict(headers)
    if body:
        real["content-length"] = str(len(body))
    real["x-scf-remote-addr"] = source_ip
    event["headers"] = real
    return event


def _read_body(stream: Any, limit: int) -> bytes:
    """Up to ``limit`` bytes (a de-chunking stream may return fewer per read than asked)."""
    parts, size = [], 0
    while size < limit:
        chunk = stream.read(min(limit - size, 1 << 20))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _envelope(status: int, code: str, message: str, request_id: str,
              headers: Optional[Dict[str, str]] = None) -> Response:
    body = json.dumps({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}},
                      ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, content_type="application/json",
                    headers={"X-Request-Id": request_id, **(headers or {})})


def to_response(result: Any, request_id: str) -> Response:
    """The HTTP response for a handler result (SCF integrated response, else the result as JSON)."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        return Response(json.dumps(result, ensure_ascii=False, default=str), status=200,
                        content_type="application/json")
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        return _envelope(502, "InternalError", "The function returned an invalid statusCode.", request_id)
    body = result.get("body") or ""
    flag = result.get("isBase64Encoded")
    if flag is True or str(flag).lower() == "true":
        try:
            data = base64.b64decode(str(body), validate=True)
        except (binascii.Error, ValueError):
            return _envelope(502, "InternalError", "isBase64Encoded is set but the body is not base64.", request_id)
    else:
        data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
    resp = Response(data, status=status)
    resp.headers.remove("Content-Type")
    for name, value in (result.get("headers") or {}).items():
        for item in value if isinstance(value, list) else [value]:
            resp.headers.add(str(name), str(item))
    return resp


def static_file(path: str) -> Optional[Tuple[bytes, str]]:
    """``(bytes, media type)`` of the demo page's file for a request path (``/``, ``/index.html`` or
    ``/static/<name>``), or None when the path names none of them (the function answers it then)."""
    if path in _PAGE_PATHS:
        name = "index.html"
    elif path.startswith(_STATIC_PREFIX):
        name = path[len(_STATIC_PREFIX):]
    else:
        return None
    media_type = _MEDIA_TYPES.get(PurePosixPath(name).suffix)
    if media_type is None or "/" in name:
        return None
    resource = resources.files(__package__) / "static" / name
    return (resource.read_bytes(), media_type) if resource.is_file() else None


class FunctionUrlApp:
    """WSGI app: each request becomes one ``handler(event, context)`` invocation, Function URL style."""

    def __init__(self, handler: Optional[Handler] = None, *, access_log: Optional[TextIO] = None,
                 max_body: int = MAX_SYNC_REQUEST_BYTES, region: str = DEFAULT_REGION) -> None:
        self._handler = handler
        self.access_log = access_log
        self.max_body = max_body
        self.region = region
        self.local: Optional[LocalRoutes] = None  # the /local/ routes, set by LocalServer once its emulator runs
        self._log_lock = threading.Lock()

    def handler(self) -> Handler:
        if self._handler is None:
            from scf_fuseface.entry import (
                main_handler,  # late: its cold start reads the environment set by LocalServer
            )

            self._handler = main_handler
        return self._handler

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        started = time.perf_counter()
        response = self.dispatch(request)
        self._log(request, response.status_code, (time.perf_counter() - started) * 1000.0)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        page = static_file(request.path)
        if page is not None:
            if request.method not in ("GET", "HEAD"):
                return _envelope(405, "UnsupportedOperation.MethodNotAllowed",
                                 f"{request.method} is not allowed on {request.path}: use GET.", request_id,
                                 {"Allow": "GET, HEAD"})
            return Response(page[0], content_type=page[1])
        if self.local is not None and request.path.startswith(LOCAL_PREFIX):
            return self.local.answer(request)
        declared = request.content_length
        if declared is not None and declared > self.max_body:
            return self._too_large(request_id)
        try:
            body = _read_body(request.stream, self.max_body + 1)
        except (OSError, ValueError, ClientDisconnected) as exc:  # cut short, stalled, or badly chunked
            return _envelope(400, "InvalidRequest", f"The request body could not be read ({type(exc).__name__}).",
                             request_id)
        if len(body) > self.max_body:  # chunked bodies carry no Content-Length
            return self._too_large(request_id)
        event = build_event(request, body)
        context = dict(DEFAULT_CONTEXT, request_id=request_id, tencentcloud_region=self.region)
        try:
            result = self.handler()(event, context)
        except Exception as exc:  # noqa: BLE001 - SCF answers a crashed invocation, so do we
            print(f"fuseface serve: the handler raised {type(exc).__name__} (request {request_id})", file=sys.stderr)
            return _envelope(502, "InternalError", "The function raised an exception.", request_id)
        return to_response(result, request_id)

    def _too_large(self, request_id: str) -> Response:
        err = FuseFaceError("RequestSizeLimitExceeded",
                            f"The request body exceeds SCF's synchronous limit of {self.max_body} bytes.")
        return _envelope(err.http_status, err.code, err.message, request_id)

    def _log(self, request: Request, status: int, ms: float) -> None:
        stream = self.access_log if self.access_log is not None else sys.stderr
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self._log_lock:
            stream.write(f"{stamp} {request.method} {request.path} {status} {ms:.1f} ms\n")
            stream.flush()
