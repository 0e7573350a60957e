"""``fuseface serve``: the function's HTTP endpoint on a real local port, for curl and browsers.

Local tooling only; it is left out of the function zip. :class:`LocalServer` starts an embedded
:class:`~fuseface_local.emulator.EmulatorServer` seeded like ``fuseface replay`` (``replay.seed``), points the
function's SDKs at it with ``replay.emulator_environ`` (for as long as the server runs), and serves HTTP with
werkzeug (threaded). :class:`FunctionUrlApp` turns every request into a Function URL event
(``eventgen.http_event(..., function_url=True)`` shape: lower-case headers, ``x-scf-remote-addr``,
``queryString``, a text body for text/JSON and base64 for binary bodies), calls ``main_handler(event, context)``
and turns its integrated response back into HTTP. Bodies over SCF's 6 MB synchronous limit are answered 413
(``RequestSizeLimitExceeded``) without calling the handler. ``GET /`` is a small demo page.

The access log has one line per request (time, method, path, status, ms): never a query, header or body.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, TextIO

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.regions import DEFAULT_REGION

from .eventgen import http_event
from .replay import (
    DEFAULT_CONTEXT,
    default_events_dir,
    emulator_environ,
    local_emulator,
    patched_environ,
    seed,
)

__all__ = ["MAX_SYNC_REQUEST_BYTES", "FunctionUrlApp", "LocalServer", "build_event", "startup_line",
           "to_response"]

# SCF's synchronous invocation limit (request and response): 6 MB, the value config uses for replies.
MAX_SYNC_REQUEST_BYTES = 6 * 1000 * 1000
_BINARY_TYPES = ("image/", "multipart/", "application/octet-stream")
_DROPPED_HEADERS = ("transfer-encoding", "content-length")  # the event carries the whole, de-chunked body

Handler = Callable[[Any, Dict[str, Any]], Any]


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


def _envelope(status: int, code: str, message: str, request_id: str) -> Response:
    body = json.dumps({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}},
                      ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, content_type="application/json", headers={"X-Request-Id": request_id})


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


class FunctionUrlApp:
    """WSGI app: each request becomes one ``handler(event, context)`` invocation, Function URL style."""

    def __init__(self, handler: Optional[Handler] = None, *, access_log: Optional[TextIO] = None,
                 max_body: int = MAX_SYNC_REQUEST_BYTES, region: str = DEFAULT_REGION) -> None:
        self._handler = handler
        self.access_log = access_log
        self.max_body = max_body
        self.region = region
        self.invocations = 0  # handler calls (tests: a 413 must not call it)
        self._lock = threading.Lock()

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
        if request.path in ("/", "/index.html") and request.method in ("GET", "HEAD"):
            return Response(DEMO_PAGE, content_type="text/html; charset=utf-8")
        declared = request.content_length
        if declared is not None and declared > self.max_body:
            return self._too_large(request_id)
        body = _read_body(request.stream, self.max_body + 1)
        if len(body) > self.max_body:  # chunked bodies carry no Content-Length
            return self._too_large(request_id)
        event = build_event(request, body)
        context = dict(DEFAULT_CONTEXT, request_id=request_id, tencentcloud_region=self.region)
        with self._lock:
            self.invocations += 1
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
        with self._lock:
            stream.write(f"{stamp} {request.method} {request.path} {status} {ms:.1f} ms\n")
            stream.flush()


class _QuietHandler(WSGIRequestHandler):
    """No werkzeug request lines: they include the query string. Our own access line replaces them."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


