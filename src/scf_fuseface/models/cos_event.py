"""COS trigger events as typed models (wire names kept via camelCase aliases).

``cosObject.key`` is ``/{appid}/{bucket name}/{key}``; :attr:`CosRecord.object_key` strips that prefix
(fallback: a leading ``/``). Whether COS percent-encodes the key is unconfirmed, so
:meth:`CosRecord.key_candidates` yields the raw key first and then its decoded forms; the pipeline uses
the first one that exists (HEAD). ``size`` may be an int or a string. The uploader's ``Authorization``
header travels in ``requestParameters.requestHeaders``: it is a ``SecretStr`` mapping and never printed.
:func:`parse_cos_event` turns a malformed event into ``InvalidParameterValue.InvalidEvent`` naming its fields.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, Union
from urllib.parse import unquote, unquote_plus

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from ..errors import FuseFaceError
from ..validation import field_errors

__all__ = ["CosEvent", "CosRecord", "CosObject", "CosBucket", "parse_cos_event"]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore")


class CosObject(_Model):
    url: Optional[str] = None
    meta: Dict[str, str] = Field(default_factory=dict)
    vid: Optional[str] = None
    key: str = Field(min_length=1)
    size: int = 0

    @field_validator("size", mode="before")
    @classmethod
    def _size(cls, value: object) -> object:
        if isinstance(value, str):
            return int(value.strip() or 0)
        return value

    @field_validator("meta", mode="before")
    @classmethod
    def _meta(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k): "" if v is None else str(v) for k, v in value.items()}
        return value or {}


class CosBucket(_Model):
    region: str = Field(min_length=1)
    name: str = Field(min_length=1)
    appid: str = Field(min_length=1)

    @field_validator("appid", mode="before")
    @classmethod
    def _appid(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class CosInfo(_Model):
    cos_schema_version: Optional[str] = None
    cos_object: CosObject
    cos_bucket: CosBucket
    cos_notification_id: Optional[str] = None


class RequestParameters(_Model):
    request_source_ip: Optional[str] = Field(None, alias="requestSourceIP")
    request_headers: Dict[str, SecretStr] = Field(default_factory=dict, repr=False, exclude=True)

    @field_validator("request_headers", mode="before")
    @classmethod
    def _headers(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        return value or {}


class CosEventInfo(_Model):
    event_name: str
    event_version: Optional[str] = None
    event_time: Optional[Union[int, str]] = None
    event_source: Literal["qcs::cos"]
    request_parameters: RequestParameters = Field(default_factory=RequestParameters)
    event_queue: Optional[str] = None
    reserved_info: Optional[str] = None
    reqid: Optional[Union[int, str]] = None


class CosRecord(_Model):
    cos: CosInfo
    event: CosEventInfo

    @property
    def bucket(self) -> str:
        """The SDK bucket name ``{name}-{appid}``."""
        b = self.cos.cos_bucket
        suffix = f"-{b.appid}"
        return b.name if b.name.endswith(suffix) else b.name + suffix

    @property
    def region_code(self) -> str:
        return self.cos.cos_bucket.region

    @property
    def event_name(self) -> str:
        return self.event.event_name

    @property
    def is_created(self) -> bool:
        return self.event.event_name.startswith("cos:ObjectCreated:")

    @property
    def object_key(self) -> str:
        """``cosObject.key`` minus ``/{appid}/{name}/`` (else minus a leading ``/``), as delivered."""
        raw = self.cos.cos_object.key
        b = self.cos.cos_bucket
        for prefix in (f"/{b.appid}/{b.name}/", f"/{b.appid}/{self.bucket}/"):
            if raw.startswith(prefix):
                return raw[len(prefix):]
        return raw[1:] if raw.startswith("/") else raw

    def key_candidates(self) -> List[str]:
        """The delivered key, then its percent-decoded forms (``unquote``, ``unquote_plus``), deduplicated."""
        key = self.object_key
        out = [key]
        if "%" in key or "+" in key:
            for form in (unquote(key), unquote_plus(key)):
                if form not in out:
                    out.append(form)
        return out


class CosEvent(_Model):
    records: List[CosRecord] = Field(alias="Records", min_length=1)


def parse_cos_event(event: Any) -> CosEvent:
    """Validate a COS trigger event; raises ``FuseFaceError("InvalidParameterValue.InvalidEvent")`` naming
    (at most five of) the malformed fields, never their values."""
    try:
        return CosEvent.model_validate(event)
    except ValidationError as exc:
        where = sorted({err.field for err in field_errors(exc)})[:5]
        raise FuseFaceError("InvalidParameterValue.InvalidEvent",
                            f"Malformed COS event (fields: {', '.join(where)}).") from None
