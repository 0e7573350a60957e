"""FuseFace's own request shape (``FuseFaceRequest`` of 2022-09-27) as a validated, trigger-agnostic model.

Field aliases are FuseFace's wire names, so ``POST /fuse`` JSON parses directly and
:meth:`FuseRequest.to_api` gives the dict the SDK request is built from. Validation mirrors the documented
limits (<= 6 MergeInfos, Image or Url, face rects >= 30 px, degrees 0..100, MetaData key <= 32 /
value <= 256); pydantic errors become one ``FuseFaceError`` with a FuseFace code (:func:`parse_fuse_request`).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Literal, Mapping, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_pascal

from .. import limits
from ..errors import FuseFaceError
from ..validation import describe, field_errors

__all__ = ["FaceRect", "MergeInfo", "FuseRequest", "parse_fuse_request", "strip_data_url"]

_DATA_URL = re.compile(r"^\s*data:image/[a-zA-Z0-9.+-]+;base64,", re.IGNORECASE)


def strip_data_url(text: str) -> str:
    """Drop a ``data:image/...;base64,`` prefix and any whitespace/newlines inside the base64 text."""
    return "".join(_DATA_URL.sub("", text, count=1).split())


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, frozen=True, extra="forbid")


class FaceRect(_Model):
    x: int = Field(ge=0, le=limits.MAX_RECT_COORD)
    y: int = Field(ge=0, le=limits.MAX_RECT_COORD)
    width: int = Field(ge=limits.MIN_FACE_RECT, le=limits.MAX_RECT_COORD)
    height: int = Field(ge=limits.MIN_FACE_RECT, le=limits.MAX_RECT_COORD)


class MergeInfo(_Model):
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
        if value and not re.match(r"^https?://", value.strip(), re.IGNORECASE):
            raise ValueError("Url must be an http(s) URL")
        return value.strip() if value else None

    @model_validator(mode="after")
    def _one_source(self) -> MergeInfo:
        if not self.image and not self.url:
            raise ValueError("each MergeInfo needs Image (base64) or Url")
        if self.image and len(self.image) > limits.MAX_BASE64_BYTES:
            raise FuseFaceError("FailedOperation.ImageSizeExceed", "MergeInfos[].Image is over 5 MB of base64.")
        return self


class MetaData(_Model):
    meta_key: str = Field(min_length=1, max_length=32)
    meta_value: str = Field(max_length=256)


class ImageCodecParam(_Model):
    meta_data: List[MetaData] = Field(default_factory=list, max_length=1)


class FuseParam(_Model):
    image_codec_param: Optional[ImageCodecParam] = None


class FuseRequest(_Model):
    project_id: Optional[str] = None
    model_id: Optional[str] = None
    rsp_img_type: Literal["url", "base64"] = "base64"
    merge_infos: List[MergeInfo] = Field(min_length=1, max_length=limits.MAX_MERGE_INFOS)
    fuse_face_degree: Optional[int] = Field(None, ge=0, le=limits.MAX_DEGREE)
    fuse_profile_degree: Optional[int] = Field(None, ge=0, le=limits.MAX_DEGREE)
    logo_add: Optional[int] = Field(None, ge=0, le=1)  # 1 adds the AI label, 0 does not
    logo_param: Optional[Dict[str, Any]] = None
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
