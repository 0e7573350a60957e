"""main_handler: configuration errors, context handling, summaries."""

from __future__ import annotations

import json

import pytest

from scf_fuseface.config import Credentials
from scf_fuseface.entry import main_handler
from scf_fuseface.errors import FuseFaceError

from ..support.cloud import make_function
from ..support.fakes import FakeFusion, FakeStorage
from ..support.images import jpeg_bytes
from ..support.paths import BUCKET, MODEL, load_event


@pytest.fixture
def bad_env(monkeypatch):
    monkeypatch.setenv("FUSEFACE_SCHEME", "gopher")
    monkeypatch.setenv("FUSEFACE_OUTPUT_PREFIX", "uploads/out/")


def test_bad_config_raises_for_cos_with_every_variable_named(bad_env, capsys):
    with pytest.raises(FuseFaceError) as info:
        main_handler(load_event("cos_put.json"), {"request_id": "r"})
    assert info.value.code == "InvalidParameterValue.Configuration"
    assert "FUSEFACE_SCHEME" in info.value.message and "FUSEFACE_OUTPUT_PREFIX" in info.value.message
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert line["message"] == "invalid configuration" and "FUSEFACE_SCHEME" in line["error"]


@pytest.mark.parametrize("fixture", ["function_url_post_json.json", "apigw_post_json.json"])
def test_bad_config_is_a_500_envelope_for_http(bad_env, fixture):
    resp = main_handler(load_event(fixture), {"request_id": "r-9"})
    assert resp["statusCode"] == 500
    body = json.loads(resp["body"])["Response"]
    assert body["Error"]["Code"] == "InvalidParameterValue.Configuration" and body["RequestId"] == "r-9"
    assert "gopher" not in resp["body"]


def test_cos_summary_and_context_object(monkeypatch):
    monkeypatch.setenv("FUSEFACE_PROJECT_ID", "at_1603326187690926080")
    storage = FakeStorage()
    storage.seed(BUCKET, f"uploads/{MODEL}/selfie.jpg", jpeg_bytes())

    class Ctx:  # some runtimes hand an object instead of a dict
        request_id = "obj-ctx"
        time_limit_in_ms = 20000

    function = make_function(storage, FakeFusion(), Credentials("AKIDx", "k"))
    result = function(load_event("cos_put.json"), Ctx())
    assert result == {"trigger": "cos", "fused": 1, "skipped": 0, "failed": 0, "records": [
        {"bucket": BUCKET, "key": f"uploads/{MODEL}/selfie.jpg", "event": "cos:ObjectCreated:Put", "status": "fused",
         "output_key": f"fused/uploads/{MODEL}/selfie.jpg", "fuseface_request_id": "req-1"}]}
    json.dumps(result)  # JSON-serialisable


def test_malformed_cos_event_is_a_clean_error(monkeypatch):
    monkeypatch.setenv("FUSEFACE_PROJECT_ID", "at_1603326187690926080")
    event = load_event("cos_put.json")
    del event["Records"][0]["cos"]["cosBucket"]
    result = main_handler(event, {"request_id": "r"})
    assert result["error"]["Code"] == "InvalidParameterValue.InvalidEvent"
    assert "cosBucket" in result["error"]["Message"]
