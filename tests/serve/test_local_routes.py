"""The local-only routes of ``fuseface serve`` (``/local/``): what the page needs beyond the API, from the embedded
emulator and the engine; ``--model-id``; and ``POST /detect`` end to end (function -> iai SDK -> emulator)."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from fuseface_local.serve import LocalServer
from scf_fuseface.errors import FuseFaceError

from ..support.paths import EVENTS, FACES, MATERIAL, MODEL, PROJECT


def _url(server, path):
    return server.url.rstrip("/") + path


def test_local_materials_add_what_the_api_lacks_for_each_material(server, http):
    body = http.get(_url(server, "/local/materials")).json()
    assert (body["ActivityId"], body["DefaultModelId"]) == (PROJECT, MODEL)
    assert body["Ultra"] in (True, False)
    extra = body["Materials"][MATERIAL]  # keyed like DescribeMaterialList's MaterialInfos
    # events/materials/materials.json: redefine (畅享版), console default 50, levels 30..70 (product/1007/31028)
    assert extra == {"Algorithm": "redefine", "AlgorithmName": "畅享版", "FuseFaceDegree": 50,
                     "FuseProfileDegree": 50, "RecommendedLevels": [30, 40, 50, 60, 70],
                     "Image": f"/local/materials/{MATERIAL}/image"}
    listed = http.get(_url(server, "/materials")).json()["Response"]["MaterialInfos"]
    assert {"Algorithm", "Image", "FuseFaceDegree"}.isdisjoint(listed[0])  # /materials stays DescribeMaterialList


def test_the_template_image_is_served_for_thumbnails(server, http):
    resp = http.get(_url(server, f"/local/materials/{MATERIAL}/image"))
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/jpeg"
    assert resp.content == (EVENTS / "materials" / "obama_template.jpg").read_bytes()
    missing = http.get(_url(server, "/local/materials/qc_1_2_3/image"))
    assert missing.status_code == 400
    assert missing.json()["Response"]["Error"]["Code"] == "InvalidParameterValue.MaterialIdNotFound"


def test_the_sweep_is_a_png_contact_sheet_of_the_levels(server, http):
    resp = http.post(_url(server, f"/local/sweep?ModelId={MODEL}"), data=(FACES / "biden.jpg").read_bytes(),
                     headers={"Content-Type": "image/jpeg"}, timeout=120)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(resp.content)) as sheet:
        assert sheet.format == "PNG" and sheet.height == 2 * (360 + 34)  # 9 tiles, five per row


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/local/nope", 404, "ResourceNotFound.Route"),
    ("GET", "/local/sweep", 405, "UnsupportedOperation.MethodNotAllowed"),
    ("POST", "/local/materials", 405, "UnsupportedOperation.MethodNotAllowed"),
    ("POST", "/local/sweep?ModelId=qc_1_2_3", 400, "InvalidParameterValue.MaterialIdNotFound"),
    ("POST", f"/local/sweep?ModelId={MODEL}", 400, "MissingParameter"),
])
def test_local_route_errors_use_the_envelope(server, http, method, path, status, code):
    resp = http.request(method, _url(server, path))
    assert resp.status_code == status
    assert resp.json()["Response"]["Error"]["Code"] == code


def test_detect_goes_through_the_function_and_the_iai_sdk_to_the_emulator(server, http):
    before = server.emulator.calls["DetectFace"]
    resp = http.post(_url(server, "/detect"), data=(FACES / "group.jpg").read_bytes(),
                     headers={"Content-Type": "image/jpeg"}, timeout=60)
    body = resp.json()["Response"]
    assert resp.status_code == 200 and (body["ImageWidth"], body["ImageHeight"]) == (1400, 950)
    # make_group.py: five faces about 260, 150, 100, 60 and 46 px wide; the emulator answers the largest first
    widths = [f["Width"] for f in body["FaceInfos"]]
    assert len(widths) == 5 and widths == sorted(widths, reverse=True) and 230 < widths[0] < 290
    assert server.emulator.calls["DetectFace"] == before + 1


def test_model_id_must_name_a_material_and_becomes_the_functions_default(tmp_path, http):
    with pytest.raises(FuseFaceError) as info:
        LocalServer(tmp_path / "a", port=0, events_dir=EVENTS, model_id="qc_9_9_9").start()
    assert info.value.code == "InvalidParameterValue.MaterialIdNotFound"
    with LocalServer(tmp_path / "b", port=0, events_dir=EVENTS) as first:  # add a second material, then restart
        other = first.emulator.materials.add(PROJECT, (FACES / "astronaut.jpg").read_bytes(), name="second")
    with LocalServer(tmp_path / "b", port=0, events_dir=EVENTS, model_id=other["MaterialId"]) as srv:
        assert http.get(_url(srv, "/local/materials")).json()["DefaultModelId"] == other["MaterialId"]
        resp = http.post(_url(srv, "/fuse"), data=(FACES / "biden.jpg").read_bytes(),
                         headers={"Content-Type": "image/jpeg"}, timeout=60)
        assert resp.status_code == 200
        fused = Image.open(io.BytesIO(base64.b64decode(resp.json()["Response"]["FusedImage"])))
        with Image.open(FACES / "astronaut.jpg") as template:
            assert fused.size == template.size != (720, 900)  # the second material's template, not the fixture's
