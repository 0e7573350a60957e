"""Replay an SCF event through ``scf_fuseface.entry.main_handler``, in-process.

Local tooling only (``fuseface replay``); it is left out of the function zip.

- :func:`replay_local` starts an embedded :class:`~fuseface_local.emulator.EmulatorServer` on a DATA dir seeded
  from ``events/objects`` and ``events/materials`` and points the handler's SDKs at it through the same
  ``FUSEFACE_*`` / ``TENCENTCLOUD_*`` variables the function reads in SCF.
- :func:`replay_cloud` runs the same event against the real Tencent endpoints with the caller's credentials.
- :func:`invoke` is the runner both use: an SCF-like context dict (real units), wall time, peak RSS, and the
  FuseFace RequestIds and COS writes observed on the official SDK clients (read-only spies).
"""

from __future__ import annotations

import base64
import json
import os
import resource
import sys
import threading
import time
import traceback
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

from scf_fuseface.regions import DEFAULT_REGION

__all__ = [
    "DEFAULT_CONTEXT",
    "Output",
    "ReplayResult",
    "default_events_dir",
    "invoke",
    "load_event",
    "replay_cloud",
    "replay_local",
    "save_response_image",
    "seed",
]

# Mirrors serverless.yml (memorySize / timeout) so the handler sees the same time budget as in SCF.
DEFAULT_CONTEXT: Dict[str, Any] = {
    "function_name": "fuseface",
    "function_version": "$LATEST",
    "namespace": "default",
    "memory_limit_in_mb": 512,
    "time_limit_in_ms": 120_000,
}
FUSEFACE_ACTIONS = ("FuseFace",)

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
    outputs: List[Output] = field(default_factory=list)
    existing: List[Output] = field(default_factory=list)  # outputs a skipped (already fused) record points at
    calls: Dict[str, int] = field(default_factory=dict)  # emulator call counters during the invocation

    @property
    def exit_code(self) -> int:
        return 1 if self.error is not None else 0


# --- events and seeding -----------------------------------------------------------------------------------

