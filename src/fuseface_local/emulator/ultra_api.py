"""``FuseFaceUltra`` (图片人脸融合专业版) of facefusion 2022-09-27, registered in ``fuseface_api.ACTIONS``, so it goes
through everything in front of an action there: TC3, version and region (``gateway``), the fields and JSON types of
the SDK's ``FuseFaceUltraRequest`` (``sdk_schema``: ``UnknownParameter``, ``InvalidParameter``) and the answer
codes (``codes``: only codes FuseFace has). Backed by the local engine (``engine.ultra``).

Request (SDK ``FuseFaceUltraRequest``): ``RspImgType`` url|base64, ``MergeInfos`` (1..6; ``Url`` wins over
``Image``; ``InputImageFaceRect``; ``TemplateFaceRect`` picks the template face, the largest when absent),
``ModelUrl``/``ModelImage`` (the template; the URL wins), ``SwapModelType`` 1..6, ``FusionUltraParam``,
``LogoAdd``, ``LogoParam``. ``MergeInfos[].TemplateFaceID`` names a material's face, and FuseFaceUltra has no
material: it is ignored (what the cloud does with it is UNCONFIRMED).

Limits and codes of its own (FuseFaceUltra's list in the Go SDK differs from FuseFace's: parameter errors are
``FailedOperation.ParameterValueError``, there is no activity/material code):

* template and user images: jpg/png (``FailedOperation.ImageDecodeFailed``), each side > 64
  (``ImageResolutionTooSmall``) and < 8000 (``ImagePixelExceed``); base64 <= 10 MB, URL object <= 20 MB
  (``ImageSizeExceed``; the user image's ceilings are UNCONFIRMED, the template's are used); URLs only to the
  emulator's own COS, as for FuseFace (``ImageDownloadError``);
* face rects: Width/Height >= 30 at a non-negative position (``InvalidParameterValue.FaceRectParameterValueError``,
  ``merge_faces.face_rect``);
* ``SwapModelType`` not 1..6, a radio outside [0, 1], ``RspImgType`` not url|base64, a ``LogoParam`` without
  ``LogoRect`` or without ``LogoUrl``/``LogoImage``, a ``LogoRect`` side over 2160 or wholly outside the result:
  ``FailedOperation.ParameterValueError``; a missing ``RspImgType``/``MergeInfos`` or template: ``MissingParameter``;
* no face / a face <= 34 px / two MergeInfos on one template face: the engine's codes (``NoFaceDetected``,
  ``FaceSizeTooSmall``, ``FailedOperation.ParameterValueError``).

``LogoParam`` (with ``LogoAdd`` not 0) is drawn as for FuseFace (``logo``): the logo stretched into ``LogoRect``
instead of the default label; ``LogoImage`` up to 10 MB of base64 ("专业版：base64 编码后大小不超过10M").
Not emulated: the Moderation* codes (no content review), ``MakeupTransferRadio`` and ``BlurRadio`` (see
``engine.ultra``). ``SwapModelType`` is recorded, with the effective radios, in the result's JPEG comment
``FuseFaceUltra=SwapModelType=N,WarpRadio=...`` (``render.read_metadata``). A ``url`` result is valid for 1 day
(FuseFace: 7). Calls are counted per action (``EmulatorApp.calls``), and FuseFaceUltra is billable on its own
(``usage.BILLABLE``): its calls, billable calls, failures and injected faults are metered apart from FuseFace's
(``fuseface usage``). It has no QPS limit by default (one copy of its API doc says 2 requests/s: UNCONFIRMED).
"""

from __future__ import annotations

import base64
from typing import Any, Dict, List, Optional

from scf_fuseface import limits
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.imageinfo import check_dimensions, sniff

from . import render
from .logo import parse_logo
from .merge_faces import face_rect
from .usage import BILLABLE

__all__ = ["RESULT_TTL_SECONDS", "fuse_face_ultra"]

RESULT_TTL_SECONDS = 24 * 3600  # "url有效期为1天"
BILLABLE.add("FuseFaceUltra")  # billed apart from FuseFace (usage.py: an action module adds its own name)
_PARAM = "FailedOperation.ParameterValueError"


def _api():
    from . import fuseface_api  # imported late: fuseface_api registers this module's action

    return fuseface_api


