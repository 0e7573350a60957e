"""The client-side limiter in front of every FuseFace call, so a burst stays under the account's QPS.

FuseFace allows 20 requests per second per account (doc 670/85618); every instance of the function shares that.
SCF runs up to N instances at once (the function's reserved concurrency, or what the regional quota allows), and
an instance handles one invocation at a time, so each instance may send at most

    FUSEFACE_QPS / FUSEFACE_MAX_INSTANCES  requests per second  (defaults 20 / 1).

Set ``FUSEFACE_MAX_INSTANCES`` to the function's concurrency cap. The limiter is per process (= per instance):
a token bucket holding one token, refilled at that rate, so an instance never bursts. Calls that still meet
``RequestLimitExceeded`` (other clients of the account, more instances than declared) are retried with jittered
backoff by ``retry.call_with_retry``, each retry passing through the limiter again.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, Tuple

from .errors import FuseFaceError

__all__ = ["RateLimiter", "limiter_for"]


class RateLimiter:
    """At most ``rate`` acquisitions per second, spaced evenly (a one-token bucket); thread-safe."""

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def acquire(self, max_wait_s: float) -> float:
        """Wait for the next slot and return the seconds waited; when the slot is more than ``max_wait_s`` away,
        take nothing and raise ``RequestLimitExceeded`` (transient) at once."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            wait = slot - now
            if wait > max_wait_s:
                raise FuseFaceError("RequestLimitExceeded",
                                    f"The client-side FuseFace limit has no slot within {max_wait_s:.1f} s.")
            self._next = slot + self.interval
        if wait > 0:
            self._sleep(wait)
        return wait


_LIMITERS: Dict[Tuple[float, int], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(qps: float, max_instances: int) -> RateLimiter:
    """This instance's limiter for an account limit of ``qps`` shared by ``max_instances`` instances."""
    key = (float(qps), int(max_instances))
    with _LIMITERS_LOCK:
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(key[0] / max(1, key[1]))
        return _LIMITERS[key]
