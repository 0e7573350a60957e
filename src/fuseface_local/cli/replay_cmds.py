"""``fuseface replay``: SCF events through the handler. One event prints scfcli-style report lines; several (files,
folders of ``*.json``) print a progress bar on stderr and a summary table (fused, skipped, failed by code,
FuseFace calls, wall time)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, List

from scf_fuseface.errors import FuseFaceError

from ..replay import ReplayResult
from .checks import data_dir
from .tables import format_table

__all__ = ["format_report", "format_result", "register"]


def register(sub: argparse._SubParsersAction) -> None:
    rp = sub.add_parser(
        "replay", help="run SCF events through main_handler against the local cloud",
        description="Runs each event through scf_fuseface.entry.main_handler in-process, against an embedded "
        "emulator seeded from events/objects and events/materials (or, with --cloud, the real Tencent "
        "endpoints: your credentials, your bucket, your activity). One event prints START / result / END / "
        "REPORT lines and one OUTPUT line per object written ('Max Memory Used' is this process's peak RSS, "
        "emulator and engine included). Several events (or a folder of *.json) print a progress bar on stderr and "
        "a summary table. Exit status: 2 if an event is not an SCF event the function recognises, 1 if the "
        "handler raised (SCF would retry), else 0.")
    rp.add_argument("events", nargs="+", metavar="EVENT",
                    help="event JSON file, a folder of them, or - for stdin; a dead letter of the emulator "
                         "(DATA/dead-letters/*.json) is re-driven and, once it succeeds, moved to dead-letters/redriven/")
    rp.add_argument("--data", type=data_dir, default=Path(".local-cloud"), help="emulator DATA dir")
    rp.add_argument("--events-dir", type=Path, default=None, help="fixtures to seed from (default: events/)")
    rp.add_argument("--cloud", action="store_true",
                    help="use the real Tencent endpoints and credentials from the environment (no emulator)")
    rp.add_argument("--full", action="store_true", help="print the result without shortening long strings")
    rp.add_argument("--memory", type=int, default=None, help="context memory_limit_in_mb")
    rp.add_argument("--timeout", type=float, default=None, help="context time limit in seconds")
    rp.set_defaults(func=_cmd_replay)


def _load(source: str) -> Any:
    from ..replay import load_event

    try:
        return load_event(source)
    except (OSError, ValueError) as exc:
        raise FuseFaceError("InvalidParameterValue", f"cannot read event {source!r}: {exc}") from exc


def _context(args: argparse.Namespace) -> dict:
    context = {}
    if args.memory:
        context["memory_limit_in_mb"] = args.memory
    if args.timeout:
        context["time_limit_in_ms"] = int(args.timeout * 1000)
    return context


def _cmd_replay(args: argparse.Namespace) -> int:
    from ..replay.batch import event_sources

    sources = event_sources(args.events)
    if not sources:
        raise FuseFaceError("InvalidParameterValue", f"no *.json event in {', '.join(args.events)}")
    if len(sources) == 1 and not Path(args.events[0]).is_dir():
        return _replay_one(args, sources[0])
    return _replay_many(args, sources)


def _replay_one(args: argparse.Namespace, source: str) -> int:
    from ..replay import replay_cloud, replay_local, save_response_image
    from ..replay.batch import Summary

    event = _load(source)
    started: List[str] = []

    def on_start(request_id: str) -> None:
        started.append(request_id)
        print(f"START RequestId: {request_id}", flush=True)

    if args.cloud:
        res = replay_cloud(event, context=_context(args), on_start=on_start)
    else:
        res = replay_local(event, args.data, events_dir=args.events_dir, context=_context(args), on_start=on_start)
    lines = format_report(res, full=args.full, start=not started)
    if not args.cloud and res.error is None:
        saved = save_response_image(res, args.data)
        if saved is not None:
            lines.append(f"OUTPUT (HTTP response FusedImage) -> {saved}")
    summary = Summary()
    summary.add(res)
    if summary.counts["unrecognised"]:
        lines.append("ERROR the function did not recognise this event (InvalidParameterValue.InvalidEvent)")
    redriven = _redriven(source, res)
    if redriven is not None:
        lines.append(f"REDRIVEN dead letter moved to {redriven}")
    print("\n".join(lines), flush=True)
    return summary.exit_code


def _redriven(source: str, res: ReplayResult) -> Any:
    """Move a dead letter that was re-driven without an error to ``redriven/``; its new path (else None)."""
    from ..emulator.dlq import is_dead_letter, mark_redriven

    if res.error is not None or source == "-":
        return None
    try:
        doc = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return mark_redriven(Path(source)) if is_dead_letter(doc) else None


def _progress(done: int, total: int, name: str, verdict: str) -> None:
    """A bar redrawn in place on a terminal; one line per event otherwise (logs, CI)."""
    width = 24
    filled = int(width * done / total)
    text = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name}: {verdict}"
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        sys.stderr.write("\r\x1b[2K" + text + end)
    else:
        sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _replay_many(args: argparse.Namespace, sources: List[str]) -> int:
    from contextlib import ExitStack

    from ..replay import (
        default_events_dir,
        emulator_environ,
        invoke,
        local_emulator,
        patched_environ,
        replay_cloud,
        seed,
    )
    from ..replay.batch import Summary

    events = [(source, _load(source)) for source in sources]  # every file read before any work
    summary = Summary()
    started = time.perf_counter()
    with ExitStack() as stack:
        emulator = None
        if not args.cloud:
            events_dir = args.events_dir or default_events_dir()
            emulator = stack.enter_context(local_emulator(args.data))
            seed(emulator, events_dir)
            stack.enter_context(patched_environ(emulator_environ(emulator, events_dir)))
        for n, (source, event) in enumerate(events, start=1):
            if args.cloud:
                res = replay_cloud(event, context=_context(args))
            else:
                res = invoke(event, context=_context(args), emulator=emulator)
            got = summary.add(res)
            _redriven(source, res)
            verdict = ", ".join(kind + (f" {code}" if code else "") for kind, code in got)
            _progress(n, len(events), Path(source).name if source != "-" else "stdin", verdict)
    summary.wall_s = time.perf_counter() - started
    print(format_table(("outcome", "count"), summary.table(), right=(1,)), flush=True)
    return summary.exit_code


# --- printing -----------------------------------------------------------------------------------------

def _shorten(value: Any, limit: int = 160) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:48]}...<{len(value)} chars>"
    if isinstance(value, dict):
        return {k: _shorten(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v, limit) for v in value]
    return value


def format_result(result: Any, *, full: bool = False) -> str:
    """The handler's return value as one JSON document; long strings (base64 images) shortened unless ``full``."""
    shown = result if full else _shorten(result)
    if not full and isinstance(result, dict) and isinstance(result.get("body"), str):
        try:  # an integrated HTTP response: show its JSON body decoded
            shown = dict(shown)
            shown["body"] = _shorten(json.loads(result["body"]))
        except ValueError:
            pass
    return json.dumps(shown, ensure_ascii=False, default=str)


