"""COS trigger end to end: main_handler -> real qcloud_cos + tencentcloud SDKs -> in-process emulator."""

from __future__ import annotations

import json

import pytest

from fuseface_local.emulator import read_metadata
from fuseface_local.eventgen import cos_event, cos_record
from scf_fuseface.entry import main_handler
from scf_fuseface.errors import FuseFaceError

from ..support.cloud import scf_context, unique_key
from ..support.images import jpeg_bytes, small_face
from ..support.paths import BUCKET, MODEL, load_event


def _put(emu, key, data, metadata=None):
    emu.store.put(BUCKET, key, data, metadata=metadata, content_type="image/jpeg")
    return cos_event([cos_record(BUCKET, key, size=len(data))])


def _put_event(key):
    return cos_event([cos_record(BUCKET, key)])


def test_sample_put_round_trip(emu):
    result = main_handler(load_event("cos_put.json"), scf_context())
    (record,) = result["records"]
    assert record["status"] in ("fused", "skipped")  # skipped when an earlier test already fused the sample
    out_key = f"fused/uploads/{MODEL}/selfie.jpg"
    data, meta, ctype = emu.store.get(BUCKET, out_key)
    assert data[:2] == b"\xff\xd8" and ctype == "image/jpeg"
    assert meta["x-cos-meta-fuseface-generated"] == "1"
    assert meta["x-cos-meta-fuseface-source-key"] == f"uploads/{MODEL}/selfie.jpg"
    assert meta["x-cos-meta-fuseface-model-id"] == MODEL
    assert meta["x-cos-meta-fuseface-request-id"]


def test_fresh_upload_is_fused_once_and_redelivery_makes_no_call(emu):
    key = unique_key("selfie")
    event = _put(emu, key, small_face())
    first = main_handler(event, scf_context())
    assert first["records"][0]["status"] == "fused" and first["fused"] == 1
    assert emu.calls["FuseFace"] == 1
    data, meta, _ = emu.store.get(BUCKET, f"fused/{key}")
    assert meta["x-cos-meta-fuseface-source-etag"] and meta["x-cos-meta-fuseface-logo-add"] == "1"
    label = read_metadata(data)  # the implicit AI label travelled in FuseParam
    assert label and "AIGC" in json.dumps(label)
    second = main_handler(event, scf_context())
    assert second["records"][0] == {**second["records"][0], "status": "skipped", "reason": "already-fused"}
    assert emu.calls["FuseFace"] == 1  # zero FuseFace calls on redelivery


def test_unicode_space_plus_key_raw_and_encoded(emu):
    for name in ("cos_put_unicode_space_key.json", "cos_put_url_encoded_key.json"):
        result = main_handler(load_event(name), scf_context())
        assert result["records"][0]["status"] in ("fused", "skipped"), result
        assert result["records"][0]["key"] == f"uploads/{MODEL}/我的 自拍+1.jpg"
    assert emu.store.exists(BUCKET, f"fused/uploads/{MODEL}/我的 自拍+1.jpg")
    assert emu.calls["FuseFace"] <= 1  # the second spelling is the same object: already fused


def test_multi_record_every_record_processed(emu):
    result = main_handler(load_event("cos_multi_record.json"), scf_context())
    assert [r["status"] for r in result["records"]] in (["fused", "fused"], ["skipped", "skipped"])
    assert emu.store.exists(BUCKET, f"fused/uploads/{MODEL}/batch/biden.jpg")
    _, meta, _ = emu.store.get(BUCKET, "fused/uploads/batch/astronaut.jpg")
    assert meta["x-cos-meta-fuseface-model-id"] == MODEL  # routed by object metadata


@pytest.mark.parametrize("name", ["cos_delete.json", "cos_own_output.json"])
def test_skipped_events_make_no_fuseface_call(emu, name):
    result = main_handler(load_event(name), scf_context())
    assert result["records"][0]["status"] == "skipped" and result["skipped"] == 1
    assert emu.calls["FuseFace"] == 0


def test_not_an_image_writes_failure_record_without_fuseface(emu):
    result = main_handler(load_event("cos_put_not_image.json"), scf_context())
    (record,) = result["records"]
    assert record["status"] == "failed" and record["code"] == "FailedOperation.ImageDecodeFailed"
    assert emu.calls["FuseFace"] == 0
    body, meta, ctype = emu.store.get(BUCKET, f"failed/uploads/{MODEL}/notes.jpg.json")
    failure = json.loads(body)
    assert failure["Code"] == "FailedOperation.ImageDecodeFailed" and ctype == "application/json"
    assert failure["Source"]["Key"] == f"uploads/{MODEL}/notes.jpg" and failure["Time"]
    assert meta["x-cos-meta-fuseface-generated"] == "1"


