"""What the function writes to COS: the ``x-cos-meta-fuseface-*`` names, the output and failure keys, their
metadata and the failure record (the one module that owns them).

* Output: ``{FUSEFACE_OUTPUT_PREFIX}{source key}`` with the extension set to ``.jpg`` (FuseFace answers JPEG;
  the Content-Type is still sniffed from the bytes), metadata ``x-cos-meta-fuseface-*`` (see
  :func:`output_metadata`). Header values are ASCII: the source key is always URL-quoted (``safe="/"``).
* Failure record: ``{FUSEFACE_FAILURE_PREFIX}{source key}.json`` (code, message, RequestIds, time, source, params),
  metadata from :func:`failure_metadata`.
* Large HTTP result: ``{FUSEFACE_OUTPUT_PREFIX}http/{yyyy/mm/dd}/{RequestId}.jpg|.png`` in ``FUSEFACE_HTTP_BUCKET``
  (:func:`store_http_result`).
* Uploads may carry ``model-id``, ``project-id``, ``face-degree`` and ``profile-degree`` themselves (see
  ``routing.py``), or for FuseFaceUltra ``template-key``, ``swap-model-type`` and the radios (``ULTRA_RADIO_META``,
  see ``ultra.py``).
* Every output says which action made it: ``x-cos-meta-fuseface-action`` = ``FuseFace`` | ``FuseFaceUltra``;
  FuseFaceUltra outputs also carry the template's bucket, key (URL-quoted) and ETag, and the SwapModelType.
"""

from __future__ import annotations

import json
import logging
import posixpath
import time
from typing import TYPE_CHECKING, Any, Dict, Iterable, Mapping, Optional
from urllib.parse import quote

from . import limits
from .config import Settings
from .errors import FuseFaceError
from .imageinfo import sniff

if TYPE_CHECKING:
    from .routing import FuseParams
    from .run import Run

__all__ = [
    "META_PREFIX", "META_GENERATED", "META_MODEL_ID", "META_PROJECT_ID", "META_FACE_DEGREE", "META_PROFILE_DEGREE",
    "META_ACTION", "META_TEMPLATE_KEY", "META_TEMPLATE_BUCKET", "META_TEMPLATE_ETAG", "META_SWAP_MODEL_TYPE",
    "ULTRA_RADIO_META",
    "already_fused", "failure_key", "failure_metadata", "failure_record", "is_generated", "is_own_key",
    "output_key", "output_metadata", "store_http_result",
]

log = logging.getLogger(__name__)

META_PREFIX = "x-cos-meta-fuseface-"
META_GENERATED = META_PREFIX + "generated"  # on everything the function writes: never fused again
META_MODEL_ID = META_PREFIX + "model-id"
META_PROJECT_ID = META_PREFIX + "project-id"
META_FACE_DEGREE = META_PREFIX + "face-degree"
META_PROFILE_DEGREE = META_PREFIX + "profile-degree"
META_LOGO_ADD = META_PREFIX + "logo-add"
META_SOURCE_BUCKET = META_PREFIX + "source-bucket"
META_SOURCE_KEY = META_PREFIX + "source-key"
META_SOURCE_ETAG = META_PREFIX + "source-etag"
META_PARAMS = META_PREFIX + "params"  # FuseParams.fingerprint()
META_REQUEST_ID = META_PREFIX + "request-id"  # FuseFace's RequestId (HTTP: the reply's)
META_ERROR_CODE = META_PREFIX + "error-code"
META_ACTION = META_PREFIX + "action"  # FuseFace | FuseFaceUltra
# FuseFaceUltra
META_TEMPLATE_KEY = META_PREFIX + "template-key"  # upload control: the template (key, or bucket-appid/key)
META_TEMPLATE_BUCKET = META_PREFIX + "template-bucket"
META_TEMPLATE_ETAG = META_PREFIX + "template-etag"
META_SWAP_MODEL_TYPE = META_PREFIX + "swap-model-type"
ULTRA_RADIO_META = {  # FusionUltraParam field -> its per-upload metadata header
    "WarpRadio": META_PREFIX + "warp-radio",
    "EnhanceRadio": META_PREFIX + "enhance-radio",
    "MpRadio": META_PREFIX + "mp-radio",
    "TeethEnhanceRadio": META_PREFIX + "teeth-enhance-radio",
    "MakeupTransferRadio": META_PREFIX + "makeup-transfer-radio",
}

