"""The function's environment for a local run: an embedded emulator and the variables that point the function's
SDKs at it (the same ``FUSEFACE_*`` / ``TENCENTCLOUD_*`` variables the function reads in SCF)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional

from scf_fuseface.regions import DEFAULT_REGION

from .fixtures import default_events_dir, sample_defaults

__all__ = ["emulator_environ", "function_region", "local_emulator", "patched_environ"]


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


def function_region() -> str:
    """The region an SCF context carries: the function's ``FUSEFACE_REGION``, else ``DEFAULT_REGION``."""
    return os.environ.get("FUSEFACE_REGION") or DEFAULT_REGION


def emulator_environ(emu: Any, events_dir: Optional[Path] = None) -> Dict[str, Optional[str]]:
    """Variables that point the function's SDKs at ``emu`` (sample ProjectId/ModelId unless already set)."""
    env: Dict[str, Optional[str]] = {
        "TENCENTCLOUD_SECRETID": emu.secret_id,
        "TENCENTCLOUD_SECRETKEY": emu.secret_key,
        "TENCENTCLOUD_SESSIONTOKEN": getattr(emu, "session_token", None),
        "FUSEFACE_ENDPOINT": emu.endpoint,
        "FUSEFACE_IAI_ENDPOINT": emu.endpoint,  # iai DetectFace (POST /detect): the emulator routes by service
        "FUSEFACE_SCHEME": "http",
        "FUSEFACE_COS_IP": "127.0.0.1",
        "FUSEFACE_COS_PORT": str(emu.port),
        "FUSEFACE_COS_SCHEME": "http",
    }
    for name, value in sample_defaults(events_dir or default_events_dir()).items():
        if not os.environ.get(name):
            env[name] = value
    no_proxy = [h for h in os.environ.get("NO_PROXY", "").split(",") if h]
    env["NO_PROXY"] = ",".join(dict.fromkeys(no_proxy + ["127.0.0.1", "localhost"]))
    return env


def local_emulator(data_dir: Path, *, engine: Any = None) -> Any:
    """An (unstarted) embedded emulator on ``data_dir``, loopback port 0, with the emulator's documented
    loopback-only keys: real credentials in the environment are never used by replay or serve."""
    from ..emulator import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, EmulatorServer

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    return EmulatorServer(data_dir=data_dir, host="127.0.0.1", port=0, secret_id=DEFAULT_SECRET_ID,
                          secret_key=DEFAULT_SECRET_KEY, engine=engine)
