"""One billable call per upload: the COS claim (claims.py) under duplicate, concurrent and crashed deliveries,
and the client-side rate limiter (ratelimit.py)."""

from __future__ import annotations

import threading
import time

import pytest

from scf_fuseface import claims
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.models.cos_event import CosEvent
from scf_fuseface.pipeline import process_record
from scf_fuseface.ratelimit import RateLimiter, limiter_for

from ..support.cloud import make_run, make_settings
from ..support.fakes import FakeFusion, FakeStorage
from ..support.images import jpeg_bytes
from ..support.paths import BUCKET, MODEL, load_event

KEY = f"uploads/{MODEL}/selfie.jpg"


def _record():
    return CosEvent.model_validate(load_event("cos_put.json")).records[0]


class SlowFusion(FakeFusion):
    """A FuseFace call that takes a while, so concurrent deliveries overlap it."""

    def __init__(self, seconds: float = 0.3, **kwargs) -> None:
        super().__init__(**kwargs)
        self.seconds = seconds
        self._lock = threading.Lock()

    def fuse(self, params):
        time.sleep(self.seconds)
        with self._lock:
            return super().fuse(params)


def _settings(**env):
    return make_settings(FUSEFACE_RETRY_BASE_DELAY="0", FUSEFACE_SAFETY_MARGIN_MS="0", **env)


def _concurrently(n, fn):
    results, errors = [], []

    def run():
        try:
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def _claims_left(storage):
    return [k for (_, k) in storage.objects if "/.claims/" in k]


@pytest.mark.parametrize("deliveries", [2, 5])
def test_concurrent_duplicate_deliveries_make_one_billable_call(deliveries):
    storage, fusion = FakeStorage(), SlowFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes())
    results, errors = _concurrently(deliveries, lambda: process_record(
        _record(), make_run(_settings(), storage=storage, fusion=fusion)))
    assert errors == []
    assert len(fusion.calls) == 1
    assert sorted(r.status for r in results) == ["fused"] + ["skipped"] * (deliveries - 1)
    assert {r.reason for r in results if r.status == "skipped"} == {"already-fused"}
    assert _claims_left(storage) == []


def test_a_bucket_that_ignores_forbid_overwrite_is_caught_by_the_read_back():
    storage = FakeStorage()
    storage.ignores_forbid_overwrite = True  # a versioned bucket (UNCONFIRMED COS behaviour): PUT always succeeds
    base = "fused/.claims/abc"
    original = storage.put_if_absent
    interleaved, rival_started = [], []

    def put_then_rival_overwrites(bucket, key, data, **kw):
        written = original(bucket, key, data, **kw)
        if not rival_started:  # a rival's PUT lands between our PUT and our read-back
            rival_started.append(True)
            interleaved.append(claims.acquire(storage, bucket, base, source="s", ttl_s=60))
        return written

    storage.put_if_absent = put_then_rival_overwrites
    mine = claims.acquire(storage, BUCKET, base, source="s", ttl_s=60)
    (rival,) = interleaved
    assert rival is not None and mine is None  # exactly one of the two owns the upload


def test_a_live_claim_of_another_invocation_makes_the_delivery_wait_then_raise_transient():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes())
    run = make_run(_settings(FUSEFACE_CLAIM_WAIT_S="0.3"), storage=storage, fusion=fusion)
    head = storage.head(BUCKET, KEY)
    from scf_fuseface.routing import route

    params, _ = route(run.settings, KEY, head.metadata)
    base = claims.claim_base("fused/", BUCKET, KEY, head.etag, params.fingerprint())
    held = claims.acquire(storage, BUCKET, base, source="other", ttl_s=60)
    assert held is not None
    started = time.monotonic()
    with pytest.raises(FuseFaceError) as info:
        process_record(_record(), run)
    assert info.value.code == "FailedOperation.UploadInProgress" and info.value.retryable
    assert 0.2 <= time.monotonic() - started < 5
    assert fusion.calls == []
    assert (BUCKET, f"failed/{KEY}.json") not in storage.objects  # someone else holds it: not a failure


def test_the_claim_of_a_crashed_invocation_expires_and_the_retry_fuses():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes())
    run = make_run(_settings(), storage=storage, fusion=fusion)
    from scf_fuseface.routing import route

    head = storage.head(BUCKET, KEY)
    params, _ = route(run.settings, KEY, head.metadata)
    base = claims.claim_base("fused/", BUCKET, KEY, head.etag, params.fingerprint())
    crashed = claims.acquire(storage, BUCKET, base, source="crashed", ttl_s=0.05)  # its holder died
    assert crashed is not None and crashed.key.endswith(".0")
    time.sleep(0.1)
    assert process_record(_record(), run).status == "fused"
    assert len(fusion.calls) == 1
    assert _claims_left(storage) == []  # the expired generation is cleaned up with ours


def test_the_holder_releases_after_a_transient_error_so_a_waiting_duplicate_takes_over():
    storage = FakeStorage()
    fusion = SlowFusion(0.2, errors=["InternalError"] * 5)  # the first delivery uses all its attempts and fails
    storage.seed(BUCKET, KEY, jpeg_bytes())
    settings = _settings(FUSEFACE_CLAIM_WAIT_S="10")
    results, errors = _concurrently(2, lambda: process_record(_record(), make_run(settings, storage=storage,
                                                                                  fusion=fusion)))
    assert [e.code for e in errors] == ["InternalError"]
    assert [r.status for r in results] == ["fused"]
    assert len(fusion.calls) == 6  # 5 failed attempts (not billed), then the one billable call
    assert (BUCKET, f"failed/{KEY}.json") not in storage.objects  # the pending record was removed by the success


def test_a_lost_reply_is_retried_and_counted(capsys):
    from scf_fuseface import log as jsonlog

    jsonlog.configure()
    storage, fusion = FakeStorage(), FakeFusion(errors=["ClientNetworkError"])
    storage.seed(BUCKET, KEY, jpeg_bytes())
    assert process_record(_record(), make_run(_settings(), storage=storage, fusion=fusion)).status == "fused"
    assert len(fusion.calls) == 2  # FuseFace may have billed both: no idempotency token exists
    lines = [line for line in capsys.readouterr().out.splitlines() if '"fused"' in line]
    assert '"unanswered_calls": 1' in lines[-1]


# --- the rate limiter ---------------------------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_limiter_spaces_calls_evenly():
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
    waits = [round(limiter.acquire(10), 6) for _ in range(5)]
    assert waits == [0.0, 0.25, 0.25, 0.25, 0.25]
    assert clock.now == pytest.approx(101.0)


def test_limiter_refuses_a_slot_beyond_the_budget_without_taking_it():
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)
    limiter.acquire(10)
    with pytest.raises(FuseFaceError) as info:
        limiter.acquire(0.5)
    assert info.value.code == "RequestLimitExceeded" and info.value.retryable
    assert limiter.acquire(10) == pytest.approx(1.0)  # the refused call did not consume the slot


def test_each_instance_gets_its_share_of_the_account_limit():
    assert limiter_for(20, 10).interval == pytest.approx(0.5)
    assert limiter_for(20, 1).interval == pytest.approx(0.05)
    assert limiter_for(20, 10) is limiter_for(20, 10)  # one per process (= SCF instance)
