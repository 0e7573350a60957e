"""The COS upload path: one record in, one fused object (or a failure record, or a skip) out.

Per record: skip non-ObjectCreated events, our own prefixes and folder markers (``.../``); resolve the key (raw,
then decoded forms) by HEAD; skip objects carrying our generated marker; route to a material or a FuseFaceUltra
template (whose HEAD adds its ETag to the parameters, ``ultra.py``); skip when the output already exists for the
same source ETag and parameters (idempotency: zero FuseFace calls on redelivery); pre-validate from HEAD + a 64 KB
ranged GET (the action's limits); send a presigned URL (or upright base64 when EXIF says rotated);
retry transient FuseFace errors inside the time budget; write the fused JPEG with metadata. Permanent errors
write ``failed/<key>.json`` and return a ``failed`` :class:`RecordOutcome`; transient ones are raised (SCF
retries the event).
"""

from __future__ import annotations

import logging
from typing import Dict, List, Optional, Tuple

from . import limits, outputs, ultra
from .adapters.base import ObjectHead, Storage
from .errors import FuseFaceError
from .fuse import decode_fused, fuse_request, fuse_with_retry
from .imageinfo import check_dimensions, sniff
from .imageprep import upright_base64
from .log import Timer, log_context
from .models.cos_event import CosRecord
from .models.outcome import RecordOutcome, RecordStatus
from .routing import FuseParams, UltraParams, route
from .run import Run

__all__ = ["process_record"]

log = logging.getLogger(__name__)


def _outcome(record: CosRecord, key: str, status: RecordStatus, **details: Optional[str]) -> RecordOutcome:
    return RecordOutcome(bucket=record.bucket, key=key, event=record.event_name, status=status, **details)


def process_record(record: CosRecord, run: Run) -> RecordOutcome:
    """Process one COS record; returns its outcome (fused, skipped or failed); raises transient errors."""
    key = record.object_key
    with log_context(bucket=record.bucket, key=key, event=record.event_name):
        if not record.is_created:
            log.info("skipped: not an ObjectCreated event")
            return _outcome(record, key, "skipped", reason="not-created")
        if outputs.is_own_key(run.settings, key):
            log.info("skipped: our own output or failure prefix")
            return _outcome(record, key, "skipped", reason="own-output")
        if key.endswith("/"):  # a "folder" created in the console: a 0-byte marker object, not an upload
            log.info("skipped: folder marker")
            return _outcome(record, key, "skipped", reason="folder")
        return _process_upload(record, run)


def _resolve(record: CosRecord, storage: Storage) -> Tuple[str, Optional[ObjectHead]]:
    """The object's real key (raw, then percent-decoded forms) and its HEAD (None when none exists)."""
    for candidate in record.key_candidates():
        head = storage.head(record.bucket, candidate)
        if head is not None:
            return candidate, head
    return record.object_key, None


def _previous_outcome(run: Run, storage: Storage, out_bucket: str, key: str, head: ObjectHead,
                      params: FuseParams) -> Optional[str]:
    """Return "already-fused" or "already-failed" when this source ETag was processed with these parameters."""
    existing = storage.head(out_bucket, outputs.output_key(run.settings, key))
    if existing is not None and outputs.already_fused(existing.metadata, source_etag=head.etag, params=params):
        return "already-fused"
    failed = storage.head(out_bucket, outputs.failure_key(run.settings, key))
    if failed is not None and outputs.already_fused(failed.metadata, source_etag=head.etag, params=params):
        return "already-failed"
    return None


def _merge_info(run: Run, storage: Storage, bucket: str, key: str, head: ObjectHead, timer: Timer,
                ultra_limits: bool) -> Dict[str, str]:
    """Pre-validate from HEAD + the first 64 KB, then a presigned Url (or upright base64 when rotated)."""
    image_limits = limits.ULTRA_IMAGES if ultra_limits else limits.FUSEFACE_IMAGES
    if head.size > image_limits.max_url_bytes:
        raise FuseFaceError("FailedOperation.ImageSizeExceed",
                            f"The object is {head.size} bytes; the action accepts at most "
                            f"{image_limits.max_url_bytes // (1024 * 1024)} MB by Url.")
    with timer("sniff"):
        info = sniff(storage.get(bucket, key, first_bytes=limits.SNIFF_BYTES))
        check_dimensions(info, max_side=image_limits.max_side_exclusive)
    if info.rotated:
        with timer("rotate"):
            return {"Image": upright_base64(storage.get(bucket, key), max_base64=image_limits.max_base64_bytes)}
    expires = max(300, min(3600, run.settings.presign_expires))
    return {"Url": storage.presign_get(bucket, key, expires=expires)}


