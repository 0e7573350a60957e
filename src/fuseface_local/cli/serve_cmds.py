"""``fuseface serve``: the function's HTTP API (Function URL events) on a local port, against the local cloud,
with the try-it page at ``/``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scf_fuseface.errors import FuseFaceError

from . import stop_on_signals
from .checks import data_dir, port

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="serve the function's HTTP API locally (curl, and the try-it page at /)",
        description="Starts an embedded emulator on DATA seeded from events/ (like `fuseface replay`), points the "
        "function at it, and serves real HTTP: each request becomes a Function URL event for main_handler. "
        "GET / is the try-it page (pick a material, upload a selfie, fuse); /local/ routes serve what the page "
        "needs beyond the API (template images, algorithms, level sweeps). Bodies over SCF's 6 MB synchronous "
        "limit are answered 413. One access line per request (time, method, path, status, ms) on stderr; the "
        "function's JSON logs go to stdout. Ctrl-C stops.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=port, default=8080, help="port (0 picks a free one)")
    p.add_argument("--data", type=data_dir, default=Path(".local-cloud"), help="emulator DATA dir")
    p.add_argument("--events-dir", type=Path, default=None, help="fixtures to seed from (default: events/)")
    p.add_argument("--model-id", default=None,
                   help="material the function uses when a request names none (FUSEFACE_MODEL_ID); it must be "
                        "a material in DATA (default: the first fixture material)")
    p.set_defaults(func=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    from ..serve import LocalServer, startup_line

    stop_on_signals()
    server = LocalServer(args.data, host=args.host, port=args.port, events_dir=args.events_dir,
                         model_id=args.model_id)
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
