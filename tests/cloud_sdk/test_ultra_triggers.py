"""FuseFaceUltra through ``main_handler``, the real SDKs and the emulator (real engine): HTTP ``POST /fuse`` with a
FuseFaceUltra JSON body or a multipart ``template`` part, and a COS upload with ``FUSEFACE_ULTRA_TEMPLATE_KEY``."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image

from fuseface_local.eventgen import cos_event, cos_record, http_event
from scf_fuseface.entry import main_handler

from ..support.clients import TOKEN, cos_client
from ..support.cloud import scf_context, unique_key
from ..support.images import selfie_bytes, small_face
from ..support.paths import BUCKET, REGION, asset

TEMPLATE_KEY = "templates/obama_template.jpg"  # events/objects: 720 x 900


def _size(data: bytes):
    with Image.open(io.BytesIO(data)) as img:
        return img.size


def _fused(resp):
    assert resp["statusCode"] == 200, resp["body"][:300]
    body = json.loads(resp["body"])["Response"]
    return base64.b64decode(body["FusedImage"]), body


def test_post_fuse_with_a_fuseface_ultra_body(emu):
    payload = {"ModelImage": base64.b64encode(asset("obama.jpg")).decode(),
               "MergeInfos": [{"Image": base64.b64encode(small_face(width=300)).decode()}],
               "SwapModelType": 2, "FusionUltraParam": {"WarpRadio": 0.9}}
    resp = main_handler(http_event(body=json.dumps(payload), content_type="application/json"), scf_context())
    fused, body = _fused(resp)
    assert _size(fused) == (910, 1137) and body["RequestId"]
    assert emu.calls["FuseFaceUltra"] == 1 and emu.calls["FuseFace"] == 0


def test_post_fuse_multipart_with_a_template_part(emu):
    boundary = "----ultraboundary"
    template, selfie = asset("obama.jpg"), small_face(width=300, fmt="PNG")
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"template\"; filename=\"poster.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode() + template + (
            f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"me.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + selfie + (
            f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"MpRadio\"\r\n\r\n0.8\r\n"
            f"--{boundary}--\r\n").encode()
    event = http_event(body=body, content_type=f"multipart/form-data; boundary={boundary}")
    fused, _body = _fused(main_handler(event, scf_context()))
    assert _size(fused) == (910, 1137)
    assert emu.calls["FuseFaceUltra"] == 1


def test_cos_upload_with_the_template_key_configured(emu, monkeypatch):
    monkeypatch.setenv("FUSEFACE_ULTRA_TEMPLATE_KEY", TEMPLATE_KEY)
    key = "uploads/selfies/" + unique_key("ultra").rsplit("/", 1)[1]  # no ModelId in the key
    cos_client(emu, token=TOKEN).put_object(Bucket=BUCKET, Key=key, Body=selfie_bytes(), ContentType="image/jpeg")
    event = cos_event([cos_record(BUCKET, key, region=REGION, size=len(selfie_bytes()))])
    result = main_handler(event, scf_context())
    (record,) = result["records"]
    assert record["status"] == "fused", record
    data, meta, _ctype = emu.store.get(BUCKET, record["output_key"])
    assert record["output_key"].startswith("fused/uploads/selfies/")
    assert meta["x-cos-meta-fuseface-action"] == "FuseFaceUltra"
    assert meta["x-cos-meta-fuseface-template-key"] == TEMPLATE_KEY
    assert _size(data) == (720, 900)
    assert emu.calls["FuseFaceUltra"] == 1 and emu.calls["FuseFace"] == 0
    # FuseFace's downloader fetched both presigned URLs from emulated COS: the template and the selfie
    fetched = {(s.bucket, s.key) for s in emu.served}
    assert (BUCKET, TEMPLATE_KEY) in fetched and (BUCKET, key) in fetched
