"""The HTTP API with in-memory adapters: routes, statuses, CORS, API keys, large replies."""

from __future__ import annotations

import base64
import json

import pytest

from scf_fuseface.errors import CATALOG
from scf_fuseface.http_api import handle
from scf_fuseface.models.http_event import HttpRequest

from ..support.cloud import make_run, make_settings
from ..support.fakes import FakeFusion, FakeStorage
from ..support.images import jpeg_bytes, noisy_jpeg
from ..support.paths import MODEL


def _req(method="POST", path="/fuse", body=b"", headers=None, query=None):
    return HttpRequest(trigger="apigw", method=method, path=path, headers={k.lower(): v for k, v in
                                                                          (headers or {}).items()},
                       query=query or {}, body=body, request_id="rid-1")


def _json_req(payload, **kw):
    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    return _req(body=json.dumps(payload).encode(), headers=headers, **kw)


def _image_payload(**extra):
    return {"ModelId": MODEL, "MergeInfos": [{"Image": base64.b64encode(jpeg_bytes()).decode()}], **extra}


def _body(resp):
    return json.loads(resp["body"])


def test_json_fuse_defaults_from_config():
    fusion = FakeFusion()
    resp = handle(_json_req(_image_payload()), make_run(fusion=fusion))
    assert resp["statusCode"] == 200 and resp["isBase64Encoded"] is False
    body = _body(resp)["Response"]
    assert base64.b64decode(body["FusedImage"])[:2] == b"\xff\xd8" and body["RequestId"] == "req-1"
    sent = fusion.calls[0]
    assert sent["ProjectId"] == "at_1603326187690926080" and sent["LogoAdd"] == 1 and sent["RspImgType"] == "base64"
    assert sent["FuseParam"]["ImageCodecParam"]["MetaData"][0]["MetaKey"] == "AIGC"


def test_stage_prefix_is_ignored_and_unknown_routes_404():
    assert handle(_json_req(_image_payload(), path="/release/svc/fuse"), make_run())["statusCode"] == 200
    resp = handle(_req("GET", "/nope"), make_run())
    assert resp["statusCode"] == 404 and _body(resp)["Response"]["Error"]["Code"] == "ResourceNotFound.Route"


def test_raw_image_body_with_query_parameters():
    fusion = FakeFusion()
    req = _req(body=jpeg_bytes(), headers={"Content-Type": "image/jpeg"},
               query={"ModelId": MODEL, "FuseFaceDegree": "65", "TemplateFaceID": f"{MODEL}_1"})
    assert handle(req, make_run(fusion=fusion))["statusCode"] == 200
    assert fusion.calls[0]["FuseFaceDegree"] == 65 and fusion.calls[0]["MergeInfos"][0]["TemplateFaceID"] == f"{MODEL}_1"


@pytest.mark.parametrize(("code", "status"), [
    ("FailedOperation.NoFaceDetected", 422), ("RequestLimitExceeded", 429), ("FailedOperation.ImageSizeExceed", 413),
    ("FailedOperation.ImageDecodeFailed", 415), ("AuthFailure.SignatureFailure", 401),
    ("InvalidParameterValue.ParameterValueError", 400), ("FailedOperation.ServerError", 502),
    ("ClientNetworkError", 504),
])
def test_error_codes_map_to_statuses(code, status):
    settings = make_settings(FUSEFACE_RETRY_MAX_ATTEMPTS="1")
    resp = handle(_json_req(_image_payload()), make_run(settings, fusion=FakeFusion(errors=[code])))
    assert resp["statusCode"] == status
    body = _body(resp)["Response"]
    assert body["Error"]["Code"] == code and body["RequestId"] == "req-1"


def test_every_catalog_code_has_an_http_status_we_use():
    assert {spec.http_status for spec in CATALOG.values()} <= {400, 401, 403, 404, 405, 413, 415, 422, 429, 500, 502,
                                                              503, 504}


@pytest.mark.parametrize(("req", "code", "status"), [
    (_req(body=b""), "MissingParameter", 400),
    (_req(body=b"hello", headers={"Content-Type": "text/csv"}), "InvalidParameterValue.UnsupportedMediaType", 415),
    (_req(body=b"{not json", headers={"Content-Type": "application/json"}), "InvalidParameterValue", 400),
    (_req(body=b"GIF89a....", headers={"Content-Type": "image/jpeg"}, query={"ModelId": MODEL}),
     "FailedOperation.ImageDecodeFailed", 415),
    (_json_req({"MergeInfos": [{"Url": "https://x.example/a.jpg"}]}), "MissingParameter", 400),
])
def test_bad_requests(req, code, status):
    fusion = FakeFusion()
    resp = handle(req, make_run(fusion=fusion))
    assert (resp["statusCode"], _body(resp)["Response"]["Error"]["Code"]) == (status, code)
    assert fusion.calls == []