def _image(ctx, info: Dict, url_name: str, image_name: str, what: str) -> bytes:
    """Bytes of an image given by URL (wins) or base64, checked against FuseFaceUltra's limits."""
    if info.get(url_name):
        data = _api().fetch_url(ctx, info[url_name], max_bytes=limits.ULTRA_MAX_URL_BYTES)
    elif info.get(image_name):
        data = _api()._decode_base64(info[image_name], max_len=limits.ULTRA_MAX_BASE64_BYTES)
    else:
        raise FuseFaceError("MissingParameter", f"{what} needs {url_name} or {image_name}.")
    try:
        check_dimensions(sniff(data), max_side=limits.ULTRA_MAX_SIDE_EXCLUSIVE)
    except FuseFaceError as exc:
        raise FuseFaceError(exc.code, f"{what}: {exc.message}") from None
    return data


def _radios(params: Dict) -> Dict[str, float]:
    """The radios given (names and JSON types are the SDK schema's business: ``UnknownParameter`` /
    ``InvalidParameter`` before this runs), each in [0, 1]."""
    out = {}
    for name, value in (params.get("FusionUltraParam") or {}).items():
        if value is None:
            continue
        if not 0.0 <= value <= 1.0:
            raise FuseFaceError(_PARAM, f"FusionUltraParam.{name} must be a number in [0, 1], got {value!r}.")
        out[name] = float(value)
    return out


def _swap_model_type(params: Dict) -> Optional[int]:
    value = params.get("SwapModelType")
    if value is not None and not 1 <= value <= limits.MAX_SWAP_MODEL_TYPE:
        raise FuseFaceError(_PARAM, f"SwapModelType must be an integer 1..6, got {value!r}.")
    return value


def _merge_infos(params: Dict) -> List[Dict]:
    infos = params["MergeInfos"]
    if not 1 <= len(infos) <= limits.MAX_MERGE_INFOS:
        raise FuseFaceError(_PARAM, f"MergeInfos must hold 1..{limits.MAX_MERGE_INFOS} objects.")
    return infos


def _logo(ctx, params: Dict):
    """``LogoParam`` as FuseFace reads it (``logo.parse_logo``), with FuseFaceUltra's parameter code and its
    10 MB base64 ceiling."""
    api = _api()
    try:
        return parse_logo(params, fetch=lambda url: api.fetch_url(ctx, url),
                          decode=lambda text: api._decode_base64(text, max_len=limits.ULTRA_MAX_BASE64_BYTES))
    except FuseFaceError as exc:
        raise _ultra_code(exc) from None


def _ultra_code(exc: FuseFaceError) -> FuseFaceError:
    """FuseFace's ``InvalidParameterValue.ParameterValueError`` under FuseFaceUltra's own name for it."""
    if exc.code == "InvalidParameterValue.ParameterValueError":
        return FuseFaceError(_PARAM, exc.message)
    return exc


def fuse_face_ultra(ctx, params: Dict) -> Dict[str, Any]:
    from ..engine.ultra import UltraOptions, fuse_ultra

    for name in ("RspImgType", "MergeInfos"):
        if params.get(name) in (None, ""):
            raise FuseFaceError("MissingParameter", f"{name} is required.")
    rsp_type = params["RspImgType"]
    if rsp_type not in ("url", "base64"):
        raise FuseFaceError(_PARAM, f"RspImgType must be url or base64, got {rsp_type!r}.")
    infos = _merge_infos(params)
    options = UltraOptions.from_request(_swap_model_type(params), _radios(params))
    user_rects = [face_rect(i, "InputImageFaceRect") for i in infos]
    template_rects = [face_rect(i, "TemplateFaceRect") for i in infos]
    logo = _logo(ctx, params)
    template = _image(ctx, params, "ModelUrl", "ModelImage", "The template (ModelUrl/ModelImage)")
    users = [_image(ctx, info, "Url", "Image", f"MergeInfos[{n}]") for n, info in enumerate(infos)]
    try:
        fused = fuse_ultra(ctx.engine(), template, users, options=options, user_rects=user_rects,
                           template_rects=template_rects)
    except FuseFaceError as exc:
        raise _ultra_code(exc) from None
    try:
        fused = render.finish(fused, logo=params.get("LogoAdd", 1) != 0, metadata=("FuseFaceUltra", options.describe()),
                              custom_logo=(logo.image, logo.rect) if logo else None)
    except ValueError as exc:  # a LogoRect wholly outside the result (its size is the template's)
        raise FuseFaceError(_PARAM, f"LogoParam: {exc}.") from None
    if rsp_type == "base64":
        return {"FusedImage": base64.b64encode(fused).decode("ascii")}
    return {"FusedImage": _api()._publish(ctx, fused, ttl=RESULT_TTL_SECONDS)}
