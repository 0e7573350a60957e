"""Event fixtures and `fuseface event`: exact SCF shapes, generator == fixtures."""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote

import pytest

from fuseface_local.cli import main as cli_main

from ..support.paths import BUCKET, EVENTS, MODEL, load_event

COS_FIXTURES = [
    "cos_put.json", "cos_put_unicode_space_key.json", "cos_put_url_encoded_key.json", "cos_multi_record.json",
    "cos_delete.json", "cos_own_output.json", "cos_put_not_image.json", "cos_put_ultra.json",
    "cos_put_ultra_config.json",
]
HTTP_FIXTURES = ["apigw_post_json.json", "apigw_post_base64_image.json", "function_url_post_json.json",
                 "function_url_get_health.json", "function_url_post_json_request_context.json",
                 "apigw_get_materials.json", "apigw_post_ultra_json.json"]
UNICODE_KEY = f"uploads/{MODEL}/我的 自拍+1.jpg"


def _cli_json(capsys, *argv: str):
    assert cli_main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _shape(obj):
    """Key structure and value types, recursively (list items by their shape)."""
    if isinstance(obj, dict):
        return {k: _shape(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_shape(v) for v in obj]
    return type(obj).__name__


def _object_key(record: dict) -> str:
    c = record["cos"]
    prefix = f"/{c['cosBucket']['appid']}/{c['cosBucket']['name']}/"
    assert c["cosObject"]["key"].startswith(prefix)
    return c["cosObject"]["key"][len(prefix):]


@pytest.mark.parametrize("name", COS_FIXTURES)
def test_cos_fixture_is_a_cos_trigger_event(name):
    event = load_event(name)
    assert event["Records"], name
    for record in event["Records"]:
        assert record["event"]["eventSource"] == "qcs::cos"
        assert record["cos"]["cosBucket"] == {"region": "gz", "name": "fuseface", "appid": "1250000000"}
        assert "Authorization" in record["event"]["requestParameters"]["requestHeaders"]
        key = unquote(_object_key(record))
        if record["event"]["eventName"].startswith("cos:ObjectCreated:"):
            obj = EVENTS / "objects" / BUCKET / key
            assert obj.is_file(), f"{name}: object {key!r} missing under events/objects"
            assert int(record["cos"]["cosObject"]["size"]) == obj.stat().st_size


def test_every_fixture_is_listed_here():
    assert sorted(p.name for p in EVENTS.glob("*.json") if p.name != "objects.json") == sorted(
        COS_FIXTURES + HTTP_FIXTURES)


@pytest.mark.parametrize("name", HTTP_FIXTURES)
def test_http_fixture_shapes(name):
    event = load_event(name)
    assert isinstance(event["body"], str) and event["httpMethod"] in ("GET", "POST") and event["path"].startswith("/")
    assert isinstance(event["queryString"], dict) and isinstance(event["headers"], dict)
    if name.startswith("function_url_"):  # doc 583/96099; plus requestContext in the 2026 third-party shape
        extra = {"requestContext"} if "request_context" in name else set()
        assert set(event) == {"body", "headers", "httpMethod", "path", "queryString"} | extra
        assert all(k == k.lower() for k in event["headers"])
        assert set(event.get("requestContext", {"sourceIp": 0})) == {"sourceIp"}  # never API Gateway's serviceId
    else:
        assert event["requestContext"]["serviceId"].startswith("service-")
        assert event["requestContext"]["httpMethod"] == event["httpMethod"]
        assert isinstance(event["isBase64Encoded"], bool)


def test_unicode_fixtures_hold_the_raw_and_the_percent_encoded_key():
    raw = _object_key(load_event("cos_put_unicode_space_key.json")["Records"][0])
    encoded = _object_key(load_event("cos_put_url_encoded_key.json")["Records"][0])
    assert raw == UNICODE_KEY
    assert encoded != raw and "%20" in encoded and "%2B" in encoded and unquote(encoded) == raw


def test_special_fixtures_hold_what_their_names_say():
    assert load_event("cos_delete.json")["Records"][0]["event"]["eventName"] == "cos:ObjectRemove:Delete"
    assert _object_key(load_event("cos_own_output.json")["Records"][0]).startswith("fused/")
    assert len(load_event("cos_multi_record.json")["Records"]) >= 2
    not_image = _object_key(load_event("cos_put_not_image.json")["Records"][0])
    data = (EVENTS / "objects" / BUCKET / not_image).read_bytes()
    assert not_image.endswith(".jpg") and not data.startswith(b"\xff\xd8")


def test_http_fixtures():
    apigw = load_event("apigw_post_json.json")
    assert apigw["requestContext"]["serviceId"] and apigw["isBase64Encoded"] is False
    body = json.loads(apigw["body"])
    assert body["ModelId"] == MODEL and base64.b64decode(body["MergeInfos"][0]["Image"])[:2] == b"\xff\xd8"
    binary = load_event("apigw_post_base64_image.json")
    assert binary["isBase64Encoded"] is True and binary["headers"]["Content-Type"] == "image/jpeg"
    assert base64.b64decode(binary["body"])[:2] == b"\xff\xd8"
    url = load_event("function_url_post_json.json")
    assert set(url) == {"body", "headers", "httpMethod", "path", "queryString"}
    assert json.loads(url["body"]) == body


def test_materials_manifest_points_at_an_image():
    entries = json.loads((EVENTS / "materials" / "materials.json").read_text(encoding="utf-8"))
    assert [(e["MaterialId"], e["ModelId"]) for e in entries] == [("mt_1603586676924403712", MODEL)]
    assert set(entries[0]) == {"ProjectId", "MaterialId", "ModelId", "Image", "Name", "Algorithm"}
    assert entries[0]["ProjectId"] == "at_1603326187690926080"
    assert (EVENTS / "materials" / entries[0]["Image"]).read_bytes()[:2] == b"\xff\xd8"


def test_event_cos_reproduces_the_cos_put_fixture(capsys):
    out = _cli_json(capsys, "event", "cos", "--bucket", BUCKET, "--region", "ap-guangzhou",
                    "--key", f"uploads/{MODEL}/selfie.jpg")
    assert out == load_event("cos_put.json")


@pytest.mark.parametrize("encode", [False, True])
def test_event_cos_unicode_key_shapes(capsys, encode):
    argv = ["event", "cos", "--bucket", BUCKET, "--key", UNICODE_KEY] + (["--url-encode-key"] if encode else [])
    out = _cli_json(capsys, *argv)
    fixture = load_event("cos_put_url_encoded_key.json" if encode else "cos_put_unicode_space_key.json")
    assert _shape(out) == _shape(fixture)
    assert out["Records"][0]["cos"]["cosObject"]["key"] == fixture["Records"][0]["cos"]["cosObject"]["key"]


def test_event_cos_multi_key_delete_and_options(capsys):
    out = _cli_json(capsys, "event", "cos", "--bucket", "other-1300000000", "--region", "ap-shanghai",
                    "--key", "uploads/a.jpg", "--key", "uploads/b.png", "--event-name", "cos:ObjectRemove:Delete",
                    "--size", "7", "--meta", "x-cos-meta-fuseface-model-id:qc_1_000002_1")
    assert [r["cos"]["cosObject"]["key"] for r in out["Records"]] == [
        "/1300000000/other/uploads/a.jpg", "/1300000000/other/uploads/b.png"]
    rec = out["Records"][0]
    assert rec["cos"]["cosBucket"]["region"] == "sh" and rec["cos"]["cosObject"]["size"] == 7
    assert rec["event"]["eventName"] == "cos:ObjectRemove:Delete"
    assert rec["cos"]["cosObject"]["meta"]["x-cos-meta-fuseface-model-id"] == "qc_1_000002_1"
    fixture = load_event("cos_delete.json")["Records"][0]
    assert _shape(rec["event"]) == _shape(fixture["event"])
    assert set(rec["cos"]["cosObject"]) == set(fixture["cos"]["cosObject"])


def test_event_cos_rejects_a_bucket_without_appid(capsys):
    assert cli_main(["event", "cos", "--bucket", "noappid", "--key", "k.jpg"]) == 2
    err = json.loads(capsys.readouterr().err)
    assert err["Code"] == "InvalidParameterValue" and "NAME-APPID" in err["Message"]


def test_event_http_image_matches_the_apigw_base64_fixture(capsys):
    small = EVENTS / "objects" / BUCKET / "fused" / "uploads" / MODEL / "earlier.jpg"  # the same small jpeg
    out = _cli_json(capsys, "event", "http", "--method", "POST", "--path", "/fuse", "--image", str(small),
                    "--query", "ProjectId=at_1603326187690926080", "--query", f"ModelId={MODEL}")
    fixture = load_event("apigw_post_base64_image.json")
    assert _shape(out) == _shape(fixture)
    assert out["body"] == fixture["body"] and out["isBase64Encoded"] is True
    assert out["queryString"] == fixture["queryString"]


def test_event_http_function_url_json(capsys, tmp_path):
    fixture = load_event("function_url_post_json.json")
    body_file = tmp_path / "body.json"
    body_file.write_text(fixture["body"], encoding="utf-8")
    out = _cli_json(capsys, "event", "http", "--function-url", "--body-file", str(body_file),
                    "--header", "X-Api-Key:k1")
    assert set(out) == set(fixture) and "requestContext" not in out and "isBase64Encoded" not in out
    assert out["body"] == fixture["body"] and out["httpMethod"] == "POST" and out["path"] == "/fuse"
    assert out["headers"]["content-type"] == "application/json" and out["headers"]["x-api-key"] == "k1"
