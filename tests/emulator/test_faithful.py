"""The emulator answers as FuseFace does, and only with codes FuseFace has.

Sources (not our code): the installed SDK's ``errorcodes.py`` and request models, the common error codes and the
TC3 signing doc (research notes issue7.md §2-§3), the SDK's MergeInfo/LogoParam docstrings.
"""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.facefusion.v20220927 import errorcodes

from fuseface_local.emulator import EmulatorError, EmulatorServer
from fuseface_local.engine import FusionError

from ..support.clients import api_client, cos_client, signed_api_request
from ..support.fakes import FakeEngine, FakeFace
from ..support.paths import BUCKET, FACES, PROJECT, asset

USER_B64 = base64.b64encode(asset("biden.jpg")).decode()
MATERIAL = "mt_1000000000000000201"
COMMON = {  # doc 1388/114322 + 213/30435 (research issue7.md §2)
    "ActionOffline", "AuthFailure.InvalidAuthorization", "AuthFailure.InvalidSecretId", "AuthFailure.MFAFailure",
    "AuthFailure.SecretIdNotFound", "AuthFailure.SignatureExpire", "AuthFailure.SignatureFailure",
    "AuthFailure.TokenFailure", "AuthFailure.UnauthorizedOperation", "DryRunOperation", "FailedOperation",
    "InternalError", "InvalidAction", "InvalidParameter", "InvalidParameterValue", "InvalidRequest", "IpInBlacklist",
    "IpNotInWhitelist", "LimitExceeded", "MissingParameter", "NoSuchProduct", "NoSuchVersion", "RequestLimitExceeded",
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded", "RequestLimitExceeded.IPLimitExceeded",
    "RequestLimitExceeded.UinLimitExceeded", "RequestSizeLimitExceeded", "ResourceInUse", "ResourceInsufficient",
    "ResourceNotFound", "ResourceUnavailable", "ResponseSizeLimitExceeded", "ServiceUnavailable",
    "UnauthorizedOperation", "UnknownParameter", "UnsupportedOperation", "UnsupportedProtocol", "UnsupportedRegion",
}
FUSEFACE_CODES = {v for k, v in vars(errorcodes).items() if k.isupper() and isinstance(v, str)} | COMMON


@pytest.fixture
def material(emulator):
    if emulator.materials.get(MATERIAL) is None:
        engine = emulator.get_engine()
        saved = engine.faces
        engine.faces = [FakeFace(10, 10, 100, 100), FakeFace(300, 10, 100, 100)]
        emulator.materials.add(PROJECT, asset("obama.jpg"), material_id=MATERIAL)
        engine.faces = saved
    return emulator.materials.get(MATERIAL)


def _params(**overrides):
    params = {"ProjectId": PROJECT, "ModelId": f"{MATERIAL}_1", "RspImgType": "base64",
              "MergeInfos": [{"Image": USER_B64}]}
    params.update(overrides)
    return params


def _error(api, action, params):
    with pytest.raises(TencentCloudSDKException) as err:
        api.call_json(action, params)
    assert err.value.get_request_id()
    return err.value.get_code(), err.value.get_message()


def _code(response) -> str:
    return response.json()["Response"]["Error"]["Code"]


# --- only FuseFace's codes ------------------------------------------------------------------------------------
class _Refusing(FakeEngine):
    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def fuse(self, template, users, **kwargs):
        raise FusionError(self.code, f"the engine says {self.code}")


@pytest.mark.parametrize("local", ["FailedOperation.FaceTooBlurry", "FailedOperation.FaceUnusable"])
def test_the_engines_own_codes_are_answered_as_no_face_detected(tmp_path, local):
    with EmulatorServer(tmp_path, engine=_Refusing(local)) as emu:
        emu.materials.add(PROJECT, asset("obama.jpg"), material_id=MATERIAL)
        code, message = _error(api_client(emu), "FuseFace", _params(ModelId=MATERIAL))
    assert code == "FailedOperation.NoFaceDetected" and code in FUSEFACE_CODES
    assert local in message  # the engine's reason is kept in the message


