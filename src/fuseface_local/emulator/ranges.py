"""The ``Range`` header of a COS GET, as RFC 7233 (RFC 9110 §14) has it.

COS documents only ``bytes=first-last`` (one range; ``first`` past the end -> 416 ``InvalidRange``, doc
436/7753). Everything else is UNCONFIRMED for COS, so the emulator follows the RFC:

* a unit other than ``bytes``, a syntactically invalid set, or several ranges: the header is ignored (200, the
  whole object; COS serves a single range only);
* ``first-last`` with ``last`` past the end is clamped; ``first-`` runs to the end; ``-N`` is the last N bytes;
* unsatisfiable (``first`` >= size, or the suffix ``-0``): 416.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

__all__ = ["Unsatisfiable", "byte_range"]

_SPEC = re.compile(r"^(?:(\d{1,19})-(\d{0,19})|-(\d{1,19}))$")


class Unsatisfiable(Exception):
    """The range cannot be served: answer 416 ``InvalidRange``."""


def byte_range(header: Optional[str], size: int) -> Optional[Tuple[int, int]]:
    """``(start, stop)`` (stop exclusive) to serve for ``header``, None to serve the whole object, or raises
    :class:`Unsatisfiable`."""
    if not header:
        return None
    unit, sep, spec = header.strip().partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    spec = spec.strip()
    if "," in spec:
        return None
    match = _SPEC.match(spec)
    if match is None:
        return None
    first, last, suffix = match.groups()
    if suffix is not None:
        length = int(suffix)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - length), size
    start = int(first)
    if last and int(last) < start:
        return None  # first > last: syntactically invalid, ignored
    if start >= size:
        raise Unsatisfiable
    stop = size if not last else min(size, int(last) + 1)
    return start, stop
