"""The body of ``POST /fuse`` as FuseFace request JSON: JSON as it is, or a raw ``image/jpeg|png`` body with its
parameters in the query, or ``multipart/form-data`` (file part ``image``; parameters as form fields or in the
query)."""

from __future__ import annotations

import base64
import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Dict, Mapping, Optional, Tuple

from ..errors import FuseFaceError
from ..models.http_event import HttpRequest

__all__ = ["parse_multipart", "read_request"]

_INT_PARAMS = ("FuseFaceDegree", "FuseProfileDegree", "LogoAdd")
_STR_PARAMS = ("ProjectId", "ModelId", "RspImgType")
_IMAGE_FIELDS = ("image", "Image", "file", "photo")
_JSON_TYPES = ("application/json", "text/json", "text/plain")
_IMAGE_TYPES = ("image/jpeg", "image/jpg", "image/png", "application/octet-stream")


def read_request(req: HttpRequest) -> Dict[str, Any]:
    """FuseFace request JSON (wire names) from the body; raises ``MissingParameter``, ``InvalidParameterValue``
    or ``InvalidParameterValue.UnsupportedMediaType``."""
    ctype = req.content_type
    if len(req.body) == 0:
        raise FuseFaceError("MissingParameter", "The request body is empty.")
    if ctype in _JSON_TYPES or (not ctype and req.body[:1] == b"{"):
        try:
            data = json.loads(req.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise FuseFaceError("InvalidParameterValue", "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise FuseFaceError("InvalidParameterValue", "The body must be a JSON object.")
        return data
    if ctype in _IMAGE_TYPES:
        return _params_request(req.query, req.body)
    if ctype == "multipart/form-data":
        fields, image = parse_multipart(req.header("content-type"), req.body)
        if not image:
            raise FuseFaceError("MissingParameter", "The multipart body has no image part (field 'image').")
        return _params_request(dict(req.query, **fields), image)
    raise FuseFaceError("InvalidParameterValue.UnsupportedMediaType",
                        f"Content-Type {ctype or '(none)'} is not supported: use JSON, image/jpeg, image/png or multipart.")


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


def _params_request(params: Mapping[str, str], image: bytes) -> Dict[str, Any]:
    """FuseFace request JSON from text parameters (query or form fields) and one image."""
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
