"""``fuseface event cos|http`` (print SCF event JSON) and ``fuseface replay`` (run one through the handler)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.regions import DEFAULT_REGION

from ..replay import ReplayResult


def register(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("event", help="print an SCF trigger event as JSON (pipe it into `fuseface replay -`)")
    ev_sub = ev.add_subparsers(dest="event_kind", required=True, metavar="KIND")

    cos = ev_sub.add_parser("cos", help="COS trigger event")
    cos.add_argument("--bucket", required=True, help="NAME-APPID, e.g. fuseface-1250000000")
    cos.add_argument("--region", default=DEFAULT_REGION, help="bucket region (written as its short code)")
    cos.add_argument("--key", required=True, action="append",
                     help="object key (repeat for a multi-record event)")
    cos.add_argument("--event-name", default="cos:ObjectCreated:Put")
    cos.add_argument("--size", type=int, default=None,
                     help="object size in bytes (default: the file under events/objects if any, else 0)")
    cos.add_argument("--content-type", default="image/jpeg")
    cos.add_argument("--meta", action="append", default=[], metavar="K:V",
                     help="object metadata in the event, e.g. x-cos-meta-fuseface-model-id:qc_..._1")
    cos.add_argument("--url-encode-key", action="store_true", help="percent-encode the key in cosObject.key")
    cos.set_defaults(func=_cmd_event_cos)

    http = ev_sub.add_parser("http", help="API Gateway (default) or Function URL event")
    http.add_argument("--method", default="POST")
    http.add_argument("--path", default="/fuse")
    body = http.add_mutually_exclusive_group()
    body.add_argument("--body-file", type=Path, help="request body (JSON or any text) read from a file")
    body.add_argument("--image", type=Path, help="raw image body (base64 in the event, isBase64Encoded true)")
    http.add_argument("--content-type", default=None, help="default: application/json, or image/* for --image")
    http.add_argument("--query", action="append", default=[], metavar="K=V")
    http.add_argument("--header", action="append", default=[], metavar="K:V")
    http.add_argument("--function-url", action="store_true", help="Function URL event (no requestContext)")
    http.set_defaults(func=_cmd_event_http)

    rp = sub.add_parser(
        "replay", help="run an SCF event through main_handler against the local cloud",
        description="Runs the event through scf_fuseface.entry.main_handler in-process, against an embedded "
        "emulator seeded from events/objects and events/materials (or, with --cloud, the real Tencent "
        "endpoints). Prints START / result / END / REPORT lines and one OUTPUT line per object written. "
        "'Max Memory Used' is this process's peak RSS during the invocation: locally it includes the "
        "embedded emulator and its engine. Exit status 1 if the handler raised.")
    rp.add_argument("event", help="event JSON file, or - for stdin")
    rp.add_argument("--data", type=Path, default=Path(".local-cloud"), help="emulator DATA dir (default .local-cloud)")
    rp.add_argument("--events-dir", type=Path, default=None, help="fixtures to seed from (default: events/)")
    rp.add_argument("--cloud", action="store_true",
                    help="use the real Tencent endpoints and credentials from the environment (no emulator)")
    rp.add_argument("--full", action="store_true", help="print the result without shortening long strings")
    rp.add_argument("--memory", type=int, default=None, help="context memory_limit_in_mb")
    rp.add_argument("--timeout", type=float, default=None, help="context time limit in seconds")
    rp.set_defaults(func=_cmd_replay)


def _pairs(items: List[str], sep: str, what: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for item in items:
        k, ok, v = item.partition(sep)
        if not ok or not k.strip():
            raise FuseFaceError("InvalidParameterValue", f"{what} must look like K{sep}V, got {item!r}")
        out[k.strip()] = v.strip()
    return out


def _cmd_event_cos(args: argparse.Namespace) -> int:
    from ..eventgen import cos_event, cos_record
    from ..replay import default_events_dir

    try:
        records = []
        for n, key in enumerate(args.key):
            size = args.size
            if size is None:
                local = default_events_dir() / "objects" / args.bucket / key
                size = local.stat().st_size if local.is_file() else 0
            records.append(cos_record(
                args.bucket, key, region=args.region, event_name=args.event_name, size=size,
                content_type=args.content_type, meta=_pairs(args.meta, ":", "--meta"),
                encode_key=args.url_encode_key, reqid=179398952 + n,
            ))
    except ValueError as exc:
        raise FuseFaceError("InvalidParameterValue", str(exc)) from exc
    _print_json(cos_event(records))
    return 0


def _cmd_event_http(args: argparse.Namespace) -> int:
    from ..eventgen import http_event

    body = None
    content_type = args.content_type
    if args.image is not None:
        body = args.image.read_bytes()
        if content_type is None:
            content_type = "image/png" if body[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    elif args.body_file is not None:
        body = args.body_file.read_text(encoding="utf-8")
        content_type = content_type or "application/json"
    event = http_event(
        args.method, args.path, body=body, content_type=content_type,
        headers=_pairs(args.header, ":", "--header"), query=_pairs(args.query, "=", "--query"),
        function_url=args.function_url,
    )
    _print_json(event)
    return 0


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _cmd_replay(args: argparse.Namespace) -> int:
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
    print("\n".join(lines), flush=True)
    return res.exit_code


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
