"""The HTTP API shared by the API Gateway and Function URL handlers (integrated-response shape).

Routes (matched on the path *suffix*, so APIGW stage/service prefixes do not matter):

* ``POST /fuse`` -- FuseFace's own request JSON (ProjectId/ModelId default from config), or a raw
  ``image/jpeg|png`` body, or ``multipart/form-data`` (file part ``image``; parameters as form fields or in the
  query). Reply: ``{"Response": {"FusedImage", "RequestId"}}``. When that reply would pass
  ``FUSEFACE_HTTP_MAX_RESPONSE_BYTES`` (SCF: 6 MB) the image is stored in ``FUSEFACE_HTTP_BUCKET`` under the
  output prefix (``outputs.store_http_result``) and the reply carries ``FusedImage`` = ``FusedImageUrl`` = a presigned GET URL and
  ``RspImgType: "url"``.
* ``GET /materials`` -- ``DescribeMaterialList`` (``ActivityId``/``ProjectId``, ``MaterialId``, ``Limit``, ``Offset``).
* ``GET /healthz`` -- liveness, no credentials needed, no API key.
* ``OPTIONS *`` -- CORS preflight. Allowed origins come from ``FUSEFACE_CORS_ORIGINS`` (``*`` allowed); the
  request's Origin is echoed when allowed.

Errors: ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`` with ``FuseFaceError.http_status``.
API keys (``FUSEFACE_API_KEYS``): header ``X-Api-Key``, compared with ``hmac.compare_digest``.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from . import __version__
from .errors import FuseFaceError
from .fuse import decode_fused, fuse_request, fuse_with_retry
from .imageprep import check_base64_image
from .log import Timer
from .models.fusion import FuseRequest, parse_fuse_request
from .models.http_event import HttpRequest
from .outputs import store_http_result
from .run import Run

__all__ = ["HttpHandler", "error_response", "handle", "parse_multipart"]

log = logging.getLogger(__name__)
_INT_PARAMS = ("FuseFaceDegree", "FuseProfileDegree", "LogoAdd")
_STR_PARAMS = ("ProjectId", "ModelId", "RspImgType")
_IMAGE_FIELDS = ("image", "Image", "file", "photo")


def _respond(status: int, payload: Any, headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    out_headers = {"Content-Type": "application/json"}
    out_headers.update(headers or {})
    return {"isBase64Encoded": False, "statusCode": status, "headers": out_headers, "body": body}


def error_response(err: FuseFaceError, request_id: Optional[str],
                   headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Tencent's error envelope ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`` as an HTTP reply."""
    return _respond(err.http_status, {"Response": {"Error": err.to_error(), "RequestId": err.request_id or request_id}},
                    headers)


def _cors_headers(run: Run, req: HttpRequest) -> Dict[str, str]:
    origin = req.header("origin")
    allowed = run.settings.cors_origins
    if not origin or not allowed or ("*" not in allowed and origin not in allowed):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
            "Access-Control-Expose-Headers": "X-Request-Id"}


def _check_api_key(run: Run, req: HttpRequest) -> None:
    keys = run.settings.api_key_values()
    if not keys:
        return
    given = req.header("x-api-key").encode("utf-8")
    ok = False
    for key in keys:  # compare against every key: no early exit
        ok |= hmac.compare_digest(given, key.encode("utf-8"))
    if not ok:
        raise FuseFaceError("UnauthorizedOperation.ApiKey", "A valid X-Api-Key header is required.")


def _route(path: str) -> str:
    clean = "/" + path.strip("/")
    for name in ("fuse", "materials", "healthz"):
        if clean == f"/{name}" or clean.endswith(f"/{name}"):
            return name
    return ""


