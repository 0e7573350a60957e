"""``fuseface`` command line. Dispatch only: each command group lives in its own module with a
``register(subparsers)`` function, and heavy imports happen inside the command functions.

Exit codes: 0 success, 2 input error (one JSON line ``{"Code", "Message"}`` on stderr), 1 anything else.
"""

from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys
from typing import List, Optional

from scf_fuseface.errors import FuseFaceError

# Modules that contribute sub-commands (local-only code: engine, emulator, events, replay, serve).
_COMMAND_MODULES = ("engine_cmds", "cloud_cmds", "event_cmds", "replay_cmds", "serve_cmds", "load_cmds")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """For foreground servers (``emulator``, ``serve``): Ctrl-C (SIGINT) and ``kill`` (SIGTERM) both raise
    KeyboardInterrupt in the main thread, so the server shuts down cleanly. SIGINT is set explicitly because a
    process started in the background by a non-interactive shell inherits it as *ignored*."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fuseface", description="scf-fuseface local tools")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except FuseFaceError as exc:
        print(json.dumps({"Code": exc.code, "Message": exc.message}, ensure_ascii=False), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
