"""Fault injection for load tests: ``fuseface emulator --faults SPEC --seed N``.

SPEC is a comma list of ``name=value``:

* any code FuseFace answers with (``codes.ANSWERABLE``: ``RequestLimitExceeded=0.3,InternalError=0.05``): that share of the
  billable calls (``FuseFace``) answer that error (the error rates add up to at most 1);
* ``lost-reply=R``: the call is processed and billed, then the connection is dropped before the reply;
* ``cos-5xx=R``: that share of COS requests answer ``500 InternalError``;
* ``duplicate=R``: the COS trigger delivers that share of its events twice, at the same time;
* ``latency-ms=N``: every billable call waits N ms more.

Decisions are deterministic: each is a hash of the seed, the fault, *what* is asked for (the FuseFace image's
URL path or content, the COS method/bucket/key, the uploaded object) and how many times it was asked before, so
one seed gives the same faults to the same uploads whatever the order in which concurrent calls arrive.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Mapping, NamedTuple, Optional
from urllib.parse import urlsplit

from .codes import ANSWERABLE

__all__ = ["ApiFault", "FaultPlan", "SPECIAL"]

SPECIAL = ("lost-reply", "cos-5xx", "duplicate", "latency-ms")


class ApiFault(NamedTuple):
    error: Optional[str]  # a FuseFace error code to answer instead of working
    lost_reply: bool  # work, bill, then drop the connection


def _rate(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"--faults: {name} needs a number, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"--faults: the rate of {name} must be within 0..1, got {text}")
    return value


@dataclass
class FaultPlan:
    errors: Dict[str, float] = field(default_factory=dict)  # FuseFace code -> rate
    lost_reply: float = 0.0
    cos_5xx: float = 0.0
    duplicate: float = 0.0
    latency_ms: int = 0
    seed: int = 0
    _asked: Counter = field(default_factory=Counter, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def parse(cls, spec: str, seed: int = 0) -> FaultPlan:
        """The plan for ``spec`` (see the module docstring); ``ValueError`` names what is wrong."""
        plan = cls(seed=int(seed))
        for item in (part.strip() for part in (spec or "").split(",")):
            if not item:
                continue
            name, sep, value = (s.strip() for s in item.partition("="))
            if not sep:
                raise ValueError(f"--faults: expected name=value, got {item!r}")
            if name == "latency-ms":
                if not value.isdigit():
                    raise ValueError(f"--faults: latency-ms needs whole milliseconds, got {value!r}")
                plan.latency_ms = int(value)
            elif name in SPECIAL:
                setattr(plan, name.replace("-", "_"), _rate(name, value))
            elif name in ANSWERABLE:
                plan.errors[name] = _rate(name, value)
            else:
                raise ValueError(f"--faults: {name!r} is neither a FuseFace error code nor one of {', '.join(SPECIAL)}")
        if sum(plan.errors.values()) > 1.0 + 1e-9:
            raise ValueError("--faults: the error rates add up to more than 1")
        return plan

    @property
    def active(self) -> bool:
        return bool(self.errors or self.lost_reply or self.cos_5xx or self.duplicate or self.latency_ms)

    # --- draws -------------------------------------------------------------------------------------------
    def _uniform(self, fault: str, identity: str) -> float:
        with self._lock:
            n = self._asked[(fault, identity)]
            self._asked[(fault, identity)] += 1
        digest = hashlib.sha256(f"{self.seed}|{fault}|{identity}|{n}".encode("utf-8", "surrogatepass")).digest()
        return int.from_bytes(digest[:8], "big") / 2.0 ** 64

    def api_fault(self, action: str, params: Mapping) -> ApiFault:
        """What happens to one billable call (its identity: the first image's URL path, or its content)."""
        identity = f"{action}:{_image_identity(params)}"
        error = None
        if self.errors:
            u, edge = self._uniform("error", identity), 0.0
            for code in sorted(self.errors):
                edge += self.errors[code]
                if u < edge:
                    error = code
                    break
        lost = bool(self.lost_reply) and error is None and self._uniform("lost-reply", identity) < self.lost_reply
        return ApiFault(error, lost)

    def cos_error(self, method: str, bucket: str, key: str) -> bool:
        """True when this COS request answers 500 InternalError."""
        return bool(self.cos_5xx) and self._uniform("cos-5xx", f"{method} {bucket}/{key}") < self.cos_5xx

    def duplicated(self, bucket: str, key: str, etag: str) -> bool:
        """True when the trigger delivers the event of this write twice."""
        return bool(self.duplicate) and self._uniform("duplicate", f"{bucket}/{key}@{etag}") < self.duplicate


def _image_identity(params: Mapping) -> str:
    infos = params.get("MergeInfos")
    first = infos[0] if isinstance(infos, list) and infos and isinstance(infos[0], Mapping) else {}
    url = first.get("Url")
    if isinstance(url, str) and url:
        return urlsplit(url).path
    image = first.get("Image")
    if isinstance(image, str) and image:
        return hashlib.sha256(image.encode("ascii", "replace")).hexdigest()[:24]
    return "-"