def _process_upload(record: CosRecord, run: Run) -> RecordOutcome:
    s, timer = run.settings, Timer()
    bucket, out_bucket = record.bucket, run.settings.output_bucket or record.bucket
    storage = run.storage(s.cos_region_for(record.region_code))
    with timer("head"):
        key, head = _resolve(record, storage)
    params: Optional[FuseParams] = None
    request_ids: List[str] = []
    with log_context(key=key):
        try:
            if head is None:
                raise FuseFaceError("ResourceNotFound.CosObject", f"The source object {bucket}/{key} does not exist.")
            if outputs.is_own_key(s, key) or outputs.is_generated(head.metadata):
                log.info("skipped: object generated by this function")
                return _outcome(record, key, "skipped", reason="own-output")
            params, routed_by = route(s, key, head.metadata, bucket=bucket)
            template: Optional[ObjectHead] = None
            if isinstance(params, UltraParams) and (params["TemplateBucket"], params["TemplateKey"]) == (bucket, key):
                log.info("skipped: the upload is the FuseFaceUltra template itself")
                return _outcome(record, key, "skipped", reason="template")
            if isinstance(params, UltraParams):  # the template's ETag is part of the parameters
                with timer("template_head"):
                    template = ultra.template_head(storage, params)
                params["TemplateETag"] = template.etag
            out_key = outputs.output_key(s, key)
            with timer("idempotency"):
                previous = _previous_outcome(run, storage, out_bucket, key, head, params)
            if previous:
                log.info("skipped: same source ETag and parameters as before", extra={"reason": previous})
                return _outcome(record, key, "skipped", reason=previous,
                                output_key=out_key if previous == "already-fused" else None)
            merge = _merge_info(run, storage, bucket, key, head, timer, template is not None)
            source: Dict[str, str] = {}
            if isinstance(params, UltraParams) and template is not None:
                with timer("template"):
                    source = ultra.template_source(run, storage, params, template)
            request = fuse_request(s, {**params.api_params(), **source, "RspImgType": "base64", "MergeInfos": [merge]},
                                   produce_id=run.invocation_id or head.etag)
            with timer("fuse"):
                result = fuse_with_retry(run, request, request_ids)
            fused = decode_fused(result.fused_image)
            meta = outputs.output_metadata(params=params, bucket=bucket, source_key=key, source_etag=head.etag,
                                           request_id=result.request_id)
            with timer("put"):
                storage.put(out_bucket, out_key, fused, content_type=sniff(fused[: limits.SNIFF_BYTES]).content_type,
                            metadata=meta)
            log.info("fused", extra={"action": request.action, "output_bucket": out_bucket, "output_key": out_key,
                                     "routed_by": routed_by,
                                     "fuseface_request_id": result.request_id, "phases_ms": timer.phases,
                                     "base64_input": "Image" in merge, "bytes_out": len(fused)})
            return _outcome(record, key, "fused", output_key=out_key, fuseface_request_id=result.request_id)
        except FuseFaceError as err:
            if err.retryable:
                log.error("transient failure; raising so SCF retries",
                          extra={"code": err.code, "error": err.message, "fuseface_request_ids": request_ids,
                                 "phases_ms": timer.phases})
                raise
            return _record_failure(run, record, key, head, params, request_ids, err, out_bucket, timer)


def _record_failure(run: Run, record: CosRecord, key: str, head: Optional[ObjectHead], params: Optional[FuseParams],
                    request_ids: List[str], err: FuseFaceError, out_bucket: str, timer: Timer) -> RecordOutcome:
    s = run.settings
    fkey = outputs.failure_key(s, key)
    source_etag = head.etag if head is not None else None
    body = outputs.failure_record(err, bucket=record.bucket, source_key=key, source_etag=source_etag, params=params,
                                  request_ids=request_ids + [err.request_id or ""], invocation_id=run.invocation_id)
    meta = outputs.failure_metadata(err, source_etag=source_etag, params=params)
    storage = run.storage(s.cos_region_for(record.region_code))
    with timer("failure_record"):
        storage.put(out_bucket, fkey, body, content_type="application/json", metadata=meta)
    log.warning("failed permanently; failure record written",
                extra={"code": err.code, "error": err.message, "kind": err.kind, "failure_key": fkey,
                       "fuseface_request_ids": [r for r in request_ids if r], "phases_ms": timer.phases})
    return _outcome(record, key, "failed", code=err.code, failure_key=fkey)
