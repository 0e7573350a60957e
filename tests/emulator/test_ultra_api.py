"""``FuseFaceUltra`` through the unchanged official SDK (``FacefusionClient.FuseFaceUltra`` with the typed
``FuseFaceUltraRequest``) against the emulator: the real engine for results, the fake one for refusals made before
any fusion."""

from __future__ import annotations

import base64
import io
import json
import time
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import requests
from PIL import Image
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.facefusion.v20220927 import facefusion_client, models

from fuseface_local.emulator import EmulatorServer, read_metadata

from ..support.clients import cos_client
from ..support.images import jpeg_bytes, png_bytes
from ..support.paths import BUCKET, REGION, asset

TEMPLATE_B64 = base64.b64encode(asset("obama.jpg")).decode()  # 910 x 1137
USER_B64 = base64.b64encode(asset("biden.jpg")).decode()


def _client(emu, timeout=120):
    cred = credential.Credential(emu.secret_id, emu.secret_key)
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emu.endpoint, reqTimeout=timeout))
    return facefusion_client.FacefusionClient(cred, REGION, profile)


def _ultra(emu, params):
    req = models.FuseFaceUltraRequest()
    req.from_json_string(json.dumps(params))
    return _client(emu).FuseFaceUltra(req)


def _code(emu, params) -> str:
    with pytest.raises(TencentCloudSDKException) as err:
        _ultra(emu, params)
    return err.value.get_code()


