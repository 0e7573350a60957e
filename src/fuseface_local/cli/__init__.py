"""``fuseface`` command line. Dispatch only: each command group lives in its own module with a
``register(subparsers)`` function, and heavy imports happen inside the command functions.

Exit codes: 0 success, 2 input error, 1 anything else. Every input error -- a bad value found by a command, and
argparse's own usage errors (a missing or unknown argument, a bad choice) -- is ONE JSON line
``{"Code", "Message"}`` on stderr. Every ``--help`` shows the defaults. Output piped into a program that stops
reading early (``fuseface materials list | head -1``) ends quietly.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
from typing import List, NoReturn, Optional

from scf_fuseface.errors import FuseFaceError

__all__ = ["CliParser", "build_parser", "main", "print_error", "stop_on_signals"]

# Modules that contribute sub-commands (local-only code: engine, emulator, events, replay, serve).
_COMMAND_MODULES = ("engine_cmds", "cloud_cmds", "event_cmds", "replay_cmds", "serve_cmds", "cos_cmds", "load_cmds")
USAGE_ERROR = "InvalidParameterValue"


def print_error(code: str, message: str) -> None:
    """The one error line of the CLI: ``{"Code", "Message"}`` as JSON on stderr."""
    print(json.dumps({"Code": code, "Message": message}, ensure_ascii=False), file=sys.stderr, flush=True)


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows ``(default: X)`` after every option that has a default (not after None or False flags)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, [], argparse.SUPPRESS) or "%(default)" in text or action.required:
            return text
        return super()._get_help_string(action)


class CliParser(argparse.ArgumentParser):
    """argparse with the CLI's error style (a usage error is the JSON line, exit 2) and defaults in ``--help``.
    Sub-parsers are of the same class (argparse creates them with the parent's class)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        print_error(USAGE_ERROR, f"{self.prog}: {message} (see {self.prog} --help)")
        raise SystemExit(2)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """For foreground servers (``emulator``, ``serve``): Ctrl-C (SIGINT) and ``kill`` (SIGTERM) both raise
    KeyboardInterrupt in the main thread, so the server shuts down cleanly. SIGINT is set explicitly because a
    process started in the background by a non-interactive shell inherits it as *ignored*."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)


def build_parser() -> argparse.ArgumentParser:
    parser = CliParser(prog="fuseface", description="scf-fuseface local tools: the local cloud, the engine, "
                       "events and replays, the try-it page")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def _quiet_broken_pipe() -> int:
    """stdout's reader went away (``| head``): point stdout at /dev/null so the interpreter's final flush is
    silent too, and exit like a program killed by SIGPIPE would report it (141)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141


def main(argv: Optional[List[str]] = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except FuseFaceError as exc:
        print_error(exc.code, exc.message)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _quiet_broken_pipe()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
