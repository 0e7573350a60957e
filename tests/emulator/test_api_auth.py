"""API 3.0 authentication, routing and the JSON envelope, through the real SDK and hand-signed requests."""

from __future__ import annotations

import base64
import time

import pytest
import requests
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from fuseface_local.emulator import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, EmulatorServer

from ..support.clients import api_client, signed_api_request
from ..support.fakes import FakeEngine
from ..support.paths import asset


def _code(call) -> str:
    with pytest.raises(TencentCloudSDKException) as err:
        call()
    assert err.value.get_request_id()
    return err.value.get_code()


def test_hand_signed_request_gets_the_exact_envelope(emulator):
    response = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "nope"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"Response"}
    assert set(body["Response"]) == {"Error", "RequestId"}
    assert body["Response"]["Error"]["Code"] == "InvalidParameterValue.ActivityIdNotFound"
    assert len(body["Response"]["RequestId"]) == 36


def test_success_envelope_content_type_is_exactly_json(emulator):
    emulator.materials.add("300029", _jpeg(), model_id="qc_300029_auth01_1")
    response = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "300029", "Limit": 1})
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()["Response"]
    assert set(body) == {"MaterialInfos", "Count", "RequestId"}


def test_wrong_secret_id(emulator):
    assert _code(lambda: api_client(emulator, secret_id="AKIDnobody").call_json(
        "DescribeMaterialList", {"ActivityId": "1"})) == "AuthFailure.SecretIdNotFound"


def test_wrong_secret_key(emulator):
    assert _code(lambda: api_client(emulator, secret_key="wrong").call_json(
        "DescribeMaterialList", {"ActivityId": "1"})) == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize("skew", [-301, 400, -3600])
def test_clock_skew_over_five_minutes_is_signature_expire(emulator, skew):
    response = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "1"},
                                  timestamp=time.time() + skew)
    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureExpire"


def test_small_skew_is_accepted(emulator):
    response = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "1"},
                                  timestamp=time.time() - 200)
    assert response.json()["Response"]["Error"]["Code"] == "InvalidParameterValue.ActivityIdNotFound"


def test_tampered_body_fails_the_signature(emulator):
    good = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "1"})
    assert good.json()["Response"]["Error"]["Code"] == "InvalidParameterValue.ActivityIdNotFound"
    request = good.request
    tampered = requests.post(request.url, data=b'{"ActivityId": "2"}', headers=dict(request.headers), timeout=10)
    assert tampered.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"


def test_missing_authorization_is_invalid_authorization(emulator):
    response = requests.post(f"http://{emulator.endpoint}/", data=b"{}",
                             headers={"Content-Type": "application/json", "X-TC-Action": "FuseFace",
                                      "X-TC-Version": "2022-09-27"}, timeout=10)
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"


def test_unknown_version_and_action(emulator):
    old = signed_api_request(emulator, "FuseFace", {}, version="2018-12-01")
    assert old.json()["Response"]["Error"]["Code"] == "NoSuchVersion"
    assert _code(lambda: api_client(emulator).call_json("FaceFusion", {})) == "InvalidAction"
    assert emulator.calls["FaceFusion"] == 1


def test_session_token_is_checked(tmp_path):
    with EmulatorServer(tmp_path, secret_id="AKIDtmp", secret_key="k", session_token="sess") as emu:
        good = api_client(emu, token="sess")
        assert _code(lambda: good.call_json("DescribeMaterialList", {"ActivityId": "1"})) == \
            "InvalidParameterValue.ActivityIdNotFound"
        bad = api_client(emu, token="other")
        assert _code(lambda: bad.call_json("DescribeMaterialList", {"ActivityId": "1"})) == \
            "AuthFailure.TokenFailure"
        assert _code(lambda: api_client(emu).call_json("DescribeMaterialList", {"ActivityId": "1"})) == \
            "AuthFailure.TokenFailure"


def test_credentials_default_then_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("TENCENTCLOUD_SECRETID", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_SECRETKEY", raising=False)
    emu = EmulatorServer(tmp_path)
    assert (emu.secret_id, emu.secret_key) == (DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY)
    assert DEFAULT_SECRET_KEY not in repr(emu)
    monkeypatch.setenv("TENCENTCLOUD_SECRETID", "AKIDenv")
    monkeypatch.setenv("TENCENTCLOUD_SECRETKEY", "env-key")
    emu = EmulatorServer(tmp_path)
    assert (emu.secret_id, emu.secret_key) == ("AKIDenv", "env-key")


def test_server_errors_are_reraised_in_the_test_thread(tmp_path):
    from fuseface_local.emulator import EmulatorError

    class Broken(FakeEngine):
        def fuse(self, template, users, **kwargs):
            raise RuntimeError("boom")

    emu = EmulatorServer(tmp_path, engine=Broken()).start()
    model = emu.materials.add("1", _jpeg())["MaterialId"]
    params = {"ProjectId": "1", "ModelId": model, "RspImgType": "base64",
              "MergeInfos": [{"Image": base64.b64encode(_jpeg()).decode()}]}
    assert _code(lambda: api_client(emu).call_json("FuseFace", params)) == "InternalError"
    with pytest.raises(EmulatorError) as err:
        emu.stop()
    assert isinstance(err.value.__cause__, RuntimeError)
    with pytest.raises(EmulatorError):
        emu.stop()


def _jpeg() -> bytes:
    return asset("obama.jpg")
