"""TencentCloud API 3.0 for FuseFace 2022-09-27: TC3 check, action routing, ``FuseFace`` and
``DescribeMaterialList`` (``FuseFaceUltra`` lives in ``ultra_api``), Tencent's JSON envelopes (always HTTP 200,
``Content-Type: application/json``).

In front of every action (FuseFaceUltra included), as the API gateway does: the signature (``auth``), the version and region
(``gateway``), then the parameters against the SDK's request model (``sdk_schema``: ``UnknownParameter``,
``InvalidParameter``). Every refusal is answered with a code FuseFace has (``codes.answer_code``): the local
engine's own codes are mapped, and a code FuseFace lacks is an emulator bug (recorded for the test thread, answered
``InternalError``).
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from werkzeug.wrappers import Request, Response

from scf_fuseface import limits
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.imageinfo import check_dimensions, sniff

from . import render
from .api_call import envelope, error, error_response, read_call
from .auth import AuthError, cos_presign, verify_cos
from .codes import UnanswerableCode, answer_code
from .cos_api import COS_HOST_RE
from .logo import parse_logo
from .merge_faces import face_rect, template_face
from .sdk_schema import check_request, fields
from .store import StoreError

__all__ = ["ACTIONS", "RESULT_BUCKET", "SERVICE", "VERSION", "error_response", "fetch_url", "handle"]

SERVICE = "facefusion"
VERSION = "2022-09-27"
RESULT_BUCKET = "fuseface-results-1250000000"  # emulator-owned bucket for RspImgType=url results
RESULT_TTL_SECONDS = 7 * 24 * 3600
MAX_BODY_BYTES = 10 * 1024 * 1024
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _bad(message: str, code: str = "InvalidParameterValue.ParameterValueError") -> FuseFaceError:
    return FuseFaceError(code, message)


def handle(ctx, request: Request) -> Response:
    """Answer one API 3.0 request (``ctx`` is the ``EmulatorApp``)."""
    request_id = str(uuid.uuid4())
    try:
        action, view, params = read_call(ctx, request, service=SERVICE, version=VERSION, actions=ACTIONS,
                                         max_body=MAX_BODY_BYTES, regions=ctx.regions)
        injected = ctx.injected(action)
        if injected is not None:  # a test's deliberate answer (codes.INJECTABLE), after the checks above
            code, message = injected
            return error(code, FuseFaceError(code, message).message, request_id)
        canned = ctx.injections.take_response(action)
        if canned is not None:
            return envelope(canned, request_id)
        check_request(action, params)
        return envelope(ctx.meter.call(action, params, lambda: view(ctx, params)), request_id)  # QPS, faults, usage
    except (AuthError, FuseFaceError) as exc:
        try:
            return error(answer_code(exc.code), exc.message, request_id)
        except UnanswerableCode as bug:
            ctx.errors.append(bug)
            return error("InternalError", "Internal error.", request_id)


# --- DescribeMaterialList ---------------------------------------------------------------------------------
def _int_param(params: Dict, name: str, default: int, low: int, high: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{name} must be an integer in [{low}, {high}], got {value!r}.")
    return value


def describe_material_list(ctx, params: Dict) -> Dict:
    activity = params.get("ActivityId")
    if not activity:
        raise FuseFaceError("MissingParameter", "ActivityId is required.")
    limit = _int_param(params, "Limit", 20, 0, 20)
    offset = _int_param(params, "Offset", 0, 0, 1 << 31)
    if not ctx.materials.project_exists(str(activity)):
        raise FuseFaceError("InvalidParameterValue.ActivityIdNotFound", f"No activity {activity!r}.")
    records = ctx.materials.list(str(activity))
    if params.get("MaterialId"):
        records = [r for r in records if r["MaterialId"] == params["MaterialId"]]
    page = records[offset:offset + limit]
    public = fields("PublicMaterialInfos")  # the SDK's response model: a record carries exactly these
    return {"MaterialInfos": [{k: r[k] for k in public} for r in page], "Count": len(records)}


# --- FuseFace ---------------------------------------------------------------------------------------------
def _degree(params: Dict, name: str, default: int) -> int:
    if params.get(name) is None:
        return default
    return _int_param(params, name, default, 0, limits.MAX_DEGREE)


def _codec_metadata(params: Dict) -> Optional[Tuple[str, str]]:
    fuse_param = params.get("FuseParam") or {}
    items = ((fuse_param.get("ImageCodecParam") or {}).get("MetaData")) or []
    if not isinstance(items, list) or len(items) > 1:
        raise _bad("FuseParam.ImageCodecParam.MetaData takes at most 1 entry.")
    if not items:
        return None
    key, value = str(items[0].get("MetaKey") or ""), str(items[0].get("MetaValue") or "")
    if not key or len(key) > 32 or len(value) > 256:
        raise _bad("MetaKey must be 1..32 characters and MetaValue at most 256.")
    return key, value


def _decode_base64(text: Any, max_len: int = limits.MAX_BASE64_BYTES) -> bytes:
    if not isinstance(text, str):
        raise FuseFaceError("FailedOperation.ImageDecodeFailed", "Image must be a base64 string.")
    if len(text) > max_len:
        raise FuseFaceError("FailedOperation.ImageSizeExceed",
                            f"The base64 Image exceeds {max_len // (1024 * 1024)} MB.")
    if text.lstrip().startswith("data:"):
        raise FuseFaceError("FailedOperation.ImageDecodeFailed", "Image must be bare base64 (no data: prefix).")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise FuseFaceError("FailedOperation.ImageDecodeFailed", "Image is not valid base64.") from None


def fetch_url(ctx, url: Any, max_bytes: int = limits.MAX_URL_BYTES) -> bytes:
    """The object behind a (presigned) emulated-COS URL, as FuseFace's downloader would get it."""
    def fail(why: str) -> FuseFaceError:
        return FuseFaceError("FailedOperation.ImageDownloadError", f"The image could not be downloaded: {why}.")

    if not isinstance(url, str):
        raise fail("Url must be a string")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise fail("not an http(s) URL")
    match = COS_HOST_RE.match(host)
    if match is None and not (host in _LOOPBACK and parts.port == ctx.port):
        raise fail("the emulator only reaches emulated COS")
    key = unquote(parts.path[1:])
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    try:
        verify_cos(ctx.creds, method="GET", key=key, host=host, headers={}, query=query)
        bucket = match["bucket"] if match else ctx._bucket_for(key)
        record, data = ctx.store.read(bucket, key)
    except (AuthError, StoreError) as exc:
        raise fail(f"COS answered {exc.code}") from None
    if record.size > max_bytes:
        raise FuseFaceError("FailedOperation.ImageSizeExceed",
                            f"The image behind Url exceeds {max_bytes // (1024 * 1024)} MB.")
    return data


