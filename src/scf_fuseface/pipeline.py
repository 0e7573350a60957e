"""The COS upload path: one record in, one fused object (or a failure record, or a skip) out.

Per record: skip non-ObjectCreated events, our own prefixes and folder markers (``.../``); resolve the key (raw,
then decoded forms) by HEAD; skip objects carrying our generated marker; route to a material or a FuseFaceUltra
template (whose HEAD adds its ETag to the parameters, ``ultra.py``; an upload of the template itself is skipped);
refuse empty or oversize objects from the HEAD (the action's limits); claim the upload in COS (``claims.py``: one billable call even under concurrent
duplicate deliveries) and, under the claim, skip when the output (or failure record) already exists for the same
source ETag and parameters (zero FuseFace calls on redelivery); pre-validate from a 64 KB ranged GET (the action's
limits); send a presigned URL (or upright base64 when EXIF says rotated); retry transient FuseFace errors inside the time budget
(paced by ``ratelimit.py``); write the fused JPEG with metadata and remove a stale failure record. Permanent
errors write ``failed/<key>.json`` and return a ``failed`` :class:`RecordOutcome`; transient ones leave a
pending failure record and are raised (SCF retries the event).
"""

from __future__ import annotations

import logging
import time
from typing import Dict, List, Optional, Tuple

from . import claims, limits, outputs, ultra
from .adapters.base import ObjectHead, Storage
from .config import Settings
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

CLAIM_POLL_S = 0.25  # while another invocation holds the claim: how often its output is looked for
CLAIM_RETRY_S = 1.0  # and how often the claim itself is tried again


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
                      params: FuseParams) -> Tuple[Optional[str], bool]:
    """("already-fused" | "already-failed" | None when this source ETag and these parameters were not processed
    yet, whether a failure record of the key exists)."""
    existing = storage.head(out_bucket, outputs.output_key(run.settings, key))
    if existing is not None and outputs.already_fused(existing.metadata, source_etag=head.etag, params=params):
        return "already-fused", False
    failed = storage.head(out_bucket, outputs.failure_key(run.settings, key))
    if failed is not None and outputs.already_fused(failed.metadata, source_etag=head.etag, params=params):
        return "already-failed", True
    return None, failed is not None


def _check_size(head: ObjectHead, image_limits: limits.ImageLimits) -> None:
    """Refuse from the HEAD alone: an empty upload (an input error, not COS refusing the ranged GET) or one over
    the action's ceiling by Url (FuseFace 10 MB, FuseFaceUltra 20 MB)."""
    if head.size == 0:
        raise FuseFaceError("FailedOperation.ImageDecodeFailed", "The uploaded object is empty (0 bytes).")
    if head.size > image_limits.max_url_bytes:
        raise FuseFaceError("FailedOperation.ImageSizeExceed",
                            f"The object is {head.size} bytes; the action accepts at most "
                            f"{image_limits.max_url_bytes // (1024 * 1024)} MB by Url.")


def _merge_info(run: Run, storage: Storage, bucket: str, key: str, head: ObjectHead, timer: Timer,
                image_limits: limits.ImageLimits) -> Dict[str, str]:
    """Pre-validate from the first 64 KB, then a presigned Url (or upright base64 when rotated)."""
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
            if isinstance(params, UltraParams):
                if (params["TemplateBucket"], params["TemplateKey"]) == (bucket, key):
                    log.info("skipped: the upload is the FuseFaceUltra template itself")
                    return _outcome(record, key, "skipped", reason="template")
                with timer("template_head"):  # the template's ETag is part of the parameters (and the claim)
                    template = ultra.template_head(storage, params)
                params["TemplateETag"] = template.etag
            image_limits = limits.ULTRA_IMAGES if template is not None else limits.FUSEFACE_IMAGES
            _check_size(head, image_limits)  # from the HEAD alone: no claim needed, no paid call is at stake
            with timer("claim"):  # also the idempotency check: done under the claim, so it cannot race
                claim, previous, stale_failure = _claim(run, storage, out_bucket, bucket, key, head, params)
            if claim is None:
                return _skipped(record, key, previous or "already-fused", s)
            try:  # whatever the outcome, it is recorded while the claim is still ours
                merge = _merge_info(run, storage, bucket, key, head, timer, image_limits)
                source: Dict[str, str] = {}  # FuseFaceUltra's template: ModelUrl (or ModelImage when rotated)
                if isinstance(params, UltraParams) and template is not None:
                    with timer("template"):
                        source = ultra.template_source(run, storage, params, template)
                return _fuse_and_store(record, run, storage, key, head, params, merge, source, claim_stale=stale_failure,
                                       request_ids=request_ids, timer=timer, routed_by=routed_by)
            except FuseFaceError as err:
                if err.retryable:
                    raise _pending(run, record, key, head, params, request_ids, err, out_bucket, timer) from None
                return _record_failure(run, record, key, head, params, request_ids, err, out_bucket, timer)
            finally:
                claims.release(storage, claim)
        except FuseFaceError as err:
            if err.retryable:
                raise _pending(run, record, key, head, params, request_ids, err, out_bucket, timer) from None
            return _record_failure(run, record, key, head, params, request_ids, err, out_bucket, timer)


def _skipped(record: CosRecord, key: str, previous: str, s: Settings) -> RecordOutcome:
    log.info("skipped: same source ETag and parameters as before", extra={"reason": previous})
    return _outcome(record, key, "skipped", reason=previous,
                    output_key=outputs.output_key(s, key) if previous == "already-fused" else None)