def _image(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from fuseface_local.engine import FusionEngine

    with EmulatorServer(tmp_path_factory.mktemp("ultra-real"), engine=FusionEngine()) as emu:
        yield emu


@pytest.fixture
def fresh_real(real):
    real.reset()
    yield real
    real.check_errors()


# --- results (real engine) -------------------------------------------------------------------------------
def test_model_image_and_one_user_image_give_a_result_of_the_template_size(fresh_real):
    resp = _ultra(fresh_real, {"RspImgType": "base64", "ModelImage": TEMPLATE_B64,
                               "MergeInfos": [{"Image": USER_B64}]})
    fused = base64.b64decode(resp.FusedImage)
    assert _image(fused).format == "JPEG" and _image(fused).size == (910, 1137)
    assert resp.RequestId
    # the effective parameters are recorded in the result: the documented recommended values
    assert read_metadata(fused) == {"FuseFaceUltra": "SwapModelType=1,WarpRadio=0.70,EnhanceRadio=0.50,"
                                                     "MpRadio=0.50,TeethEnhanceRadio=1.00"}
    # billed apart: the per-action counters keep FuseFaceUltra and FuseFace separate
    assert fresh_real.calls["FuseFaceUltra"] == 1 and fresh_real.calls["FuseFace"] == 0


def test_swap_model_type_and_radios_are_recorded(fresh_real):
    resp = _ultra(fresh_real, {"RspImgType": "base64", "ModelImage": TEMPLATE_B64, "MergeInfos": [{"Image": USER_B64}],
                               "SwapModelType": 4, "LogoAdd": 0,
                               "FusionUltraParam": {"WarpRadio": 0.2, "MpRadio": 1, "BlurRadio": 0.5}})
    meta = read_metadata(base64.b64decode(resp.FusedImage))
    assert meta["FuseFaceUltra"] == ("SwapModelType=4,WarpRadio=0.20,EnhanceRadio=0.50,MpRadio=1.00,"
                                     "TeethEnhanceRadio=1.00")


def test_model_url_and_user_url_in_result_url_out_valid_one_day(fresh_real):
    cos = cos_client(fresh_real)
    cos.put_object(Bucket=BUCKET, Key="templates/obama.jpg", Body=asset("obama.jpg"), ContentType="image/jpeg")
    cos.put_object(Bucket=BUCKET, Key="uploads/ultra/u.jpg", Body=asset("obama2.jpg"), ContentType="image/jpeg")
    params = {"RspImgType": "url", "ModelImage": base64.b64encode(png_bytes(300, 300)).decode(),  # the URL wins
              "ModelUrl": cos.get_presigned_download_url(Bucket=BUCKET, Key="templates/obama.jpg"),
              "MergeInfos": [{"Url": cos.get_presigned_download_url(Bucket=BUCKET, Key="uploads/ultra/u.jpg")}]}
    before = time.time()
    url = _ultra(fresh_real, params).FusedImage
    _start, end = parse_qs(urlsplit(url).query)["q-sign-time"][0].split(";")
    assert before + 24 * 3600 - 1 <= int(end) <= time.time() + 24 * 3600  # "url有效期为1天" (FuseFace: 7 days)
    got = requests.get(url, timeout=30)
    assert got.status_code == 200 and _image(got.content).size == (910, 1137)


def test_template_face_rect_chooses_the_template_face(fresh_real):
    from fuseface_local.engine import FusionEngine

    group = asset("group.jpg")
    faces = sorted(fresh_real.get_engine().detect(group), key=lambda f: -f.area)
    assert isinstance(fresh_real.get_engine(), FusionEngine)
    second = faces[1]
    rect = {"X": second.x, "Y": second.y, "Width": second.width, "Height": second.height}
    user = base64.b64encode(asset("astronaut.jpg")).decode()
    resp = _ultra(fresh_real, {"RspImgType": "base64", "ModelImage": base64.b64encode(group).decode(),
                               "MergeInfos": [{"Image": user, "TemplateFaceRect": rect}], "LogoAdd": 0})
    out = np.asarray(_image(base64.b64decode(resp.FusedImage)).convert("L"), dtype=float)
    before = np.asarray(_image(group).convert("L"), dtype=float)

    def change(f) -> float:
        return float(np.abs(out - before)[f.y:f.y + f.height, f.x:f.x + f.width].mean())

    assert change(second) > 5 * max(change(faces[0]), 0.5)


def test_template_face_rect_away_from_any_face_is_no_face_detected(fresh_real):
    params = {"RspImgType": "base64", "ModelImage": TEMPLATE_B64,
              "MergeInfos": [{"Image": USER_B64, "TemplateFaceRect": {"X": 0, "Y": 0, "Width": 40, "Height": 40}}]}
    assert _code(fresh_real, params) == "FailedOperation.NoFaceDetected"


def test_a_user_without_a_face_is_no_face_detected(fresh_real):
    params = {"RspImgType": "base64", "ModelImage": TEMPLATE_B64,
              "MergeInfos": [{"Image": base64.b64encode(png_bytes(300, 300)).decode()}]}
    assert _code(fresh_real, params) == "FailedOperation.NoFaceDetected"


def test_two_merge_infos_on_one_face_is_ultras_parameter_code(fresh_real):
    params = {"RspImgType": "base64", "ModelImage": TEMPLATE_B64,
              "MergeInfos": [{"Image": USER_B64}, {"Image": USER_B64}]}  # one face in the template
    assert _code(fresh_real, params) == "FailedOperation.ParameterValueError"


# --- refusals before any fusion (fake engine) ------------------------------------------------------------
def _params(**overrides):
    params = {"RspImgType": "base64", "ModelImage": TEMPLATE_B64, "MergeInfos": [{"Image": USER_B64}]}
    params.update(overrides)
    return params


@pytest.mark.parametrize(("overrides", "code"), [
    ({"SwapModelType": 7}, "FailedOperation.ParameterValueError"),
    ({"SwapModelType": 0}, "FailedOperation.ParameterValueError"),
    ({"FusionUltraParam": {"WarpRadio": 1.5}}, "FailedOperation.ParameterValueError"),
    ({"FusionUltraParam": {"MpRadio": -0.5}}, "FailedOperation.ParameterValueError"),
    ({"RspImgType": "file"}, "FailedOperation.ParameterValueError"),
    ({"MergeInfos": [{"Image": USER_B64}] * 7}, "FailedOperation.ParameterValueError"),
    ({"LogoParam": {"LogoRect": {"X": 0, "Y": 0, "Width": 2161, "Height": 10}, "LogoImage": USER_B64}},
     "FailedOperation.ParameterValueError"),
    ({"MergeInfos": [{"Image": USER_B64, "TemplateFaceRect": {"X": 0, "Y": 0, "Width": 29, "Height": 90}}]},
     "InvalidParameterValue.FaceRectParameterValueError"),
    ({"MergeInfos": [{"Image": USER_B64, "InputImageFaceRect": {"X": -1, "Y": 0, "Width": 90, "Height": 90}}]},
     "InvalidParameterValue.FaceRectParameterValueError"),
    ({"ModelImage": None}, "MissingParameter"),
    ({"MergeInfos": None}, "MissingParameter"),
    ({"ModelImage": base64.b64encode(jpeg_bytes(8000, 100)).decode()}, "FailedOperation.ImagePixelExceed"),
    ({"ModelImage": base64.b64encode(jpeg_bytes(64, 300)).decode()}, "FailedOperation.ImageResolutionTooSmall"),
    ({"ModelImage": base64.b64encode(b"GIF89a" + b"\0" * 64).decode()}, "FailedOperation.ImageDecodeFailed"),
    ({"ModelUrl": "https://example.com/t.jpg"}, "FailedOperation.ImageDownloadError"),
    ({"MergeInfos": [{"Image": base64.b64encode(jpeg_bytes(100, 8000)).decode()}]},
     "FailedOperation.ImagePixelExceed"),
])
def test_refusals(emulator, overrides, code):
    params = {k: v for k, v in _params(**overrides).items() if v is not None}
    assert _code(emulator, params) == code


def test_sides_between_4096_and_8000_pass_the_checks(emulator):
    # FuseFace refuses a side of 4096 or more; FuseFaceUltra accepts < 8000. Past the checks the fake engine
    # cannot fuse, which shows as the emulator's own failure -- not as an image-size code.
    params = _params(ModelImage=base64.b64encode(jpeg_bytes(5000, 200)).decode())
    with pytest.raises(TencentCloudSDKException) as err:
        _ultra(emulator, params)
    assert err.value.get_code() == "InternalError"
    emulator.app.errors.clear()


def test_template_url_over_20_mb_is_image_size_exceed(emulator):
    big = jpeg_bytes(300, 300) + b"\0" * (20 * 1024 * 1024)
    emulator.store.put(BUCKET, "templates/huge.jpg", big, content_type="image/jpeg")
    url = cos_client(emulator).get_presigned_download_url(Bucket=BUCKET, Key="templates/huge.jpg")
    assert _code(emulator, _params(ModelUrl=url)) == "FailedOperation.ImageSizeExceed"


def test_fuseface_ultra_is_tc3_verified(emulator):
    from ..support.clients import signed_api_request

    bad = signed_api_request(emulator, "FuseFaceUltra", _params(), secret_key="not-the-key")
    assert bad.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
