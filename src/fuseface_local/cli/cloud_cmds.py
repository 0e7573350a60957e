"""Local-cloud sub-commands of ``fuseface``: ``emulator`` (serve FuseFace + iai DetectFace + COS on loopback) and
``materials add|list|show|remove`` (the console's materials with their review, on the emulator's data directory;
``list --cloud`` asks the real DescribeMaterialList).

Each sub-command is one ``_add_<name>(sub)`` function; heavy imports happen inside the command functions.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.regions import DEFAULT_REGION

from ..algorithms import ALGORITHMS, CONSOLE_NAMES
from . import stop_on_signals
from .checks import data_dir, port, region
from .engine_cmds import read_image_arg
from .load_cmds import add_emulator_options, emulator_kwargs, start_upload_loop
from .tables import format_table

__all__ = ["register"]

_CREDENTIALS_HELP = (
    "Credentials come from TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN, "
    "which then becomes required); when unset, the loopback-only defaults SecretId AKIDLOCALFUSEFACEEMULATOR "
    "and SecretKey local-emulator-secret are used."
)
_STATUS = {0: "reviewing", 1: "approved", 2: "rejected", 3: "appealing", 11: "appeal ok", 12: "appeal failed",
           21: "machine pass", 22: "machine fail"}


def _print_json(obj) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


# --- fuseface emulator -------------------------------------------------------------------------------------
def _cmd_emulator(args: argparse.Namespace) -> int:
    from ..emulator import EmulatorServer

    stop_on_signals()
    regions = [r.strip() for r in args.regions.split(",") if r.strip()] if args.regions else None
    server = EmulatorServer(args.data, host=args.host, port=args.port, region=args.region, regions=regions,
                            **emulator_kwargs(args))
    server.app.access_log = sys.stderr
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
        print("Ctrl-C to stop. One line per request: time, method, path, status, ms.", file=sys.stderr, flush=True)
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
        "emulator", help="serve the local FuseFace API + iai DetectFace + COS on one port (foreground)",
        description="Serve TencentCloud API 3.0 (POST /, TC3-signed: facefusion 2022-09-27 and iai 2020-03-03 "
                    "DetectFace, routed by the signed service) and the COS XML API (routed by the Host header "
                    "{bucket}.cos.{region}.myqcloud.com) on one port until Ctrl-C. One access line per request on "
                    "stderr (time, method, path without query, status, ms). " + _CREDENTIALS_HELP,
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address")
    p.add_argument("--port", type=port, default=0, help="port (0: a free one, printed)")
    p.add_argument("--data", type=data_dir, required=True, help="data directory (objects under cos/, materials/)")
    p.add_argument("--region", type=region, default=DEFAULT_REGION, help="region shown in the printed CosConfig")
    p.add_argument("--regions", default=None,
                   help="comma-separated X-TC-Region values FuseFace serves (default: $FUSEFACE_EMULATOR_REGIONS, "
                        "else the regions of FuseFace's endpoint list; the real list is unconfirmed)")
    add_emulator_options(p)
    p.set_defaults(func=_cmd_emulator)


# --- fuseface materials ------------------------------------------------------------------------------------
def _store(data: Path):
    from ..emulator import MaterialStore

    def engine():
        from ..engine import FusionEngine

        return FusionEngine()

    return MaterialStore(Path(data) / "materials", engine)


def _summary(record: dict) -> dict:
    """A material as the CLI prints it. ``ModelId`` is what to pass to FuseFace: the first face's ``FaceId``, the
    form of the documented FuseFace example (``mt_..._1``); the bare ``MaterialId`` is accepted too (UNCONFIRMED
    which one the real service wants, see ``scf_fuseface.ids``)."""
    faces = record["MaterialFaceList"]
    return {
        "MaterialId": record["MaterialId"], "ModelId": faces[0]["FaceId"] if faces else record["MaterialId"],
        "ProjectId": record["ProjectId"], "Name": record["MaterialName"],
        "Algorithm": record["Algorithm"], "MaterialStatus": record["MaterialStatus"],
        "FuseFaceDegree": record["FuseFaceDegree"], "FuseProfileDegree": record["FuseProfileDegree"],
        "Faces": [{"FaceId": f["FaceId"], **f["FaceInfo"]} for f in record["MaterialFaceList"]],
    }


def _algorithm(name: str) -> str:
    return f"{CONSOLE_NAMES.get(name, '')} {name}".strip()


def _cmd_materials_add(args: argparse.Namespace) -> int:
    image = read_image_arg(args.image)
    record = _store(args.data).add(args.project, image, name=args.name, algorithm=args.algorithm,
                                   material_id=args.material_id)
    _print_json(_summary(record))
    return 0


def _cmd_materials_list(args: argparse.Namespace) -> int:
    if args.cloud:
        return _list_cloud(args)
    records = _store(args.data).list(args.project)
    if args.json:
        _print_json([_summary(r) for r in records])
        return 0
    rows = [(_summary(r)["ModelId"], r["MaterialName"], r["ProjectId"], _algorithm(r["Algorithm"]),
             "-" if r["Algorithm"] == "faceswap" else f"{r['FuseFaceDegree']}/{r['FuseProfileDegree']}",
             len(r["MaterialFaceList"]), _STATUS.get(r["MaterialStatus"], r["MaterialStatus"])) for r in records]
    print(format_table(("ModelId", "Name", "Activity", "Algorithm", "Degrees", "Faces", "Status"), rows, right=(5,)))
    print(f"{len(records)} material(s) in {Path(args.data) / 'materials'}", file=sys.stderr)
    return 0


def _list_cloud(args: argparse.Namespace) -> int:
    """DescribeMaterialList through the function's own adapter, with the function's environment (every page)."""
    from scf_fuseface.adapters.facefusion import FuseFaceClient
    from scf_fuseface.config import credentials_from_env, load_settings

    settings = load_settings(os.environ)
    activity = args.project or settings.project_id
    if not activity:
        raise FuseFaceError("MissingParameter", "--cloud needs --project or FUSEFACE_PROJECT_ID (your activity).")
    client = FuseFaceClient(settings, credentials_from_env())
    infos, offset = [], 0
    while True:
        page = client.describe_materials(activity, limit=20, offset=offset)
        batch = page.get("MaterialInfos") or []
        infos.extend(batch)
        offset += len(batch)
        if not batch or offset >= int(page.get("Count") or 0):
            break
    if args.json:
        _print_json(infos)
        return 0
    rows = [(m.get("MaterialId"), m.get("MaterialName"), len(m.get("MaterialFaceList") or []),
             _STATUS.get(m.get("MaterialStatus"), m.get("MaterialStatus")), m.get("UpdateTime")) for m in infos]
    print(format_table(("MaterialId", "Name", "Faces", "Status", "Updated"), rows, right=(2,)))
    print(f"{len(infos)} material(s) in activity {activity} ({settings.endpoint})", file=sys.stderr)
    return 0


def _cmd_materials_show(args: argparse.Namespace) -> int:
    from .fusion_cmds import output_extension, write_file

    output = args.output or f"out/{args.model_id}-faces.png"
    extension = output_extension(output)
    store = _store(args.data)
    record = store.resolve(args.model_id)
    if record is None:
        known = ", ".join(r["MaterialId"] for r in store.list()) or "none"
        raise FuseFaceError("InvalidParameterValue.MaterialIdNotFound", f"No material {args.model_id!r} (known: {known}).")
    print(format_table(("Field", "Value"), [
        ("MaterialId", record["MaterialId"]), ("ModelId", _summary(record)["ModelId"]), ("Name", record["MaterialName"]), ("Activity", record["ProjectId"]),
        ("Algorithm", _algorithm(record["Algorithm"])),
        ("Default degrees", "-" if record["Algorithm"] == "faceswap" else
         f"五官 {record['FuseFaceDegree']} / 脸型 {record['FuseProfileDegree']}"),
        ("Status", _STATUS.get(record["MaterialStatus"], record["MaterialStatus"])),
        ("Created", record["CreateTime"]), ("Image", str(Path(args.data) / "materials" / record["Image"]))]))
    print()
    faces = [(n, f["FaceId"], f["FaceInfo"]["X"], f["FaceInfo"]["Y"], f["FaceInfo"]["Width"], f["FaceInfo"]["Height"])
             for n, f in enumerate(record["MaterialFaceList"], start=1)]
    print(format_table(("#", "TemplateFaceID", "X", "Y", "Width", "Height"), faces, right=(0, 2, 3, 4, 5)))
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    write_file(output, _numbered(store.image(record), record["MaterialFaceList"], extension))
    print(f"{output}: the template with its faces numbered", file=sys.stderr)
    return 0


def _numbered(image: bytes, faces: list, extension: str) -> bytes:
    """The template with each face outlined and numbered (TemplateFaceID order)."""
    import cv2

    from ..engine.codec import decode
    from ..sweep import encode_image

    img = decode(image)
    thick = max(2, round(max(img.shape[:2]) / 300))
    for n, face in enumerate(faces, start=1):
        x, y, w, h = (int(face["FaceInfo"][k]) for k in ("X", "Y", "Width", "Height"))
        cv2.rectangle(img, (x, y), (x + w, y + h), (0, 212, 255), thick)
        scale = max(0.8, w / 120)
        (tw, th), _ = cv2.getTextSize(str(n), cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        top = max(y - th - 2 * thick, 0)
        cv2.rectangle(img, (x, top), (x + tw + 2 * thick, top + th + 2 * thick), (0, 212, 255), -1)
        cv2.putText(img, str(n), (x + thick, top + th + thick), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick,
                    cv2.LINE_AA)
    return encode_image(img, extension)


def _cmd_materials_remove(args: argparse.Namespace) -> int:
    store = _store(args.data)
    record = store.resolve(args.model_id)
    if record is None:
        raise FuseFaceError("InvalidParameterValue.MaterialIdNotFound", f"No material {args.model_id!r}.")
    store.remove(record["MaterialId"])
    print(f"removed {args.model_id}; {len(store.list())} material(s) left", file=sys.stderr)
    return 0


def _add_materials(sub) -> None:
    p = sub.add_parser("materials", help="the emulator's materials: add, list, show, remove")
    msub = p.add_subparsers(dest="materials_command", required=True, metavar="ACTION")
    add = msub.add_parser(
        "add", help="review and add a material; prints JSON with MaterialId, ModelId and Faces",
        description="Review (jpg/png, each side in (64, 4096), <= 10 MB, a face > 34 px) and add a material. "
                    "IDs are issued as the console does: MaterialId mt_<19 digits>, FaceId <MaterialId>_<n>; "
                    "ModelId (what FuseFace takes) is the first FaceId. "
                    "Refusals exit 2 with one JSON line {Code, Message} on stderr. At most 10 materials.",
    )
    add.add_argument("--data", type=data_dir, default=Path(".local-cloud"), help="emulator data directory")
    add.add_argument("--project", required=True, help="activity id (ProjectId), e.g. at_1603326187690926080")
    add.add_argument("--image", required=True, help="template image (jpg or png)")
    add.add_argument("--name", default=None, help="material name (default: the ModelId)")
    add.add_argument("--algorithm", default="redefine", choices=ALGORITHMS,
                     help="faceswap (换脸版), reinvent (优享版) or redefine (畅享版)")
    add.add_argument("--material-id", "--model-id", dest="material_id", default=None,
                     help="MaterialId to use or replace (default: a new mt_<19 digits>); --model-id is its old name")
    add.set_defaults(func=_cmd_materials_add)
    ls = msub.add_parser("list", help="list materials as a table (--json for JSON)",
                         description="The emulator's materials, or with --cloud your activity's materials through "
                         "DescribeMaterialList (FUSEFACE_REGION/ENDPOINT and TENCENTCLOUD_* credentials from the "
                         "environment, as the function reads them).")
    ls.add_argument("--data", type=data_dir, default=Path(".local-cloud"), help="emulator data directory")
    ls.add_argument("--project", default=None, help="only this activity (with --cloud: default FUSEFACE_PROJECT_ID)")
    ls.add_argument("--json", action="store_true", help="JSON instead of a table")
    ls.add_argument("--cloud", action="store_true", help="ask the real FuseFace (DescribeMaterialList)")
    ls.set_defaults(func=_cmd_materials_list)
    show = msub.add_parser("show", help="one material as a table, and a PNG of its template with faces numbered")
    show.add_argument("model_id", metavar="MODEL_ID")
    show.add_argument("--data", type=data_dir, default=Path(".local-cloud"), help="emulator data directory")
    show.add_argument("--output", default=None, help="the numbered template: .png or .jpg "
                      "(default: out/MODEL_ID-faces.png)")
    show.set_defaults(func=_cmd_materials_show)
    rm = msub.add_parser("remove", help="remove a material (frees a quota slot)")
    rm.add_argument("model_id", metavar="MODEL_ID")
    rm.add_argument("--data", type=data_dir, default=Path(".local-cloud"), help="emulator data directory")
    rm.set_defaults(func=_cmd_materials_remove)


def register(sub) -> None:
    _add_emulator(sub)
    _add_materials(sub)
