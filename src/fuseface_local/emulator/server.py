"""``EmulatorServer``: the local cloud on one loopback port (a ``LoopbackServer``: daemon thread, port 0,
context manager, signal-safe ``serve_forever``), with its stores, credentials and test hooks."""

from __future__ import annotations

import os
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Counter, Iterable, Optional

from scf_fuseface.regions import DEFAULT_REGION

from ..loopback import LoopbackServer
from . import render
from .app import EmulatorApp
from .auth import Credentials
from .faults import FaultPlan
from .materials import MaterialStore
from .store import ObjectStore
from .usage import Meter, Usage

__all__ = ["DEFAULT_SECRET_ID", "DEFAULT_SECRET_KEY", "EmulatorError", "EmulatorServer"]

DEFAULT_SECRET_ID = "AKIDLOCALFUSEFACEEMULATOR"  # noqa: S105 - public loopback default
DEFAULT_SECRET_KEY = "local-emulator-secret"  # noqa: S105 - a documented, public, loopback-only default


class EmulatorError(Exception):
    """Misuse of the server (not running, already running) or an error raised inside a server thread."""


class EmulatorServer(LoopbackServer):
    """FuseFace API 3.0 + COS XML API on ``host:port`` (port 0 picks a free one), backed by ``data_dir``.

    Credentials: the arguments, else ``TENCENTCLOUD_SECRETID`` / ``TENCENTCLOUD_SECRETKEY`` /
    ``TENCENTCLOUD_SESSIONTOKEN``, else ``DEFAULT_SECRET_ID`` / ``DEFAULT_SECRET_KEY`` (and no token).
    ``engine`` is a ``FusionEngine`` (or the load-test ``StampEngine``); by default one is created on first use
    (FuseFace or ``materials.add``). ``regions``: the ``X-TC-Region`` values FuseFace serves (default
    ``gateway.served_regions()``). ``qps`` is FuseFace's per-account limit (None: unlimited; the CLI's default
    is 20) and ``faults`` a :class:`~fuseface_local.emulator.faults.FaultPlan`; usage is counted in
    ``DATA/usage.sqlite3`` either way (see ``usage.py``).
    """

    label = "emulator"
    thread_name = "fuseface-emulator"
    misuse_error = EmulatorError

    def __init__(self, data_dir, host: str = "127.0.0.1", port: int = 0, secret_id: Optional[str] = None,
                 secret_key: Optional[str] = None, session_token: Optional[str] = None, engine=None,
                 region: str = DEFAULT_REGION, regions: Optional[Iterable[str]] = None, qps: Optional[float] = None,
                 faults: Optional[FaultPlan] = None) -> None:
        self.data_dir = Path(data_dir)
        self.secret_id = secret_id or os.environ.get("TENCENTCLOUD_SECRETID") or DEFAULT_SECRET_ID
        self.secret_key = secret_key or os.environ.get("TENCENTCLOUD_SECRETKEY") or DEFAULT_SECRET_KEY
        if session_token is None:
            session_token = os.environ.get("TENCENTCLOUD_SESSIONTOKEN") or None
        self.session_token = session_token
        self._engine = engine
        self._engine_lock = threading.Lock()
        self.store = ObjectStore(self.data_dir / "cos")
        self.materials = MaterialStore(self.data_dir / "materials", self.get_engine)
        self.usage = Usage(self.data_dir / "usage.sqlite3")
        meter = Meter(self.usage, limits={"FuseFace": qps} if qps else None, faults=faults)
        super().__init__(EmulatorApp(store=self.store, materials=self.materials,
                                     creds=Credentials(self.secret_id, self.secret_key, self.session_token),
                                     engine=self.get_engine, meter=meter, region=region, regions=regions),
                         host, port)

    def __repr__(self) -> str:
        return f"EmulatorServer(endpoint={self.endpoint if self.running else None!r}, secret_id={self.secret_id!r})"

    # --- lifecycle (``LoopbackServer``) -------------------------------------------------------------------
    def _started(self, stack: ExitStack) -> None:
        self.app.port = self.port
        self.app.public_host = self.public_host
        render.warm()  # the first FuseFace answer must not import OpenCV while every request thread waits

    def stop(self) -> None:
        """Stop serving, then re-raise the first error a server thread recorded (see ``check_errors``)."""
        super().stop()
        self.check_errors()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:  # do not hide the test's own exception behind a recorded server error
            self.app.errors.clear()
        self.stop()

    # --- properties and test helpers ---------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """``"127.0.0.1:PORT"`` for ``HttpProfile(protocol="http", endpoint=...)``."""
        return self.app.public_host

    @property
    def calls(self) -> Counter:
        return self.app.calls

    @property
    def served(self) -> list:
        """``Served(bucket, key, range, status, nbytes)`` for every COS GET answered since the last reset."""
        return self.app.served

    def get_engine(self):
        """The engine (created on first use unless one was given); ``FusionEngine`` serialises its own calls
        across the server threads."""
        with self._engine_lock:
            if self._engine is None:
                from ..engine import FusionEngine

                self._engine = FusionEngine()
            return self._engine

    def inject_error(self, action: str, code: str, times: int = 1, message: Optional[str] = None) -> None:
        """The next ``times`` calls of ``action`` (e.g. "FuseFace", "cos:GET") answer ``code``."""
        self.app.injections.add_error(action, code, times, message)

    def inject_response(self, action: str, payload: dict, times: int = 1) -> None:
        """The next ``times`` calls of an API action answer ``payload`` as a *success* envelope (after the
        signature check, before any work), e.g. ``inject_response("FuseFace", {})``: no ``FusedImage``."""
        self.app.injections.add_response(action, payload, times)

    def inject_delay(self, action: str, seconds: float = 2.0, times: int = 1) -> None:
        """The next ``times`` calls of ``action`` sleep ``seconds`` before any work."""
        self.app.injections.add_delay(action, seconds, times)

    def reset(self) -> None:
        """Clear counters, served-bytes records, injections and recorded errors; keep objects and materials."""
        self.app.calls.clear()
        self.app.served.clear()
        self.app.injections.clear()
        self.app.errors.clear()

    def check_errors(self) -> None:
        """Re-raise (as ``EmulatorError`` from the original) the first exception a server thread recorded."""
        if self.app.errors:
            first, count = self.app.errors[0], len(self.app.errors)
            self.app.errors.clear()
            raise EmulatorError(f"{count} error(s) in the emulator; the first: {first!r}") from first
