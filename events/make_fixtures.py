"""Regenerate every file under events/: SCF event JSON, the COS objects they refer to, and the material.

    .venv/bin/python events/make_fixtures.py

Images are derived from the public-domain faces in tests/assets/faces/ (see PROVENANCE.md there);
the output is deterministic for a given Pillow version. Event shapes come from
``fuseface_local.eventgen`` so that ``fuseface event`` and these fixtures cannot drift apart.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from fuseface_local.eventgen import cos_event, cos_record, http_event, json_body  # noqa: E402

FACES = ROOT / "tests" / "assets" / "faces"
BUCKET = "fuseface-1250000000"
REGION = "ap-guangzhou"
# The FuseFace 2022-09-27 doc's own example IDs (https://cloud.tencent.com/document/api/670/85618): activity
# at_..., ModelId mt_<material>_1 (the material's first face); the MaterialId is the ModelId without "_1".
PROJECT_ID = "at_1603326187690926080"
MATERIAL_ID = "mt_1603586676924403712"
MODEL_ID = f"{MATERIAL_ID}_1"

KEY_PUT = f"uploads/{MODEL_ID}/selfie.jpg"
KEY_UNICODE = f"uploads/{MODEL_ID}/我的 自拍+1.jpg"
KEY_BATCH_1 = f"uploads/{MODEL_ID}/batch/biden.jpg"
KEY_BATCH_2 = "uploads/batch/astronaut.jpg"  # no ModelId in the key: routed by object metadata
KEY_OWN = f"fused/uploads/{MODEL_ID}/earlier.jpg"
KEY_NOT_IMAGE = f"uploads/{MODEL_ID}/notes.jpg"
# FuseFaceUltra: the template is an object of its own; one upload names it in its metadata, one relies on
# FUSEFACE_ULTRA_TEMPLATE_KEY (set it to KEY_ULTRA_TEMPLATE when replaying).
KEY_ULTRA_TEMPLATE = "templates/obama_template.jpg"
KEY_ULTRA = "uploads/ultra/selfie.jpg"
KEY_ULTRA_CONFIG = "uploads/selfies/selfie.jpg"


def _jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _resize_width(img: Image.Image, width: int) -> Image.Image:
    return img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)


def biden_portrait() -> Image.Image:
    """Head and shoulders of biden.jpg (970x2204, full figure): the top 1120 rows."""
    return Image.open(FACES / "biden.jpg").crop((0, 0, 970, 1120))


def make_images() -> dict:
    selfie = _jpeg(_resize_width(biden_portrait(), 640), 88)
    small = _jpeg(_resize_width(biden_portrait(), 360), 80)  # payload inside HTTP events (~20-40 KB)
    astronaut = _jpeg(Image.open(FACES / "astronaut.jpg"), 88)
    # Material: obama.jpg (910x1137) scaled into 1080x1080 (material pixel limit) -> 720x900.
    template = _jpeg(Image.open(FACES / "obama.jpg").resize((720, 900), Image.LANCZOS), 90)
    return {"selfie": selfie, "small": small, "astronaut": astronaut, "template": template}


def main() -> None:
    imgs = make_images()
    not_image = b"This is a plain text note that was uploaded with a .jpg name.\n"

    # --- COS objects (events/objects/<bucket>/<key>) and their metadata (events/objects.json)
    objects = {
        KEY_PUT: (imgs["selfie"], "image/jpeg", {}),
        KEY_UNICODE: (imgs["selfie"], "image/jpeg", {}),
        KEY_BATCH_1: (imgs["selfie"], "image/jpeg", {}),
        KEY_BATCH_2: (imgs["astronaut"], "image/jpeg", {"x-cos-meta-fuseface-model-id": MODEL_ID}),
        KEY_OWN: (imgs["small"], "image/jpeg", {
            "x-cos-meta-fuseface-generated": "1",
            "x-cos-meta-fuseface-source-key": f"uploads/{MODEL_ID}/earlier.jpg",
            "x-cos-meta-fuseface-model-id": MODEL_ID,
        }),
        KEY_NOT_IMAGE: (not_image, "image/jpeg", {}),
        KEY_ULTRA_TEMPLATE: (imgs["template"], "image/jpeg", {}),
        KEY_ULTRA: (imgs["selfie"], "image/jpeg", {"x-cos-meta-fuseface-template-key": KEY_ULTRA_TEMPLATE}),
        KEY_ULTRA_CONFIG: (imgs["selfie"], "image/jpeg", {}),
    }
    obj_root = HERE / "objects"
    shutil.rmtree(obj_root, ignore_errors=True)
    manifest: dict = {BUCKET: {}}
    for key, (data, ctype, meta) in objects.items():
        path = obj_root / BUCKET / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        manifest[BUCKET][key] = {"content_type": ctype, "metadata": meta}
    _write_json(HERE / "objects.json", manifest)

    # --- material
    mat_root = HERE / "materials"
    mat_root.mkdir(exist_ok=True)
    (mat_root / "obama_template.jpg").write_bytes(imgs["template"])
    _write_json(mat_root / "materials.json", [{
        "ProjectId": PROJECT_ID, "MaterialId": MATERIAL_ID, "ModelId": MODEL_ID, "Image": "obama_template.jpg",
        "Name": "obama-white-house-portrait", "Algorithm": "redefine",
    }])

    # --- COS events
    def rec(key: str, **kw) -> dict:
        data, ctype, meta = objects.get(key, (b"", "image/jpeg", {}))
        kw.setdefault("size", len(data))
        return cos_record(BUCKET, key, region=REGION, content_type=ctype, meta=meta, **kw)

    _write_json(HERE / "cos_put.json", cos_event([rec(KEY_PUT)]))
    _write_json(HERE / "cos_put_unicode_space_key.json", cos_event([rec(KEY_UNICODE, reqid=179398953)]))
    _write_json(HERE / "cos_put_url_encoded_key.json",
                cos_event([rec(KEY_UNICODE, encode_key=True, reqid=179398954)]))
    _write_json(HERE / "cos_multi_record.json", cos_event([
        rec(KEY_BATCH_1, event_time=1795600100, reqid=179398960),
        # Older COS docs show size as a string: keep one record that way.
        rec(KEY_BATCH_2, event_time=1795600101, reqid=179398961, size=str(len(imgs["astronaut"]))),
    ]))
    _write_json(HERE / "cos_delete.json", cos_event([
        cos_record(BUCKET, KEY_PUT, region=REGION, event_name="cos:ObjectRemove:Delete", size=0,
                   content_type="", event_time=1795600200, reqid=179398970)]))
    _write_json(HERE / "cos_own_output.json", cos_event([rec(KEY_OWN, event_time=1795600300, reqid=179398980)]))
    _write_json(HERE / "cos_put_not_image.json",
                cos_event([rec(KEY_NOT_IMAGE, event_time=1795600400, reqid=179398990)]))
    _write_json(HERE / "cos_put_ultra.json", cos_event([rec(KEY_ULTRA, event_time=1795600500, reqid=179399000)]))
    _write_json(HERE / "cos_put_ultra_config.json",
                cos_event([rec(KEY_ULTRA_CONFIG, event_time=1795600600, reqid=179399010)]))

    # --- HTTP events
    fuse_body = json_body({
        "ProjectId": PROJECT_ID, "ModelId": MODEL_ID, "RspImgType": "base64",
        "MergeInfos": [{"Image": base64.b64encode(imgs["small"]).decode("ascii")}],
        "FuseFaceDegree": 50, "FuseProfileDegree": 50, "LogoAdd": 1,
    })
    _write_json(HERE / "apigw_post_json.json",
                http_event("POST", "/fuse", body=fuse_body, content_type="application/json"))
    _write_json(HERE / "apigw_post_base64_image.json", http_event(
        "POST", "/fuse", body=imgs["small"], content_type="image/jpeg",
        query={"ProjectId": PROJECT_ID, "ModelId": MODEL_ID}))
    _write_json(HERE / "function_url_post_json.json", http_event(
        "POST", "/fuse", body=fuse_body, content_type="application/json", function_url=True))
    _write_json(HERE / "function_url_get_health.json", http_event("GET", "/healthz", function_url=True))
    _write_json(HERE / "function_url_post_json_request_context.json", http_event(
        "POST", "/fuse", body=fuse_body, content_type="application/json", function_url=True, request_context=True))
    _write_json(HERE / "apigw_get_materials.json", http_event("GET", "/materials", query={"ProjectId": PROJECT_ID}))
    _write_json(HERE / "apigw_post_ultra_json.json", http_event("POST", "/fuse", content_type="application/json",
                                                                 body=json_body({
        "RspImgType": "base64", "ModelImage": base64.b64encode(imgs["template"]).decode("ascii"),
        "MergeInfos": [{"Image": base64.b64encode(imgs["small"]).decode("ascii")}],
        "SwapModelType": 1, "FusionUltraParam": {"WarpRadio": 0.7, "MpRadio": 0.5}, "LogoAdd": 1,
    })))

    for name in sorted(p.name for p in HERE.glob("*.json")):
        print(f"{name:44s} {(HERE / name).stat().st_size:8d} bytes")


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
