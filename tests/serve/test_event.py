"""Request -> Function URL event and integrated response -> HTTP, without a socket (werkzeug's test client)."""

from __future__ import annotations

import base64
import io
import json

import pytest
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from fuseface_local.serve import FunctionUrlApp, build_event, to_response
from scf_fuseface.handlers import infer
from scf_fuseface.models.http_event import HttpRequest

from ..support.images import small_face
from ..support.paths import EVENTS


def _request(method="POST", path="/fuse", **kwargs) -> Request:
    return Request(EnvironBuilder(method=method, path=path, environ_base={"REMOTE_ADDR": "198.51.100.9"},
                                  **kwargs).get_environ())


def _event(req: Request) -> dict:
    return build_event(req, req.get_data())


def test_a_json_post_has_the_shape_of_the_function_url_fixture():
    fixture = json.loads((EVENTS / "function_url_post_json.json").read_text(encoding="utf-8"))
    body = '{"ModelId":"mt_1603586676924403712_1","MergeInfos":[]}'
    event = _event(_request(data=body, content_type="application/json", query_string="a=1&b=2&b=3",
                            headers={"X-Custom": "v", "User-Agent": "ua/1"}))
    assert set(event) == set(fixture)
    assert event["httpMethod"] == "POST" and event["path"] == "/fuse"
    assert event["body"] == body  # text bodies stay text
    assert event["queryString"] == {"a": "1", "b": ["2", "3"]}
    headers = event["headers"]
    assert all(k == k.lower() for k in headers)
    assert headers["x-scf-remote-addr"] == "198.51.100.9"
    assert headers["content-length"] == str(len(body))
    assert headers["content-type"] == "application/json"
    assert headers["x-custom"] == "v" and headers["user-agent"] == "ua/1"
    assert headers["host"] == "localhost"
    assert "accept" not in headers  # no placeholder the client did not send
    handler = infer(event)
    assert handler is not None and handler.trigger == "function_url"
    req = HttpRequest.from_function_url(event)
    assert req.body == body.encode() and req.header("x-scf-remote-addr") == "198.51.100.9" and req.query["b"] == "3"


def test_a_binary_body_is_base64_and_decodes_to_the_same_bytes():
    face = small_face("obama.jpg", 96, square=False)
    event = _event(_request(data=face, content_type="image/jpeg"))
    assert event["body"] == base64.b64encode(face).decode("ascii")
    assert event["headers"]["content-length"] == str(len(face))
    assert HttpRequest.from_function_url(event).body == face


def test_a_non_utf8_text_body_is_base64_and_a_bodyless_get_is_empty():
    event = _event(_request(data=b"\xff\xfe\x00", content_type="text/plain"))
    assert event["body"] == base64.b64encode(b"\xff\xfe\x00").decode("ascii")
    get = _event(_request("GET", "/materials", query_string="Limit=5"))
    assert get["body"] == "" and get["httpMethod"] == "GET" and get["queryString"] == {"Limit": "5"}
    assert "content-length" not in get["headers"]


def test_to_response_decodes_base64_bodies_and_keeps_headers():
    resp = to_response({"statusCode": 201, "isBase64Encoded": True, "body": base64.b64encode(b"\x89PNG").decode(),
                        "headers": {"Content-Type": "image/png", "Set-Cookie": ["a=1", "b=2"]}}, "rid")
    assert resp.status_code == 201 and resp.get_data() == b"\x89PNG"
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    text = to_response({"statusCode": "404", "isBase64Encoded": False, "body": "{}", "headers": {}}, "rid")
    assert text.status_code == 404 and text.get_data() == b"{}" and "Content-Type" not in text.headers


def test_to_response_of_a_non_integrated_result_is_json_and_a_bad_status_is_502():
    plain = to_response({"error": {"Code": "X"}}, "rid")
    assert plain.status_code == 200 and json.loads(plain.get_data()) == {"error": {"Code": "X"}}
    bad = to_response({"statusCode": "abc", "body": ""}, "rid-9")
    assert bad.status_code == 502
    assert json.loads(bad.get_data())["Response"] == {
        "Error": {"Code": "InternalError", "Message": "The function returned an invalid statusCode."},
        "RequestId": "rid-9"}


@pytest.fixture()
def recorded():
    calls = []

    def handler(event, context):
        calls.append((event, context))
        if event["path"] == "/boom":
            raise RuntimeError("secret detail")
        return {"statusCode": 200, "isBase64Encoded": False, "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"ok": True})}

    return calls, handler


def test_the_app_calls_the_handler_with_an_scf_context_in_real_units(recorded, capsys):
    calls, handler = recorded
    log = io.StringIO()
    client = Client(FunctionUrlApp(handler, access_log=log, region="ap-shanghai"))
    resp = client.post("/fuse", data=b"{}", content_type="application/json")
    assert resp.status_code == 200 and resp.get_json() == {"ok": True}
    [(event, ctx)] = calls
    assert event["body"] == "{}"
    assert ctx["time_limit_in_ms"] == 120_000 and ctx["memory_limit_in_mb"] == 512
    assert ctx["function_name"] == "fuseface" and ctx["tencentcloud_region"] == "ap-shanghai"
    assert len(ctx["request_id"]) == 36
    boom = client.get("/boom")
    assert boom.status_code == 502
    assert boom.get_json()["Response"]["Error"]["Code"] == "InternalError"
    assert "secret detail" not in boom.get_data(as_text=True) and "secret detail" not in capsys.readouterr().err
    lines = log.getvalue().splitlines()
    assert [line.split(" ", 1)[1] for line in lines][1].startswith("GET /boom 502 ")


def test_the_app_answers_413_for_a_small_limit_without_calling_the_handler(recorded):
    calls, handler = recorded
    app = FunctionUrlApp(handler, access_log=io.StringIO(), max_body=10)
    resp = Client(app).post("/fuse", data=b"x" * 11, content_type="application/octet-stream")
    assert resp.status_code == 413 and calls == []
    assert resp.get_json()["Response"]["Error"]["Code"] == "RequestSizeLimitExceeded"
    ok = Client(app).post("/fuse", data=b"x" * 10, content_type="application/octet-stream")
    assert ok.status_code == 200 and len(calls) == 1


def test_server_contexts_carry_the_configured_region(tmp_path, monkeypatch):
    from fuseface_local.serve import LocalServer

    monkeypatch.setenv("FUSEFACE_REGION", "ap-shanghai")
    (tmp_path / "events").mkdir()  # nothing to seed: the engine is never loaded
    with LocalServer(tmp_path / "data", port=0, events_dir=tmp_path / "events") as server:
        assert server.app.region == "ap-shanghai"


def test_a_static_path_outside_the_page_files_goes_to_the_handler(recorded):
    calls, handler = recorded
    client = Client(FunctionUrlApp(handler, access_log=io.StringIO()))
    paths = ("/static/../app.py", "/static/%2E%2E/server.py", "/static/sub/page.js", "/static/page.py")
    for path in paths:
        resp = client.get(path)
        assert resp.status_code == 200 and resp.get_json() == {"ok": True}, path  # the handler's answer
    assert len(calls) == len(paths)
