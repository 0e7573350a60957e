"""``fuseface replay``: run one SCF event through the handler and print scfcli-style report lines."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, List

from scf_fuseface.errors import FuseFaceError

from ..replay import ReplayResult

__all__ = ["format_report", "format_result", "register"]


def register(sub: argparse._SubParsersAction) -> None:
    rp = sub.add_parser(
        "replay", help="run an SCF event through main_handler against the local cloud",
        description="Runs the event through scf_fuseface.entry.main_handler in-process, against an embedded "
        "emulator seeded from events/objects and events/materials (or, with --cloud, the real Tencent "
        "endpoints). Prints START / result / END / REPORT lines and one OUTPUT line per object written. "
        "'Max Memory Used' is this process's peak RSS during the invocation: locally it includes the "
        "embedded emulator and its engine. Exit status 1 if the handler raised.")
    rp.add_argument("event", help="event JSON file (or a dead letter of DATA/dead-letters: re-driven, then moved to "
                                   "dead-letters/redriven/ on success), or - for stdin")
    rp.add_argument("--data", type=Path, default=Path(".local-cloud"), help="emulator DATA dir (default .local-cloud)")
    rp.add_argument("--events-dir", type=Path, default=None, help="fixtures to seed from (default: events/)")
    rp.add_argument("--cloud", action="store_true",
                    help="use the real Tencent endpoints and credentials from the environment (no emulator)")
    rp.add_argument("--full", action="store_true", help="print the result without shortening long strings")
    rp.add_argument("--memory", type=int, default=None, help="context memory_limit_in_mb")
    rp.add_argument("--timeout", type=float, default=None, help="context time limit in seconds")
    rp.set_defaults(func=_cmd_replay)


def _cmd_replay(args: argparse.Namespace) -> int:
    from ..emulator.dlq import mark_redriven
    from ..replay import load_event, replay_cloud, replay_local, save_response_image

    try:
        event = load_event(args.event)
    except (OSError, ValueError) as exc:
        raise FuseFaceError("InvalidParameterValue", f"cannot read event {args.event!r}: {exc}") from exc
    context = {}
    if args.memory:
        context["memory_limit_in_mb"] = args.memory
    if args.timeout:
        context["time_limit_in_ms"] = int(args.timeout * 1000)
    started: List[str] = []

    def on_start(request_id: str) -> None:
        started.append(request_id)
        print(f"START RequestId: {request_id}", flush=True)

    if args.cloud:
        res = replay_cloud(event, context=context, on_start=on_start)
    else:
        res = replay_local(event, args.data, events_dir=args.events_dir, context=context, on_start=on_start)
    lines = format_report(res, full=args.full, start=not started)
    if not args.cloud and res.error is None:
        saved = save_response_image(res, args.data)
        if saved is not None:
            lines.append(f"OUTPUT (HTTP response FusedImage) -> {saved}")
    if res.error is None and args.event != "-" and _is_dead_letter(args.event):
        lines.append(f"REDRIVEN dead letter moved to {mark_redriven(Path(args.event))}")
    print("\n".join(lines), flush=True)
    return res.exit_code


def _is_dead_letter(path: str) -> bool:
    from ..emulator.dlq import is_dead_letter

    try:
        return is_dead_letter(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return False


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
