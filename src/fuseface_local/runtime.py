"""A minimal stand-in for SCF's Python runtime: one function instance in its own process.

``python -m fuseface_local.runtime CODE_DIR MODULE.FUNCTION`` imports the handler from ``CODE_DIR`` (the cold
start), then reads one invocation per line on stdin (``{"event": ..., "context": ...}``) and answers one line
per invocation on its original stdout: ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": {"ErrorCode":
-1, "ErrorMessage": <traceback>, "Type": ...}}`` (SCF's dead-letter fields), plus ``init_ms`` on the first.
What the function prints (its JSON logs) goes to stderr, which the emulator keeps in ``DATA/logs/``.

Only the standard library is imported before the handler, so the instance holds what the function holds.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any, Callable, Dict, Optional, TextIO

__all__ = ["main"]

MAX_ERROR_CHARS = 4000


def _error(exc: BaseException) -> Dict[str, Any]:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"ErrorCode": -1, "ErrorMessage": text[-MAX_ERROR_CHARS:], "Type": type(exc).__name__}


def _load(code_dir: str, handler: str) -> Callable[[Any, Any], Any]:
    module_name, _, function = handler.rpartition(".")
    sys.path.insert(0, code_dir)
    return getattr(importlib.import_module(module_name), function)


def _serve(requests: TextIO, replies: TextIO, code_dir: str, handler_name: str) -> int:
    started = time.perf_counter()
    handler: Optional[Callable[[Any, Any], Any]] = None
    init_error: Optional[Dict[str, Any]] = None
    try:
        handler = _load(code_dir, handler_name)
    except BaseException as exc:  # noqa: BLE001 - an import error fails every invocation, as in SCF
        init_error = _error(exc)
    init_ms: Optional[float] = (time.perf_counter() - started) * 1000.0
    for line in requests:
        request = json.loads(line)
        reply: Dict[str, Any]
        if request.get("warmup"):  # provisioned concurrency: the init only, no invocation
            reply = {"ok": handler is not None, "warm": True}
        elif handler is None:
            reply = {"ok": False, "error": init_error}
        else:
            try:
                reply = {"ok": True, "result": handler(request["event"], request["context"])}
            except BaseException as exc:  # noqa: BLE001 - reported like SCF, including SystemExit
                reply = {"ok": False, "error": _error(exc)}
        if init_ms is not None:
            reply["init_ms"], init_ms = round(init_ms, 1), None
        replies.write(json.dumps(reply, ensure_ascii=False, default=str) + "\n")
        replies.flush()
    return 0


def main(argv: Optional[list] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m fuseface_local.runtime CODE_DIR MODULE.FUNCTION", file=sys.stderr)
        return 2
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the function's stdout (its logs) goes where stderr goes
    return _serve(sys.stdin, replies, args[0], args[1])


if __name__ == "__main__":
    sys.exit(main())