class LocalServer:
    """The function behind a local HTTP port, with an embedded, seeded emulator as its cloud."""

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int = 8080,
                 events_dir: Optional[Path] = None, engine: Any = None, handler: Optional[Handler] = None,
                 access_log: Optional[TextIO] = None, max_body: int = MAX_SYNC_REQUEST_BYTES) -> None:
        self.data_dir = Path(data_dir)
        self.host = host
        self.requested_port = int(port)
        self.events_dir = Path(events_dir) if events_dir is not None else default_events_dir()
        self.app = FunctionUrlApp(handler, access_log=access_log, max_body=max_body)
        self.emulator: Any = None
        self.seeded: Dict[str, int] = {}
        self._engine = engine
        self._stack: Optional[ExitStack] = None
        self._server: Any = None
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host  # noqa: S104
        return f"http://{shown}:{self.port}/"

    def start(self) -> LocalServer:
        if self._stack is not None:
            raise RuntimeError("The local server is already running.")
        stack = ExitStack()
        try:
            self.emulator = stack.enter_context(local_emulator(self.data_dir, engine=self._engine))
            self.seeded = seed(self.emulator, self.events_dir)
            environ = emulator_environ(self.emulator, self.events_dir)
            stack.enter_context(patched_environ(environ))
            self.app.region = os.environ.get("FUSEFACE_REGION") or DEFAULT_REGION  # after the patch above
            self._server = make_server(self.host, self.requested_port, self.app, threaded=True,
                                       request_handler=_QuietHandler)
            self._server.daemon_threads = True
            stack.callback(self._server.server_close)
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="fuseface-serve",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stack is None:
            return
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        stack, self._stack, self._thread = self._stack, None, None
        stack.close()  # closes the socket, restores the environment, stops the emulator

    def wait(self) -> None:
        """Block until the serving thread ends (Ctrl-C raises KeyboardInterrupt here)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def startup_line(url: str) -> str:
    """One line: where to point a browser, and two curl round trips."""
    base = url.rstrip("/")
    return (f"fuseface serve: {url} (demo page) | curl -s {base}/healthz"
            f" | curl -s -F image=@selfie.jpg -F FuseFaceDegree=60 {base}/fuse"
            f" | curl -s -H 'Content-Type: image/jpeg' --data-binary @selfie.jpg {base}/fuse")


DEMO_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fuseface local demo</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
fieldset { margin: 1rem 0; }
label { display: block; margin-top: .5rem; }
#error { color: #a00000; font-weight: bold; }
img { max-width: 100%; height: auto; border: 1px solid #888; }
</style>
</head>
<body>
<main>
<h1>fuseface local demo</h1>
<p>Pick a selfie: it is sent as multipart to <code>POST /fuse</code> on this local server, which runs the
function against the offline local cloud.</p>
<form id="fuse-form" action="/fuse" method="post" enctype="multipart/form-data">
<label for="image">Selfie (JPEG or PNG)</label>
<input id="image" name="image" type="file" accept="image/jpeg,image/png" required>
<fieldset>
<legend>Degrees (optional)</legend>
<label><input id="use-degrees" type="checkbox"> Send the degrees below (otherwise the function's defaults)</label>
<label for="face-degree">FuseFaceDegree: <output id="face-degree-value" for="face-degree">50</output></label>
<input id="face-degree" name="FuseFaceDegree" type="range" min="0" max="100" value="50">
<label for="profile-degree">FuseProfileDegree: <output id="profile-degree-value" for="profile-degree">50</output></label>
<input id="profile-degree" name="FuseProfileDegree" type="range" min="0" max="100" value="50">
</fieldset>
<label for="api-key">X-Api-Key (only if FUSEFACE_API_KEYS is set)</label>
<input id="api-key" type="password" autocomplete="off">
<p><button type="submit">Fuse</button></p>
</form>
<p id="status" role="status" aria-live="polite"></p>
<p id="error" role="alert"></p>
<img id="result" alt="The fused image returned by the function" hidden>
</main>
<script>
(function () {
  var form = document.getElementById("fuse-form");
  ["face-degree", "profile-degree"].forEach(function (id) {
    var input = document.getElementById(id), out = document.getElementById(id + "-value");
    input.addEventListener("input", function () { out.value = input.value; });
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var status = document.getElementById("status"), error = document.getElementById("error");
    var img = document.getElementById("result");
    var data = new FormData();
    data.append("image", document.getElementById("image").files[0]);
    if (document.getElementById("use-degrees").checked) {
      data.append("FuseFaceDegree", document.getElementById("face-degree").value);
      data.append("FuseProfileDegree", document.getElementById("profile-degree").value);
    }
    var headers = {}, key = document.getElementById("api-key").value;
    if (key) { headers["X-Api-Key"] = key; }
    status.textContent = "Fusing..."; error.textContent = ""; img.hidden = true;
    fetch("/fuse", {method: "POST", body: data, headers: headers})
      .then(function (r) { return r.json(); })
      .then(function (env) {
        var resp = env.Response || {};
        status.textContent = "";
        if (resp.Error) { error.textContent = resp.Error.Code + ": " + resp.Error.Message; return; }
        var pic = resp.FusedImage || "";
        if (!/^https?:/.test(pic)) {
          pic = (pic.indexOf("iVBOR") === 0 ? "data:image/png;base64," : "data:image/jpeg;base64,") + pic;
        }
        img.src = pic; img.hidden = false;
        status.textContent = "Done (RequestId " + resp.RequestId + ").";
      })
      .catch(function (e) { status.textContent = ""; error.textContent = "Request failed: " + e; });
  });
})();
</script>
</body>
</html>
"""
