"""FuseFaceUltra's request shape (``FuseFaceUltraRequest`` of 2022-09-27) as a validated, trigger-agnostic model.

FuseFaceUltra (图片人脸融合专业版) takes the template image with the call (``ModelUrl`` or ``ModelImage``; the URL
wins when both are given): no activity, no material. Field aliases are the wire names, so ``POST /fuse`` JSON
parses directly and :meth:`FuseUltraRequest.to_api` gives the dict the SDK request is built from.

Limits checked here, before the paid call (SDK docstrings; ``limits.ULTRA_*``): <= 6 MergeInfos, each with
``Image`` or ``Url``; ``ModelImage`` and ``MergeInfos[].Image`` <= 10 MB of base64 (MergeInfo's own docstring gives
no ceiling: UNCONFIRMED, the template's is used); face rects >= 30 px; ``SwapModelType`` 1..6; every
``FusionUltraParam`` radio in [0, 1] (``TeethEnhanceRadio``/``MakeupTransferRadio`` are documented as 0/1
switches: whether the cloud accepts values in between is UNCONFIRMED, they are passed as given);
``LogoParam`` as for FuseFace (``LogoRect`` required, sides <= 2160, one of ``LogoUrl``/``LogoImage``) but with
FuseFaceUltra's 10 MB of base64 ("专业版：base64 编码后大小不超过10M"). There is no ``FuseParam``: FuseFaceUltra
takes no implicit (metadata) AI label, only the visible one (``LogoAdd``/``LogoParam``).

Strict as FuseFace's model (``fusion.py``): unknown fields are refused; integers are integers (``true``, ``"4"``
and ``4.0`` are refused for ``SwapModelType``, ``LogoAdd`` and every rect field), radios are numbers (``true`` and
``"0.5"`` refused); ``LogoAdd`` is 0 or 1 (the cloud would take any other value as 1, so a typo is refused instead).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Dict, List, Literal, Mapping, Optional

from pydantic import Field, StrictFloat, StrictInt, ValidationError, field_validator, model_validator

from .. import limits
from ..errors import FuseFaceError
from ..validation import describe, field_errors
from .fusion import LogoParam as FuseFaceLogoParam
from .fusion import MergeInfo, _Model, strip_data_url, within_base64_limit

__all__ = ["FusionUltraParam", "FuseUltraRequest", "LogoParam", "UltraMergeInfo", "is_ultra_request",
           "parse_ultra_request"]


def _http_url(value: Optional[str], name: str) -> Optional[str]:
    if value is None or not value.strip():
        return None
    if not re.match(r"^https?://", value.strip(), re.IGNORECASE):
        raise ValueError(f"{name} must be an http(s) URL")
    return value.strip()


def _base64_image(value: Optional[str], name: str) -> Optional[str]:
    return within_base64_limit(strip_data_url(value) if value else None, name, limits.ULTRA_MAX_BASE64_BYTES) or None


class UltraMergeInfo(MergeInfo):
    """``MergeInfo`` as FuseFaceUltra takes it: ``TemplateFaceRect`` picks the template face (largest by default)."""

    max_base64: ClassVar[int] = limits.ULTRA_MAX_BASE64_BYTES


_RADIO = Field(None, ge=0.0, le=1.0)


class FusionUltraParam(_Model):
    """Effect strengths, each 0..1 (cloud defaults when left out: Warp 0.7, Enhance 0.5, Mp 0.5, TeethEnhance 1,
    MakeupTransfer 0; ``BlurRadio`` is "not supported yet"). The cloud ignores them for ``SwapModelType`` 6."""

    warp_radio: Optional[StrictFloat] = _RADIO
    enhance_radio: Optional[StrictFloat] = _RADIO
    mp_radio: Optional[StrictFloat] = _RADIO
    blur_radio: Optional[StrictFloat] = _RADIO
    teeth_enhance_radio: Optional[StrictFloat] = _RADIO
    makeup_transfer_radio: Optional[StrictFloat] = _RADIO


class LogoParam(FuseFaceLogoParam):
    """FuseFace's ``LogoParam`` (``LogoRect`` required, ``LogoUrl`` or ``LogoImage``) with FuseFaceUltra's 10 MB
    ceiling for ``LogoImage``."""

    max_base64: ClassVar[int] = limits.ULTRA_MAX_BASE64_BYTES


class FuseUltraRequest(_Model):
    action: ClassVar[str] = "FuseFaceUltra"

    rsp_img_type: Literal["url", "base64"] = "base64"
    merge_infos: List[UltraMergeInfo] = Field(min_length=1, max_length=limits.MAX_MERGE_INFOS)
    model_url: Optional[str] = None
    model_image: Optional[str] = Field(None, repr=False)
    fusion_ultra_param: Optional[FusionUltraParam] = None
    logo_add: Optional[StrictInt] = Field(None, ge=0, le=1)
    logo_param: Optional[LogoParam] = None
    swap_model_type: Optional[StrictInt] = Field(None, ge=1, le=limits.MAX_SWAP_MODEL_TYPE)

    @field_validator("model_url")
    @classmethod
    def _model_url(cls, value: Optional[str]) -> Optional[str]:
        return _http_url(value, "ModelUrl")

    @field_validator("model_image")
    @classmethod
    def _model_image(cls, value: Optional[str]) -> Optional[str]:
        return _base64_image(value, "ModelImage")

    @model_validator(mode="after")
    def _template(self) -> FuseUltraRequest:
        if not self.model_url and not self.model_image:
            raise ValueError("FuseFaceUltra needs the template: ModelUrl or ModelImage (base64)")
        return self

    def to_api(self) -> Dict[str, Any]:
        """The FuseFaceUltra request parameters (wire names, ``None`` fields left out)."""
        return self.model_dump(by_alias=True, exclude_none=True)

    def summary(self) -> Dict[str, Any]:
        """Loggable parameters: no image data, no URLs (presigned URLs carry signatures)."""
        radios = self.fusion_ultra_param.model_dump(by_alias=True, exclude_none=True) if self.fusion_ultra_param else {}
        return {
            "Action": self.action,
            "RspImgType": self.rsp_img_type,
            "MergeInfos": len(self.merge_infos),
            "Template": "url" if self.model_url else "base64",
            "SwapModelType": self.swap_model_type,
            "FusionUltraParam": radios or None,
            "LogoAdd": self.logo_add,
        }


def is_ultra_request(data: Mapping[str, Any]) -> bool:
    """A FuseFaceUltra body is recognised by its template: ``ModelUrl`` or ``ModelImage`` (non-empty)."""
    return isinstance(data, Mapping) and any(data.get(name) for name in ("ModelUrl", "ModelImage"))


def parse_ultra_request(data: Mapping[str, Any]) -> FuseUltraRequest:
    """Validate FuseFaceUltra request JSON; raises ``FuseFaceError`` (InvalidParameterValue / MissingParameter /
    FailedOperation.ImageSizeExceed)."""
    if not isinstance(data, Mapping):
        raise FuseFaceError("InvalidParameterValue", "The request body must be a JSON object.")
    try:
        return FuseUltraRequest.model_validate(dict(data))
    except ValidationError as exc:
        errors = field_errors(exc)
        missing = any(err.kind == "missing" for err in errors)
        raise FuseFaceError("MissingParameter" if missing else "InvalidParameterValue", describe(errors)) from None
