"""The body of ``POST /fuse`` as FuseFace request JSON: JSON as it is, or a raw ``image/jpeg|png`` body with its
parameters in the query, or ``multipart/form-data`` (file part ``image``; parameters as form fields or in the
query)."""

from __future__ import annotations

import base64
import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Dict, Mapping, Optional, Tuple

from .. import limits
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
        except RecursionError:
            raise FuseFaceError("InvalidParameterValue", "The JSON body is nested too deeply.") from None
        except (UnicodeDecodeError, ValueError):
            raise FuseFaceError("InvalidParameterValue", "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise FuseFaceError("InvalidParameterValue", "The body must be a JSON object.")
        _check_shape(data)
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


def _check_shape(data: Any) -> None:
    """Refuse JSON with too many keys in one object or nested too deeply, before any validation (a 400k-field
    body would otherwise cost 400k validation errors and a reply as large)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limits.MAX_JSON_DEPTH:
            raise FuseFaceError("InvalidParameterValue", f"The JSON body is nested deeper than {limits.MAX_JSON_DEPTH}.")
        if isinstance(value, dict):
            if len(value) > limits.MAX_JSON_FIELDS:
                raise FuseFaceError("InvalidParameterValue",
                                    f"A JSON object has {len(value)} fields; at most {limits.MAX_JSON_FIELDS} are read.")
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _boundary(content_type_header: str) -> bytes:
    match = re.search(r'boundary="?([^";]{1,200})"?', content_type_header, re.IGNORECASE)
    if match is None:
        raise FuseFaceError("InvalidParameterValue", "The multipart Content-Type has no boundary.")
    return match.group(1).strip().encode("latin-1", "replace")


def parse_multipart(content_type_header: str, body: bytes) -> Tuple[Dict[str, str], Optional[bytes]]:
    """Form fields and the image bytes of a ``multipart/form-data`` body (stdlib ``email`` parser).

    At most ``limits.MAX_MULTIPART_PARTS`` parts (counted before parsing: hundreds of thousands of empty parts
    once took 48 s of CPU). The image is the part named ``image`` (then ``Image``, ``file``, ``photo``), else
    the first file part; other named parts are form fields.
    """
    parts = body.count(b"--" + _boundary(content_type_header)) - 1
    if parts > limits.MAX_MULTIPART_PARTS:
        raise FuseFaceError("InvalidParameterValue",
                            f"The multipart body has {parts} parts; at most {limits.MAX_MULTIPART_PARTS} are read.")
    head = f"Content-Type: {content_type_header}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    msg = BytesParser(policy=HTTP).parsebytes(head + body)
    if not msg.is_multipart():
        raise FuseFaceError("InvalidParameterValue", "The multipart body (or its boundary) could not be parsed.")
    fields: Dict[str, str] = {}
    named: Dict[str, bytes] = {}
    first_file: Optional[bytes] = None
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name in _IMAGE_FIELDS and name not in named:
            named[str(name)] = payload
        elif part.get_filename() is not None or part.get_content_maintype() == "image":
            first_file = payload if first_file is None else first_file
        elif name:
            fields[str(name)] = payload.decode("utf-8", "replace").strip()
    image = next((named[n] for n in _IMAGE_FIELDS if n in named), first_file)
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
