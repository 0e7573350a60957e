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


# --- in front of the action, as for FuseFace: the gateway and the SDK's FuseFaceUltraRequest -------------------
NO_EFFECTS = {"EnhanceRadio": 0, "MpRadio": 0, "TeethEnhanceRadio": 0}  # the fake engine's faces have no landmarks


def _error(emu, params, **options):
    from ..support.clients import signed_api_request

    return signed_api_request(emu, "FuseFaceUltra", params, **options).json()["Response"]["Error"]


@pytest.mark.parametrize(("change", "code", "where"), [
    ({"Extra": 1}, "UnknownParameter", "Extra"),
    ({"ProjectId": "at_1603326187690926080"}, "UnknownParameter", "ProjectId"),  # FuseFace's, not FuseFaceUltra's
    ({"FusionUltraParam": {"WarpRadioo": 0.5}}, "UnknownParameter", "FusionUltraParam.WarpRadioo"),
    ({"MergeInfos": [{"Image": USER_B64, "TemplateFaceId": "x"}]}, "UnknownParameter", "MergeInfos.0.TemplateFaceId"),
    ({"LogoParam": {"LogoRect": {"X": 0, "Y": 0, "Width": 9, "Height": 9}, "LogoUrll": "x"}}, "UnknownParameter",
     "LogoParam.LogoUrll"),
    ({"SwapModelType": True}, "InvalidParameter", "SwapModelType"),
    ({"SwapModelType": "4"}, "InvalidParameter", "SwapModelType"),
    ({"FusionUltraParam": {"WarpRadio": "0.5"}}, "InvalidParameter", "FusionUltraParam.WarpRadio"),
    ({"FusionUltraParam": {"MpRadio": False}}, "InvalidParameter", "FusionUltraParam.MpRadio"),
    ({"MergeInfos": [{"Image": USER_B64, "TemplateFaceRect": {"X": 0, "Y": "0", "Width": 40, "Height": 40}}]},
     "InvalidParameter", "MergeInfos.0.TemplateFaceRect.Y"),
    ({"ModelImage": 5}, "InvalidParameter", "ModelImage"),
])
def test_fields_and_types_come_from_the_sdks_request_model(emulator, fake_engine, change, code, where):
    error = _error(emulator, _params(**change))
    assert error["Code"] == code and f"`{where}`" in error["Message"]
    assert fake_engine.fuse_calls == []


@pytest.mark.parametrize(("options", "code"), [
    ({"region": None}, "MissingParameter"),
    ({"region": "eu-frankfurt"}, "UnsupportedRegion"),
    ({"version": "2018-12-01"}, "NoSuchVersion"),
    ({"authorization": "Bearer x"}, "AuthFailure.InvalidAuthorization"),
])
def test_the_gateway_checks_come_first(emulator, fake_engine, options, code):
    assert _error(emulator, _params(), **options)["Code"] == code
    assert fake_engine.fuse_calls == []


def test_every_field_the_sdk_defines_is_accepted(emulator, fake_engine):
    rect = {"X": 120, "Y": 140, "Width": 60, "Height": 60}  # inside the fake engine's template face
    params = _params(RspImgType="base64", SwapModelType=3, LogoAdd=1,
                     FusionUltraParam={**NO_EFFECTS, "WarpRadio": 0.4, "BlurRadio": 0, "MakeupTransferRadio": 1},
                     LogoParam={"LogoRect": {"X": 0, "Y": 0, "Width": 20, "Height": 10}, "LogoImage": USER_B64},
                     MergeInfos=[{"Image": USER_B64, "InputImageFaceRect": rect, "TemplateFaceRect": rect,
                                  "TemplateFaceID": "mt_1603586676924403712_1"}])
    params["ModelUrl"] = ""  # empty: the template is ModelImage
    sdk_fields = {name.lstrip("_") for name in vars(models.FuseFaceUltraRequest())}
    assert set(params) == sdk_fields
    assert {name.lstrip("_") for name in vars(models.MergeInfo())} == set(params["MergeInfos"][0]) | {"Url"}
    resp = _ultra(emulator, params)
    assert _image(base64.b64decode(resp.FusedImage)).format == "JPEG"
    (call,) = fake_engine.fuse_calls
    assert call["user_rects"] == [(120, 140, 60, 60)] and call["template_face_ids"] == [1]


def _png(color, size=(20, 10)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def _near(pixel, color, tolerance=24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color))


RED_LOGO = {"LogoRect": {"X": 10, "Y": 20, "Width": 60, "Height": 40},
            "LogoImage": base64.b64encode(_png((255, 0, 0))).decode()}


def test_logo_param_is_drawn_at_its_rect_instead_of_the_label(emulator, fake_engine):
    def fused(**change) -> Image.Image:
        resp = _ultra(emulator, _params(FusionUltraParam=NO_EFFECTS, **change))
        return _image(base64.b64decode(resp.FusedImage)).convert("RGB")

    img = fused(LogoParam=RED_LOGO)  # the fake engine answers a 256x256 grey JPEG
    assert _near(img.getpixel((40, 40)), (255, 0, 0))  # inside LogoRect
    assert _near(img.getpixel((5, 5)), (128, 128, 128)) and _near(img.getpixel((250, 250)), (128, 128, 128))
    assert not _near(fused().getpixel((250, 250)), (128, 128, 128))  # the default label, without LogoParam
    off = fused(LogoParam=RED_LOGO, LogoAdd=0)
    assert _near(off.getpixel((40, 40)), (128, 128, 128)) and _near(off.getpixel((250, 250)), (128, 128, 128))


@pytest.mark.parametrize(("logo", "code"), [
    ({"LogoImage": RED_LOGO["LogoImage"]}, "FailedOperation.ParameterValueError"),  # no LogoRect
    ({"LogoRect": RED_LOGO["LogoRect"]}, "FailedOperation.ParameterValueError"),  # no image
    ({"LogoRect": {"X": 0, "Y": 0, "Width": 2161, "Height": 10}, "LogoImage": RED_LOGO["LogoImage"]},
     "FailedOperation.ParameterValueError"),
    ({"LogoRect": {"X": 300, "Y": 0, "Width": 10, "Height": 10}, "LogoImage": RED_LOGO["LogoImage"]},
     "FailedOperation.ParameterValueError"),  # wholly outside the 256x256 result
    ({"LogoRect": RED_LOGO["LogoRect"], "LogoImage": base64.b64encode(b"GIF89a...").decode()},
     "FailedOperation.ImageDecodeFailed"),
    ({"LogoRect": RED_LOGO["LogoRect"], "LogoUrl": "https://elsewhere.example/logo.png"},
     "FailedOperation.ImageDownloadError"),
])
def test_logo_refusals(emulator, fake_engine, logo, code):
    assert _code(emulator, _params(FusionUltraParam=NO_EFFECTS, LogoParam=logo)) == code


def test_fuseface_ultra_is_metered_apart_from_fuseface(tmp_path):
    from ..support.fakes import FakeEngine

    with EmulatorServer(tmp_path, engine=FakeEngine()) as emu:
        assert _ultra(emu, _params(FusionUltraParam=NO_EFFECTS)).FusedImage
        assert _code(emu, _params(SwapModelType=7)) == "FailedOperation.ParameterValueError"
        report = emu.usage.report()
    assert report["FuseFaceUltra"] == {"Calls": 2, "Billable": 1, "Throttled": 0, "Failed": 1, "LostReplies": 0}
    assert "FuseFace" not in report  # billed apart: no FuseFace call was made
