"""FuseFace end to end with the real offline engine (one engine for the module: models load once)."""

from __future__ import annotations

import base64
import io

import pytest
import requests
from PIL import Image
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from fuseface_local.emulator import EmulatorServer, read_metadata
from scf_fuseface.errors import FuseFaceError

from ..support.clients import api_client, cos_client
from ..support.images import png_bytes
from ..support.paths import BUCKET, PROJECT, asset

pytest.importorskip("fuseface_local.engine.core", reason="the fusion engine (engine/core.py) is not there yet")


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from fuseface_local.engine import FusionEngine

    with EmulatorServer(tmp_path_factory.mktemp("real-engine"), engine=FusionEngine()) as emu:
        emu.materials.add(PROJECT, asset("obama.jpg"), name="obama", model_id="qc_300029_000001_1")
        yield emu


def _decode(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    image.load()
    return image


def test_material_review_detects_the_face(real):
    (record,) = [m for m in real.materials.list(PROJECT) if m["MaterialId"] == "qc_300029_000001_1"]
    (face,) = record["MaterialFaceList"]
    assert face["FaceId"] == "qc_300029_000001_1_1"
    rect = face["FaceInfo"]
    assert rect["Width"] > 100 and rect["Height"] > 100
    assert 0 <= rect["X"] < 910 and 0 <= rect["Y"] < 1137


def test_material_review_refuses_an_image_without_a_face(real):
    with pytest.raises(FuseFaceError) as err:
        real.materials.add(PROJECT, png_bytes(300, 300))
    assert err.value.code == "FailedOperation.NoFaceDetected"


def test_fuseface_base64_end_to_end(real):
    params = {"ProjectId": PROJECT, "ModelId": "qc_300029_000001_1", "RspImgType": "base64",
              "MergeInfos": [{"Image": base64.b64encode(asset("biden.jpg")).decode()}],
              "FuseParam": {"ImageCodecParam": {"MetaData": [{"MetaKey": "AIGC", "MetaValue": "1"}]}}}
    fused = base64.b64decode(api_client(real).call_json("FuseFace", params)["Response"]["FusedImage"])
    image = _decode(fused)
    assert image.format == "JPEG"
    assert image.size == (910, 1137)  # the template's size
    assert read_metadata(fused) == {"AIGC": "1"}


def test_fuseface_url_in_url_out(real):
    cos = cos_client(real)
    cos.put_object(Bucket=BUCKET, Key="uploads/qc_300029_000001_1/u.jpg", Body=asset("obama2.jpg"),
                   ContentType="image/jpeg")
    url = cos.get_presigned_download_url(Bucket=BUCKET, Key="uploads/qc_300029_000001_1/u.jpg")
    params = {"ProjectId": PROJECT, "ModelId": "qc_300029_000001_1", "RspImgType": "url",
              "MergeInfos": [{"Url": url}], "LogoAdd": 0}
    result = api_client(real).call_json("FuseFace", params)["Response"]["FusedImage"]
    response = requests.get(result, timeout=30)
    assert response.status_code == 200
    assert _decode(response.content).size == (910, 1137)


def test_user_image_without_a_face_maps_the_engine_code(real):
    params = {"ProjectId": PROJECT, "ModelId": "qc_300029_000001_1", "RspImgType": "base64",
              "MergeInfos": [{"Image": base64.b64encode(png_bytes(300, 300)).decode()}]}
    with pytest.raises(TencentCloudSDKException) as err:
        api_client(real).call_json("FuseFace", params)
    assert err.value.get_code() == "FailedOperation.NoFaceDetected"