def test_the_cli_still_prints_the_engines_own_code(tmp_path, capsys, monkeypatch):
    import fuseface_local.engine
    from fuseface_local.cli import main

    class Blurry(_Refusing):  # stands in for FusionEngine: the class (validate) and its instances (fuse)
        validate = staticmethod(lambda *args: (50, 50))

        def __init__(self) -> None:
            super().__init__("FailedOperation.FaceTooBlurry")

    monkeypatch.setitem(vars(fuseface_local.engine), "FusionEngine", Blurry)  # no import of the real core
    rc = main(["fuse", "--template", str(FACES / "obama.jpg"), "--user", str(FACES / "biden.jpg"),
               "--output", str(tmp_path / "o.jpg")])
    assert rc == 2
    (line,) = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("{")]
    assert json.loads(line)["Code"] == "FailedOperation.FaceTooBlurry"


def test_a_code_fuseface_lacks_is_an_emulator_bug(tmp_path):
    emu = EmulatorServer(tmp_path, engine=_Refusing("FailedOperation.MadeUpByTheEngine")).start()
    emu.materials.add(PROJECT, asset("obama.jpg"), material_id=MATERIAL)
    code, _ = _error(api_client(emu), "FuseFace", _params(ModelId=MATERIAL))
    assert code == "InternalError"
    with pytest.raises(EmulatorError, match="MadeUpByTheEngine"):
        emu.stop()


def test_only_codes_fuseface_has_or_had_can_be_injected(emulator):
    with pytest.raises(ValueError, match="FaceTooBlurry"):
        emulator.inject_error("FuseFace", "FailedOperation.FaceTooBlurry")
    with pytest.raises(ValueError):
        emulator.inject_error("FuseFace", "LimitExceeded.MaterialQuota")
    emulator.inject_error("FuseFace", "FailedOperation.FuseFreqCtrl")  # an earlier release's code: allowed
    emulator.inject_error("cos:GET", "SlowDown")  # COS codes are COS's


def test_every_refusal_of_a_batch_of_bad_requests_is_a_fuseface_code(api, emulator, material):
    bad = [
        {"ProjectId": "at_404"}, {"ModelId": "mt_404_1"}, {"RspImgType": "png"}, {"MergeInfos": []},
        {"MergeInfos": [{}]}, {"MergeInfos": [{"Image": "!!"}]}, {"FuseFaceDegree": 101}, {"Extra": 1},
        {"MergeInfos": [{"Image": USER_B64, "TemplateFaceID": "nope"}]}, {"LogoAdd": "1"},
        {"MergeInfos": [{"Image": USER_B64, "InputImageFaceRect": {"X": 0, "Y": 0, "Width": 1, "Height": 1}}]},
    ]
    codes = {_error(api, "FuseFace", _params(**change))[0] for change in bad}
    codes |= {_error(api, "DescribeMaterialList", params)[0]
              for params in ({}, {"ActivityId": "at_404"}, {"ActivityId": PROJECT, "Limit": 99}, {"Nope": 1})}
    assert codes <= FUSEFACE_CODES, codes - FUSEFACE_CODES


# --- TC3 ------------------------------------------------------------------------------------------------------
def test_signed_header_values_are_lowercased_and_trimmed_as_the_doc_says(emulator):
    # The doc's own example line: "x-tc-action:describeinstances" for X-TC-Action: DescribeInstances.
    ok = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "at_1"},
                            signed_headers={"X-TC-Action": "DescribeMaterialList"})
    assert _code(ok) == "InvalidParameterValue.ActivityIdNotFound"  # past the signature check
    raw = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "at_1"},
                             signed_headers={"X-TC-Action": "DescribeMaterialList"},
                             canonical_value=lambda value: value)  # signed as sent: not what the doc says
    assert _code(raw) == "AuthFailure.SignatureFailure"
    padded = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "at_1"},
                                signed_headers={"X-Custom": "Mixed Case  "})  # signed as "x-custom:mixed case"
    assert _code(padded) == "InvalidParameterValue.ActivityIdNotFound"


