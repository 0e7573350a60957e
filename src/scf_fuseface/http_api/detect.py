"""``POST /detect``: the faces of a photo, so that a caller can pick one for ``InputImageFaceRect``.

Body: DetectFace's own JSON (``Image`` base64 or ``Url``, optional ``MaxFaceNum``), a raw ``image/jpeg|png``
body, or ``multipart/form-data`` with an ``image`` part (``MaxFaceNum`` in the query or a form field). A base64
image is checked like ``POST /fuse`` checks it (jpg/png, 64 < side < 4096) and made upright when its EXIF says it
is rotated, so the boxes are in the frame FuseFace will see.

The faces come from iai ``DetectFace`` (2020-03-03) through the :class:`~scf_fuseface.adapters.base.FaceDetector`
adapter (in the local cloud the emulator answers it from the engine). Reply, in DetectFace's envelope:
``{"Response": {"ImageWidth", "ImageHeight", "FaceInfos": [{"X", "Y", "Width", "Height"}], "RequestId"}}``.
DetectFace may report a box that passes the image (negative X/Y): every box is clamped to the image, and a box
left smaller than FuseFace's ``InputImageFaceRect`` minimum (30x30) is dropped (:func:`clamp_faces`).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, Iterable, List, Mapping

from .. import limits
from ..adapters.base import FaceBox
from ..adapters.iai import MAX_FACE_NUM
from ..errors import FuseFaceError
from ..imageprep import check_base64_image
from ..models.fusion import strip_data_url
from ..models.http_event import HttpRequest
from ..run import Run
from .body import parse_multipart

__all__ = ["DEFAULT_MAX_FACES", "clamp_faces", "detect"]

DEFAULT_MAX_FACES = 10  # enough for a group photo; DetectFace itself defaults to 1 (the largest face)
_IMAGE_TYPES = ("image/jpeg", "image/jpg", "image/png", "application/octet-stream")


def clamp_faces(faces: Iterable[FaceBox], width: int, height: int,
                min_side: int = limits.MIN_FACE_RECT) -> List[Dict[str, int]]:
    """``[{"X", "Y", "Width", "Height"}]``: each box intersected with the ``width`` x ``height`` image; boxes
    left with a side under ``min_side`` are dropped. Order is kept."""
    out = []
    for face in faces:
        x0, y0 = max(face.x, 0), max(face.y, 0)
        x1, y1 = min(face.x + face.width, width), min(face.y + face.height, height)
        if x1 - x0 >= min_side and y1 - y0 >= min_side:
            out.append({"X": x0, "Y": y0, "Width": x1 - x0, "Height": y1 - y0})
    return out


def _max_faces(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_MAX_FACES
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or not 1 <= number <= MAX_FACE_NUM:
        raise FuseFaceError("InvalidParameterValue", f"MaxFaceNum must be an integer 1..{MAX_FACE_NUM}.")
    return number


def _read(req: HttpRequest) -> Dict[str, Any]:
    """``{"Image" | "Url", "MaxFaceNum"}`` from the body (JSON, raw image or multipart)."""
    ctype = req.content_type
    if len(req.body) == 0:
        raise FuseFaceError("MissingParameter", "The request body is empty: send an image.")
    if ctype in ("application/json", "text/json", "text/plain") or (not ctype and req.body[:1] == b"{"):
        try:
            data = json.loads(req.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise FuseFaceError("InvalidParameterValue", "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise FuseFaceError("InvalidParameterValue", "The body must be a JSON object.")
        return data
    if ctype in _IMAGE_TYPES:
        return _with_image(req.query, req.body)
    if ctype == "multipart/form-data":
        fields, image = parse_multipart(req.header("content-type"), req.body)
        if not image:
            raise FuseFaceError("MissingParameter", "The multipart body has no image part (field 'image').")
        return _with_image(dict(req.query, **fields), image)
    raise FuseFaceError("InvalidParameterValue.UnsupportedMediaType",
                        f"Content-Type {ctype or '(none)'} is not supported: use JSON, image/jpeg, image/png or multipart.")


def _with_image(params: Mapping[str, str], image: bytes) -> Dict[str, Any]:
    return {"Image": base64.b64encode(image).decode("ascii"), "MaxFaceNum": params.get("MaxFaceNum")}


def detect(req: HttpRequest, run: Run, request_id: str) -> Dict[str, Any]:
    data = _read(req)
    max_faces = _max_faces(data.get("MaxFaceNum"))
    url = data.get("Url")
    image = data.get("Image")
    if url:
        if not isinstance(url, str) or not url.strip().lower().startswith(("http://", "https://")):
            raise FuseFaceError("InvalidParameterValue.UrlIllegal", "Url must be an http(s) URL.")
        image = None
    elif isinstance(image, str) and image.strip():
        image = strip_data_url(image)
        if limits.base64_len(len(image) * 3 // 4) > limits.MAX_BASE64_BYTES:
            raise FuseFaceError("FailedOperation.ImageSizeExceed", "The base64 Image exceeds 5 MB.")
        image = check_base64_image(image)
    else:
        raise FuseFaceError("MissingParameter", "Image (base64) or Url is required.")
    found = run.detector(run.budget.remaining_s()).detect_faces(image=image, url=url, max_faces=max_faces)
    faces = clamp_faces(found.faces, found.image_width, found.image_height)
    return {"Response": {"ImageWidth": found.image_width, "ImageHeight": found.image_height, "FaceInfos": faces,
                         "RequestId": found.request_id or request_id}}
