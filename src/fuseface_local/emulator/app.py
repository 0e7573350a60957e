"""The emulator's WSGI application: host-based routing, authentication, call counters and fault injection.

A request whose Host is ``{bucket}.cos.{region}.myqcloud.com`` goes to the COS route map; every other Host
goes to the API route map: ``POST /`` is TencentCloud API 3.0 (``fuseface_api``), and ``GET|HEAD /<key>``
serves presigned COS URLs that name no bucket (``http://127.0.0.1:PORT/<key>?q-sign-...``, which is what
``CosS3Client.get_presigned_url`` builds with ``IP=``/``Port=``): the bucket is the one bucket holding the key.

Unexpected exceptions are answered as ``InternalError`` and recorded in ``errors`` so the test thread can
re-raise them (``EmulatorServer.check_errors``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter, defaultdict, deque
from typing import Any, Callable, Deque, Dict, Iterable, List, NamedTuple, Optional, TextIO, Tuple

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, PathConverter, Rule
from werkzeug.wrappers import Request, Response

from scf_fuseface.regions import DEFAULT_REGION

from . import api3, api_call, cos_api
from .auth import AuthError, Credentials, verify_cos
from .codes import INJECTABLE
from .gateway import served_regions
from .materials import MaterialStore
from .store import ObjectStore, StoreError
from .usage import LostReply, Meter

__all__ = ["EmulatorApp", "Injections", "Served"]



class _KeyConverter(PathConverter):
    """An object key: werkzeug's ``path`` also matching CR and LF (COS keys may hold them)."""

    regex = "[^/](?s:.)*?"


_CONVERTERS = {"key": _KeyConverter}
_COS_MAP = Map([
    Rule("/", methods=["GET", "HEAD"], endpoint="cos.list_bucket"),
    Rule("/", methods=["PUT"], endpoint="cos.put_bucket"),
    Rule("/<key:key>", methods=["GET", "HEAD"], endpoint="cos.get_object"),
    Rule("/<key:key>", methods=["PUT"], endpoint="cos.put_object"),
    Rule("/<key:key>", methods=["DELETE"], endpoint="cos.delete_object"),
], merge_slashes=False, strict_slashes=False, converters=_CONVERTERS)

_API_MAP = Map([
    Rule("/", methods=["POST"], endpoint="api3"),
    Rule("/<key:key>", methods=["GET", "HEAD"], endpoint="cos.get_object"),
], merge_slashes=False, strict_slashes=False, converters=_CONVERTERS)
# Unexpected exceptions kept for the test thread (``EmulatorServer.check_errors``): the latest few, without their
# tracebacks' frames (which would keep request bodies alive).
MAX_RECORDED_ERRORS = 20
MAX_SERVED_RECORDS = 10000  # ``served`` keeps the latest GETs only

# COS status codes for injected COS errors (FuseFace errors are always HTTP 200 envelopes).
_COS_STATUS = {"InternalError": 500, "ServiceUnavailable": 503, "SlowDown": 503, "AccessDenied": 403,
               "NoSuchKey": 404, "NoSuchBucket": 404, "RequestTimeout": 400}


def _detached(exc: BaseException) -> BaseException:
    """``exc`` with its traceback text as a note and its frames dropped."""
    import traceback

    text = "".join(traceback.format_exception(exc))[-4000:]
    exc = exc.with_traceback(None)
    exc.__cause__ = exc.__context__ = None
    if hasattr(exc, "add_note"):
        exc.add_note(text)
    return exc


def _drop_connection(environ, start_response) -> list:
    """Close the client's connection with no reply (werkzeug then notes a dropped connection, quietly)."""
    start_response("502 Bad Gateway", [("Content-Length", "0")])
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    return []


def _hostname(request: Request) -> str:
    """The Host header without its port (an IPv6 literal is kept whole)."""
    host = request.host
    return host if host.startswith("[") else host.rsplit(":", 1)[0]