@pytest.mark.parametrize("authorization", [
    "Bearer abc",
    "TC3-HMAC-SHA256 Credential=AKIDLOCALFUSEFACEEMULATOR/2026-01-01/facefusion/tc3_request",
    "TC3-HMAC-SHA256 Credential=AKIDLOCALFUSEFACEEMULATOR/2026-01-01/facefusion/tc3_request, "
    "SignedHeaders=content-type;host, Signature=xyz",
    "HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=" + "0" * 64,
    "",
])
def test_a_malformed_authorization_is_invalid_authorization(emulator, authorization):
    response = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "at_1"},
                                  authorization=authorization)
    assert _code(response) == "AuthFailure.InvalidAuthorization"


def test_timestamp_missing_or_not_a_number(emulator):
    import requests

    good = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "at_1"})
    headers = dict(good.request.headers)
    del headers["X-TC-Timestamp"]
    missing = requests.post(good.request.url, data=good.request.body, headers=headers, timeout=10)
    assert _code(missing) == "MissingParameter"
    headers["X-TC-Timestamp"] = "soon"
    assert _code(requests.post(good.request.url, data=good.request.body, headers=headers, timeout=10)) == \
        "InvalidParameter"


# --- region ---------------------------------------------------------------------------------------------------
def test_region_is_required_and_checked(emulator):
    assert _code(signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "at_1"}, region=None)) == \
        "MissingParameter"
    assert _code(signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "at_1"},
                                    region="eu-frankfurt")) == "UnsupportedRegion"
    assert _code(signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "at_1"},
                                    region="ap-shanghai")) == "InvalidParameterValue.ActivityIdNotFound"


def test_the_served_regions_are_configurable(tmp_path, monkeypatch):
    with EmulatorServer(tmp_path / "a", engine=FakeEngine(), regions=["eu-frankfurt"]) as emu:
        assert _code(signed_api_request(emu, "DescribeMaterialList", {"ActivityId": "at_1"},
                                        region="eu-frankfurt")) == "InvalidParameterValue.ActivityIdNotFound"
        assert _code(signed_api_request(emu, "DescribeMaterialList", {"ActivityId": "at_1"})) == "UnsupportedRegion"
    monkeypatch.setenv("FUSEFACE_EMULATOR_REGIONS", "ap-tokyo, ap-guangzhou")
    with EmulatorServer(tmp_path / "b", engine=FakeEngine()) as emu:
        assert _code(signed_api_request(emu, "DescribeMaterialList", {"ActivityId": "at_1"},
                                        region="ap-tokyo")) == "InvalidParameterValue.ActivityIdNotFound"


# --- parameters: names from the SDK's request models, JSON types ---------------------------------------------
@pytest.mark.parametrize("change, code, where", [
    ({"Extra": 1}, "UnknownParameter", "Extra"),
    ({"MergeInfos": [{"Image": USER_B64, "TemplateFaceId": "x"}]}, "UnknownParameter", "MergeInfos.0.TemplateFaceId"),
    ({"LogoParam": {"LogoRect": {"X": 0, "Y": 0, "Width": 9, "Height": 9}, "LogoUrll": "x"}}, "UnknownParameter",
     "LogoParam.LogoUrll"),
    ({"FuseParam": {"ImageCodecParam": {"MetaData": [{"MetaKey": "k", "MetaValue": "v", "X": 1}]}}},
     "UnknownParameter", "FuseParam.ImageCodecParam.MetaData.0.X"),
    ({"FuseFaceDegree": True}, "InvalidParameter", "FuseFaceDegree"),
    ({"FuseFaceDegree": "50"}, "InvalidParameter", "FuseFaceDegree"),
    ({"LogoAdd": 1.0}, "InvalidParameter", "LogoAdd"),
    ({"MergeInfos": {"Image": USER_B64}}, "InvalidParameter", "MergeInfos"),
    ({"MergeInfos": [{"Image": USER_B64, "InputImageFaceRect": {"X": "0", "Y": 0, "Width": 40, "Height": 40}}]},
     "InvalidParameter", "MergeInfos.0.InputImageFaceRect.X"),
])
def test_undefined_or_mistyped_parameters(api, material, fake_engine, change, code, where):
    got, message = _error(api, "FuseFace", _params(**change))
    assert got == code and f"`{where}`" in message
    assert fake_engine.fuse_calls == []


