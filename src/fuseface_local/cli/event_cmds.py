"""``fuseface event cos|http``: print an SCF trigger event as JSON (pipe it into ``fuseface replay -``)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Dict, List

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.regions import DEFAULT_REGION

from .checks import region

__all__ = ["pairs", "register"]


def register(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("event", help="print an SCF trigger event as JSON (pipe it into `fuseface replay -`)")
    ev_sub = ev.add_subparsers(dest="event_kind", required=True, metavar="KIND")

    cos = ev_sub.add_parser("cos", help="COS trigger event")
    cos.add_argument("--bucket", required=True, help="NAME-APPID, e.g. fuseface-1250000000")
    cos.add_argument("--region", type=region, default=DEFAULT_REGION, help="bucket region (written as its short code)")
    cos.add_argument("--key", required=True, action="append",
                     help="object key (repeat for a multi-record event)")
    cos.add_argument("--event-name", default="cos:ObjectCreated:Put", help="the COS event name")
    cos.add_argument("--size", type=int, default=None,
                     help="object size in bytes (default: the file under events/objects if any, else 0)")
    cos.add_argument("--content-type", default="image/jpeg", help="the object's Content-Type in the event")
    cos.add_argument("--meta", action="append", default=[], metavar="K:V",
                     help="object metadata in the event, e.g. x-cos-meta-fuseface-model-id:mt_..._1")
    cos.add_argument("--url-encode-key", action="store_true", help="percent-encode the key in cosObject.key")
    cos.set_defaults(func=_cmd_event_cos)

    http = ev_sub.add_parser("http", help="API Gateway (default) or Function URL event")
    http.add_argument("--method", default="POST", help="HTTP method")
    http.add_argument("--path", default="/fuse", help="request path")
    body = http.add_mutually_exclusive_group()
    body.add_argument("--body-file", type=Path, help="request body (JSON or any text) read from a file")
    body.add_argument("--image", type=Path, help="raw image body (base64 in the event, isBase64Encoded true)")
    http.add_argument("--content-type", default=None, help="default: application/json, or image/* for --image")
    http.add_argument("--query", action="append", default=[], metavar="K=V", help="a query parameter (repeatable)")
    http.add_argument("--header", action="append", default=[], metavar="K:V", help="a request header (repeatable)")
    http.add_argument("--function-url", action="store_true", help="Function URL event (no requestContext)")
    http.set_defaults(func=_cmd_event_http)


def pairs(items: List[str], sep: str, what: str) -> Dict[str, str]:
    """``["K<sep>V", ...]`` as a dict; a malformed item is ``InvalidParameterValue`` (exit 2)."""
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
            _check_cos_names(args.bucket, key)
            size = args.size
            if size is None:
                size = _fixture_size(default_events_dir() / "objects", args.bucket, key)
            records.append(cos_record(
                args.bucket, key, region=args.region, event_name=args.event_name, size=size,
                content_type=args.content_type, meta=pairs(args.meta, ":", "--meta"),
                encode_key=args.url_encode_key, reqid=179398952 + n,
            ))
    except ValueError as exc:
        raise FuseFaceError("InvalidParameterValue", str(exc)) from exc
    _print_json(cos_event(records))
    return 0


_BUCKET_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d+$")
MAX_KEY_BYTES = 850  # COS object keys are 1..850 bytes of UTF-8 (doc 436/13324)


def _check_cos_names(bucket: str, key: str) -> None:
    """COS's naming rules for the bucket and the key (doc 436/14518, 436/13324)."""
    if not _BUCKET_RE.match(bucket):
        raise FuseFaceError("InvalidParameterValue",
                            f"--bucket must be NAME-APPID in lower-case [a-z0-9-], got {bucket[:80]!r}")
    size = len(key.encode("utf-8", "surrogatepass"))
    if not 1 <= size <= MAX_KEY_BYTES:
        raise FuseFaceError("InvalidParameterValue", f"--key is {size} bytes; COS keys are 1..{MAX_KEY_BYTES} bytes")
    if key.startswith("/") or "\x00" in key:
        raise FuseFaceError("InvalidParameterValue", "--key may not start with '/' or contain NUL")


def _fixture_size(objects: Path, bucket: str, key: str) -> int:
    """The size of the fixture file for ``bucket/key`` under ``objects`` (0 when there is none); a key that
    would leave ``objects`` (``../``) is refused."""
    root = objects.resolve()
    local = (objects / bucket / key).resolve()
    if root not in local.parents:
        raise FuseFaceError("InvalidParameterValue", "--key leaves events/objects; no file outside it is read")
    try:
        return local.stat().st_size if local.is_file() else 0
    except OSError:  # a segment longer than the file system allows: no such fixture
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
        headers=pairs(args.header, ":", "--header"), query=pairs(args.query, "=", "--query"),
        function_url=args.function_url,
    )
    _print_json(event)
    return 0


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