class HttpHandler:
    """Base of the HTTP trigger handlers: ``parse`` turns the trigger's event into an :class:`HttpRequest`."""

    trigger = ""
    parse: Callable[[Mapping[str, Any]], HttpRequest]

    def __init__(self, event: Mapping[str, Any], run: Run) -> None:
        self.event = event
        self.run = run

    def __call__(self) -> Dict[str, Any]:
        """Serve the event (a malformed event is a 400 reply)."""
        try:
            req = self.parse(self.event)
        except FuseFaceError as err:
            log.warning("bad http event", extra={"code": err.code, "error": err.message})
            return error_response(err, self.run.invocation_id or str(uuid.uuid4()))
        return handle(req, self.run)


def handle(req: HttpRequest, run: Run) -> Dict[str, Any]:
    """Serve one HTTP request; never raises (errors become the Tencent error envelope)."""
    request_id = req.request_id or run.invocation_id or str(uuid.uuid4())
    cors = _cors_headers(run, req)
    headers = dict(cors, **{"X-Request-Id": request_id})
    route = _route(req.path)
    started = time.perf_counter()
    try:
        if req.method == "OPTIONS":
            if cors:
                cors.update({"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                             "Access-Control-Allow-Headers": "Content-Type, X-Api-Key",
                             "Access-Control-Max-Age": "600"})
            return _respond(204, None, cors)
        if route == "healthz" and req.method in ("GET", "HEAD"):
            return _respond(200, {"status": "ok", "version": __version__}, headers)
        _check_api_key(run, req)
        if route == "fuse" and req.method == "POST":
            payload = _fuse(req, run, request_id)
        elif route == "materials" and req.method == "GET":
            payload = _materials(req, run)
        else:
            raise FuseFaceError("ResourceNotFound.Route", f"No route for {req.method} {req.path}.")
        status = 200
        response = _respond(200, payload, headers)
    except FuseFaceError as err:
        status = err.http_status
        log.warning("http request failed", extra={"code": err.code, "error": err.message, "route": route,
                                                   "fuseface_request_id": err.request_id})
        response = error_response(err, request_id, headers)
    except Exception as exc:  # last resort: never a traceback to the caller
        status = 500
        log.error("unexpected error", extra={"route": route, "error_type": type(exc).__name__})
        response = _respond(500, {"Response": {"Error": {"Code": "InternalError", "Message": "Internal error."},
                                               "RequestId": request_id}}, headers)
    log.info("http request done", extra={"method": req.method, "route": route, "status": status,
                                         "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    return response


# --- POST /fuse ----------------------------------------------------------------------------------------
def parse_multipart(content_type_header: str, body: bytes) -> Tuple[Dict[str, str], Optional[bytes]]:
    """Form fields and the image bytes of a ``multipart/form-data`` body (stdlib ``email`` parser)."""
    head = f"Content-Type: {content_type_header}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    msg = BytesParser(policy=HTTP).parsebytes(head + body)
    if not msg.is_multipart():
        raise FuseFaceError("InvalidParameterValue", "The multipart body (or its boundary) could not be parsed.")
    fields: Dict[str, str] = {}
    image: Optional[bytes] = None
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        is_file = part.get_filename() is not None or part.get_content_maintype() == "image"
        if image is None and (is_file or name in _IMAGE_FIELDS):
            image = payload
        elif name:
            fields[str(name)] = payload.decode("utf-8", "replace").strip()
    return fields, image


def _params_request(params: Dict[str, str], image: bytes) -> Dict[str, Any]:
    data: Dict[str, Any] = {}
    for name in _STR_PARAMS:
        if params.get(name):
            data[name] = params[name]
    for name in _INT_PARAMS:
        if params.get(name, "") != "":
            try:
                data[name] = int(params[name])
            except ValueError:
                raise FuseFaceError("InvalidParameterValue", f"{name} must be an integer.") from None
    merge: Dict[str, Any] = {"Image": base64.b64encode(image).decode("ascii")}
    if params.get("TemplateFaceID"):
        merge["TemplateFaceID"] = params["TemplateFaceID"]
    data["MergeInfos"] = [merge]
    return data


def _read_request(req: HttpRequest) -> Dict[str, Any]:
    ctype = req.content_type
    if len(req.body) == 0:
        raise FuseFaceError("MissingParameter", "The request body is empty.")
    if ctype in ("application/json", "text/json", "text/plain") or (not ctype and req.body[:1] == b"{"):
        try:
            data = json.loads(req.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise FuseFaceError("InvalidParameterValue", "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise FuseFaceError("InvalidParameterValue", "The body must be a JSON object.")
        return data
    if ctype in ("image/jpeg", "image/jpg", "image/png", "application/octet-stream"):
        return _params_request(req.query, req.body)
    if ctype == "multipart/form-data":
        fields, image = parse_multipart(req.header("content-type"), req.body)
        if not image:
            raise FuseFaceError("MissingParameter", "The multipart body has no image part (field 'image').")
        return _params_request(dict(req.query, **fields), image)
    raise FuseFaceError("InvalidParameterValue.UnsupportedMediaType",
                        f"Content-Type {ctype or '(none)'} is not supported: use JSON, image/jpeg, image/png or multipart.")


def _complete(req: FuseRequest, run: Run, request_id: str) -> FuseRequest:
    s = run.settings
    update: Dict[str, Any] = {}
    if not req.project_id:
        update["project_id"] = s.project_id
    if not req.model_id:
        update["model_id"] = s.model_id
    if req.logo_add is None:
        update["logo_add"] = s.logo_add
    if req.fuse_face_degree is None and s.face_degree is not None:
        update["fuse_face_degree"] = s.face_degree
    if req.fuse_profile_degree is None and s.profile_degree is not None:
        update["fuse_profile_degree"] = s.profile_degree
    merged = req.model_copy(update=update)
    if not merged.project_id or not merged.model_id:
        raise FuseFaceError("MissingParameter", "ProjectId and ModelId are required (or set FUSEFACE_PROJECT_ID/MODEL_ID).")
    infos = [m.model_copy(update={"image": check_base64_image(m.image)}) if m.image and not m.url else m
             for m in merged.merge_infos]
    return fuse_request(s, merged.model_copy(update={"merge_infos": infos}).to_api(), produce_id=request_id)


def _fuse(req: HttpRequest, run: Run, request_id: str) -> Dict[str, Any]:
    fuse_req = _complete(parse_fuse_request(_read_request(req)), run, request_id)
    timer = Timer()
    request_ids: list = []
    with timer("fuse"):
        result = fuse_with_retry(run, fuse_req, request_ids)
    reply = {"Response": {"FusedImage": result.fused_image, "RequestId": result.request_id}}
    stored = fuse_req.rsp_img_type == "base64" and len(json.dumps(reply)) + 512 > run.settings.http_max_response_bytes
    if stored:
        with timer("store"):
            url = store_http_result(run, decode_fused(result.fused_image), result.request_id or request_id)
        reply = {"Response": {"FusedImage": url, "FusedImageUrl": url, "RspImgType": "url",
                              "RequestId": result.request_id}}
    log.info("fused", extra={"params": fuse_req.summary(), "fuseface_request_id": result.request_id,
                             "phases_ms": timer.phases, "stored_in_cos": stored})
    return reply


# --- GET /materials ------------------------------------------------------------------------------------
def _materials(req: HttpRequest, run: Run) -> Dict[str, Any]:
    q = req.query
    activity = q.get("ActivityId") or q.get("ProjectId") or run.settings.project_id
    if not activity:
        raise FuseFaceError("MissingParameter", "ActivityId (ProjectId) is required (or set FUSEFACE_PROJECT_ID).")
    try:
        limit = int(q.get("Limit") or 20)
        offset = int(q.get("Offset") or 0)
    except ValueError:
        raise FuseFaceError("InvalidParameterValue", "Limit and Offset must be integers.") from None
    client = run.fusion(run.budget.remaining_s())
    result = client.describe_materials(activity, material_id=q.get("MaterialId") or None,
                                       limit=max(1, min(limit, 20)), offset=max(0, offset))
    return {"Response": result}
