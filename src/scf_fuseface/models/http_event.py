"""HTTP trigger events (API Gateway, Function URL) normalised into one :class:`HttpRequest`.

API Gateway (doc 583/12513): ``requestContext{serviceId, path, httpMethod, requestId, sourceIp, stage}``,
``headers``, ``body`` (string), ``queryString`` (values str, list or ``true``), ``queryStringParameters``,
optional ``isBase64Encoded``. Function URL (doc 583/96099): the same minus ``requestContext``,
``headerParameters``, ``isBase64Encoded``, ``pathParameters`` and ``queryStringParameters``; header names are
lower-case and the client IP is ``x-scf-remote-addr``. Third-party code (2026) reports a ``requestContext`` (with
``sourceIp``) in Function URL events too: UNCONFIRMED, read when present (method, path, request id), as are
``isBase64Encoded`` and ``queryStringParameters``. Headers are kept out of ``repr`` (they may carry
``Authorization`` or ``X-Api-Key``).
"""

from __future__ import annotations

import base64
from typing import Any, Dict, Mapping, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import FuseFaceError
from ..validation import field_errors

__all__ = ["HttpRequest", "query_values", "request_method"]


def query_values(raw: Any) -> Dict[str, str]:
    """Flatten a query mapping: lists keep their last value, ``true`` (a bare key) becomes ``""``."""
    out: Dict[str, str] = {}
    if not isinstance(raw, Mapping):
        return out
    for key, value in raw.items():
        if isinstance(value, list):
            value = value[-1] if value else ""
        if value is True or value is None:
            value = ""
        out[str(key)] = str(value)
    return out


def request_method(event: Mapping[str, Any]) -> Optional[str]:
    """The HTTP method of an HTTP trigger event: ``httpMethod``, else ``requestContext.httpMethod``, else
    ``requestContext.http.method`` (None when there is none)."""
    ctx = event.get("requestContext")
    ctx = ctx if isinstance(ctx, Mapping) else {}
    http = ctx.get("http") if isinstance(ctx.get("http"), Mapping) else {}
    for value in (event.get("httpMethod"), ctx.get("httpMethod"), http.get("method")):
        if isinstance(value, str) and value:
            return value
    return None


_BINARY_TYPES = ("image/", "multipart/", "application/octet-stream")


def _is_binary(content_type: str) -> bool:
    return content_type.strip().lower().startswith(_BINARY_TYPES)


def _b64decode(text: str) -> Optional[bytes]:
    """Strict base64 with whitespace/newlines ignored; None when ``text`` is not base64."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except ValueError:  # binascii.Error is a ValueError
        return None


class HttpRequest(BaseModel):
    """A trigger-agnostic HTTP request; ``headers`` keys are lower-case, ``body`` is the decoded bytes."""

    model_config = ConfigDict(frozen=True)

    trigger: str
    method: str
    path: str
    headers: Dict[str, str] = Field(default_factory=dict, repr=False)
    query: Dict[str, str] = Field(default_factory=dict)
    body: bytes = Field(b"", repr=False)
    request_id: Optional[str] = None

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def content_type(self) -> str:
        """The media type alone (parameters such as ``boundary`` stripped), lower-case."""
        return self.header("content-type").split(";", 1)[0].strip().lower()

    @classmethod
    def _build(cls, trigger: str, event: Mapping[str, Any], *, method: str, path: str,
               request_id: Optional[str]) -> HttpRequest:
        headers = _headers(event)
        query = query_values(event.get("queryStringParameters"))
        query.update(query_values(event.get("queryString")))
        body = event.get("body")
        if body is None:
            raw = b""
        elif isinstance(body, (bytes, bytearray)):
            raw = bytes(body)
        elif event.get("isBase64Encoded") is True or str(event.get("isBase64Encoded")).lower() == "true":
            decoded = _b64decode(str(body))
            if decoded is None:
                raise FuseFaceError("InvalidParameterValue", "isBase64Encoded is set but the body is not base64.")
            raw = decoded
        elif "isBase64Encoded" not in event and _is_binary(headers.get("content-type", "")):
            # A binary body without the flag (Function URL events; whether and how they encode binary bodies is
            # UNCONFIRMED). Raw binary cannot survive a JSON string, so a body that is valid base64 is decoded;
            # anything else is kept as text and fails the format check with a clear error later.
            decoded = _b64decode(str(body))
            raw = decoded if decoded is not None else str(body).encode("utf-8")
        else:
            raw = str(body).encode("utf-8")
        try:
            return cls(trigger=trigger, method=(method or "GET").upper(), path=path or "/", headers=headers,
                       query=query, body=raw, request_id=request_id)
        except ValidationError as exc:
            where = sorted({err.field for err in field_errors(exc)})[:5]
            raise FuseFaceError("InvalidParameterValue.InvalidEvent",
                                f"Malformed HTTP event (fields: {', '.join(where)}).") from None

    @classmethod
    def from_apigw(cls, event: Mapping[str, Any]) -> HttpRequest:
        """``request_id`` is the gateway's ``requestContext.requestId`` (set by API Gateway, not the client)."""
        ctx = event.get("requestContext") or {}
        request_id = ctx.get("requestId")
        return cls._build(
            "apigw", event,
            method=str(event.get("httpMethod") or ctx.get("httpMethod") or "GET"),
            path=str(event.get("path") or ctx.get("path") or "/"),
            request_id=str(request_id)[:128] if isinstance(request_id, (str, int)) and request_id != "" else None,
        )

    @classmethod
    def from_function_url(cls, event: Mapping[str, Any]) -> HttpRequest:
        """``request_id`` is the platform's ``requestContext.requestId`` when there is one, never a header: every
        header of a Function URL event may come from the client (an ``X-Request-Id`` once ended up in replies and in
        the AI label), so without it the invocation's own id is used."""
        ctx = event.get("requestContext") if isinstance(event.get("requestContext"), Mapping) else {}
        http = ctx.get("http") if isinstance(ctx.get("http"), Mapping) else {}
        request_id = ctx.get("requestId")
        return cls._build(
            "function_url", event,
            method=request_method(event) or "GET",
            path=str(event.get("path") or ctx.get("path") or http.get("path") or "/"),
            request_id=str(request_id)[:128] if isinstance(request_id, (str, int)) and request_id != "" else None,
        )


def _headers(event: Mapping[str, Any]) -> Dict[str, str]:
    """The event's headers, lower-cased; ``InvalidParameterValue.InvalidEvent`` unless they are an object."""
    raw = event.get("headers")
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise FuseFaceError("InvalidParameterValue.InvalidEvent",
                            f"Malformed HTTP event: headers must be an object, not {type(raw).__name__}.")
    return {str(k).lower(): v if isinstance(v, str) else ",".join(map(str, v)) if isinstance(v, list) else str(v)
            for k, v in raw.items()}
