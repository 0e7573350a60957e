"""``fuseface serve``: a multipart ``POST /fuse`` with a ``template`` file part beside the ``image`` part is
FuseFaceUltra (the page's "your own template"), over real HTTP, through main_handler, the SDK and the emulator."""

from __future__ import annotations

import base64
import io

from PIL import Image

from fuseface_local.emulator import read_metadata

from ..support.images import small_face
from ..support.paths import asset


def test_multipart_template_and_image_parts_are_fuseface_ultra(server, http):
    before = dict(server.emulator.calls)
    resp = http.post(server.url.rstrip("/") + "/fuse",
                     files={"template": ("poster.jpg", asset("obama.jpg"), "image/jpeg"),
                            "image": ("selfie.jpg", small_face("biden.jpg", 320, square=False), "image/jpeg")},
                     data={"SwapModelType": "3", "WarpRadio": "0.4", "MpRadio": "0.9"})
    assert resp.status_code == 200, resp.text[:300]
    fused = base64.b64decode(resp.json()["Response"]["FusedImage"])
    with Image.open(io.BytesIO(fused)) as img:
        assert img.size == (910, 1137)  # the uploaded template's size, not the sample material's
    assert read_metadata(fused)["FuseFaceUltra"].startswith("SwapModelType=3,WarpRadio=0.40,EnhanceRadio=0.50,"
                                                            "MpRadio=0.90")
    assert server.emulator.calls["FuseFaceUltra"] == before.get("FuseFaceUltra", 0) + 1
    assert server.emulator.calls["FuseFace"] == before.get("FuseFace", 0)


def test_a_bad_radio_is_400_before_any_call(server, http):
    before = server.emulator.calls["FuseFaceUltra"]
    resp = http.post(server.url.rstrip("/") + "/fuse",
                     files={"template": ("poster.jpg", asset("obama.jpg"), "image/jpeg"),
                            "image": ("selfie.jpg", asset("biden.jpg"), "image/jpeg")},
                     data={"WarpRadio": "2"})
    assert resp.status_code == 400
    assert resp.json()["Response"]["Error"]["Code"] == "InvalidParameterValue"
    assert server.emulator.calls["FuseFaceUltra"] == before
