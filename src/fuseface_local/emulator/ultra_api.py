"""``FuseFaceUltra`` (图片人脸融合专业版) of facefusion 2022-09-27, registered in ``fuseface_api.ACTIONS`` (so it is
TC3-verified and enveloped like every action), backed by the local engine (``engine.ultra``).

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
* face rects: integers, Width/Height >= 30 (``InvalidParameterValue.FaceRectParameterValueError``);
* ``SwapModelType`` not 1..6, a radio outside [0, 1], ``RspImgType`` not url|base64, a ``LogoRect`` side over 2160
  or a ``LogoParam`` without ``LogoUrl``/``LogoImage``: ``FailedOperation.ParameterValueError``; a missing
  ``RspImgType``/``MergeInfos`` or template: ``MissingParameter``;
* no face / a face <= 34 px / two MergeInfos on one template face: the engine's codes (``NoFaceDetected``,
  ``FaceSizeTooSmall``, ``FailedOperation.ParameterValueError``).

Not emulated: the Moderation* codes (no content review), ``LogoParam`` rendering (the emulator draws its own
ASCII label whenever ``LogoAdd`` is not 0; ``LogoAdd`` values other than 0 count as 1, as documented),
``MakeupTransferRadio`` and ``BlurRadio`` (see ``engine.ultra``). ``SwapModelType`` is recorded, with the effective
radios, in the result's JPEG comment ``FuseFaceUltra=SwapModelType=N,WarpRadio=...`` (``render.read_metadata``).
A ``url`` result is valid for 1 day (FuseFace: 7). Calls are counted per action (``EmulatorApp.calls``), so
FuseFaceUltra is counted apart from FuseFace.
"""

from __future__ import annotations

import base64
from typing import Any, Dict, List, Optional, Tuple

from scf_fuseface import limits
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.imageinfo import check_dimensions, sniff

from . import render

__all__ = ["RESULT_TTL_SECONDS", "fuse_face_ultra"]

RESULT_TTL_SECONDS = 24 * 3600  # "url有效期为1天"
_PARAM = "FailedOperation.ParameterValueError"
_RECT = "InvalidParameterValue.FaceRectParameterValueError"
_RADIOS = ("WarpRadio", "EnhanceRadio", "MpRadio", "BlurRadio", "TeethEnhanceRadio", "MakeupTransferRadio")


def _api():
    from . import fuseface_api  # imported late: fuseface_api registers this module's action

    return fuseface_api


def _rect(info: Dict, name: str) -> Optional[Tuple[int, int, int, int]]:
    rect = info.get(name)
    if rect is None:
        return None
    values = [rect.get(k) for k in ("X", "Y", "Width", "Height")] if isinstance(rect, dict) else []
    if len(values) != 4 or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise FuseFaceError(_RECT, f"{name} needs integer X, Y, Width, Height.")
    x, y, w, h = values
    if x < 0 or y < 0 or w < limits.MIN_FACE_RECT or h < limits.MIN_FACE_RECT or max(w, h) > 1 << 20:
        raise FuseFaceError(_RECT, f"{name} must be at least {limits.MIN_FACE_RECT}x{limits.MIN_FACE_RECT} at a "
                                   f"non-negative position, got {values}.")
    return x, y, w, h


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
    given = params.get("FusionUltraParam")
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise FuseFaceError(_PARAM, "FusionUltraParam must be an object.")
    out = {}
    for name, value in given.items():
        if name not in _RADIOS:
            raise FuseFaceError(_PARAM, f"FusionUltraParam has no field {name!r}.")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise FuseFaceError(_PARAM, f"FusionUltraParam.{name} must be a number in [0, 1], got {value!r}.")
        out[name] = float(value)
    return out


def _swap_model_type(params: Dict) -> Optional[int]:
    value = params.get("SwapModelType")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limits.MAX_SWAP_MODEL_TYPE:
        raise FuseFaceError(_PARAM, f"SwapModelType must be an integer 1..6, got {value!r}.")
    return value


def _check_logo(params: Dict) -> None:
    logo = params.get("LogoParam")
    if logo is None:
        return
    if not isinstance(logo, dict) or not (logo.get("LogoUrl") or logo.get("LogoImage")):
        raise FuseFaceError(_PARAM, "LogoParam needs LogoUrl or LogoImage.")
    rect = logo.get("LogoRect")
    if rect is not None:
        sides = [rect.get(k) for k in ("Width", "Height")] if isinstance(rect, dict) else []
        if len(sides) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= limits.ULTRA_MAX_LOGO_SIDE
                                  for v in sides):
            raise FuseFaceError(_PARAM, "LogoParam.LogoRect needs integer Width and Height in 1..2160.")


def _merge_infos(params: Dict) -> List[Dict]:
    infos = params["MergeInfos"]
    if not isinstance(infos, list) or not 1 <= len(infos) <= limits.MAX_MERGE_INFOS or \
            not all(isinstance(i, dict) for i in infos):
        raise FuseFaceError(_PARAM, f"MergeInfos must hold 1..{limits.MAX_MERGE_INFOS} objects.")
    return infos


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
    _check_logo(params)
    user_rects = [_rect(i, "InputImageFaceRect") for i in infos]
    template_rects = [_rect(i, "TemplateFaceRect") for i in infos]
    template = _image(ctx, params, "ModelUrl", "ModelImage", "The template (ModelUrl/ModelImage)")
    users = [_image(ctx, info, "Url", "Image", f"MergeInfos[{n}]") for n, info in enumerate(infos)]
    try:
        fused = fuse_ultra(ctx.engine(), template, users, options=options, user_rects=user_rects,
                           template_rects=template_rects)
    except FuseFaceError as exc:
        if exc.code == "InvalidParameterValue.ParameterValueError":  # FuseFaceUltra's own name for it
            raise FuseFaceError(_PARAM, exc.message) from None
        raise
    fused = render.finish(fused, logo=params.get("LogoAdd", 1) != 0, metadata=("FuseFaceUltra", options.describe()))
    if rsp_type == "base64":
        return {"FusedImage": base64.b64encode(fused).decode("ascii")}
    return {"FusedImage": _api()._publish(ctx, fused, ttl=RESULT_TTL_SECONDS)}