def default_events_dir() -> Path:
    """``$FUSEFACE_EVENTS_DIR``, else the repository's ``events/`` (next to ``src/``), else ``./events``."""
    env = os.environ.get("FUSEFACE_EVENTS_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2] / "events"
    return repo if repo.is_dir() else Path("events")


def load_event(source: str) -> Any:
    """Event JSON from a path, or from stdin when ``source`` is ``-``."""
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    return json.loads(text)


def seed(emu: Any, events_dir: Path) -> Dict[str, int]:
    """Copy fixture objects and materials into the emulator, idempotently.

    Objects already present in the DATA dir are never overwritten; a material whose ModelId is already
    registered is not added again. Returns ``{"objects": n_new, "materials": n_new}``.
    """
    added = {"objects": 0, "materials": 0}
    manifest_path = events_dir / "objects.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    obj_root = events_dir / "objects"
    if obj_root.is_dir():
        for bucket_dir in sorted(p for p in obj_root.iterdir() if p.is_dir()):
            bucket = bucket_dir.name
            for path in sorted(p for p in bucket_dir.rglob("*") if p.is_file()):
                key = path.relative_to(bucket_dir).as_posix()
                if emu.store.exists(bucket, key):
                    continue
                info = manifest.get(bucket, {}).get(key, {})
                emu.store.put(bucket, key, path.read_bytes(), metadata=info.get("metadata") or None,
                              content_type=info.get("content_type"))
                added["objects"] += 1
    for entry in _material_entries(events_dir):
        known = {m.get("MaterialId") for m in emu.materials.list(entry["ProjectId"])}
        if entry["ModelId"] in known:
            continue
        emu.materials.add(
            entry["ProjectId"], (events_dir / "materials" / entry["Image"]).read_bytes(),
            name=entry.get("Name"), algorithm=entry.get("Algorithm", "redefine"), model_id=entry["ModelId"],
        )
        added["materials"] += 1
    return added


def _material_entries(events_dir: Path) -> List[Dict[str, Any]]:
    """``materials/materials.json`` of the fixtures (empty when there is none)."""
    mat_file = events_dir / "materials" / "materials.json"
    return json.loads(mat_file.read_text(encoding="utf-8")) if mat_file.is_file() else []


def _sample_defaults(events_dir: Path) -> Dict[str, str]:
    entries = _material_entries(events_dir)
    if not entries:
        return {}
    return {"FUSEFACE_PROJECT_ID": entries[0]["ProjectId"], "FUSEFACE_MODEL_ID": entries[0]["ModelId"]}


# --- environment, spies, memory -----------------------------------------------------------------------

def _set_environ(values: Mapping[str, Optional[str]]) -> None:
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    # The function validates its settings once per instance: a loaded one must read them again. It is not imported
    # here when it is not loaded yet (that import is the cold start `invoke` measures).
    config = sys.modules.get("scf_fuseface.config")
    if config is not None:
        config.get_settings.cache_clear()


@contextmanager
def patched_environ(values: Mapping[str, Optional[str]]) -> Iterator[None]:
    """Set (or with None, remove) environment variables for the duration of the block."""
    saved = {k: os.environ.get(k) for k in values}
    try:
        _set_environ(values)
        yield
    finally:
        _set_environ(saved)


class _SdkSpy:
    """Records FuseFace RequestIds (one per HTTP attempt) and COS object writes made through the SDKs."""

    def __init__(self) -> None:
        self.request_ids: List[str] = []
        self.writes: List[tuple] = []
        self._lock = threading.Lock()
        self._undo: List[Callable[[], None]] = []

    def __enter__(self) -> _SdkSpy:
        from qcloud_cos import CosS3Client  # the cloud dependencies: always installed
        from tencentcloud.common.abstract_client import AbstractClient

        self._wrap(AbstractClient, "_call", self._after_call)
        self._wrap(CosS3Client, "put_object", self._after_write)
        self._wrap(CosS3Client, "copy_object", self._after_write)
        return self

    def __exit__(self, *exc: object) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def _wrap(self, cls: type, name: str, after: Callable[..., None]) -> None:
        original = cls.__dict__[name]

        def wrapper(client: Any, *args: Any, **kwargs: Any) -> Any:
            out = original(client, *args, **kwargs)
            try:
                after(args, kwargs, out)
            except Exception:  # noqa: BLE001 - a spy must never break the handler
                pass
            return out

        setattr(cls, name, wrapper)
        self._undo.append(lambda: setattr(cls, name, original))

    def _after_call(self, args: tuple, kwargs: dict, resp: Any) -> None:
        action = args[0] if args else kwargs.get("action")
        if action not in FUSEFACE_ACTIONS:
            return
        request_id = json.loads(resp.content)["Response"].get("RequestId")
        if request_id:
            with self._lock:
                self.request_ids.append(request_id)

    def _after_write(self, args: tuple, kwargs: dict, _out: Any) -> None:
        bucket = kwargs.get("Bucket", args[0] if args else None)
        key = kwargs.get("Key")
        if key is None and len(args) >= 3:  # put_object(Bucket, Body, Key)
            key = args[2]
        elif key is None and len(args) >= 2:  # copy_object(Bucket, Key, CopySource)
            key = args[1]
        with self._lock:
            self.writes.append((bucket, key))


class _PeakRss:
    """Peak resident set size of this process while the block runs (sampled every 5 ms)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def _rss(self) -> int:
        try:
            with open("/proc/self/statm", "rb") as fh:
                return int(fh.read().split()[1]) * self._page
        except OSError:  # not Linux: ru_maxrss is the lifetime peak, in KiB on Linux, bytes on macOS
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return rss if sys.platform == "darwin" else rss * 1024

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> _PeakRss:
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._run, name="replay-rss", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


# --- running ------------------------------------------------------------------------------------------

def invoke(event: Any, *, handler: Optional[Handler] = None, context: Optional[Mapping[str, Any]] = None,
           emulator: Any = None, on_start: Optional[Callable[[str], None]] = None) -> ReplayResult:
    """Call ``handler(event, context)`` once, the way SCF does, and measure it. Never raises.

    Without ``handler`` the real ``main_handler`` is imported first; a first import is the function's cold
    start and is reported as ``init_ms``. ``on_start(request_id)`` runs just before the handler.
    """
    region = os.environ.get("FUSEFACE_REGION", DEFAULT_REGION)
    ctx: Dict[str, Any] = {**DEFAULT_CONTEXT, "request_id": str(uuid.uuid4()), "tencentcloud_region": region,
                           **(context or {})}
    res = ReplayResult(request_id=ctx["request_id"])
    before = dict(emulator.calls) if emulator is not None else {}
    with _SdkSpy() as spy, _PeakRss() as rss:
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
    for bucket, key in dict.fromkeys(spy.writes):  # first write of each object, in order
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


def emulator_environ(emu: Any, events_dir: Optional[Path] = None) -> Dict[str, Optional[str]]:
    """Variables that point the function's SDKs at ``emu`` (sample ProjectId/ModelId unless already set)."""
    env: Dict[str, Optional[str]] = {
        "TENCENTCLOUD_SECRETID": emu.secret_id,
        "TENCENTCLOUD_SECRETKEY": emu.secret_key,
        "TENCENTCLOUD_SESSIONTOKEN": getattr(emu, "session_token", None),
        "FUSEFACE_ENDPOINT": emu.endpoint,
        "FUSEFACE_SCHEME": "http",
        "FUSEFACE_COS_IP": "127.0.0.1",
        "FUSEFACE_COS_PORT": str(emu.port),
        "FUSEFACE_COS_SCHEME": "http",
    }
    for name, value in _sample_defaults(events_dir or default_events_dir()).items():
        if not os.environ.get(name):
            env[name] = value
    no_proxy = [h for h in os.environ.get("NO_PROXY", "").split(",") if h]
    env["NO_PROXY"] = ",".join(dict.fromkeys(no_proxy + ["127.0.0.1", "localhost"]))
    return env


def local_emulator(data_dir: Path, *, engine: Any = None) -> Any:
    """An (unstarted) embedded emulator on ``data_dir``, loopback port 0, with the emulator's documented
    loopback-only keys: real credentials in the environment are never used by replay or serve."""
    from .emulator import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, EmulatorServer

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    return EmulatorServer(data_dir=data_dir, host="127.0.0.1", port=0, secret_id=DEFAULT_SECRET_ID,
                          secret_key=DEFAULT_SECRET_KEY, engine=engine)


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