def test_large_reply_is_stored_and_returned_as_presigned_url():
    storage = FakeStorage()
    settings = make_settings(FUSEFACE_HTTP_MAX_RESPONSE_BYTES="2048", FUSEFACE_HTTP_BUCKET="out-1250000000")
    resp = handle(_json_req(_image_payload()), make_run(settings, storage=storage, fusion=FakeFusion(image=noisy_jpeg())))
    body = _body(resp)["Response"]
    assert resp["statusCode"] == 200 and body["RspImgType"] == "url"
    assert body["FusedImage"] == body["FusedImageUrl"] and body["FusedImage"].startswith("https://out-1250000000.cos.")
    ((bucket, key),) = [k for k in storage.objects]
    assert bucket == "out-1250000000" and key.startswith("fused/http/") and key.endswith("/req-1.jpg")


def test_large_reply_without_bucket_is_413():
    settings = make_settings(FUSEFACE_HTTP_MAX_RESPONSE_BYTES="2048")
    resp = handle(_json_req(_image_payload()), make_run(settings, fusion=FakeFusion(image=noisy_jpeg())))
    assert resp["statusCode"] == 413
    assert _body(resp)["Response"]["Error"]["Code"] == "RequestSizeLimitExceeded.Response"


def test_api_key_required_and_compared():
    settings = make_settings(FUSEFACE_API_KEYS="k-one,k-two")
    fusion = FakeFusion()
    denied = handle(_json_req(_image_payload()), make_run(settings, fusion=fusion))
    wrong = handle(_json_req(_image_payload(), headers={"X-Api-Key": "k-three"}), make_run(settings, fusion=fusion))
    assert denied["statusCode"] == wrong["statusCode"] == 401
    assert _body(denied)["Response"]["Error"]["Code"] == "UnauthorizedOperation.ApiKey" and fusion.calls == []
    ok = handle(_json_req(_image_payload(), headers={"x-api-key": "k-two"}), make_run(settings, fusion=fusion))
    assert ok["statusCode"] == 200
    assert handle(_req("GET", "/healthz"), make_run(settings))["statusCode"] == 200  # health needs no key


def test_cors_echoes_allowed_origins_only():
    settings = make_settings(FUSEFACE_CORS_ORIGINS="https://app.example")
    pre = handle(_req("OPTIONS", "/fuse", headers={"Origin": "https://app.example"}), make_run(settings))
    assert pre["statusCode"] == 204 and pre["headers"]["Access-Control-Allow-Origin"] == "https://app.example"
    assert "X-Api-Key" in pre["headers"]["Access-Control-Allow-Headers"]
    other = handle(_req("OPTIONS", "/fuse", headers={"Origin": "https://evil.example"}), make_run(settings))
    assert "Access-Control-Allow-Origin" not in other["headers"]
    resp = handle(_json_req(_image_payload(), headers={"Origin": "https://app.example"}), make_run(settings))
    assert resp["headers"]["Access-Control-Allow-Origin"] == "https://app.example"
    assert resp["headers"]["Vary"] == "Origin"
    star = make_settings(FUSEFACE_CORS_ORIGINS="*")
    assert handle(_req("GET", "/healthz", headers={"Origin": "https://x.example"}),
                  make_run(star))["headers"]["Access-Control-Allow-Origin"] == "https://x.example"


def test_materials_and_healthz():
    fusion = FakeFusion()
    resp = handle(_req("GET", "/materials", query={"Limit": "50"}), make_run(fusion=fusion))
    assert resp["statusCode"] == 200 and _body(resp)["Response"]["Count"] == 1
    assert fusion.calls == [{"DescribeMaterialList": "at_1603326187690926080", "material_id": None, "limit": 20, "offset": 0}]
    health = _body(handle(_req("GET", "/healthz"), make_run()))
    assert health["status"] == "ok"


def test_unexpected_exception_is_a_500_envelope():
    class Boom(FakeFusion):
        def fuse(self, params):
            raise RuntimeError("secret detail")

    resp = handle(_json_req(_image_payload()), make_run(fusion=Boom()))
    assert resp["statusCode"] == 500 and "secret detail" not in resp["body"]


def test_exif_rotated_upload_is_made_upright():
    import io

    from PIL import Image

    fusion = FakeFusion()
    req = _req(body=jpeg_bytes(200, 120, orientation=8), headers={"Content-Type": "image/jpeg"},
               query={"ModelId": MODEL})
    assert handle(req, make_run(fusion=fusion))["statusCode"] == 200
    with Image.open(io.BytesIO(base64.b64decode(fusion.calls[0]["MergeInfos"][0]["Image"]))) as img:
        assert img.size == (120, 200)


def test_http_transient_error_is_retried_in_process():
    fusion = FakeFusion(errors=["RequestLimitExceeded"])
    resp = handle(_json_req(_image_payload()), make_run(fusion=fusion))
    assert resp["statusCode"] == 200 and len(fusion.calls) == 2
