"""Backoff and the invocation time budget."""

from __future__ import annotations

import pytest

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.retry import Budget, backoff_delay, call_with_retry


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_backoff_is_exponential_capped_and_jittered():
    assert [backoff_delay(n, base=0.5, cap=8, rand=lambda: 1.0) for n in (1, 2, 3, 4, 5, 6)] == [0.5, 1, 2, 4, 8, 8]
    assert backoff_delay(3, base=0.5, cap=8, rand=lambda: 0.25) == 0.5
    assert backoff_delay(3, base=0.5, cap=8, rand=lambda: 0.0) == 0.0


def test_budget_counts_elapsed_time_and_margin():
    clock = Clock()
    budget = Budget(10_000, margin_ms=2_000, clock=clock)
    assert budget.remaining_ms() == 8_000
    clock.now += 3
    assert budget.remaining_ms() == 5_000 and budget.remaining_s() == 5.0
    clock.now += 10
    assert budget.remaining_s() == 0.0


def _flaky(codes, clock=None, cost=0.0):
    calls = []

    def fn(timeout_s):
        calls.append(timeout_s)
        if clock is not None:
            clock.now += cost
        if len(calls) <= len(codes):
            raise FuseFaceError(codes[len(calls) - 1])
        return "ok"

    return fn, calls


def test_transient_then_success_is_retried():
    clock = Clock()
    fn, calls = _flaky(["RequestLimitExceeded", "InternalError"])
    result = call_with_retry(fn, budget=Budget(60_000, clock=clock), max_attempts=5, base_delay=0.5, max_delay=8,
                             sleep=clock.sleep, rand=lambda: 1.0)
    assert result == "ok" and len(calls) == 3
    assert clock.now == pytest.approx(101.5)  # slept 0.5 + 1.0
    assert calls[0] == pytest.approx(60.0) and calls[2] == pytest.approx(58.5)  # timeouts shrink with the budget


def test_permanent_error_is_not_retried():
    fn, calls = _flaky(["FailedOperation.NoFaceDetected"])
    with pytest.raises(FuseFaceError) as info:
        call_with_retry(fn, budget=Budget(60_000), max_attempts=5, base_delay=0, max_delay=0, sleep=lambda s: None)
    assert info.value.code == "FailedOperation.NoFaceDetected" and len(calls) == 1


def test_attempts_are_capped():
    fn, calls = _flaky(["RequestLimitExceeded"] * 10)
    with pytest.raises(FuseFaceError) as info:
        call_with_retry(fn, budget=Budget(60_000), max_attempts=3, base_delay=0, max_delay=0, sleep=lambda s: None)
    assert info.value.code == "RequestLimitExceeded" and len(calls) == 3


def test_budget_stops_retries_before_the_time_limit():
    clock = Clock()
    fn, calls = _flaky(["FailedOperation.RequestTimeout"] * 10, clock=clock, cost=2.0)
    budget = Budget(10_000, margin_ms=1_000, clock=clock)
    with pytest.raises(FuseFaceError) as info:
        call_with_retry(fn, budget=budget, max_attempts=10, base_delay=1, max_delay=8, min_attempt_s=1.0,
                        sleep=clock.sleep, rand=lambda: 1.0)
    assert info.value.code == "FailedOperation.RequestTimeout"
    assert len(calls) == 3  # t=0 (2 s) +1 s, t=3 (2 s) +2 s, t=7 (2 s): 0 s left < 4 s + 1 s
    assert budget.elapsed_ms() <= 10_000 - 1_000


def test_no_budget_left_is_a_timeout():
    clock = Clock()
    budget = Budget(1_000, margin_ms=2_000, clock=clock)
    with pytest.raises(FuseFaceError) as info:
        call_with_retry(lambda t: "never", budget=budget, max_attempts=3, base_delay=0, max_delay=0)
    assert info.value.code == "FailedOperation.RequestTimeout"