def format_report(res: ReplayResult, *, full: bool = False, start: bool = True) -> List[str]:
    """scfcli-style lines: START (unless already printed), the result (or the error), END, REPORT, and one
    OUTPUT line per object written (key -> file under the DATA dir, or cos://bucket/key in the cloud)."""
    lines = [f"START RequestId: {res.request_id}"] if start else []
    if res.error is not None:
        lines.append(res.error_traceback.rstrip())
    else:
        lines.append(format_result(res.result, full=full))
    lines.append(f"END RequestId: {res.request_id}")
    init = f"Init Duration: {res.init_ms:.2f} ms\t" if res.init_ms else ""
    lines.append(
        f"REPORT RequestId: {res.request_id}\tDuration: {res.duration_ms:.2f} ms\t{init}"
        f"Max Memory Used: {res.max_memory_mb:.1f} MB\t"
        f"FuseFace RequestIds: {json.dumps(res.fuseface_request_ids)}"
    )
    for out in res.outputs:
        where = str(out.path) if out.path is not None else f"cos://{out.bucket}/{out.key}"
        lines.append(f"OUTPUT {out.key} -> {where}")
    for out in res.existing:
        lines.append(f"OUTPUT {out.key} -> {out.path} (unchanged: already fused)")
    if res.error is not None:
        lines.append(f"ERROR {type(res.error).__name__}: {res.error}")
    return lines