_OPTIONAL_PARAMS = ((META_FACE_DEGREE, "FuseFaceDegree"), (META_PROFILE_DEGREE, "FuseProfileDegree"),
                    (META_LOGO_ADD, "LogoAdd"))


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
    return str(metadata.get(META_GENERATED, "")).strip() not in ("", "0", "false")


def already_fused(metadata: Mapping[str, str], *, source_etag: str, params: FuseParams) -> bool:
    """True when an existing output (or failure record) was made from the same source ETag and parameters."""
    return (
        is_generated(metadata)
        and bool(source_etag)
        and metadata.get(META_SOURCE_ETAG) == source_etag
        and metadata.get(META_PARAMS) == params.fingerprint()
    )


def output_metadata(*, params: FuseParams, bucket: str, source_key: str, source_etag: str,
                    request_id: Optional[str]) -> Dict[str, str]:
    meta = {
        META_GENERATED: "1",
        META_ACTION: params.action,
        META_SOURCE_BUCKET: bucket,
        META_SOURCE_KEY: quote(source_key, safe="/"),
        META_SOURCE_ETAG: source_etag,
        META_PARAMS: params.fingerprint(),
        META_REQUEST_ID: request_id or "",
    }
    if params.action == "FuseFaceUltra":
        meta.update({META_TEMPLATE_BUCKET: str(params["TemplateBucket"]),
                     META_TEMPLATE_KEY: quote(str(params["TemplateKey"]), safe="/"),
                     META_TEMPLATE_ETAG: str(params.get("TemplateETag") or "")})
        if params.get("SwapModelType") is not None:
            meta[META_SWAP_MODEL_TYPE] = str(params["SwapModelType"])
    else:
        meta.update({META_PROJECT_ID: str(params["ProjectId"]), META_MODEL_ID: str(params["ModelId"])})
    for name, field in _OPTIONAL_PARAMS:
        if params.get(field) is not None:
            meta[name] = str(params[field])
    return meta


def failure_metadata(err: FuseFaceError, *, source_etag: Optional[str],
                     params: Optional[FuseParams]) -> Dict[str, str]:
    """The failure record's metadata; with the source ETag and parameters a redelivery skips a known failure."""
    meta = {META_GENERATED: "1", META_ERROR_CODE: err.code}
    if params is not None:
        meta[META_ACTION] = params.action
    if params is not None and source_etag is not None:
        meta.update({META_SOURCE_ETAG: source_etag, META_PARAMS: params.fingerprint()})
    return meta


def failure_record(err: FuseFaceError, *, bucket: str, source_key: str, source_etag: Optional[str],
                   params: Optional[Mapping[str, Any]], request_ids: Iterable[Optional[str]],
                   invocation_id: Optional[str]) -> bytes:
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


def store_http_result(run: Run, fused: bytes, request_id: str) -> str:
    """Store a fused image too large for a synchronous HTTP reply; returns a presigned GET URL for it."""
    s = run.settings
    if not s.http_bucket:
        raise FuseFaceError("RequestSizeLimitExceeded.Response",
                            "The fused image is too large for a synchronous reply; set FUSEFACE_HTTP_BUCKET.")
    is_png = sniff(fused[: limits.SNIFF_BYTES]).format == "png"
    key = f"{s.output_prefix}http/{time.strftime('%Y/%m/%d', time.gmtime())}/{request_id}{'.png' if is_png else '.jpg'}"
    storage = run.storage(s.cos_region or s.region)
    storage.put(s.http_bucket, key, fused, content_type="image/png" if is_png else "image/jpeg",
                metadata={META_GENERATED: "1", META_REQUEST_ID: request_id})
    log.info("large result stored in COS", extra={"output_bucket": s.http_bucket, "output_key": key})
    return storage.presign_get(s.http_bucket, key, expires=s.presign_expires)
