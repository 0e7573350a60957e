"""FuseFace's own request shape (``FuseFaceRequest`` of 2022-09-27) as a validated, trigger-agnostic model.

Field aliases are FuseFace's wire names, so ``POST /fuse`` JSON parses directly and
:meth:`FuseRequest.to_api` gives the dict the SDK request is built from. Validation mirrors the documented
limits (<= 6 MergeInfos, Image or Url, face rects >= 30 px, degrees 0..100, MetaData key <= 32 /
value <= 256, ``LogoParam`` with a ``LogoRect`` of sides <= 2160 and ``LogoUrl`` or ``LogoImage``); pydantic errors
become one ``FuseFaceError`` with a FuseFace code (:func:`parse_fuse_request`), so a typo or a wrong type is a
local 400 and never a paid or cloud-side error.

Integers are strict: ``true``, ``"50"`` and ``50.0`` are refused where FuseFace wants an integer (pydantic would
otherwise turn ``true`` into 1; the API gateway answers a wrong JSON type with ``InvalidParameter``).
``LogoAdd`` accepts 0 and 1 only: FuseFace treats every other value as 1 ("其他数值：默认按1处理", SDK docstring),
so a typo such as 2 or -1 would silently add the label; refusing it says so instead.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Dict, List, Literal, Mapping, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_pascal

from .. import limits
from ..errors import FuseFaceError
from ..validation import describe, field_errors

__all__ = ["FaceRect", "FuseRequest", "LogoParam", "LogoRect", "MergeInfo", "parse_fuse_request", "strip_data_url"]

MAX_LOGO_SIDE = 2160  # LogoParam.LogoRect: "Width、Height <= 2160" (SDK docstring)

_DATA_URL = re.compile(r"^\s*data:image/[a-zA-Z0-9.+-]+;base64,", re.IGNORECASE)


def strip_data_url(text: str) -> str:
    """Drop a ``data:image/...;base64,`` prefix and any whitespace/newlines inside the base64 text."""
    return "".join(_DATA_URL.sub("", text, count=1).split())


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, frozen=True, extra="forbid")


class FaceRect(_Model):
    x: StrictInt = Field(ge=0, le=limits.MAX_RECT_COORD)  # bounded: 2**63 once went through to the SDK
    y: StrictInt = Field(ge=0, le=limits.MAX_RECT_COORD)
    width: StrictInt = Field(ge=limits.MIN_FACE_RECT, le=limits.MAX_RECT_COORD)
    height: StrictInt = Field(ge=limits.MIN_FACE_RECT, le=limits.MAX_RECT_COORD)


class LogoRect(_Model):
    """Where the logo goes on the result (FuseFace's ``FaceRect`` type; the logo is stretched to it)."""

    x: StrictInt = Field(ge=0, le=limits.MAX_RECT_COORD)
    y: StrictInt = Field(ge=0, le=limits.MAX_RECT_COORD)
    width: StrictInt = Field(gt=0, le=MAX_LOGO_SIDE)
    height: StrictInt = Field(gt=0, le=MAX_LOGO_SIDE)


def within_base64_limit(text: Optional[str], name: str, max_bytes: int) -> Optional[str]:
    """``text`` unchanged, or ``FailedOperation.ImageSizeExceed`` when it is over ``max_bytes`` of base64."""
    if text and len(text) > max_bytes:
        raise FuseFaceError("FailedOperation.ImageSizeExceed",
                            f"{name} is over {max_bytes // (1024 * 1024)} MB of base64.")
    return text


def _http_url(value: Optional[str], name: str) -> Optional[str]:
    if value and not re.match(r"^https?://", value.strip(), re.IGNORECASE):
        raise ValueError(f"{name} must be an http(s) URL")
    return value.strip() if value else None


class MergeInfo(_Model):
    max_base64: ClassVar[int] = limits.MAX_BASE64_BYTES  # the action's ceiling for ``Image``

    image: Optional[str] = Field(None, repr=False)
    url: Optional[str] = None
    input_image_face_rect: Optional[FaceRect] = None
    template_face_id: Optional[str] = Field(None, alias="TemplateFaceID")
    template_face_rect: Optional[FaceRect] = None

    @field_validator("image")
    @classmethod
    def _image(cls, value: Optional[str]) -> Optional[str]:
        return strip_data_url(value) if value else None

    @field_validator("url")
    @classmethod
    def _url(cls, value: Optional[str]) -> Optional[str]:
        return _http_url(value, "Url")

    @model_validator(mode="after")
    def _one_source(self) -> MergeInfo:
        if not self.image and not self.url:
            raise ValueError("each MergeInfo needs Image (base64) or Url")
        within_base64_limit(self.image, "MergeInfos[].Image", self.max_base64)
        return self


class LogoParam(_Model):
    """A logo drawn at ``LogoRect`` instead of FuseFace's default label (when ``LogoAdd`` is 1); ``LogoUrl`` wins
    over ``LogoImage`` (base64, <= 5 MB) when both are given."""

    max_base64: ClassVar[int] = limits.MAX_BASE64_BYTES  # the action's ceiling for ``LogoImage``

    logo_rect: LogoRect
    logo_url: Optional[str] = None
    logo_image: Optional[str] = Field(None, repr=False)

    @field_validator("logo_url")
    @classmethod
    def _url(cls, value: Optional[str]) -> Optional[str]:
        return _http_url(value, "LogoUrl")

    @field_validator("logo_image")
    @classmethod
    def _image(cls, value: Optional[str]) -> Optional[str]:
        return strip_data_url(value) if value else None

    @model_validator(mode="after")
    def _one_source(self) -> LogoParam:
        if not self.logo_url and not self.logo_image:
            raise ValueError("LogoParam needs LogoUrl or LogoImage (base64)")
        within_base64_limit(self.logo_image, "LogoParam.LogoImage", self.max_base64)
        return self


class MetaData(_Model):
    meta_key: str = Field(min_length=1, max_length=32)
    meta_value: str = Field(max_length=256)


class ImageCodecParam(_Model):
    meta_data: List[MetaData] = Field(default_factory=list, max_length=1)


class FuseParam(_Model):
    image_codec_param: Optional[ImageCodecParam] = None


class FuseRequest(_Model):
    action: ClassVar[str] = "FuseFace"

    project_id: Optional[str] = None
    model_id: Optional[str] = None
    rsp_img_type: Literal["url", "base64"] = "base64"
    merge_infos: List[MergeInfo] = Field(min_length=1, max_length=limits.MAX_MERGE_INFOS)
    fuse_face_degree: Optional[StrictInt] = Field(None, ge=0, le=limits.MAX_DEGREE)
    fuse_profile_degree: Optional[StrictInt] = Field(None, ge=0, le=limits.MAX_DEGREE)
    logo_add: Optional[StrictInt] = Field(None, ge=0, le=1)
    logo_param: Optional[LogoParam] = None
    fuse_param: Optional[FuseParam] = None

    @field_validator("project_id", "model_id", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, int):
            return str(value)
        return value.strip() or None if isinstance(value, str) else value

    def to_api(self) -> Dict[str, Any]:
        """The FuseFace request parameters (wire names, ``None`` fields left out)."""
        return self.model_dump(by_alias=True, exclude_none=True)

    def summary(self) -> Dict[str, Any]:
        """Loggable parameters: no image data, no URLs (presigned URLs carry signatures)."""
        return {
            "ProjectId": self.project_id,
            "ModelId": self.model_id,
            "RspImgType": self.rsp_img_type,
            "MergeInfos": len(self.merge_infos),
            "FuseFaceDegree": self.fuse_face_degree,
            "FuseProfileDegree": self.fuse_profile_degree,
            "LogoAdd": self.logo_add,
        }


def parse_fuse_request(data: Mapping[str, Any]) -> FuseRequest:
    """Validate FuseFace request JSON; raises ``FuseFaceError`` (InvalidParameterValue / MissingParameter)."""
    if not isinstance(data, Mapping):
        raise FuseFaceError("InvalidParameterValue", "The request body must be a JSON object.")
    try:
        return FuseRequest.model_validate(dict(data))
    except ValidationError as exc:
        errors = field_errors(exc)
        missing = any(err.kind == "missing" for err in errors)
        raise FuseFaceError("MissingParameter" if missing else "InvalidParameterValue", describe(errors)) from None
