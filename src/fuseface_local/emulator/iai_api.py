"""TencentCloud API 3.0 for iai (人脸识别) 2020-03-03, action ``DetectFace`` only, answered by the local engine.

The official ``tencentcloud-sdk-python-iai`` client signs with TC3 and credential scope ``<date>/iai/tc3_request``;
``api3.handle`` routes such a request here. Envelope and status as ``fuseface_api`` (always HTTP 200).

``DetectFace`` (fields of the SDK's ``DetectFaceRequest``/``DetectFaceResponse``):

* ``Image`` (base64, <= 5 MB) or ``Url`` (an emulated-COS presigned URL; Url wins when both are given); neither
  -> ``InvalidParameterValue.ImageEmpty``.
* jpg/png only here (the service also takes BMP: a documented deviation); short side >= 64 px
  (``FailedOperation.ImageResolutionTooSmall``); long side <= 4000 px for jpg, <= 2000 px otherwise
  (``FailedOperation.ImageResolutionExceed``).
* ``MaxFaceNum`` 1..120 (default 1: the largest face); ``MinFaceSize`` 34 (default) or 20; faces are the
  engine's, the largest first (the service's order is UNCONFIRMED), those smaller than ``MinFaceSize`` dropped.
  No face -> ``InvalidParameterValue.NoFaceInPhoto`` (图片中没有人脸).
* Reply: ``ImageWidth``, ``ImageHeight``, ``FaceInfos`` [{``X``, ``Y``, ``Width``, ``Height``,
  ``FaceAttributesInfo`` (zeros: attributes are not computed here), ``FaceQualityInfo`` null}],
  ``FaceModelVersion`` "3.0". The engine's boxes lie inside the image; the real service may report negative X/Y.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any, Callable, Dict

from werkzeug.wrappers import Request, Response

from scf_fuseface import limits
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.imageinfo import sniff

from .api_call import envelope, error, read_call
from .auth import AuthError
from .fuseface_api import MAX_BODY_BYTES, fetch_url

__all__ = ["ACTIONS", "SERVICE", "VERSION", "handle"]

SERVICE = "iai"
VERSION = "2020-03-03"
MAX_FACE_NUM = 120
MIN_FACE_SIZES = (34, 20)
_MAX_LONG_SIDE = {"jpeg": 4000, "png": 2000}
_MIN_SHORT_SIDE = 64
# Attributes are meaningless unless NeedFaceAttributes=1 (the SDK's docstring); the emulator never computes them.
_NO_ATTRIBUTES = {"Gender": 0, "Age": 0, "Expression": 0, "Glass": False, "Pitch": 0, "Yaw": 0, "Roll": 0,
                  "Beauty": 0, "Hat": None, "Mask": None, "Hair": None, "EyeOpen": None}


def handle(ctx, request: Request) -> Response:
    """Answer one iai API 3.0 request (``ctx`` is the ``EmulatorApp``). iai's own region list is not checked."""
    request_id = str(uuid.uuid4())
    try:
        action, view, params = read_call(ctx, request, service=SERVICE, version=VERSION, actions=ACTIONS,
                                         max_body=MAX_BODY_BYTES)
        injected = ctx.injected(action)
        if injected is not None:
            raise FuseFaceError(*injected)
        return envelope(view(ctx, params), request_id)
    except (AuthError, FuseFaceError) as exc:
        return error(exc.code, exc.message, request_id)


def _image(ctx, params: Dict) -> bytes:
    if params.get("Url"):
        return fetch_url(ctx, params["Url"])
    text = params.get("Image")
    if not text:
        raise FuseFaceError("InvalidParameterValue.ImageEmpty", "Image or Url is required.")
    if not isinstance(text, str) or len(text) > limits.MAX_BASE64_BYTES:
        raise FuseFaceError("FailedOperation.ImageSizeExceed", "The base64 Image exceeds 5 MB.")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise FuseFaceError("FailedOperation.ImageDecodeFailed", "Image is not valid base64.") from None


def _choice(params: Dict, name: str, default: int, ok: Callable[[int], bool], what: str) -> int:
    value = params.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not ok(value):
        raise FuseFaceError("InvalidParameterValue", f"{name} must be {what}, got {value!r}.")
    return value


def detect_face(ctx, params: Dict) -> Dict:
    max_faces = _choice(params, "MaxFaceNum", 1, lambda v: 1 <= v <= MAX_FACE_NUM, f"an integer 1..{MAX_FACE_NUM}")
    min_size = _choice(params, "MinFaceSize", 34, lambda v: v in MIN_FACE_SIZES, "34 or 20")
    data = _image(ctx, params)
    info = sniff(data)  # ImageDecodeFailed for anything but jpg/png
    if min(info.width, info.height) < _MIN_SHORT_SIDE:
        raise FuseFaceError("FailedOperation.ImageResolutionTooSmall", f"The short side is under {_MIN_SHORT_SIDE} px.")
    if max(info.width, info.height) > _MAX_LONG_SIDE[info.format]:
        raise FuseFaceError("FailedOperation.ImageResolutionExceed",
                            f"The long side of a {info.format} image must be at most {_MAX_LONG_SIDE[info.format]} px.")
    faces = [f for f in ctx.engine().detect(data) if min(f.width, f.height) >= min_size]
    if not faces:
        raise FuseFaceError("InvalidParameterValue.NoFaceInPhoto", "No face in the photo.")
    faces = sorted(faces, key=lambda f: f.width * f.height, reverse=True)[:max_faces]
    width, height = (info.height, info.width) if info.orientation in (5, 6, 7, 8) else (info.width, info.height)
    return {
        "ImageWidth": width, "ImageHeight": height, "FaceModelVersion": "3.0",
        "FaceInfos": [{"X": int(f.x), "Y": int(f.y), "Width": int(f.width), "Height": int(f.height),
                       "FaceAttributesInfo": dict(_NO_ATTRIBUTES), "FaceQualityInfo": None} for f in faces],
    }


ACTIONS: Dict[str, Callable[[Any, Dict], Dict]] = {"DetectFace": detect_face}