def test_every_field_the_sdk_defines_is_accepted(api, material, fake_engine):
    params = _params(FuseFaceDegree=40, FuseProfileDegree=60, LogoAdd=0,
                     FuseParam={"ImageCodecParam": {"MetaData": [{"MetaKey": "AIGC", "MetaValue": "{}"}]}},
                     MergeInfos=[{"Image": USER_B64, "InputImageFaceRect": {"X": 1, "Y": 2, "Width": 40, "Height": 40},
                                  "TemplateFaceID": f"{MATERIAL}_1"}])
    assert api.call_json("FuseFace", params)["Response"]["FusedImage"]
    assert api.call_json("DescribeMaterialList", {"ActivityId": PROJECT, "MaterialId": MATERIAL, "Limit": 1,
                                                  "Offset": 0})["Response"]["Count"] == 1


# --- ModelId forms ------------------------------------------------------------------------------------------
def test_model_id_may_be_the_material_or_one_of_its_faces(api, material, fake_engine):
    for model in (MATERIAL, f"{MATERIAL}_1", f"{MATERIAL}_2"):
        assert api.call_json("FuseFace", _params(ModelId=model))["Response"]["FusedImage"]
    assert _error(api, "FuseFace", _params(ModelId=f"{MATERIAL}_3"))[0] == "InvalidParameterValue.MaterialIdNotFound"


# --- TemplateFaceRect -----------------------------------------------------------------------------------------
def test_template_face_rect_picks_the_face_it_overlaps(api, material, fake_engine):
    right = {"X": 320, "Y": 30, "Width": 60, "Height": 60}
    api.call_json("FuseFace", _params(MergeInfos=[{"Image": USER_B64, "TemplateFaceRect": right}]))
    assert fake_engine.fuse_calls[-1]["template_face_ids"] == [2]
    both = {"X": 90, "Y": 10, "Width": 240, "Height": 100}  # 20 px into face 1, 30 px into face 2
    api.call_json("FuseFace", _params(MergeInfos=[{"Image": USER_B64, "TemplateFaceRect": both}]))
    assert fake_engine.fuse_calls[-1]["template_face_ids"] == [2]
    api.call_json("FuseFace", _params(MergeInfos=[{"Image": USER_B64, "TemplateFaceRect": right,
                                                   "TemplateFaceID": f"{MATERIAL}_1"}]))
    assert fake_engine.fuse_calls[-1]["template_face_ids"] == [1]  # the ID wins


@pytest.mark.parametrize("rect", [{"X": 600, "Y": 600, "Width": 40, "Height": 40},
                                  {"X": 310, "Y": 20, "Width": 20, "Height": 80}])
def test_template_face_rect_matching_nothing_or_too_small(api, material, fake_engine, rect):
    code, _ = _error(api, "FuseFace", _params(MergeInfos=[{"Image": USER_B64, "TemplateFaceRect": rect}]))
    assert code == "InvalidParameterValue.FaceRectParameterValueError"
    assert fake_engine.fuse_calls == []


# --- LogoParam ------------------------------------------------------------------------------------------------
def _png(color, size=(20, 10), mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, "PNG")
    return buf.getvalue()


def _fused(api, **change) -> Image.Image:
    body = api.call_json("FuseFace", _params(**change))["Response"]
    return Image.open(io.BytesIO(base64.b64decode(body["FusedImage"]))).convert("RGB")


