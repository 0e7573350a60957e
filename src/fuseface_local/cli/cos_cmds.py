"""``fuseface cos put FILE``: put your own photo in the local bucket and print the COS event of that upload, to
pipe into ``fuseface replay -`` ("try my own photo" without touching the tracked ``events/objects``)."""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
from pathlib import Path
from typing import Dict

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.imageinfo import sniff
from scf_fuseface.outputs import (
    META_FACE_DEGREE,
    META_MODEL_ID,
    META_PROFILE_DEGREE,
    META_PROJECT_ID,
    META_TEMPLATE_KEY,
)
from scf_fuseface.regions import DEFAULT_REGION

from .checks import data_dir, degree, region
from .engine_cmds import read_image_arg
from .event_cmds import pairs

__all__ = ["SAMPLE_BUCKET", "register"]

SAMPLE_BUCKET = "fuseface-1250000000"  # the fixtures' bucket (events/objects/fuseface-1250000000)


def register(sub: argparse._SubParsersAction) -> None:
    cos = sub.add_parser("cos", help="the local bucket: put your own photo and get its upload event")
    cos_sub = cos.add_subparsers(dest="cos_command", required=True, metavar="ACTION")
    put = cos_sub.add_parser(
        "put", help="put FILE in the local bucket and print the COS event of that upload",
        description="Writes FILE into the emulator's bucket under DATA (as a COS upload would, with the metadata "
        "given) and prints the cos:ObjectCreated:Put event SCF would deliver. Pipe it into the function: "
        "`fuseface cos put tests/assets/faces/biden.jpg --key uploads/me.jpg | fuseface replay -`. The material and "
        "degrees travel as object metadata (x-cos-meta-fuseface-model-id, -project-id, -face-degree, "
        "-profile-degree), exactly as on a real upload; without them the key (uploads/<ModelId>/...) or the "
        "function's FUSEFACE_MODEL_ID decides. With --template-key the upload is fused with FuseFaceUltra and that "
        "template (x-cos-meta-fuseface-template-key).")
    put.add_argument("file", metavar="FILE", help="a jpg or png photo")
    put.add_argument("--key", default=None, help="object key (default: uploads/<file name>)")
    put.add_argument("--bucket", default=SAMPLE_BUCKET, help="NAME-APPID")
    put.add_argument("--region", type=region, default=DEFAULT_REGION, help="bucket region (written as its short code)")
    put.add_argument("--data", type=data_dir, default=Path(".local-cloud"), help="emulator DATA dir")
    put.add_argument("--model-id", default=None, help="material for this upload (x-cos-meta-fuseface-model-id)")
    put.add_argument("--project-id", default=None, help="activity for this upload (x-cos-meta-fuseface-project-id)")
    put.add_argument("--face-degree", type=degree, default=None, help="FuseFaceDegree 0..100 (五官)")
    put.add_argument("--profile-degree", type=degree, default=None, help="FuseProfileDegree 0..100 (脸型)")
    put.add_argument("--template-key", default=None, metavar="KEY",
                     help="FuseFaceUltra with this template object (x-cos-meta-fuseface-template-key)")
    put.add_argument("--meta", action="append", default=[], metavar="K:V", help="more x-cos-meta-* metadata")
    put.set_defaults(func=_cmd_put)


def _metadata(args: argparse.Namespace) -> Dict[str, str]:
    meta = {}
    for name, value in pairs(args.meta, ":", "--meta").items():
        name = name.lower()
        meta[name if name.startswith("x-cos-meta-") else "x-cos-meta-" + name] = value
    for name, value in ((META_MODEL_ID, args.model_id), (META_PROJECT_ID, args.project_id),
                        (META_FACE_DEGREE, args.face_degree), (META_PROFILE_DEGREE, args.profile_degree),
                        (META_TEMPLATE_KEY, args.template_key)):
        if value is not None:
            meta[name] = str(value)
    return meta


def _cmd_put(args: argparse.Namespace) -> int:
    from ..emulator import ObjectStore, StoreError
    from ..eventgen import cos_event, cos_record

    data = read_image_arg(args.file)
    info = sniff(data[:65536])  # jpg/png only: anything else is FailedOperation.ImageDecodeFailed (exit 2)
    key = args.key or f"uploads/{Path(args.file).name}"
    meta = _metadata(args)
    content_type = info.content_type or mimetypes.guess_type(args.file)[0] or "application/octet-stream"
    try:
        record = ObjectStore(Path(args.data) / "cos").put(args.bucket, key, data, metadata=meta,
                                                          content_type=content_type)
        event = cos_event([cos_record(args.bucket, key, region=args.region, size=record.size,
                                      content_type=content_type, meta=meta)])
    except StoreError as exc:
        raise FuseFaceError("InvalidParameterValue", f"COS refused the object: {exc.code}: {exc.message}") from exc
    except ValueError as exc:
        raise FuseFaceError("InvalidParameterValue", str(exc)) from exc
    sys.stdout.write(json.dumps(event, ensure_ascii=False, indent=2) + "\n")
    print(f"fuseface cos put: {args.bucket}/{key} ({record.size} bytes) in {Path(args.data) / 'cos'}", file=sys.stderr)
    return 0