def _claim(run: Run, storage: Storage, out_bucket: str, bucket: str, key: str, head: ObjectHead,
           params: FuseParams) -> Tuple[Optional[claims.Claim], Optional[str], bool]:
    """Claim the upload (``claims.py``), waiting for another holder at most ``FUSEFACE_CLAIM_WAIT_S``.

    ``(claim, None, stale failure record?)`` when ours; ``(None, "already-fused"|"already-failed", False)`` when
    the other holder finished it meanwhile; raises ``FailedOperation.UploadInProgress`` when the wait runs out.
    """
    s = run.settings
    base = claims.claim_base(s.output_prefix, bucket, key, head.etag, params.fingerprint())
    deadline = time.monotonic() + min(s.claim_wait_s, max(0.0, run.budget.remaining_s() - 1.0))
    out_key = outputs.output_key(s, key)
    while True:
        ttl = (run.budget.remaining_ms() + s.safety_margin_ms) / 1000.0  # until SCF ends this invocation
        claim = claims.acquire(storage, out_bucket, base, source=f"{bucket}/{key}", ttl_s=ttl)
        # Re-check after claiming too: the holder may have finished and released just before we claimed.
        previous, stale = _previous_outcome(run, storage, out_bucket, key, head, params)
        if previous:
            if claim is not None:
                claims.release(storage, claim)
            return None, previous, False
        if claim is not None:
            return claim, None, stale
        log.info("waiting for the invocation that holds this upload's claim")
        # Watch for the holder's output (one HEAD every 0.25 s); claim again once a second (it may have failed).
        next_attempt = time.monotonic() + CLAIM_RETRY_S
        while time.monotonic() < next_attempt:
            left = deadline - time.monotonic()
            if left <= 0:
                raise FuseFaceError("FailedOperation.UploadInProgress",
                                    "Another invocation holds this upload's claim; SCF will retry this one.")
            time.sleep(min(CLAIM_POLL_S, left))
            done = storage.head(out_bucket, out_key)
            if done is not None and outputs.already_fused(done.metadata, source_etag=head.etag, params=params):
                return None, "already-fused", False


def _fuse_and_store(record: CosRecord, run: Run, storage: Storage, key: str, head: ObjectHead, params: FuseParams,
                    merge: Dict[str, str], source: Dict[str, str], *, claim_stale: bool, request_ids: List[str],
                    timer: Timer, routed_by: str) -> RecordOutcome:
    """The paid call and its output (under our claim); a stale failure record of the key is removed. ``merge`` is
    the user image (``Url`` or ``Image``), ``source`` FuseFaceUltra's template (empty for FuseFace)."""
    s = run.settings
    out_bucket, out_key = s.output_bucket or record.bucket, outputs.output_key(s, key)
    request = fuse_request(s, {**params.api_params(), **source, "RspImgType": "base64", "MergeInfos": [merge]},
                           produce_id=run.invocation_id or head.etag)
    unanswered: List[str] = []
    with timer("fuse"):
        result = fuse_with_retry(run, request, request_ids, unanswered=unanswered)
    fused = decode_fused(result.fused_image)
    meta = outputs.output_metadata(params=params, bucket=record.bucket, source_key=key, source_etag=head.etag,
                                   request_id=result.request_id)
    with timer("put"):
        storage.put(out_bucket, out_key, fused, content_type=sniff(fused[: limits.SNIFF_BYTES]).content_type,
                    metadata=meta)
    if claim_stale:
        with timer("stale_failure"):
            storage.delete(out_bucket, outputs.failure_key(s, key))
    log.info("fused", extra={"action": request.action, "output_bucket": out_bucket, "output_key": out_key, "routed_by": routed_by,
                             "fuseface_request_id": result.request_id, "phases_ms": timer.phases,
                             "fuseface_calls": len(request_ids), "unanswered_calls": len(unanswered),
                             "base64_input": "Image" in merge, "bytes_out": len(fused),
                             "stale_failure_removed": claim_stale})
    return _outcome(record, key, "fused", output_key=out_key, fuseface_request_id=result.request_id)


def _pending(run: Run, record: CosRecord, key: str, head: Optional[ObjectHead], params: Optional[FuseParams],
             request_ids: List[str], err: FuseFaceError, out_bucket: str, timer: Timer) -> FuseFaceError:
    """Log a transient error and, before it is raised (SCF retries), leave a failure record without the source
    ETag (so redeliveries still try): if SCF drops the event after its retries (no dead-letter queue), the
    upload is not lost; a later success removes it. Returns ``err`` (marked, so it is noted once)."""
    if getattr(err, "pending_noted", False):
        return err
    err.pending_noted = True  # type: ignore[attr-defined]
    log.error("transient failure; raising so SCF retries",
              extra={"code": err.code, "error": err.message, "fuseface_request_ids": request_ids,
                     "phases_ms": timer.phases})
    if err.code == "FailedOperation.UploadInProgress":  # someone else holds the upload: not a failure
        return err
    body = outputs.failure_record(err, bucket=record.bucket, source_key=key,
                                  source_etag=head.etag if head is not None else None, params=params,
                                  request_ids=request_ids + [err.request_id or ""], invocation_id=run.invocation_id)
    try:
        run.storage(run.settings.cos_region_for(record.region_code)).put(
            out_bucket, outputs.failure_key(run.settings, key), body, content_type="application/json",
            metadata=outputs.failure_metadata(err, source_etag=None, params=None))
    except FuseFaceError as put_err:  # COS itself may be what failed
        log.warning("pending failure record not written", extra={"code": put_err.code})
    return err


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