def _near(pixel, color, tolerance=24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color))


RED_LOGO = {"LogoRect": {"X": 10, "Y": 20, "Width": 60, "Height": 40},
            "LogoImage": base64.b64encode(_png((255, 0, 0))).decode()}


def test_logo_is_drawn_at_its_rect_instead_of_the_label(api, material, fake_engine):
    img = _fused(api, LogoParam=RED_LOGO)  # the fake engine answers a 256x256 grey JPEG
    assert _near(img.getpixel((40, 40)), (255, 0, 0))  # inside the rect
    assert _near(img.getpixel((5, 5)), (128, 128, 128)) and _near(img.getpixel((100, 100)), (128, 128, 128))
    assert _near(img.getpixel((250, 250)), (128, 128, 128))  # no default label bottom-right
    assert not _near(_fused(api).getpixel((250, 250)), (128, 128, 128))  # ... which is there without LogoParam


def test_logo_add_zero_draws_nothing(api, material, fake_engine):
    img = _fused(api, LogoAdd=0, LogoParam=RED_LOGO)
    assert _near(img.getpixel((40, 40)), (128, 128, 128)) and _near(img.getpixel((250, 250)), (128, 128, 128))


def test_logo_from_a_presigned_url_of_the_emulators_cos_and_png_alpha(api, emulator, material, fake_engine):
    emulator.store.put(BUCKET, "logos/half.png", _png((0, 0, 255, 0), mode="RGBA"), content_type="image/png")
    emulator.store.put(BUCKET, "logos/blue.png", _png((0, 0, 255)), content_type="image/png")
    url = cos_client(emulator).get_presigned_download_url(Bucket=BUCKET, Key="logos/blue.png")
    img = _fused(api, LogoParam={"LogoRect": {"X": 100, "Y": 100, "Width": 30, "Height": 30}, "LogoUrl": url,
                                 "LogoImage": RED_LOGO["LogoImage"]})  # Url wins
    assert _near(img.getpixel((115, 115)), (0, 0, 255))
    clear = cos_client(emulator).get_presigned_download_url(Bucket=BUCKET, Key="logos/half.png")
    img = _fused(api, LogoParam={"LogoRect": {"X": 100, "Y": 100, "Width": 30, "Height": 30}, "LogoUrl": clear})
    assert _near(img.getpixel((115, 115)), (128, 128, 128))  # fully transparent: nothing shows


@pytest.mark.parametrize("logo, code", [
    ({"LogoImage": RED_LOGO["LogoImage"]}, "InvalidParameterValue.ParameterValueError"),  # no LogoRect
    ({"LogoRect": RED_LOGO["LogoRect"]}, "InvalidParameterValue.ParameterValueError"),  # no image
    ({"LogoRect": {"X": 0, "Y": 0, "Width": 2161, "Height": 10}, "LogoImage": RED_LOGO["LogoImage"]},
     "InvalidParameterValue.ParameterValueError"),
    ({"LogoRect": {"X": 0, "Y": 0, "Width": 0, "Height": 10}, "LogoImage": RED_LOGO["LogoImage"]},
     "InvalidParameterValue.ParameterValueError"),
    ({"LogoRect": {"X": 300, "Y": 0, "Width": 10, "Height": 10}, "LogoImage": RED_LOGO["LogoImage"]},
     "InvalidParameterValue.ParameterValueError"),  # wholly outside the 256x256 result
    ({"LogoRect": RED_LOGO["LogoRect"], "LogoImage": base64.b64encode(b"GIF89a...").decode()},
     "FailedOperation.ImageDecodeFailed"),
    ({"LogoRect": RED_LOGO["LogoRect"], "LogoUrl": "https://elsewhere.example/logo.png"},
     "FailedOperation.ImageDownloadError"),
])
def test_logo_refusals(api, material, fake_engine, logo, code):
    assert _error(api, "FuseFace", _params(LogoParam=logo))[0] == code
