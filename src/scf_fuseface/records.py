"""Naming and metadata of what the function writes to COS, and how an upload is routed to a material.

* Output: ``{FUSEFACE_OUTPUT_PREFIX}{source key}`` with the extension set to ``.jpg`` (FuseFace answers JPEG;
  the Content-Type is still sniffed from the bytes), metadata ``x-cos-meta-fuseface-*`` (see
  :func:`output_metadata`). Header values are ASCII: the source key is always URL-quoted (``safe="/"``).
* Failure record: ``{FUSEFACE_FAILURE_PREFIX}{source key}.json`` (code, message, RequestIds, time, source, params).
* Routing: ModelId from object metadata ``x-cos-meta-fuseface-model-id``, else the key convention
  ``{trigger prefix}{ModelId}/...`` (the segment must look like a ModelId, by default ``qc_<digits>_<digits>_<digits>``, see
  ``FUSEFACE_MODEL_ID_PATTERN``), else ``FUSEFACE_MODEL_ID``. Degrees: metadata, config, or omitted.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import time
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import quote

from .config import Settings
from .errors import FuseFaceError

__all__ = [
    "META", "FuseParams", "output_key", "failure_key", "route", "output_metadata", "failure_record", "ai_label",
    "is_generated", "is_own_key",
]

META = "x-cos-meta-fuseface-"
GENERATED = META + "generated"


class FuseParams(dict):
    """ProjectId, ModelId, FuseFaceDegree, FuseProfileDegree, LogoAdd (None = left to the material)."""

    def fingerprint(self) -> str:
        text = json.dumps({k: self.get(k) for k in sorted(self)}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _with_ext(key: str, ext: str) -> str:
    root, old = posixpath.splitext(key)
    return (root if old and "/" not in old else key) + ext


def output_key(settings: Settings, source_key: str) -> str:
    return settings.output_prefix + _with_ext(source_key, ".jpg")


def failure_key(settings: Settings, source_key: str) -> str:
    return settings.failure_prefix + source_key + ".json"


def is_own_key(settings: Settings, key: str) -> bool:
    return key.startswith(settings.output_prefix) or key.startswith(settings.failure_prefix)


def is_generated(metadata: Mapping[str, str]) -> bool:
    return str(metadata.get(GENERATED, "")).strip() not in ("", "0", "false")


def _degree(value: Optional[str], name: str) -> Optional[int]:
    if value is None or str(value).strip() == "":
        return None
    try:
        degree = int(str(value).strip())
    except ValueError:
        degree = -1
    if not 0 <= degree <= 100:
        raise FuseFaceError("InvalidParameterValue", f"Object metadata {name}={value!r} must be an integer 0..100.")
    return degree


def route(settings: Settings, key: str, metadata: Mapping[str, str]) -> Tuple[FuseParams, str]:
    """The FuseFace parameters for an upload and where the ModelId came from (metadata | key | config)."""
    model_id, source = metadata.get(META + "model-id", "").strip() or None, "metadata"
    if model_id is None and key.startswith(settings.trigger_prefix):
        first, sep, _rest = key[len(settings.trigger_prefix):].partition("/")
        if sep and re.match(settings.model_id_pattern, first):
            model_id, source = first, "key"
    if model_id is None:
        model_id, source = settings.model_id, "config"
    if not model_id:
        raise FuseFaceError(
            "MissingParameter",
            "No ModelId: use the key uploads/{ModelId}/..., object metadata x-cos-meta-fuseface-model-id, "
            "or FUSEFACE_MODEL_ID.",
        )
    project_id = metadata.get(META + "project-id", "").strip() or settings.project_id
    if not project_id:
        derived = re.match(r"^[a-z]+_(\d+)_", model_id)
        project_id = derived.group(1) if derived else None
    if not project_id:
        raise FuseFaceError("MissingParameter", "No ProjectId: set FUSEFACE_PROJECT_ID.")
    face = _degree(metadata.get(META + "face-degree"), META + "face-degree")
    profile = _degree(metadata.get(META + "profile-degree"), META + "profile-degree")
    params = FuseParams(
        ProjectId=project_id,
        ModelId=model_id,
        FuseFaceDegree=face if face is not None else settings.face_degree,
        FuseProfileDegree=profile if profile is not None else settings.profile_degree,
        LogoAdd=settings.logo_add,
    )
    return params, source


def ai_label(settings: Settings, produce_id: str) -> Optional[Dict[str, Any]]:
    """``FuseParam`` carrying the implicit AI-generated label (one MetaData entry; key <= 32, value <= 256)."""
    if not settings.ai_label:
        return None
    value = json.dumps(
        {"Label": "1", "ContentProducer": settings.ai_label_producer, "ProduceID": produce_id[:64]},
        separators=(",", ":"), ensure_ascii=True,
    )[:256]
    return {"ImageCodecParam": {"MetaData": [{"MetaKey": settings.ai_label_key[:32], "MetaValue": value}]}}


def output_metadata(*, params: FuseParams, bucket: str, source_key: str, source_etag: str,
                    request_id: Optional[str]) -> Dict[str, str]:
    meta = {
        GENERATED: "1",
        META + "source-bucket": bucket,
        META + "source-key": quote(source_key, safe="/"),
        META + "source-etag": source_etag,
        META + "params": params.fingerprint(),
        META + "project-id": str(params["ProjectId"]),
        META + "model-id": str(params["ModelId"]),
        META + "request-id": request_id or "",
    }
    for name, field in (("face-degree", "FuseFaceDegree"), ("profile-degree", "FuseProfileDegree"),
                        ("logo-add", "LogoAdd")):
        if params.get(field) is not None:
            meta[META + name] = str(params[field])
    return meta


def already_fused(metadata: Mapping[str, str], *, source_etag: str, params: FuseParams) -> bool:
    """True when an existing output (or failure record) was made from the same source ETag and parameters."""
    return (
        is_generated(metadata)
        and bool(source_etag)
        and metadata.get(META + "source-etag") == source_etag
        and metadata.get(META + "params") == params.fingerprint()
    )


def failure_record(err: FuseFaceError, *, bucket: str, source_key: str, source_etag: Optional[str],
                   params: Optional[Mapping[str, Any]], request_ids: Any, invocation_id: Optional[str]) -> bytes:
    record = {
        "Code": err.code,
        "Message": err.message,
        "Kind": err.kind,
        "RequestIds": list(dict.fromkeys(r for r in request_ids if r)),
        "InvocationRequestId": invocation_id,
        "Time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "Source": {"Bucket": bucket, "Key": source_key, "ETag": source_etag},
        "Parameters": dict(params) if params else None,
    }
    return json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
