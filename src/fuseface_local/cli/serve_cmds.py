"""``fuseface serve``: the function's HTTP API (Function URL events) on a local port, against the local cloud."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scf_fuseface.errors import FuseFaceError

from . import stop_on_signals

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="serve the function's HTTP API locally (curl, browser demo page at /)",
        description="Starts an embedded emulator on DATA seeded from events/ (like `fuseface replay`), points the "
        "function at it, and serves real HTTP: each request becomes a Function URL event for main_handler. "
        "GET / is a demo page. Bodies over SCF's 6 MB synchronous limit are answered 413. One access line per "
        "request (method, path, status, ms) on stderr; the function's JSON logs go to stdout. Ctrl-C stops.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    p.add_argument("--data", type=Path, default=Path(".local-cloud"), help="emulator DATA dir (default .local-cloud)")
    p.add_argument("--events-dir", type=Path, default=None, help="fixtures to seed from (default: events/)")
    p.set_defaults(func=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    from ..serve import LocalServer, startup_line

    if not 0 <= args.port <= 65535:
        raise FuseFaceError("InvalidParameterValue", f"--port must be 0..65535, got {args.port}")
    stop_on_signals()
    server = LocalServer(args.data, host=args.host, port=args.port, events_dir=args.events_dir)
    try:
        server.start()
    except OSError as exc:
        raise FuseFaceError("FailedOperation", f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") \
            from exc
    try:  # a signal may arrive as soon as the line is out: everything after start() is inside the guard
        print(startup_line(server.url), flush=True)
        server.serve_forever()  # stops the server itself when interrupted inside it
    except KeyboardInterrupt:
        print("fuseface serve: stopped", file=sys.stderr, flush=True)
    finally:
        if server.running:
            server.stop()
    return 0
