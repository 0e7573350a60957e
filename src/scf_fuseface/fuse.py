"""The FuseFace call both triggers make: one request builder, in-budget retries, decoding the answer.

:func:`fuse_request` is the only place a request is assembled for the SDK. Wire-named parameters carrying a
template (``ModelUrl``/``ModelImage``) are a FuseFaceUltra request
(:class:`~scf_fuseface.models.ultra.FuseUltraRequest`), anything else a FuseFace request
(:class:`~scf_fuseface.models.fusion.FuseRequest`). The AI label is decided here only: FuseFace gets the implicit
label (``FuseParam``, unless the caller sent one; ``FUSEFACE_AI_LABEL*``); FuseFaceUltra has no ``FuseParam``, so
it carries the visible label only (``LogoAdd``, ``FUSEFACE_LOGO_ADD`` unless the caller sent one).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any, Dict, List, Mapping, Optional, Union

from .adapters.base import FuseFaceResult
from .config import Settings
from .errors import FuseFaceError
from .models.fusion import FuseRequest, parse_fuse_request
from .models.ultra import FuseUltraRequest, is_ultra_request, parse_ultra_request
from .ratelimit import limiter_for
from .retry import call_with_retry
from .run import Run

__all__ = ["AnyFuseRequest", "ai_label", "decode_fused", "fuse_request", "fuse_with_retry"]

AnyFuseRequest = Union[FuseRequest, FuseUltraRequest]

log = logging.getLogger(__name__)


def ai_label(settings: Settings, produce_id: str) -> Optional[Dict[str, Any]]:
    """``FuseParam`` carrying the implicit AI-generated label (one MetaData entry; key <= 32, value <= 256)."""
    if not settings.ai_label:
        return None
    value = json.dumps(
        {"Label": "1", "ContentProducer": settings.ai_label_producer, "ProduceID": produce_id[:64]},
        separators=(",", ":"), ensure_ascii=True,
    )[:256]
    return {"ImageCodecParam": {"MetaData": [{"MetaKey": settings.ai_label_key[:32], "MetaValue": value}]}}


def fuse_request(settings: Settings, params: Mapping[str, Any], *, produce_id: str) -> AnyFuseRequest:
    """The FuseFace (or, with ``ModelUrl``/``ModelImage``, FuseFaceUltra) request for wire-named ``params``
    (``None`` values left out), labelled as AI-generated: FuseFace with ``produce_id`` (the invocation or HTTP
    request id) in ``FuseParam`` unless ``params`` has one; FuseFaceUltra with ``LogoAdd``.

    Raises ``FuseFaceError`` (``InvalidParameterValue`` / ``MissingParameter``) when the request is invalid.
    """
    data = {name: value for name, value in params.items() if value is not None}
    if is_ultra_request(data):
        data.setdefault("LogoAdd", settings.logo_add)
        return parse_ultra_request(data)
    if "FuseParam" not in data:
        label = ai_label(settings, produce_id)
        if label:
            data["FuseParam"] = label
    return parse_fuse_request(data)


# Errors after which FuseFace may have done (and billed) the work without the reply reaching us: retrying may
# bill a second call. They are counted (``unanswered``) and logged; FuseFace has no idempotency token.
UNANSWERED = ("ClientNetworkError", "ServerNetworkError", "JSONDecodeError", "KeyError")


def fuse_with_retry(run: Run, request: AnyFuseRequest, request_ids: List[str],
                    unanswered: Optional[List[str]] = None) -> FuseFaceResult:
    """FuseFace (or FuseFaceUltra, by the request's ``action``) with in-process retries of transient errors, each
    attempt paced by this instance's rate limiter (``ratelimit.py``); every RequestId seen is appended to
    ``request_ids``, and the code of every attempt whose reply was lost (``UNANSWERED``) to ``unanswered``."""
    s = run.settings
    params = request.to_api()
    limiter = limiter_for(s.qps, s.max_instances)

    def attempt(timeout_s: float) -> FuseFaceResult:
        waited = limiter.acquire(max_wait_s=max(0.0, timeout_s - min(1.0, s.timeout)))
        client = run.fusion(max(0.001, timeout_s - waited))
        call = client.fuse_ultra if request.action == "FuseFaceUltra" else client.fuse
        try:
            result = call(params)
        except FuseFaceError as err:
            request_ids.append(err.request_id or "")
            if err.code in UNANSWERED:
                if unanswered is not None:
                    unanswered.append(err.code)
                log.warning("fuseface reply lost; a retry may bill this image twice", extra={"code": err.code})
            raise
        request_ids.append(result.request_id or "")
        return result

    def on_retry(err: FuseFaceError, n: int, delay: float) -> None:
        log.warning("fuseface transient error, retrying",
                    extra={"action": request.action, "code": err.code, "attempt": n, "delay_s": round(delay, 3),
                           "fuseface_request_id": err.request_id})

    return call_with_retry(attempt, budget=run.budget, max_attempts=s.retry_max_attempts,
                           base_delay=s.retry_base_delay, max_delay=s.retry_max_delay,
                           min_attempt_s=min(1.0, s.timeout), on_retry=on_retry)


def decode_fused(fused_image: str) -> bytes:
    """The image bytes of a base64 ``FusedImage``."""
    try:
        return base64.b64decode(fused_image, validate=True)
    except (binascii.Error, ValueError):
        raise FuseFaceError("FailedOperation.EmptyFusedImage", "FusedImage is not base64.") from None
