"""Replay an SCF event through ``scf_fuseface.entry.main_handler``, in-process (``fuseface replay``).

Local tooling only; it never ships. By concern:

- ``fixtures``: where ``events/`` is, :func:`load_event`, and :func:`seed` (``events/objects`` and
  ``events/materials`` copied into an emulator's DATA dir, idempotently).
- ``environ``: :func:`local_emulator` (an embedded :class:`~fuseface_local.emulator.EmulatorServer` with the
  loopback-only keys), :func:`emulator_environ` (the ``FUSEFACE_*`` / ``TENCENTCLOUD_*`` variables that point
  the function's SDKs at it) and :func:`patched_environ`.
- ``spy``: the read-only spy on the official SDK clients (FuseFace RequestIds, COS writes).
- ``metrics``: peak RSS during an invocation.
- ``runner``: :func:`invoke` (an SCF-like context dict in real units, wall time, peak RSS), :func:`replay_local`,
  :func:`replay_cloud`, :class:`ReplayResult` and :func:`save_response_image`.
"""

from __future__ import annotations

from .environ import emulator_environ, function_region, local_emulator, patched_environ
from .fixtures import default_events_dir, load_event, seed
from .runner import (
    DEFAULT_CONTEXT,
    Handler,
    Output,
    ReplayResult,
    invoke,
    replay_cloud,
    replay_local,
    save_response_image,
)

__all__ = [
    "DEFAULT_CONTEXT",
    "Handler",
    "Output",
    "ReplayResult",
    "default_events_dir",
    "emulator_environ",
    "function_region",
    "invoke",
    "load_event",
    "local_emulator",
    "patched_environ",
    "replay_cloud",
    "replay_local",
    "save_response_image",
    "seed",
]
