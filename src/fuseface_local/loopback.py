"""One WSGI app on a local port, served by werkzeug in a daemon thread: the lifecycle shared by the emulator
(``EmulatorServer``) and ``fuseface serve`` (``LocalServer``).

``start()`` binds (port 0 picks a free one), lets the subclass finish its set-up in ``_started(stack)`` and
starts serving; ``stop()`` shuts the server down, joins its thread and closes the stack (the socket and
whatever the subclass entered into it), in reverse order. A failed ``start()`` leaves nothing open. Used as a
context manager it is started and stopped around the block.

Signal-safe foreground use (the CLI): ``start()``, print the banner, ``serve_forever()`` (which stops the
server itself when KeyboardInterrupt arrives while it blocks), and ``if server.running: server.stop()`` in a
``finally`` for a signal that lands before ``serve_forever()``.

Request lines go to ``logging`` at DEBUG with the path only: a query string may carry a signature, a token or
an API key, and werkzeug's own lines quote it.
"""

from __future__ import annotations

import logging
import threading
from contextlib import ExitStack
from typing import Any, Callable, Optional, Type

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

__all__ = ["LoopbackServer", "QuietRequestHandler"]

_log = logging.getLogger(__name__)

# Addresses that listen everywhere; URLs shown to clients name the loopback address instead.
_ANY_ADDRESS = ("0.0.0.0", "", "::")  # noqa: S104 - compared against, never bound here


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler with its log lines at DEBUG, never with a query string; requests the HTTP
    parser refuses (a malformed request line) are answered in JSON, without echoing the line."""

    error_content_type = "application/json"
    error_message_format = ('{"Response": {"Error": {"Code": "InvalidRequest", '
                            '"Message": "Malformed HTTP request (status %(code)d)."}}}')

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        path = getattr(self, "path", None) or ""  # unset when the request line itself was malformed
        _log.debug("%s %s %s", self.command, path.split("?", 1)[0], code)

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's signature
        # werkzeug's other lines (malformed requests) interpolate the raw request line: only the format is kept.
        _log.debug("%s: %s", type, message)


def _server_log(type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's signature
    """werkzeug's server-level log ("Error on request:" + a traceback): one line, the exception's type only."""
    last = str(message).strip().splitlines()[-1] if str(message).strip() else ""
    _log.warning("%s: %s", type, last.split(":", 1)[0][:100])


def _handle_error(request: Any, client_address: Any) -> None:
    """An exception escaping a request thread (a client gone mid-reply...): one line, no traceback."""
    import sys

    exc = sys.exc_info()[1]
    _log.debug("connection error: %s", type(exc).__name__ if exc is not None else "?")


class LoopbackServer:
    """``app`` on ``host:port`` in a daemon thread. Subclasses name themselves (``label``, ``thread_name``),
    choose the exception raised on misuse (``misuse_error``) and may override ``_started``."""

    label = "server"
    thread_name = "fuseface-server"
    misuse_error: Type[Exception] = RuntimeError
    poll_interval = 0.05  # seconds between shutdown checks of the serving thread
    read_timeout = 30.0  # seconds a connection may stay silent (a stalled upload frees its thread after this)

    def __init__(self, app: Callable[..., Any], host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self._requested_port = int(port)
        self._server: Optional[BaseWSGIServer] = None
        self._thread: Optional[threading.Thread] = None
        self._stack: Optional[ExitStack] = None

    # --- lifecycle ---------------------------------------------------------------------------------------
    def _started(self, stack: ExitStack) -> None:
        """Called once the socket is bound, before serving: set-up entered into ``stack`` is undone by stop()."""

    def start(self) -> LoopbackServer:
        if self.running:
            raise self.misuse_error(f"The {self.label} is already running.")
        stack = ExitStack()
        try:
            handler = type("LoopbackRequestHandler", (QuietRequestHandler,), {"timeout": self.read_timeout})
            server = make_server(self.host, self._requested_port, self.app, threaded=True, request_handler=handler)
            server.daemon_threads = True
            server.log = _server_log  # werkzeug's own: a traceback (with request data) on stderr
            server.handle_error = _handle_error  # socketserver's own: "Exception occurred..." + traceback
            stack.callback(server.server_close)
            self._server = server
            self._started(stack)
        except BaseException:
            self._server = None
            stack.close()
            raise
        self._stack = stack
        self._thread = threading.Thread(target=server.serve_forever, args=(self.poll_interval,),
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if not self.running:
            raise self.misuse_error(f"The {self.label} is not running.")
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        stack, self._stack, self._server, self._thread = self._stack, None, None, None
        stack.close()

    @property
    def running(self) -> bool:
        return self._stack is not None

    def serve_forever(self) -> None:
        """Foreground mode: start (unless running), then block until KeyboardInterrupt; stops on the way out."""
        if not self.running:
            self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            if self.running:
                self.stop()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- where it listens --------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise self.misuse_error(f"The {self.label} is not running.")
        return self._server.server_port

    @property
    def public_host(self) -> str:
        """``"HOST:PORT"`` for clients on this machine (the loopback address when bound to every address)."""
        shown = "127.0.0.1" if self.host in _ANY_ADDRESS else self.host
        return f"{shown}:{self.port}"
