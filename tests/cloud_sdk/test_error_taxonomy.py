"""The error taxonomy over every code FuseFace (and the API 3.0 gateway) can answer, through the real SDKs.

Each code is injected into the emulator's next FuseFace answers (a genuine Tencent error envelope, after the
TC3 check, before any engine work):

* permanent (``kind`` input/config/account) -> ``failed/<key>.json`` written, normal return, exactly ONE call;
* transient -> retried in process (``FUSEFACE_RETRY_MAX_ATTEMPTS`` calls), then raised so SCF retries;
* over HTTP the same code is answered in Tencent's envelope with the catalogue's status.

A success envelope without ``FusedImage`` is a failure too (``FailedOperation.EmptyFusedImage``).
"""

from __future__ import annotations

import base64
import json

import pytest

from fuseface_local.eventgen import cos_event, cos_record, http_event
from scf_fuseface.entry import main_handler
from scf_fuseface.errors import CATALOG, FuseFaceError

from ..support.cloud import scf_context, unique_key
from ..support.fuseface_codes import EXPECTED
from ..support.images import jpeg_bytes, small_face
from ..support.paths import BUCKET, MODEL

ATTEMPTS = 3
# Every code FuseFace has or had, with its class as a literal (tests/cloud/test_error_catalogue.py: the installed
# SDK's errorcodes.py, earlier releases, the international SDK, the common API 3.0 codes: tests/support).
SERVER_CODES = sorted(EXPECTED)
PERMANENT = [c for c in SERVER_CODES if EXPECTED[c] != "transient"]
TRANSIENT = [c for c in SERVER_CODES if EXPECTED[c] == "transient"]


def test_the_catalogue_holds_every_server_code_and_both_kinds_are_exercised():
    assert [c for c in SERVER_CODES if c not in CATALOG] == []
    assert {"RequestLimitExceeded", "InternalError", "FailedOperation.ServerError",
            "FailedOperation.FuseFreqCtrl"} <= set(TRANSIENT)
    assert {"FailedOperation.NoFaceDetected", "ResourceUnavailable.InArrears", "UnknownParameter"} <= set(PERMANENT)
    # every status the issue names is reached by test_http_answers_the_code_with_its_status
    assert {400, 401, 403, 413, 415, 422, 429, 502, 503, 504} <= {CATALOG[c].http_status for c in SERVER_CODES}


@pytest.fixture
def fast_retries(emu, monkeypatch):
    monkeypatch.setenv("FUSEFACE_RETRY_MAX_ATTEMPTS", str(ATTEMPTS))
    monkeypatch.setenv("FUSEFACE_RETRY_BASE_DELAY", "0")
    return emu


def _upload(emu, stem):
    key = unique_key(stem)
    data = jpeg_bytes(200, 200)  # the injected answer comes before any engine work: no face needed
    emu.store.put(BUCKET, key, data, content_type="image/jpeg")
    return key, cos_event([cos_record(BUCKET, key, size=len(data))])


@pytest.mark.parametrize("code", PERMANENT)
def test_permanent_code_writes_a_failure_record_and_returns(fast_retries, code):
    emu = fast_retries
    key, event = _upload(emu, "perm")
    emu.inject_error("FuseFace", code, times=ATTEMPTS + 1, message=f"injected {code}")
    result = main_handler(event, scf_context())  # returns normally: SCF must not retry a paid failure
    (record,) = result["records"]
    assert (record["status"], record["code"], result["failed"]) == ("failed", code, 1)
    assert emu.calls["FuseFace"] == 1  # no retry
    body, meta, ctype = emu.store.get(BUCKET, f"failed/{key}.json")
    failure = json.loads(body)
    assert ctype == "application/json" and meta["x-cos-meta-fuseface-generated"] == "1"
    assert failure["Code"] == code and failure["Message"] == f"injected {code}" and failure["Time"]
    assert len(failure["RequestIds"]) == 1 and failure["RequestIds"][0]  # the emulator's RequestId
    assert failure["Source"] == {"Bucket": BUCKET, "Key": key, "ETag": failure["Source"]["ETag"]}
    assert len(body) < 2048 and '"Image"' not in body.decode() and "q-signature" not in body.decode()  # no bytes
    assert not emu.store.exists(BUCKET, f"fused/{key}")


@pytest.mark.parametrize("code", TRANSIENT)
def test_transient_code_is_retried_then_raised(fast_retries, code):
    emu = fast_retries
    key, event = _upload(emu, "trans")
    emu.inject_error("FuseFace", code, times=ATTEMPTS + 5)
    with pytest.raises(FuseFaceError) as info:
        main_handler(event, scf_context())
    assert info.value.code == code and info.value.retryable
    assert emu.calls["FuseFace"] == ATTEMPTS
    assert not emu.store.exists(BUCKET, f"fused/{key}")
    pending = json.loads(emu.store.get(BUCKET, f"failed/{key}.json")[0])  # kept in case SCF drops the event
    assert (pending["Kind"], pending["Code"]) == ("transient", info.value.code)


@pytest.mark.parametrize("code", SERVER_CODES)
def test_http_answers_the_code_with_its_status(fast_retries, code):
    emu = fast_retries
    emu.inject_error("FuseFace", code, times=ATTEMPTS + 5)
    image = base64.b64encode(jpeg_bytes(200, 200)).decode()
    event = http_event(body=json.dumps({"ModelId": MODEL, "MergeInfos": [{"Image": image}]}),
                       content_type="application/json")
    resp = main_handler(event, scf_context())
    assert resp["statusCode"] == CATALOG[code].http_status
    body = json.loads(resp["body"])["Response"]
    assert body["Error"]["Code"] == code and body["RequestId"]
    assert emu.calls["FuseFace"] == (ATTEMPTS if CATALOG[code].retryable else 1)


# --- a success envelope without FusedImage ------------------------------------------------------------------
def test_cos_answer_without_fused_image_is_retried_then_raised(fast_retries):
    emu = fast_retries
    key, event = _upload(emu, "empty")
    emu.inject_response("FuseFace", {}, times=ATTEMPTS)
    with pytest.raises(FuseFaceError) as info:
        main_handler(event, scf_context())
    assert info.value.code == "FailedOperation.EmptyFusedImage" and info.value.request_id
    assert emu.calls["FuseFace"] == ATTEMPTS and not emu.store.exists(BUCKET, f"fused/{key}")


def test_one_empty_answer_then_a_real_one_is_fused(fast_retries):
    emu = fast_retries
    key = unique_key("empty-once")
    data = small_face()
    emu.store.put(BUCKET, key, data, content_type="image/jpeg")
    emu.inject_response("FuseFace", {"FusedImage": ""}, times=1)
    result = main_handler(cos_event([cos_record(BUCKET, key, size=len(data))]), scf_context())
    assert result["records"][0]["status"] == "fused" and emu.calls["FuseFace"] == 2
    assert emu.store.get(BUCKET, f"fused/{key}")[0][:2] == b"\xff\xd8"


def test_http_answer_without_fused_image_is_502(fast_retries):
    emu = fast_retries
    emu.inject_response("FuseFace", {}, times=ATTEMPTS)
    image = base64.b64encode(jpeg_bytes(200, 200)).decode()
    event = http_event(body=json.dumps({"ModelId": MODEL, "MergeInfos": [{"Image": image}]}),
                       content_type="application/json")
    resp = main_handler(event, scf_context())
    assert resp["statusCode"] == 502
    assert json.loads(resp["body"])["Response"]["Error"]["Code"] == "FailedOperation.EmptyFusedImage"
