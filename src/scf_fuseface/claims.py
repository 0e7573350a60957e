"""One billable FuseFace call per upload, even when SCF delivers its event twice at the same moment.

Before the paid call an invocation *claims* the upload in COS: a small object
``{output prefix}.claims/<hash of bucket, key, source ETag, parameters>.<generation>`` written create-only
(``x-cos-forbid-overwrite: true``). Exactly one writer creates it; the others get 409 and wait for the holder's
result (the output or failure record appears: nothing to do) or for the claim to go (the holder gave up after a
transient error, then they claim in turn) -- at most ``FUSEFACE_CLAIM_WAIT_S``, after which they raise the
transient ``FailedOperation.UploadInProgress`` so SCF retries them later.

A claim carries its owner token and when it expires: the end of the holder's invocation (its time budget), as
SCF kills an invocation there. An instance that crashed leaves its claim behind; once expired, the next delivery
(SCF's retry) claims the next *generation* (``.1``, ``.2``...), so no one ever deletes a claim it does not own.

UNCONFIRMED: that COS answers an existing key under ``x-cos-forbid-overwrite: true`` with 409
``FileAlreadyExists`` (third-party sources only), and that the header works on versioned buckets (reportedly
not, even when versioning was only ever suspended). So any 409 counts as "exists", and every created claim is
read back: if another owner's token is there, the header was ignored and the claim is not ours. This read-back
closes the gap only when the other writer's PUT lands before our read; two writers whose PUT and read-back do
not overlap can both proceed on a bucket that ignores the header: do not enable versioning on the output bucket.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Optional

from .adapters.base import Storage
from .errors import FuseFaceError

__all__ = ["Claim", "acquire", "claim_base", "release"]

log = logging.getLogger(__name__)

META_OWNER = "x-cos-meta-fuseface-claim-owner"
META_EXPIRES = "x-cos-meta-fuseface-claim-expires"
MAX_GENERATIONS = 16


@dataclass(frozen=True)
class Claim:
    bucket: str
    key: str
    owner: str
    expires_at: float  # epoch seconds


def claim_base(output_prefix: str, bucket: str, key: str, etag: str, fingerprint: str) -> str:
    """The claim key (without generation) of one upload: its bucket, key, source ETag and parameters."""
    digest = hashlib.sha256("\n".join((bucket, key, etag, fingerprint)).encode("utf-8")).hexdigest()[:40]
    return f"{output_prefix}.claims/{digest}"


def _expires(metadata: dict) -> float:
    try:
        return float(metadata.get(META_EXPIRES, "0"))
    except ValueError:
        return 0.0


def acquire(storage: Storage, bucket: str, base: str, *, source: str, ttl_s: float,
            clock: Callable[[], float] = time.time) -> Optional[Claim]:
    """Claim the upload; the :class:`Claim`, or None while a live claim of someone else holds it."""
    owner = uuid.uuid4().hex
    for generation in range(MAX_GENERATIONS):
        key = f"{base}.{generation}"
        expires_at = clock() + ttl_s
        meta = {"x-cos-meta-fuseface-generated": "1", META_OWNER: owner, META_EXPIRES: f"{expires_at:.3f}"}
        body = json.dumps({"Owner": owner, "ExpiresAt": expires_at, "Source": source}).encode("utf-8")
        created = storage.put_if_absent(bucket, key, body, content_type="application/json", metadata=meta)
        current = storage.head(bucket, key)  # read-back: was the create-only header honoured?
        if current is None:
            if created:  # ours vanished at once (deleted by an expired holder?): try this generation again
                continue
            return None
        if current.metadata.get(META_OWNER) == owner:
            return Claim(bucket, key, owner, expires_at)
        if _expires(current.metadata) > clock():
            return None  # a live claim of another invocation
        # expired: its holder died; claim the next generation (never delete what is not ours)
    raise FuseFaceError("FailedOperation.UploadInProgress", f"{MAX_GENERATIONS} expired claims on one upload.")


def release(storage: Storage, claim: Claim, *, clock: Callable[[], float] = time.time) -> None:
    """Delete our claim and the expired generations before it (left by crashed holders). A claim past its
    expiry is left alone: a later generation may already be someone else's."""
    if clock() >= claim.expires_at:
        return
    base, _, generation = claim.key.rpartition(".")
    try:
        storage.delete(claim.bucket, claim.key)
        for older in range(int(generation)):
            storage.delete(claim.bucket, f"{base}.{older}")
    except FuseFaceError as err:  # an orphan claim only delays a redelivery until it expires
        log.warning("claim not released", extra={"code": err.code, "claim_key": claim.key})
