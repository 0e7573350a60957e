"""The request and response shapes of FuseFace, read from the official SDK's models (facefusion v20220927).

Field names are the model instance's attributes (``vars(models.FuseFaceRequest())`` minus the leading ``_``), types
the ``:type Name: ...`` lines of the constructor's docstring (``str``, ``int``, ``float``, ``bool``, ``list of X``,
``:class:`...models.X```). Nothing is listed by hand: a new SDK field is known as soon as the SDK is upgraded.

:func:`check_request` is the API gateway's parameter check: a field the action's request model does not define is
``UnknownParameter`` ("未知参数错误，用户多传未定义的参数会导致错误", common error codes); a value of the wrong JSON
type is ``InvalidParameter`` ("参数错误（包括参数格式、类型等错误）"). Whether the real gateway checks fields *inside*
nested structures (MergeInfos[].X) as strictly as top-level ones is UNCONFIRMED; the emulator does.
JSON ``null`` counts as absent (the SDK never sends it: ``_serialize`` drops ``None``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

from tencentcloud.facefusion.v20220927 import models

from scf_fuseface.errors import FuseFaceError

__all__ = ["FieldType", "check_request", "fields"]

_TYPE_LINE = re.compile(r"^\s*:type (\w+): (.+?)\s*$", re.MULTILINE)
_MODEL_REF = re.compile(r":class:`tencentcloud\.facefusion\.v20220927\.models\.(\w+)`")
_PRIMITIVES = ("str", "int", "float", "bool")


@dataclass(frozen=True)
class FieldType:
    kind: str  # str | int | float | bool | model | list
    model: Optional[str] = None  # kind == "model": the model's class name
    item: Optional[FieldType] = None  # kind == "list": the items' type


def _parse(text: str) -> FieldType:
    text = text.strip()
    if text.startswith("list of "):
        return FieldType("list", item=_parse(text[len("list of "):]))
    ref = _MODEL_REF.search(text)
    if ref:
        return FieldType("model", model=ref.group(1))
    if text in _PRIMITIVES:
        return FieldType(text)
    if hasattr(models, text):  # "list of MergeInfo" names the class bare
        return FieldType("model", model=text)
    raise ValueError(f"unexpected SDK type {text!r}")


@functools.cache
def fields(model: str) -> Dict[str, FieldType]:
    """``{field name: type}`` of the SDK model class ``model`` (e.g. ``"FuseFaceRequest"``)."""
    cls = getattr(models, model)
    declared = {m.group(1): m.group(2) for m in _TYPE_LINE.finditer(cls.__init__.__doc__ or "")}
    names = [name[1:] for name in vars(cls()) if name.startswith("_")]
    return {name: _parse(declared[name]) for name in names}


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(type(value), type(value).__name__)


def _check_value(ftype: FieldType, value: Any, path: str) -> None:
    if value is None:
        return
    ok = {
        "str": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "model": lambda v: isinstance(v, dict),
        "list": lambda v: isinstance(v, list),
    }[ftype.kind](value)
    if not ok:
        wanted = {"model": "an object", "list": "an array", "str": "a string", "int": "an integer",
                  "float": "a number", "bool": "a boolean"}[ftype.kind]
        raise FuseFaceError("InvalidParameter", f"The parameter `{path}` must be {wanted}, not {_type_name(value)}.")
    if ftype.kind == "model":
        _check_object(str(ftype.model), value, path + ".")
    elif ftype.kind == "list":
        assert ftype.item is not None
        for n, item in enumerate(value):
            _check_value(ftype.item, item, f"{path}.{n}")


def _check_object(model: str, value: Mapping[str, Any], prefix: str) -> None:
    spec = fields(model)
    for name, item in value.items():
        if name not in spec:
            raise FuseFaceError("UnknownParameter", f"The parameter `{prefix}{name}` is not recognized.")
        _check_value(spec[name], item, prefix + name)


def check_request(action: str, params: Mapping[str, Any]) -> None:
    """Raise ``UnknownParameter`` / ``InvalidParameter`` when ``params`` do not fit ``{action}Request``."""
    _check_object(f"{action}Request", params, "")
