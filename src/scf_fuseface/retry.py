"""In-process retries of transient errors with jittered exponential backoff inside the invocation budget.

The budget is SCF's ``context["time_limit_in_ms"]`` minus the time already spent minus a safety margin
(``FUSEFACE_SAFETY_MARGIN_MS``). A retry is only attempted when the sleep plus a minimal attempt still fit;
otherwise the last transient error is raised so that SCF retries the event (async triggers) or the caller
answers 429/502/504 (HTTP). Permanent errors are raised at once.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Callable, Optional, TypeVar

from .errors import FuseFaceError

__all__ = ["Budget", "backoff_delay", "call_with_retry"]

T = TypeVar("T")
log = logging.getLogger(__name__)


class Budget:
    """Milliseconds left for work in this invocation."""

    def __init__(self, time_limit_ms: float, *, margin_ms: float = 0.0, clock: Callable[[], float] = time.monotonic,
                 started: Optional[float] = None) -> None:
        self._clock = clock
        self._start = clock() if started is None else started
        self.time_limit_ms = float(time_limit_ms)
        self.margin_ms = float(margin_ms)

    def elapsed_ms(self) -> float:
        return (self._clock() - self._start) * 1000.0

    def remaining_ms(self) -> float:
        return self.time_limit_ms - self.elapsed_ms() - self.margin_ms

    def remaining_s(self) -> float:
        return max(0.0, self.remaining_ms() / 1000.0)


def backoff_delay(attempt: int, *, base: float, cap: float, rand: Callable[[], float] = random.random) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**(attempt-1))] seconds (attempt >= 1)."""
    return rand() * min(cap, base * (2 ** max(0, attempt - 1)))


def call_with_retry(
    fn: Callable[[float], T],
    *,
    budget: Budget,
    max_attempts: int,
    base_delay: float,
    max_delay: float,
    min_attempt_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
    on_retry: Optional[Callable[[FuseFaceError, int, float], None]] = None,
) -> T:
    """Run ``fn(timeout_s)``; retry ``FuseFaceError``s with ``retryable`` while attempts and budget last.

    ``timeout_s`` is the time the attempt may take (what is left of the budget). Raises the last error.
    """
    attempt = 0
    while True:
        attempt += 1
        remaining = budget.remaining_s()
        if remaining <= 0:
            raise FuseFaceError("FailedOperation.RequestTimeout", "No time left in the invocation budget.")
        try:
            return fn(remaining)
        except FuseFaceError as err:
            if not err.retryable or attempt >= max_attempts:
                raise
            delay = backoff_delay(attempt, base=base_delay, cap=max_delay, rand=rand)
            if budget.remaining_s() - delay < min_attempt_s:
                log.warning("retry budget exhausted", extra={"code": err.code, "attempt": attempt})
                raise
            if on_retry is not None:
                on_retry(err, attempt, delay)
            sleep(delay)
