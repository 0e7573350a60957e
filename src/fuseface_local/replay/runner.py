"""The replay runner: one invocation of ``main_handler(event, context)`` the way SCF makes it, measured.

- :func:`invoke` calls the handler with an SCF-like context dict (real units) and reports wall time, peak RSS,
  and the FuseFace RequestIds and COS writes observed on the official SDK clients (read-only spies).
- :func:`replay_local` seeds an emulator from the fixtures and points the function's SDKs at it;
  :func:`replay_cloud` runs the same event against the real Tencent endpoints with the caller's credentials.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
import traceback
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

from .environ import emulator_environ, function_region, local_emulator, patched_environ
from .fixtures import default_events_dir, seed
from .metrics import PeakRss
from .spy import SdkSpy

__all__ = ["DEFAULT_CONTEXT", "Handler", "Output", "ReplayResult", "invoke", "replay_cloud", "replay_local",
           "save_response_image"]

# Mirrors serverless.yml (memorySize / timeout) so the handler sees the same time budget as in SCF.
DEFAULT_CONTEXT: Dict[str, Any] = {
    "function_name": "fuseface",
    "function_version": "$LATEST",
    "namespace": "default",
    "memory_limit_in_mb": 512,
    "time_limit_in_ms": 120_000,
}

Handler = Callable[[Any, Dict[str, Any]], Any]


@dataclass
class Output:
    """An object the handler wrote: ``path`` is its file under the emulator's DATA dir (None in the cloud)."""

    bucket: str
    key: str
    path: Optional[Path] = None


@dataclass
class ReplayResult:
    request_id: str
    result: Any = None
    error: Optional[BaseException] = None
    error_traceback: str = ""
    duration_ms: float = 0.0
    init_ms: float = 0.0  # first import of scf_fuseface.entry (the function's cold start)
    max_memory_mb: float = 0.0
    fuseface_request_ids: List[str] = field(default_factory=list)
    fuseface_actions: List[str] = field(default_factory=list)  # FuseFace | FuseFaceUltra, one per RequestId
    outputs: List[Output] = field(default_factory=list)
    existing: List[Output] = field(default_factory=list)  # outputs a skipped (already fused) record points at
    calls: Dict[str, int] = field(default_factory=dict)  # emulator call counters during the invocation

    @property
    def exit_code(self) -> int:
        return 1 if self.error is not None else 0


def invoke(event: Any, *, handler: Optional[Handler] = None, context: Optional[Mapping[str, Any]] = None,
           emulator: Any = None, on_start: Optional[Callable[[str], None]] = None) -> ReplayResult:
    """Call ``handler(event, context)`` once, the way SCF does, and measure it. Never raises.

    Without ``handler`` the real ``main_handler`` is imported first; a first import is the function's cold
    start and is reported as ``init_ms``. ``on_start(request_id)`` runs just before the handler.
    """
    ctx: Dict[str, Any] = {**DEFAULT_CONTEXT, "request_id": str(uuid.uuid4()),
                           "tencentcloud_region": function_region(), **(context or {})}
    res = ReplayResult(request_id=ctx["request_id"])
    before = dict(emulator.calls) if emulator is not None else {}
    with SdkSpy() as spy, PeakRss() as rss:
        start = time.perf_counter()
        try:
            if handler is None:  # the real one, imported late: its cold start reads the caller's environment
                cold = "scf_fuseface.entry" not in sys.modules
                from scf_fuseface.entry import main_handler as handler

                if cold:
                    res.init_ms = (time.perf_counter() - start) * 1000.0
            if on_start is not None:
                on_start(res.request_id)
            start = time.perf_counter()
            res.result = handler(event, ctx)
        except BaseException as exc:  # noqa: BLE001 - report like SCF, including SystemExit
            res.error = exc
            res.error_traceback = traceback.format_exc()
        res.duration_ms = (time.perf_counter() - start) * 1000.0
    res.max_memory_mb = rss.peak / (1024 * 1024)
    res.fuseface_request_ids = list(spy.request_ids)
    res.fuseface_actions = list(spy.actions)
    for bucket, key in dict.fromkeys(spy.writes):  # first write of each object, in order
        if emulator is not None and not emulator.store.exists(bucket, key):
            continue  # written, then deleted (a claim, a stale failure record)
        path = emulator.store.path_of(bucket, key) if emulator is not None else None
        res.outputs.append(Output(bucket, key, Path(path).resolve() if path is not None else None))
    if emulator is not None:
        res.existing = _existing_outputs(res, emulator)
        after = dict(emulator.calls)
        res.calls = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}
    return res


