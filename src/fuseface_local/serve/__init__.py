"""``fuseface serve``: the function's HTTP endpoint on a real local port, for curl and browsers.

Local tooling only; it never ships. ``app``: :class:`FunctionUrlApp` turns each request into a Function URL
event for ``main_handler(event, context)`` and its integrated response back into HTTP (:func:`build_event`,
:func:`to_response`), and serves the try-it page from ``static/``. ``local_routes``: what the page needs beyond the
API (``/local/``: algorithms, template images, level sweeps). ``server``: :class:`LocalServer` runs it on a
loopback port (``fuseface_local.loopback``) with an embedded emulator seeded like ``fuseface replay``.
"""

from __future__ import annotations

from .app import MAX_SYNC_REQUEST_BYTES, FunctionUrlApp, build_event, static_file, to_response
from .server import LocalServer, startup_line

__all__ = ["MAX_SYNC_REQUEST_BYTES", "FunctionUrlApp", "LocalServer", "build_event", "startup_line",
           "static_file", "to_response"]
