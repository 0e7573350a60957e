"""JSON log lines: request-scoped fields, phase timings; never credentials, Authorization or image bytes."""

from __future__ import annotations

import base64
import json

import pytest

from scf_fuseface.config import Credentials

from ..support.cloud import make_function
from ..support.fakes import FakeFusion, FakeStorage
from ..support.images import jpeg_bytes
from ..support.paths import BUCKET, MODEL, load_event

SECRET_KEY = "SECRETKEY-must-not-leak-42"
TOKEN = "SESSIONTOKEN-must-not-leak-42"
AUTH = "q-sign-algorithm=sha1&q-ak=AKIDLEAKCHECK&q-signature=feedfacefeedface"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("FUSEFACE_PROJECT_ID", "at_1603326187690926080")
    monkeypatch.setenv("FUSEFACE_RETRY_BASE_DELAY", "0")
    monkeypatch.setenv("TENCENTCLOUD_SECRETID", "AKIDLOGTEST")
    monkeypatch.setenv("TENCENTCLOUD_SECRETKEY", SECRET_KEY)
    monkeypatch.setenv("TENCENTCLOUD_SESSIONTOKEN", TOKEN)


def _lines(out: str):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _run(event, storage, fusion):
    function = make_function(storage, fusion, Credentials("AKIDLOGTEST", SECRET_KEY, TOKEN))
    return function(event, {"request_id": "inv-42", "time_limit_in_ms": 30000})


def test_cos_run_logs_json_without_secrets(env, capsys):
    event = load_event("cos_put.json")
    event["Records"][0]["event"]["requestParameters"]["requestHeaders"]["Authorization"] = AUTH
    storage, fusion = FakeStorage(), FakeFusion()
    image = jpeg_bytes()
    storage.seed(BUCKET, f"uploads/{MODEL}/selfie.jpg", image)
    result = _run(event, storage, fusion)
    assert result["records"][0]["status"] == "fused"
    out = capsys.readouterr().out
    for secret in (SECRET_KEY, TOKEN, "AKIDLEAKCHECK", "feedfacefeedface", "q-signature",
                   base64.b64encode(image[:60]).decode()[:40]):
        assert secret not in out
    lines = _lines(out)
    assert all(line["request_id"] == "inv-42" and line["trigger"] == "cos" for line in lines)
    fused = next(line for line in lines if line["message"] == "fused")
    assert fused["bucket"] == BUCKET and fused["key"] == f"uploads/{MODEL}/selfie.jpg"
    assert fused["fuseface_request_id"] == "req-1"
    assert {"head", "sniff", "fuse", "put"} <= set(fused["phases_ms"])


def test_http_run_logs_without_api_key_or_body(env, capsys, monkeypatch):
    monkeypatch.setenv("FUSEFACE_API_KEYS", "APIKEY-must-not-leak")
    event = load_event("apigw_post_json.json")
    event["headers"]["X-Api-Key"] = "APIKEY-must-not-leak"
    event["headers"]["Authorization"] = AUTH
    resp = _run(event, FakeStorage(), FakeFusion())
    assert resp["statusCode"] == 200
    out = capsys.readouterr().out
    body_sample = json.loads(event["body"])["MergeInfos"][0]["Image"][100:140]
    for secret in ("APIKEY-must-not-leak", "AKIDLEAKCHECK", body_sample, SECRET_KEY, TOKEN):
        assert secret not in out
    done = [line for line in _lines(out) if line["message"] == "http request done"]
    assert done and done[0]["status"] == 200 and done[0]["trigger"] == "apigw"


def test_formatter_redacts_secret_looking_fields(capsys):
    import logging

    from scf_fuseface.log import configure

    configure()
    logging.getLogger("scf_fuseface.test").info("x", extra={"authorization": "abc", "secret_key": "def",
                                                              "headers": {"X-Api-Key": "ghi"}, "blob": b"\xff" * 9})
    line = _lines(capsys.readouterr().out)[-1]
    assert line["authorization"] == "<redacted>" and line["secret_key"] == "<redacted>"
    assert line["headers"] == {"X-Api-Key": "<redacted>"} and line["blob"] == "<9 bytes>"