def _user_image(ctx, info: Dict) -> bytes:
    if info.get("Url"):
        data = fetch_url(ctx, info["Url"])  # Url wins over Image
    elif info.get("Image"):
        data = _decode_base64(info["Image"])
    else:
        raise _bad("Each MergeInfos entry needs Image or Url.")
    check_dimensions(sniff(data))
    return data


def _material(ctx, params: Dict) -> Dict:
    for name in ("ProjectId", "ModelId", "RspImgType", "MergeInfos"):
        if params.get(name) in (None, ""):
            raise FuseFaceError("MissingParameter", f"{name} is required.")
    project, model = str(params["ProjectId"]), str(params["ModelId"])
    if not ctx.materials.project_exists(project):
        raise FuseFaceError("InvalidParameterValue.ActivityIdNotFound", f"No activity {project!r}.")
    material = ctx.materials.resolve(model)
    if material is None or material["ProjectId"] != project:
        raise FuseFaceError("InvalidParameterValue.MaterialIdNotFound", f"No material {model!r} in {project!r}.")
    if material["MaterialStatus"] not in (1, 21):
        raise FuseFaceError("FailedOperation.FuseMaterialNotAuth", "The material has not passed review.")
    return material


def fuse_face(ctx, params: Dict) -> Dict:
    material = _material(ctx, params)
    rsp_type = params["RspImgType"]
    if rsp_type not in ("url", "base64"):
        raise _bad(f"RspImgType must be url or base64, got {rsp_type!r}.")
    infos = params["MergeInfos"]
    if not isinstance(infos, list) or not 1 <= len(infos) <= limits.MAX_MERGE_INFOS or \
            not all(isinstance(i, dict) for i in infos):
        raise _bad(f"MergeInfos must hold 1..{limits.MAX_MERGE_INFOS} objects.")
    face_degree = _degree(params, "FuseFaceDegree", material["FuseFaceDegree"])
    profile_degree = _degree(params, "FuseProfileDegree", material["FuseProfileDegree"])
    logo = params.get("LogoAdd", 1) != 0  # "其他数值：默认按1处理"
    custom = parse_logo(params, fetch=lambda url: fetch_url(ctx, url), decode=_decode_base64)
    metadata = _codec_metadata(params)
    rects = [face_rect(i, "InputImageFaceRect") for i in infos]
    template_ids = [template_face(i, material) for i in infos]
    users = [_user_image(ctx, i) for i in infos]
    engine = ctx.engine()
    # The label is drawn by an engine that takes an overlay: the result is encoded once, not twice.
    label_in_engine = logo and custom is None and getattr(engine, "takes_overlay", False)
    fused = engine.fuse(
        ctx.materials.image(material), users, algorithm=material["Algorithm"], face_degree=face_degree,
        profile_degree=profile_degree, user_rects=rects, template_face_ids=template_ids,
        **({"overlay": render.label_pixels} if label_in_engine else {}),
    )
    try:
        fused = render.finish(fused, logo=logo and not label_in_engine, metadata=metadata,
                              custom_logo=(custom.image, custom.rect) if custom else None)
    except ValueError as exc:  # a LogoRect wholly outside the result (its size is the template's)
        raise _bad(f"LogoParam: {exc}.") from None
    if rsp_type == "base64":
        return {"FusedImage": base64.b64encode(fused).decode("ascii")}
    return {"FusedImage": _publish(ctx, fused)}


def _publish(ctx, jpeg: bytes, ttl: int = RESULT_TTL_SECONDS) -> str:
    """Store a result in the emulator's bucket; a presigned URL (``ttl``: 7 days) served on the emulator's port."""
    key = f"fuseface/{time.strftime('%Y%m%d', time.gmtime())}/{uuid.uuid4().hex}.jpg"
    ctx.store.put(RESULT_BUCKET, key, jpeg, content_type="image/jpeg")
    host = ctx.public_host.rsplit(":", 1)[0]
    params = {"x-cos-security-token": ctx.creds.session_token} if ctx.creds.session_token else None
    query = cos_presign(ctx.creds, method="GET", key=key, host=host, expires=ttl, params=params)
    return f"http://{ctx.public_host}/{quote(key)}?{query}"


from .ultra_api import fuse_face_ultra  # noqa: E402 - it uses the helpers above

ACTIONS: Dict[str, Callable[[Any, Dict], Dict]] = {
    "FuseFace": fuse_face,
    "FuseFaceUltra": fuse_face_ultra,
    "DescribeMaterialList": describe_material_list,
}
