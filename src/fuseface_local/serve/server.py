"""``LocalServer``: the function behind a local HTTP port, with an embedded, seeded emulator as its cloud."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any, Dict, Optional, TextIO

from ..loopback import LoopbackServer
from ..replay import (
    Handler,
    default_events_dir,
    emulator_environ,
    function_region,
    local_emulator,
    patched_environ,
    seed,
)
from .app import MAX_SYNC_REQUEST_BYTES, FunctionUrlApp

__all__ = ["LocalServer", "startup_line"]


class LocalServer(LoopbackServer):
    """:class:`FunctionUrlApp` on ``host:port`` (a ``LoopbackServer``). Starting it also starts an embedded
    emulator on ``data_dir`` seeded like ``fuseface replay`` and points the function's SDKs at it (environment
    variables, for as long as the server runs); stopping undoes both."""

    label = "local server"
    thread_name = "fuseface-serve"

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int = 8080,
                 events_dir: Optional[Path] = None, engine: Any = None, handler: Optional[Handler] = None,
                 access_log: Optional[TextIO] = None, max_body: int = MAX_SYNC_REQUEST_BYTES) -> None:
        super().__init__(FunctionUrlApp(handler, access_log=access_log, max_body=max_body), host, port)
        self.data_dir = Path(data_dir)
        self.events_dir = Path(events_dir) if events_dir is not None else default_events_dir()
        self.emulator: Any = None
        self.seeded: Dict[str, int] = {}
        self._engine = engine

    @property
    def url(self) -> str:
        return f"http://{self.public_host}/"

    def _started(self, stack: ExitStack) -> None:
        self.emulator = stack.enter_context(local_emulator(self.data_dir, engine=self._engine))
        self.seeded = seed(self.emulator, self.events_dir)
        stack.enter_context(patched_environ(emulator_environ(self.emulator, self.events_dir)))
        self.app.region = function_region()  # after the patch above


def startup_line(url: str) -> str:
    """One line: where to point a browser, and two curl round trips."""
    base = url.rstrip("/")
    return (f"fuseface serve: {url} (demo page) | curl -s {base}/healthz"
            f" | curl -s -F image=@selfie.jpg -F FuseFaceDegree=60 {base}/fuse"
            f" | curl -s -H 'Content-Type: image/jpeg' --data-binary @selfie.jpg {base}/fuse")
