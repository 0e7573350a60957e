"""Emulator behaviour the function's tests rely on: buckets appear on first write, ``served`` counts the
bytes of every COS GET (so "reads at most 64 KB" is measured on the wire), and ``inject_response`` answers a
success envelope of our choosing (e.g. without ``FusedImage``)."""

from __future__ import annotations

import pytest
from qcloud_cos import CosServiceError
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from fuseface_local.emulator import EmulatorServer

from ..support.clients import api_client
from ..support.paths import PROJECT, asset


def test_a_bucket_is_created_by_its_first_write(cos, emulator):
    bucket = "first-write-1250000000"
    with pytest.raises(CosServiceError) as err:
        cos.list_objects(Bucket=bucket)
    assert err.value.get_error_code() == "NoSuchBucket"
    cos.put_object(Bucket=bucket, Key="deep/a.txt", Body=b"a")
    assert [c["Key"] for c in cos.list_objects(Bucket=bucket)["Contents"]] == ["deep/a.txt"]
    assert emulator.store.exists(bucket, "deep/a.txt")


def test_served_records_the_bytes_of_every_get(cos, emulator):
    data = bytes(range(256)) * 400  # 100 KB
    bucket = "served-1250000000"
    cos.put_object(Bucket=bucket, Key="obj.bin", Body=data)
    cos.head_object(Bucket=bucket, Key="obj.bin")
    cos.get_object(Bucket=bucket, Key="obj.bin", Range="bytes=0-1023")["Body"].get_raw_stream().read()
    cos.get_object(Bucket=bucket, Key="obj.bin")["Body"].get_raw_stream().read()
    got = [(s.bucket, s.key, s.range, s.status, s.nbytes) for s in emulator.served]
    assert got == [(bucket, "obj.bin", "bytes=0-1023", 206, 1024), (bucket, "obj.bin", None, 200, len(data))]
    emulator.reset()
    assert emulator.served == []


def test_injected_response_is_a_success_envelope_then_clears(emulator):
    if emulator.materials.get("qc_300029_hooks0_1") is None:
        emulator.materials.add(PROJECT, asset("obama.jpg"), model_id="qc_300029_hooks0_1")
    api = api_client(emulator)
    emulator.inject_response("FuseFace", {"Note": "no image"}, times=1)
    params = {"ProjectId": PROJECT, "ModelId": "qc_300029_hooks0_1", "RspImgType": "base64",
              "MergeInfos": [{"Image": "AAAA"}]}
    first = api.call_json("FuseFace", params)["Response"]
    assert first["Note"] == "no image" and "FusedImage" not in first and first["RequestId"]
    assert emulator.calls["FuseFace"] == 1
    emulator.inject_response("FuseFace", {}, times=3)
    emulator.reset()  # clears canned responses too: the real action answers again ("AAAA" is no image)
    with pytest.raises(TencentCloudSDKException) as err:
        api.call_json("FuseFace", params)
    assert err.value.get_code() == "FailedOperation.ImageDecodeFailed"


def test_injected_response_still_needs_a_valid_signature(tmp_path):
    with EmulatorServer(tmp_path, secret_id="AKIDhooks", secret_key="hooks-key") as emu:
        emu.inject_response("FuseFace", {"FusedImage": "x"}, times=1)
        with pytest.raises(TencentCloudSDKException) as err:
            api_client(emu, secret_key="wrong").call_json("FuseFace", {})
        assert err.value.get_code() == "AuthFailure.SignatureFailure"
        assert api_client(emu).call_json("FuseFace", {})["Response"]["FusedImage"] == "x"
