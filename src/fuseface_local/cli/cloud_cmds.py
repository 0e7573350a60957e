"""Local-cloud sub-commands of ``fuseface``: ``emulator`` (serve FuseFace + COS on loopback) and
``materials add|list`` (the console's material upload with its review, on the emulator's data directory).

Each sub-command is one ``_add_<name>(sub)`` function; heavy imports happen inside the command functions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scf_fuseface.regions import DEFAULT_REGION

from ..algorithms import ALGORITHMS
from . import stop_on_signals
from .engine_cmds import read_image_arg
from .load_cmds import add_emulator_options, emulator_kwargs, start_upload_loop

__all__ = ["register"]

_CREDENTIALS_HELP = (
    "Credentials come from TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN, "
    "which then becomes required); when unset, the loopback-only defaults SecretId AKIDLOCALFUSEFACEEMULATOR "
    "and SecretKey local-emulator-secret are used."
)


def _print_json(obj) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


# --- fuseface emulator -------------------------------------------------------------------------------------
def _cmd_emulator(args: argparse.Namespace) -> int:
    from ..emulator import EmulatorServer

    stop_on_signals()
    server = EmulatorServer(args.data, host=args.host, port=args.port, region=args.region, **emulator_kwargs(args))
    server.start()
    loop = None
    try:  # a signal may arrive as soon as the banner is out: everything after start() is inside the guard
        loop = start_upload_loop(args, server)
        banner = {
            "Endpoint": server.endpoint, "FuseFace": f"HttpProfile(protocol='http', endpoint='{server.endpoint}')",
            "COS": f"CosConfig(Region='{args.region}', IP='127.0.0.1', Port={server.port}, Scheme='http')",
            "SecretId": server.secret_id, "Data": str(Path(args.data).resolve()),
        }
        if loop is not None:
            banner["Triggers"] = [f"{t.bucket}/{t.prefix}*{t.suffix} {','.join(t.events)}" for t in loop.spec.triggers]
            banner["Instances"] = loop.concurrency
        _print_json(banner)
        print("Ctrl-C to stop.", file=sys.stderr, flush=True)
        server.serve_forever()  # stops the server itself when interrupted inside it
    except KeyboardInterrupt:
        pass
    finally:
        if loop is not None:
            loop.stop()
        if server.running:
            server.stop()
    return 0


def _add_emulator(sub) -> None:
    p = sub.add_parser(
        "emulator", help="serve the local FuseFace API + COS on one port (foreground)",
        description="Serve FuseFace API 3.0 (POST /, TC3-signed) and the COS XML API (routed by the Host "
                    "header {bucket}.cos.{region}.myqcloud.com) on one port until Ctrl-C. " + _CREDENTIALS_HELP,
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free one, printed)")
    p.add_argument("--data", required=True, help="data directory (objects under cos/, materials/)")
    p.add_argument("--region", default=DEFAULT_REGION, help="region shown in the printed CosConfig")
    add_emulator_options(p)
    p.set_defaults(func=_cmd_emulator)


# --- fuseface materials ------------------------------------------------------------------------------------
def _store(data: str):
    from ..emulator import MaterialStore

    def engine():
        from ..engine import FusionEngine

        return FusionEngine()

    return MaterialStore(Path(data) / "materials", engine)


def _summary(record: dict) -> dict:
    return {
        "ModelId": record["MaterialId"], "ProjectId": record["ProjectId"], "Name": record["MaterialName"],
        "Algorithm": record["Algorithm"], "MaterialStatus": record["MaterialStatus"],
        "Faces": [{"FaceId": f["FaceId"], **f["FaceInfo"]} for f in record["MaterialFaceList"]],
    }


def _cmd_materials_add(args: argparse.Namespace) -> int:
    image = read_image_arg(args.image)
    record = _store(args.data).add(args.project, image, name=args.name, algorithm=args.algorithm,
                                   model_id=args.model_id)
    _print_json(_summary(record))
    return 0


def _cmd_materials_list(args: argparse.Namespace) -> int:
    _print_json([_summary(r) for r in _store(args.data).list(args.project)])
    return 0


def _add_materials(sub) -> None:
    p = sub.add_parser("materials", help="add or list emulator materials (activities and their templates)")
    msub = p.add_subparsers(dest="materials_command", required=True, metavar="ACTION")
    add = msub.add_parser(
        "add", help="review and add a material; prints JSON with ModelId and Faces",
        description="Review (jpg/png, each side in (64, 4096), <= 10 MB, a face > 34 px) and add a material. "
                    "Refusals exit 2 with one JSON line {Code, Message} on stderr. At most 10 materials.",
    )
    add.add_argument("--data", required=True, help="emulator data directory")
    add.add_argument("--project", required=True, help="activity id (ProjectId), e.g. 300029")
    add.add_argument("--image", required=True, help="template image (jpg or png)")
    add.add_argument("--name", default=None, help="material name (default: the ModelId)")
    add.add_argument("--algorithm", default="redefine", choices=ALGORITHMS)
    add.add_argument("--model-id", default=None, help="ModelId to use or replace (default qc_<project>_<n>_1)")
    add.set_defaults(func=_cmd_materials_add)
    ls = msub.add_parser("list", help="list materials as JSON")
    ls.add_argument("--data", required=True, help="emulator data directory")
    ls.add_argument("--project", default=None, help="only this activity")
    ls.set_defaults(func=_cmd_materials_list)


def register(sub) -> None:
    _add_emulator(sub)
    _add_materials(sub)
