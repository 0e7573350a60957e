"""``LocalServer``: the function behind a local HTTP port, with an embedded, seeded emulator as its cloud."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Dict, Optional, TextIO

from scf_fuseface.errors import FuseFaceError

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
from .local_routes import LocalRoutes

__all__ = ["LocalServer", "startup_line"]


class LocalServer(LoopbackServer):
    """:class:`FunctionUrlApp` on ``host:port`` (a ``LoopbackServer``). Starting it also starts an embedded
    emulator on ``data_dir`` seeded like ``fuseface replay`` and points the function's SDKs at it (environment
    variables, for as long as the server runs; ``model_id`` becomes the function's ``FUSEFACE_MODEL_ID`` and must
    be a material there), and opens the ``/local/`` routes over that emulator; stopping undoes all of it."""

    label = "local server"
    thread_name = "fuseface-serve"

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int = 8080,
                 events_dir: Optional[Path] = None, engine: Any = None, handler: Optional[Handler] = None,
                 access_log: Optional[TextIO] = None, max_body: int = MAX_SYNC_REQUEST_BYTES,
                 model_id: Optional[str] = None) -> None:
        super().__init__(FunctionUrlApp(handler, access_log=access_log, max_body=max_body), host, port)
        self.model_id = model_id
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
        environ = emulator_environ(self.emulator, self.events_dir)
        if self.model_id is not None:
            if self.emulator.materials.resolve(self.model_id) is None:
                known = ", ".join(r["MaterialId"] for r in self.emulator.materials.list()) or "none"
                raise FuseFaceError("InvalidParameterValue.MaterialIdNotFound",
                                    f"--model-id {self.model_id!r} is not a material of {self.data_dir} (known: {known}).")
            environ["FUSEFACE_MODEL_ID"] = self.model_id
        stack.enter_context(patched_environ(environ))
        self.app.region = function_region()  # after the patch above
        self.app.local = LocalRoutes(lambda: self.emulator, activity=os.environ.get("FUSEFACE_PROJECT_ID"),
                                     default_model=os.environ.get("FUSEFACE_MODEL_ID"))
        stack.callback(setattr, self.app, "local", None)


SAMPLE_SELFIE = "tests/assets/faces/biden.jpg"  # a public-domain face in the repository (run from its root)


def startup_line(url: str) -> str:
    """Where to point a browser (first line), then two curl round trips to copy (run from the repository root)."""
    base = url.rstrip("/")
    return (f"fuseface serve: {url} (try-it page; Ctrl-C stops)\n"
            f"  curl -s {base}/healthz\n"
            f"  mkdir -p out && curl -s -F image=@{SAMPLE_SELFIE} -F FuseFaceDegree=60 {base}/fuse"
            f" | jq -r .Response.FusedImage | base64 -d > out/fused.jpg")