def test_no_face_is_permanent_failure_and_normal_return(emu):
    key = unique_key("blank")
    result = main_handler(_put(emu, key, jpeg_bytes(320, 320)), scf_context())
    (record,) = result["records"]
    assert record["status"] == "failed" and record["code"] == "FailedOperation.NoFaceDetected"
    assert emu.calls["FuseFace"] == 1  # not retried
    failure = json.loads(emu.store.get(BUCKET, f"failed/{key}.json")[0])
    assert failure["Code"] == "FailedOperation.NoFaceDetected" and failure["RequestIds"]
    assert failure["Parameters"]["ModelId"] == MODEL
    assert not emu.store.exists(BUCKET, f"fused/{key}")
    again = main_handler(_put_event(key), scf_context())  # redelivery: the failure is not paid for twice
    assert again["records"][0]["reason"] == "already-failed" and emu.calls["FuseFace"] == 1


def test_transient_beyond_budget_raises_for_scf_retry(emu):
    key = unique_key("limited")
    emu.inject_error("FuseFace", "RequestLimitExceeded", times=50)
    with pytest.raises(FuseFaceError) as info:
        main_handler(_put(emu, key, small_face()), scf_context(time_limit_ms=2500))
    assert info.value.code == "RequestLimitExceeded" and info.value.retryable
    assert 1 <= emu.calls["FuseFace"] < 50
    assert not emu.store.exists(BUCKET, f"fused/{key}")
    pending = json.loads(emu.store.get(BUCKET, f"failed/{key}.json")[0])  # kept in case SCF drops the event
    assert (pending["Kind"], pending["Code"]) == ("transient", info.value.code)


def test_transient_then_success_is_retried_in_process(emu):
    key = unique_key("flaky")
    emu.inject_error("FuseFace", "FailedOperation.ServerError", times=2)
    result = main_handler(_put(emu, key, small_face()), scf_context())
    assert result["records"][0]["status"] == "fused"
    assert emu.calls["FuseFace"] == 3


def test_client_timeout_is_transient(emu, monkeypatch):
    monkeypatch.setenv("FUSEFACE_TIMEOUT", "1")
    monkeypatch.setenv("FUSEFACE_RETRY_MAX_ATTEMPTS", "2")
    key = unique_key("slow")
    emu.inject_delay("FuseFace", seconds=2.5, times=2)
    with pytest.raises(FuseFaceError) as info:
        main_handler(_put(emu, key, small_face()), scf_context())
    assert info.value.code == "ClientNetworkError"


def test_exif_rotated_upload_goes_as_base64(emu):
    key = unique_key("rotated")
    result = main_handler(_put(emu, key, small_face(orientation=6)), scf_context())
    assert result["records"][0]["status"] == "fused"
    assert emu.calls["cos:GET"] >= 2  # 64 KB sniff + the full object for rotation
    assert emu.store.exists(BUCKET, f"fused/{key}")


def test_output_event_of_our_own_put_is_skipped(emu):
    key = unique_key("loop")
    main_handler(_put(emu, key, small_face()), scf_context())
    emu.reset()
    event = cos_event([cos_record(BUCKET, f"fused/{key}")])
    assert main_handler(event, scf_context())["records"][0]["reason"] == "own-output"
    assert sum(emu.calls.values()) == 0  # decided from the key alone


def test_material_by_metadata_and_missing_material_is_permanent(emu):
    key = "uploads/other/" + unique_key("nomaterial").rsplit("/", 1)[1]
    result = main_handler(_put(emu, key, small_face(), {"x-cos-meta-fuseface-model-id": "mt_1000000000000000999_1"}),
                          scf_context())
    (record,) = result["records"]
    assert record["status"] == "failed"
    assert record["code"] in ("InvalidParameterValue.MaterialIdNotFound", "FailedOperation.FuseMaterialNotExist")


def test_bad_credentials_are_a_permanent_config_error(emu, monkeypatch):
    monkeypatch.setenv("TENCENTCLOUD_SECRETKEY", "wrong-key")
    key = unique_key("badcreds")
    emu.store.put(BUCKET, key, small_face(), content_type="image/jpeg")
    result = main_handler(cos_event([cos_record(BUCKET, key)]), scf_context())
    assert result["records"][0]["status"] == "failed"
    assert result["records"][0]["code"] == "FailedOperation.StorageRejected"
    assert emu.calls["FuseFace"] == 0


def test_real_sdk_run_logs_no_secrets(emu, capsys):
    key = unique_key("logs")
    event = _put(emu, key, small_face())
    auth = event["Records"][0]["event"]["requestParameters"]["requestHeaders"]["Authorization"]
    main_handler(event, scf_context())
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(line.get("message") == "fused" and line.get("fuseface_request_id") for line in lines)
    for secret in (emu.secret_key, "functional-session-token", auth, "q-signature", "x-cos-security-token"):
        assert secret not in out
