"""The body of ``POST /fuse`` as FuseFace request JSON: JSON as it is, or a raw ``image/jpeg|png`` body with its
parameters in the query, or ``multipart/form-data`` (file part ``image``; parameters as form fields or in the
query).

The user's face may be picked with ``X``, ``Y``, ``Width``, ``Height`` (all four; sent as
``MergeInfos[0].InputImageFaceRect``, e.g. a box ``POST /detect`` found).

A form or query that brings a template -- a file part named ``template`` (sent as ``ModelImage``) or a ``ModelUrl``
-- makes a FuseFaceUltra request; its ``SwapModelType`` and radios (``WarpRadio``, ``EnhanceRadio``, ``MpRadio``,
``TeethEnhanceRadio``, ``MakeupTransferRadio``, ``BlurRadio``) become ``FusionUltraParam``."""

from __future__ import annotations

import base64
import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from .. import limits
from ..errors import FuseFaceError
from ..models.http_event import HttpRequest

__all__ = ["parse_form_files", "parse_multipart", "read_request"]

_INT_PARAMS = ("FuseFaceDegree", "FuseProfileDegree", "LogoAdd", "SwapModelType")
_STR_PARAMS = ("ProjectId", "ModelId", "RspImgType", "ModelUrl")
_RADIO_PARAMS = ("WarpRadio", "EnhanceRadio", "MpRadio", "TeethEnhanceRadio", "MakeupTransferRadio", "BlurRadio")
_RECT_PARAMS = ("X", "Y", "Width", "Height")
_IMAGE_FIELDS = ("image", "Image", "file", "photo")
_TEMPLATE_FIELDS = ("template", "Template", "ModelImage")
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
        fields, files = parse_form_files(req.header("content-type"), req.body)
        image = _user_part(files)
        if not image:
            raise FuseFaceError("MissingParameter", "The multipart body has no image part (field 'image').")
        template = next((files[name] for name in _TEMPLATE_FIELDS if name in files), None)
        if template is not None and not template:
            raise FuseFaceError("MissingParameter", "The multipart template part is empty.")
        return _params_request(dict(req.query, **fields), image, template)
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


def parse_form_files(content_type_header: str, body: bytes) -> Tuple[Dict[str, str], Dict[str, bytes]]:
    """Form fields and file parts (by field name, first of each name) of a ``multipart/form-data`` body
    (stdlib ``email`` parser). A part counts as a file when it has a filename or an ``image/*`` type, or when its
    name is one of the image or template field names.

    At most ``limits.MAX_MULTIPART_PARTS`` parts (counted before parsing: hundreds of thousands of empty parts
    once took 48 s of CPU).
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
    files: Dict[str, bytes] = {}
    for index, part in enumerate(msg.iter_parts()):
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        is_file = part.get_filename() is not None or part.get_content_maintype() == "image"
        if is_file or name in _IMAGE_FIELDS or name in _TEMPLATE_FIELDS:
            files.setdefault(str(name) if name else f"#{index}", payload)
        elif name:
            fields[str(name)] = payload.decode("utf-8", "replace").strip()
    return fields, files


def _user_part(files: Mapping[str, bytes]) -> Optional[bytes]:
    """The user image: a part named like an image field, else the first other file that is not the template."""
    for name in _IMAGE_FIELDS:
        if name in files:
            return files[name]
    return next((data for name, data in files.items() if name not in _TEMPLATE_FIELDS), None)


def parse_multipart(content_type_header: str, body: bytes) -> Tuple[Dict[str, str], Optional[bytes]]:
    """Form fields and the user image bytes of a ``multipart/form-data`` body."""
    fields, files = parse_form_files(content_type_header, body)
    return fields, _user_part(files)


def _number(params: Mapping[str, str], name: str, kind: type) -> Union[int, float]:
    try:
        return kind(params[name])
    except ValueError:
        raise FuseFaceError("InvalidParameterValue",
                            f"{name} must be {'an integer' if kind is int else 'a number'}.") from None


def _params_request(params: Mapping[str, str], image: bytes, template: Optional[bytes] = None) -> Dict[str, Any]:
    """FuseFace (or, with a template, FuseFaceUltra) request JSON from text parameters (query or form fields),
    one user image and an optional template image."""
    data: Dict[str, Any] = {}
    for name in _STR_PARAMS:
        if params.get(name):
            data[name] = params[name]
    for name in _INT_PARAMS:
        if params.get(name, "") != "":
            data[name] = _number(params, name, int)
    radios = {name: _number(params, name, float) for name in _RADIO_PARAMS if params.get(name, "") != ""}
    if radios:
        data["FusionUltraParam"] = radios
    if template is not None:
        data["ModelImage"] = base64.b64encode(template).decode("ascii")
    merge: Dict[str, Any] = {"Image": base64.b64encode(image).decode("ascii")}
    if params.get("TemplateFaceID"):
        merge["TemplateFaceID"] = params["TemplateFaceID"]
    given = [name for name in _RECT_PARAMS if params.get(name, "") != ""]
    if given and len(given) != len(_RECT_PARAMS):
        raise FuseFaceError("InvalidParameterValue", "The face rect needs all of X, Y, Width and Height.")
    if given:
        merge["InputImageFaceRect"] = {name: _number(params, name, int) for name in _RECT_PARAMS}
    data["MergeInfos"] = [merge]
    return data
