"""``LogoParam`` and ``TemplateFaceRect`` from ``POST /fuse`` through the official SDK's typed request model to the
emulator (real engine): the fields survive ``FuseFaceRequest.from_json_string`` and are honoured."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image

from fuseface_local.eventgen import http_event, json_body
from scf_fuseface.entry import main_handler

from ..support.clients import TOKEN, cos_client
from ..support.cloud import scf_context
from ..support.images import small_face
from ..support.paths import BUCKET, MODEL


def _png(color, size=(30, 20)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def _fuse(params):
    event = http_event("POST", "/fuse", body=json_body(params), content_type="application/json")
    resp = main_handler(event, scf_context())
    assert resp["statusCode"] == 200, resp["body"][:300]
    fused = base64.b64decode(json.loads(resp["body"])["Response"]["FusedImage"])
    return Image.open(io.BytesIO(fused)).convert("RGB")


def _near(pixel, color, tolerance=30) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color))


def test_logo_image_and_logo_url_are_drawn_at_their_rects(emu):
    user = base64.b64encode(small_face(width=300)).decode()
    rect = {"X": 20, "Y": 30, "Width": 120, "Height": 60}
    img = _fuse({"ModelId": MODEL, "MergeInfos": [{"Image": user}],
                 "LogoParam": {"LogoRect": rect, "LogoImage": base64.b64encode(_png((255, 0, 0))).decode()}})
    assert img.size == (720, 900)  # the fixtures' template
    assert _near(img.getpixel((80, 60)), (255, 0, 0))
    emu.store.put(BUCKET, "logos/green.png", _png((0, 200, 0)), content_type="image/png")
    url = cos_client(emu, token=TOKEN).get_presigned_download_url(Bucket=BUCKET, Key="logos/green.png",
                                                                  Params={"x-cos-security-token": TOKEN})
    img = _fuse({"ModelId": MODEL, "MergeInfos": [{"Image": user}],
                 "LogoParam": {"LogoRect": {"X": 600, "Y": 800, "Width": 100, "Height": 80}, "LogoUrl": url}})
    assert _near(img.getpixel((650, 840)), (0, 200, 0))
    assert emu.calls["FuseFace"] == 2


def test_template_face_rect_reaches_the_emulator(emu):
    user = base64.b64encode(small_face(width=300)).decode()
    (material,) = [m for m in emu.materials.list() if any(f["FaceId"] == MODEL for f in m["MaterialFaceList"])]
    face = material["MaterialFaceList"][0]["FaceInfo"]
    inside = {"X": face["X"] + 5, "Y": face["Y"] + 5, "Width": 40, "Height": 40}
    assert _fuse({"ModelId": MODEL, "MergeInfos": [{"Image": user, "TemplateFaceRect": inside}]}).size == (720, 900)
    event = http_event("POST", "/fuse", content_type="application/json", body=json_body(
        {"ModelId": MODEL, "MergeInfos": [{"Image": user, "TemplateFaceRect": {"X": 0, "Y": 0, "Width": 30,
                                                                               "Height": 30}}]}))
    resp = main_handler(event, scf_context())
    error = json.loads(resp["body"])["Response"]["Error"]
    assert error["Code"] == "InvalidParameterValue.FaceRectParameterValueError"  # overlaps no template face
