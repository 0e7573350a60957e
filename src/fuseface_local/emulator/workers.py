"""SCF's asynchronous invocation of the function, locally: an instance pool, the retry rule, the dead letters.

* Instances: ``concurrency`` worker threads, each owning one function instance -- a separate process
  (``fuseface_local.runtime``) started on its first invocation (the cold start) and kept warm, like an SCF
  instance: module state (a client-side rate limiter, cached settings) is per instance. That is SCF's instance
  cap: a burst waits in the queue for a free instance (SCF's async queue) instead of failing.
* Time limit: an invocation running past the function's timeout is killed with its instance (a runtime error).
* Retry rule (doc 583/41138, "runtime errors"): a failed invocation is retried ``max_retries`` (2) times,
  ``retry_delay_s`` apart (SCF: 1 minute, fixed; scale it down for tests), then written as a dead letter
  (``dlq.py``). SCF's platform-side throttles (429/432/449, retried until the 6 h retention) cannot happen here:
  the queue absorbs them.
"""

from __future__ import annotations

import heapq
import itertools
import json
import queue
import select
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Tuple

__all__ = ["Attempt", "Delivery", "Instance", "Invoker"]


@dataclass
class Attempt:
    number: int
    request_id: str
    started: float  # epoch seconds
    ended: float
    error: Optional[Dict[str, Any]] = None  # {"ErrorCode", "ErrorMessage", "Type"}


@dataclass
class Delivery:
    """One event to deliver, with every attempt made so far."""

    event: Dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    enqueued: float = field(default_factory=time.time)
    attempts: List[Attempt] = field(default_factory=list)
    result: Any = None
    finished: Optional[float] = None
    dead_letter: Optional[Path] = None


class Instance:
    """One function instance: a ``fuseface_local.runtime`` process started on first use."""

    def __init__(self, number: int, *, code_dir: Path, handler: str, env: Mapping[str, str], log: Any) -> None:
        self.number = number
        self._cmd = [sys.executable, "-m", "fuseface_local.runtime", str(code_dir), handler]
        self._cwd = str(code_dir)
        self._env = dict(env)
        self._log = log
        self._proc: Optional[subprocess.Popen] = None
        self.cold_starts = 0
        self.init_ms: List[float] = []

    def _start(self) -> subprocess.Popen:
        self.cold_starts += 1
        return subprocess.Popen(self._cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                env=self._env, cwd=self._cwd, text=True, encoding="utf-8")

    def invoke(self, event: Any, context: Dict[str, Any], timeout_s: float) -> Tuple[bool, Any]:
        """``(True, result)`` or ``(False, error dict)``; a timeout or a crash costs the instance."""
        if self._proc is None or self._proc.poll() is not None:
            self._proc = self._start()
        proc = self._proc
        try:
            proc.stdin.write(json.dumps({"event": event, "context": context}, ensure_ascii=False) + "\n")
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
            line = proc.stdout.readline() if ready else None
        except (OSError, ValueError):
            line = ""
        if line is None:
            self.stop()
            return False, {"ErrorCode": -1, "Type": "TimeLimitExceeded",
                           "ErrorMessage": f"Invocation timed out after {timeout_s:g} s; the instance was killed."}
        if not line:
            code = proc.poll()
            self.stop()
            return False, {"ErrorCode": -1, "Type": "InstanceCrashed",
                           "ErrorMessage": f"The function instance exited (status {code}) during the invocation."}
        reply = json.loads(line)
        if "init_ms" in reply:
            self.init_ms.append(reply["init_ms"])
        return (True, reply.get("result")) if reply.get("ok") else (False, reply.get("error"))

    def warm(self, timeout_s: float) -> bool:
        """Start the process and wait for its cold start (the handler imported); True when it is ready."""
        if self._proc is None or self._proc.poll() is not None:
            self._proc = self._start()
        proc = self._proc
        try:
            proc.stdin.write('{"warmup": true}\n')
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
            line = proc.stdout.readline() if ready else ""
        except (OSError, ValueError):
            line = ""
        reply = json.loads(line) if line else {}
        if "init_ms" in reply:
            self.init_ms.append(reply["init_ms"])
        return bool(reply.get("ok"))

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass


class Invoker:
    """Delivers events to ``concurrency`` instances with SCF's retry rule (see the module docstring)."""

    def __init__(self, *, code_dir: Path, handler: str, env: Mapping[str, str], context: Mapping[str, Any],
                 timeout_s: float, concurrency: int, retry_delay_s: float, log_path: Path,
                 on_dead_letter: Callable[[Delivery], Optional[Path]], max_retries: int = 2) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.context = dict(context)
        self.timeout_s = float(timeout_s)
        self.retry_delay_s = float(retry_delay_s)
        self.max_retries = int(max_retries)
        self._on_dead_letter = on_dead_letter
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.instances = [Instance(n, code_dir=code_dir, handler=handler, env=env, log=self._log)
                          for n in range(1, concurrency + 1)]
        self._ready: queue.Queue = queue.Queue()
        self._later: List[Tuple[float, int, Delivery]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._pending = 0
        self._stopping = False
        self._threads: List[threading.Thread] = []
        self.stats: Counter = Counter()
        self.finished: Deque[Delivery] = deque(maxlen=100_000)

    # --- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> Invoker:
        for instance in self.instances:
            t = threading.Thread(target=self._work, args=(instance,), name=f"scf-instance-{instance.number}",
                                 daemon=True)
            t.start()
            self._threads.append(t)
        t = threading.Thread(target=self._schedule, name="scf-retry-scheduler", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for _ in self.instances:
            self._ready.put(None)
        for t in self._threads:
            t.join(timeout=self.timeout_s + 5)
        for instance in self.instances:
            instance.stop()
        self._log.close()

    def warm(self, timeout_s: float = 60.0) -> int:
        """Start every instance now and wait for their cold starts (SCF's provisioned concurrency); returns how
        many are ready. Call before :meth:`start`."""
        results: List[bool] = []
        threads = [threading.Thread(target=lambda i=i: results.append(i.warm(timeout_s))) for i in self.instances]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(results)

    # --- API ---------------------------------------------------------------------------------------------
    def submit(self, event: Dict[str, Any], *, copies: int = 1) -> List[Delivery]:
        """Queue ``copies`` deliveries of ``event`` at once (2 = a duplicate delivery)."""
        deliveries = [Delivery(json.loads(json.dumps(event))) for _ in range(copies)]
        with self._cond:
            self._pending += len(deliveries)
            self.stats["events"] += 1
            self.stats["deliveries"] += len(deliveries)
        for delivery in deliveries:
            self._ready.put(delivery)
        return deliveries

    def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """Block until every delivery has succeeded or become a dead letter; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True

    # --- threads -----------------------------------------------------------------------------------------
    def _work(self, instance: Instance) -> None:
        while True:
            delivery = self._ready.get()
            if delivery is None:
                return
            attempt = Attempt(len(delivery.attempts) + 1, str(uuid.uuid4()), time.time(), 0.0)
            context = dict(self.context, request_id=attempt.request_id,
                           time_limit_in_ms=int(self.timeout_s * 1000))
            ok, value = instance.invoke(delivery.event, context, self.timeout_s)
            attempt.ended = time.time()
            delivery.attempts.append(attempt)
            self.stats["invocations"] += 1
            if ok:
                delivery.result = value
                self._finish(delivery, "succeeded")
            elif len(delivery.attempts) <= self.max_retries:
                attempt.error = value
                self.stats["retries"] += 1
                with self._cond:
                    heapq.heappush(self._later, (time.monotonic() + self.retry_delay_s, next(self._seq), delivery))
                    self._cond.notify_all()
            else:
                attempt.error = value
                delivery.dead_letter = self._on_dead_letter(delivery)
                self._finish(delivery, "dead_lettered")

    def _finish(self, delivery: Delivery, outcome: str) -> None:
        delivery.finished = time.time()
        self.finished.append(delivery)
        with self._cond:
            self.stats[outcome] += 1
            self._pending -= 1
            self._cond.notify_all()

    def _schedule(self) -> None:
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                while self._later and self._later[0][0] <= now:
                    self._ready.put(heapq.heappop(self._later)[2])
                wait = (self._later[0][0] - now) if self._later else None
                self._cond.wait(wait)

