"""HTTP triggers end to end (API Gateway + Function URL) through the real SDKs and the emulator."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

import pytest

from fuseface_local.eventgen import http_event
from scf_fuseface.entry import main_handler

from ..support.cloud import scf_context
from ..support.images import jpeg_bytes, small_face
from ..support.paths import BUCKET, MODEL, PROJECT, load_event


def _body(resp):
    return json.loads(resp["body"])["Response"]


def _fused_ok(resp):
    assert resp["statusCode"] == 200, resp["body"][:300]
    body = _body(resp)
    assert base64.b64decode(body["FusedImage"])[:2] == b"\xff\xd8" and body["RequestId"]
    return body


@pytest.mark.parametrize("name", ["apigw_post_json.json", "function_url_post_json.json",
                                  "function_url_post_json_request_context.json", "apigw_post_base64_image.json"])
def test_fixture_http_round_trips(emu, name):
    resp = main_handler(load_event(name), scf_context())
    _fused_ok(resp)
    assert resp["headers"]["Content-Type"] == "application/json" and resp["isBase64Encoded"] is False
    assert emu.calls["FuseFace"] == 1


def test_json_with_defaults_and_data_url_prefix(emu):
    image = "data:image/jpeg;base64," + base64.b64encode(small_face(width=300)).decode()
    event = http_event(body=json.dumps({"MergeInfos": [{"Image": image}], "ModelId": MODEL}),
                       content_type="application/json")
    _fused_ok(main_handler(event, scf_context()))


def test_raw_image_upload_base64_encoded(emu):
    event = http_event(body=small_face(width=300), content_type="image/jpeg", query={"ModelId": MODEL},
                       path="/release/fuse")
    assert event.get("isBase64Encoded") is True
    _fused_ok(main_handler(event, scf_context()))


def test_multipart_upload(emu):
    boundary = "----fusefaceboundary7"
    image = small_face(width=300, fmt="PNG")
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"ModelId\"\r\n\r\n{MODEL}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"FuseFaceDegree\"\r\n\r\n60\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"me.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + image + f"\r\n--{boundary}--\r\n".encode()
    event = http_event(body=body, content_type=f"multipart/form-data; boundary={boundary}")
    _fused_ok(main_handler(event, scf_context()))


def test_no_face_is_422_envelope(emu):
    event = http_event(body=jpeg_bytes(320, 320), content_type="image/jpeg", query={"ModelId": MODEL})
    resp = main_handler(event, scf_context())
    assert resp["statusCode"] == 422
    body = _body(resp)
    assert body["Error"]["Code"] == "FailedOperation.NoFaceDetected" and body["RequestId"]


def test_rate_limited_then_ok_and_always_limited_429(emu):
    emu.inject_error("FuseFace", "RequestLimitExceeded", times=1)
    _fused_ok(main_handler(load_event("apigw_post_json.json"), scf_context()))
    assert emu.calls["FuseFace"] == 2
    emu.inject_error("FuseFace", "RequestLimitExceeded", times=50)
    resp = main_handler(load_event("apigw_post_json.json"), scf_context(time_limit_ms=1500))
    assert resp["statusCode"] == 429 and _body(resp)["Error"]["Code"] == "RequestLimitExceeded"


def test_oversize_reply_becomes_presigned_cos_url(emu, monkeypatch):
    import requests

    monkeypatch.setenv("FUSEFACE_HTTP_MAX_RESPONSE_BYTES", "2048")
    resp = main_handler(load_event("apigw_post_json.json"), scf_context())
    body = _body(resp)
    assert resp["statusCode"] == 200 and body["RspImgType"] == "url" and body["FusedImageUrl"] == body["FusedImage"]
    url = urlsplit(body["FusedImage"])
    assert url.hostname == f"{BUCKET}.cos.ap-guangzhou.myqcloud.com" and "x-cos-security-token" in url.query
    # The presigned URL is valid: fetch it from the emulator with the URL's Host.
    got = requests.get(f"http://127.0.0.1:{emu.port}{url.path}?{url.query}", headers={"Host": url.hostname},
                       timeout=10)
    assert got.status_code == 200 and got.content[:2] == b"\xff\xd8"
    tampered = requests.get(f"http://127.0.0.1:{emu.port}{url.path}?{url.query.replace('q-sign-time', 'x')}",
                            headers={"Host": url.hostname}, timeout=10)
    assert tampered.status_code == 403


def test_api_key_required(emu, monkeypatch):
    monkeypatch.setenv("FUSEFACE_API_KEYS", "key-alpha,key-beta")
    denied = main_handler(load_event("apigw_post_json.json"), scf_context())
    assert denied["statusCode"] == 401 and _body(denied)["Error"]["Code"] == "UnauthorizedOperation.ApiKey"
    assert emu.calls["FuseFace"] == 0
    event = load_event("function_url_post_json.json")
    event["headers"]["x-api-key"] = "key-beta"
    _fused_ok(main_handler(event, scf_context()))


def test_cors_preflight_and_reply(emu, monkeypatch):
    monkeypatch.setenv("FUSEFACE_CORS_ORIGINS", "https://app.example.com")
    pre = main_handler(http_event("OPTIONS", "/fuse", headers={"Origin": "https://app.example.com",
                                                                "Access-Control-Request-Method": "POST"}), scf_context())
    assert pre["statusCode"] == 204
    assert pre["headers"]["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "POST" in pre["headers"]["Access-Control-Allow-Methods"]
    event = load_event("apigw_post_json.json")
    event["headers"]["Origin"] = "https://evil.example.com"
    resp = main_handler(event, scf_context())
    assert resp["statusCode"] == 200 and "Access-Control-Allow-Origin" not in resp["headers"]


def test_materials_and_healthz(emu):
    resp = main_handler(http_event("GET", "/materials", query={"ProjectId": PROJECT}), scf_context())
    assert resp["statusCode"] == 200
    body = _body(resp)
    assert body["Count"] >= 1 and any(
        m["MaterialId"] == "mt_1603586676924403712" and m["MaterialFaceList"][0]["FaceId"] == MODEL
        for m in body["MaterialInfos"])
    assert emu.calls["DescribeMaterialList"] == 1
    health = main_handler(http_event("GET", "/healthz", function_url=True), scf_context())
    assert health["statusCode"] == 200 and json.loads(health["body"])["status"] == "ok"


def test_exif_rotated_http_upload_is_sent_upright(emu):
    event = http_event(body=small_face(width=300, orientation=6), content_type="image/jpeg",
                       query={"ModelId": MODEL})
    _fused_ok(main_handler(event, scf_context()))


def test_unsupported_media_type_415(emu):
    resp = main_handler(http_event(body=b"a,b\n1,2", content_type="text/csv"), scf_context())
    assert resp["statusCode"] == 415 and emu.calls["FuseFace"] == 0


def test_function_url_binary_upload_without_flag(emu):
    event = http_event(body=small_face(width=300), content_type="image/jpeg", query={"ModelId": MODEL},
                       function_url=True)
    assert "isBase64Encoded" not in event
    _fused_ok(main_handler(event, scf_context()))


def test_function_url_text_body_with_image_type_is_415(emu):
    event = http_event(body="definitely not an image", content_type="image/jpeg", query={"ModelId": MODEL},
                       function_url=True, base64_body=False)
    resp = main_handler(event, scf_context())
    assert resp["statusCode"] == 415
    assert _body(resp)["Error"]["Code"] == "FailedOperation.ImageDecodeFailed"
    assert emu.calls["FuseFace"] == 0
