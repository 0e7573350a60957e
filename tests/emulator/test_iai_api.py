"""iai DetectFace (2020-03-03) in the emulator, through the unchanged official iai SDK client: TC3 verified for
service ``iai``, routed by the credential scope, answered from the engine (a fake one here)."""

from __future__ import annotations

import base64
import json

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.iai.v20200303 import iai_client, models

from ..support.fakes import FakeFace
from ..support.images import jpeg_bytes, png_bytes
from ..support.paths import REGION


def _client(emu, secret_key=None):
    cred = credential.Credential(emu.secret_id, secret_key or emu.secret_key)
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emu.endpoint, reqTimeout=30))
    return iai_client.IaiClient(cred, REGION, profile)


def _detect(emu, params, **kw):
    req = models.DetectFaceRequest()
    req.from_json_string(json.dumps(params))
    return _client(emu, **kw).DetectFace(req)


def _b64(data):
    return base64.b64encode(data).decode()


def test_detectface_answers_the_largest_face_by_default_and_up_to_maxfacenum(emulator, fake_engine):
    fake_engine.faces = [FakeFace(10, 10, 40, 40), FakeFace(100, 20, 90, 90), FakeFace(60, 150, 50, 50)]
    resp = _detect(emulator, {"Image": _b64(jpeg_bytes(300, 260))})
    assert (resp.ImageWidth, resp.ImageHeight, resp.FaceModelVersion) == (300, 260, "3.0")
    assert [(f.X, f.Y, f.Width, f.Height) for f in resp.FaceInfos] == [(100, 20, 90, 90)]
    resp = _detect(emulator, {"Image": _b64(jpeg_bytes(300, 260)), "MaxFaceNum": 5})
    assert [(f.X, f.Width) for f in resp.FaceInfos] == [(100, 90), (60, 50), (10, 40)]
    resp = _detect(emulator, {"Image": _b64(jpeg_bytes(300, 260)), "MaxFaceNum": 5, "MinFaceSize": 34})
    assert len(resp.FaceInfos) == 3  # 40 px >= 34
    assert emulator.calls["DetectFace"] == 3


@pytest.mark.parametrize(("params", "code"), [
    ({}, "InvalidParameterValue.ImageEmpty"),
    ({"Image": "not base64!"}, "FailedOperation.ImageDecodeFailed"),
    ({"Image": _b64(b"GIF89a" + b"\0" * 40)}, "FailedOperation.ImageDecodeFailed"),
    ({"Image": _b64(jpeg_bytes(200, 60))}, "FailedOperation.ImageResolutionTooSmall"),
    ({"Image": _b64(png_bytes(2100, 100))}, "FailedOperation.ImageResolutionExceed"),  # png: long side <= 2000
    ({"Image": _b64(jpeg_bytes()), "MaxFaceNum": 121}, "InvalidParameterValue"),
    ({"Image": _b64(jpeg_bytes()), "MinFaceSize": 50}, "InvalidParameterValue"),
])
def test_detectface_refusals_use_iais_codes(emulator, params, code):
    with pytest.raises(TencentCloudSDKException) as info:
        _detect(emulator, params)
    assert info.value.code == code


def test_no_face_and_faces_under_minfacesize_are_nofaceinphoto(emulator, fake_engine):
    fake_engine.faces = []
    with pytest.raises(TencentCloudSDKException) as info:
        _detect(emulator, {"Image": _b64(jpeg_bytes())})
    assert info.value.code == "InvalidParameterValue.NoFaceInPhoto"
    fake_engine.faces = [FakeFace(10, 10, 30, 30)]
    with pytest.raises(TencentCloudSDKException) as info:
        _detect(emulator, {"Image": _b64(jpeg_bytes()), "MinFaceSize": 34})
    assert info.value.code == "InvalidParameterValue.NoFaceInPhoto"
    assert len(_detect(emulator, {"Image": _b64(jpeg_bytes()), "MinFaceSize": 20}).FaceInfos) == 1


def test_the_signature_is_verified_for_the_iai_service(emulator):
    with pytest.raises(TencentCloudSDKException) as info:
        _detect(emulator, {"Image": _b64(jpeg_bytes())}, secret_key="wrong")
    assert info.value.code == "AuthFailure.SignatureFailure"


def test_an_iai_signature_is_not_accepted_for_facefusion_nor_the_reverse(emulator):
    from ..support.clients import signed_api_request

    # Signed for facefusion, sent with iai's version: routed to FuseFace, which does not serve 2020-03-03.
    resp = signed_api_request(emulator, "DetectFace", {"Image": _b64(jpeg_bytes())}, version="2020-03-03")
    assert resp.json()["Response"]["Error"]["Code"] == "NoSuchVersion"
    # Signed for iai (the SDK), asking a FuseFace action: iai has no such action.
    from tencentcloud.common.common_client import CommonClient

    cred = credential.Credential(emulator.secret_id, emulator.secret_key)
    common = CommonClient("iai", "2020-03-03", cred, REGION,
                          ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emulator.endpoint)))
    with pytest.raises(TencentCloudSDKException) as info:
        common.call_json("DescribeMaterialList", {"ActivityId": "1"})
    assert info.value.code == "InvalidAction"