class Served(NamedTuple):
    """One COS object body sent to a client (GET): lets tests count the bytes a client really read."""

    bucket: str
    key: str
    range: Optional[str]  # the request's Range header, if any
    status: int
    nbytes: int


class Injections:
    """Per-name queues of injected errors, canned success payloads and delays, consumed one per call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: Dict[str, Deque[Tuple[str, Optional[str]]]] = defaultdict(deque)
        self._delays: Dict[str, Deque[float]] = defaultdict(deque)
        self._responses: Dict[str, Deque[Dict[str, Any]]] = defaultdict(deque)

    def add_error(self, name: str, code: str, times: int, message: Optional[str]) -> None:
        if not name.startswith("cos:") and code not in INJECTABLE:
            raise ValueError(f"FuseFace has no code {code!r} (emulator.codes.INJECTABLE); inject a code it answers")
        with self._lock:
            self._errors[name].extend([(code, message)] * int(times))

    def add_delay(self, name: str, seconds: float, times: int) -> None:
        with self._lock:
            self._delays[name].extend([float(seconds)] * int(times))

    def add_response(self, name: str, payload: Dict[str, Any], times: int) -> None:
        with self._lock:
            self._responses[name].extend([dict(payload)] * int(times))

    def take_response(self, name: str) -> Optional[Dict[str, Any]]:
        with self._lock:
            return self._responses[name].popleft() if self._responses[name] else None

    def take(self, name: str) -> Tuple[float, Optional[Tuple[str, Optional[str]]]]:
        with self._lock:
            delay = self._delays[name].popleft() if self._delays[name] else 0.0
            error = self._errors[name].popleft() if self._errors[name] else None
        return delay, error

    def clear(self) -> None:
        with self._lock:
            self._errors.clear()
            self._delays.clear()
            self._responses.clear()


class EmulatorApp:
    """State holder + WSGI callable. ``public_host`` ("127.0.0.1:PORT") is set once the socket is bound."""

    def __init__(self, *, store: ObjectStore, materials: MaterialStore, creds: Credentials,
                 engine: Callable[[], object], meter: Meter, region: str = DEFAULT_REGION,
                 regions: Optional[Iterable[str]] = None) -> None:
        self.store = store
        self.meter = meter
        self.on_created: List[Callable[[str, str, str], None]] = []  # (bucket, key, event name) after a write
        self.materials = materials
        self.creds = creds
        self.engine = engine
        self.region = region
        self.regions = served_regions(regions)  # what X-TC-Region may be (gateway.py; UNCONFIRMED list)
        self.public_host = "127.0.0.1"
        self.port: Optional[int] = None
        self.calls: Counter = Counter()
        self.served: List[Served] = []
        self.injections = Injections()
        self.errors: Deque[BaseException] = deque(maxlen=MAX_RECORDED_ERRORS)
        self._calls_lock = threading.Lock()
        self.access_log: Optional[TextIO] = None  # one line per request when set (``fuseface emulator``: stderr)

    # --- bookkeeping -------------------------------------------------------------------------------------
    def count(self, name: str) -> None:
        with self._calls_lock:
            self.calls[name] += 1

    def injected(self, name: str) -> Optional[Tuple[str, Optional[str]]]:
        """Sleep for an injected delay, then return an injected ``(code, message)`` or None."""
        delay, error = self.injections.take(name)
        if delay:
            time.sleep(delay)
        return error

    # --- WSGI --------------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        started = time.perf_counter()
        try:
            response = self.dispatch(request)
        except LostReply:  # an injected fault: processed and billed, the reply never arrives
            return _drop_connection(environ, start_response)
        except Exception as exc:  # recorded for the test thread; the client sees an internal error
            self.errors.append(_detached(exc))
            message = f"Emulator failure: {type(exc).__name__}."
            if request.method == "POST" and not cos_api.COS_HOST_RE.match(_hostname(request).lower()):
                response = api_call.error_response("InternalError", message)
            else:
                response = cos_api.cos_error("InternalError", message, 500, request.path,
                                             head=request.method == "HEAD")
        if self.access_log is not None:
            self._log(request, response.status_code, (time.perf_counter() - started) * 1000.0)
        return response(environ, start_response)

    def _log(self, request: Request, status: int, ms: float) -> None:
        """Time, method, path (never the query: presigned URLs carry signatures), status, milliseconds."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self._calls_lock:
            self.access_log.write(f"{stamp} {request.method} {request.path} {status} {ms:.1f} ms\n")
            self.access_log.flush()

    def dispatch(self, request: Request) -> Response:
        hostname = _hostname(request)
        match = cos_api.COS_HOST_RE.match(hostname.lower())
        if match and not hostname.startswith(match["bucket"]):  # COS bucket names are lower-case only
            return cos_api.cos_error("InvalidBucketName", "The bucket name must be lower-case [a-z0-9-].", 400,
                                     request.path, head=request.method == "HEAD")
        url_map = _COS_MAP if match else _API_MAP
        try:
            endpoint, args = url_map.bind_to_environ(request.environ).match()
        except (NotFound, MethodNotAllowed) as exc:
            if match is None and request.method == "POST":
                return api3.handle(self, request)
            return cos_api.cos_error("MethodNotAllowed" if isinstance(exc, MethodNotAllowed) else "NoSuchKey",
                                     exc.description or "Not found.", exc.code or 404, request.path,
                                     head=request.method == "HEAD")
        except HTTPException as exc:  # pragma: no cover - redirects are disabled by the map options
            return cos_api.cos_error("InvalidURI", str(exc), 400, request.path)
        if endpoint == "api3":
            return api3.handle(self, request)
        return self._cos(request, endpoint, match.group("bucket") if match else None, args.get("key", ""),
                         hostname)

    def _cos(self, request: Request, endpoint: str, bucket: Optional[str], key: str, hostname: str) -> Response:
        view, counter = cos_api.VIEWS[endpoint]
        head = request.method == "HEAD"
        if head:
            counter = "cos:HEAD"
        self.count(counter)
        resource = f"{hostname}/{key}"
        try:
            verify_cos(self.creds, method=request.method, key=key, host=hostname, headers=request.headers,
                       query=request.args.to_dict())
            if bucket is None:
                bucket = self._bucket_for(key)
            injected = self.injected(counter)
            if injected is None and self.meter.faults is not None and \
                    self.meter.faults.cos_error(request.method, bucket, key):
                injected = ("InternalError", "Injected fault cos-5xx.")
            if injected is not None:
                code, message = injected
                return cos_api.cos_error(code, message or f"Injected {code}.", _COS_STATUS.get(code, 400),
                                         resource, head=head)
            response = view(self.store, request, bucket, key)
            if request.method == "GET" and endpoint == "cos.get_object":
                self.served.append(Served(bucket, key, request.headers.get("Range"), response.status_code,
                                          len(response.get_data())))
                del self.served[:-MAX_SERVED_RECORDS]
            if endpoint == "cos.put_object" and response.status_code == 200:
                copied = "x-cos-copy-source" in request.headers
                self._created(bucket, key, "cos:ObjectCreated:" + ("Copy" if copied else "Put"))
            return response
        except AuthError as exc:
            return cos_api.cos_error(exc.code, exc.message, 403, resource, head=head)
        except StoreError as exc:
            return cos_api.cos_error(exc.code, exc.message, exc.status, resource, head=head)

    def _created(self, bucket: str, key: str, event_name: str) -> None:
        for listener in list(self.on_created):
            listener(bucket, key, event_name)

    def _bucket_for(self, key: str) -> str:
        buckets = self.store.find_buckets(key)
        if len(buckets) != 1:
            reason = "No bucket holds" if not buckets else "Several buckets hold"
            raise StoreError("NoSuchKey", f"{reason} this key; address the bucket with its Host header.", 404)
        return buckets[0]