def _existing_outputs(res: ReplayResult, emulator: Any) -> List[Output]:
    """Outputs named by the handler's COS result records that were not written by this invocation."""
    records = res.result.get("records") if isinstance(res.result, dict) else None
    written = {(o.bucket, o.key) for o in res.outputs}
    found = []
    for rec in records if isinstance(records, list) else []:
        if not isinstance(rec, dict) or not rec.get("output_key"):
            continue
        bucket = rec.get("output_bucket") or os.environ.get("FUSEFACE_OUTPUT_BUCKET") or rec.get("bucket")
        key = rec["output_key"]
        if bucket and (bucket, key) not in written and emulator.store.exists(bucket, key):
            found.append(Output(bucket, key, Path(emulator.store.path_of(bucket, key)).resolve()))
    return found


def replay_local(event: Any, data_dir: Optional[Path] = None, *, events_dir: Optional[Path] = None,
                 emulator: Any = None, handler: Optional[Handler] = None,
                 context: Optional[Mapping[str, Any]] = None,
                 on_start: Optional[Callable[[str], None]] = None) -> ReplayResult:
    """Run ``event`` against an emulator on ``data_dir`` (a running ``emulator`` is reused if given)."""
    events_dir = events_dir or default_events_dir()
    with ExitStack() as stack:
        if emulator is None:
            if data_dir is None:
                raise ValueError("replay_local needs data_dir or a running emulator")
            emulator = stack.enter_context(local_emulator(data_dir))
        seed(emulator, events_dir)
        with patched_environ(emulator_environ(emulator, events_dir)):
            return invoke(event, handler=handler, context=context, emulator=emulator, on_start=on_start)


def replay_cloud(event: Any, *, handler: Optional[Handler] = None, context: Optional[Mapping[str, Any]] = None,
                 on_start: Optional[Callable[[str], None]] = None) -> ReplayResult:
    """Run ``event`` against the real Tencent endpoints; credentials come from the environment."""
    from scf_fuseface.errors import FuseFaceError

    missing = [n for n in ("TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY") if not os.environ.get(n, "").strip()]
    if missing:
        raise FuseFaceError(
            "InvalidCredential",
            f"--cloud needs real credentials: set {' and '.join(missing)} (and TENCENTCLOUD_SESSIONTOKEN for "
            "temporary ones), plus FUSEFACE_PROJECT_ID/FUSEFACE_MODEL_ID of your activity.",
        )
    return invoke(event, handler=handler, context=context, on_start=on_start)


def save_response_image(res: ReplayResult, directory: Path) -> Optional[Path]:
    """If the handler answered an HTTP event with a base64 ``FusedImage``, write it under ``directory``."""
    result = res.result
    if not isinstance(result, dict) or not isinstance(result.get("body"), str):
        return None
    try:
        body = json.loads(result["body"])
        image = body["Response"]["FusedImage"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(image, str) or image.startswith(("http://", "https://")):
        return None
    try:
        data = base64.b64decode(image, validate=True)
    except ValueError:
        return None
    suffix = ".png" if data[:8] == b"\x89PNG\r\n\x1a\n" else ".jpg"
    path = Path(directory) / "replay-responses" / f"{res.request_id}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path.resolve()
