"""Trigger inference: every fixture in events/ matches exactly one handler; unknown events are refused cleanly."""

from __future__ import annotations

import json

import pytest

from scf_fuseface.entry import main_handler
from scf_fuseface.handlers import HANDLERS, ApiGatewayHandler, CosUploadHandler, FunctionUrlHandler, infer

from ..support.paths import event_files, load_event

EXPECTED = {"cos": CosUploadHandler, "apigw": ApiGatewayHandler, "function_url": FunctionUrlHandler}


def test_fixtures_exist():
    assert len(event_files()) >= 9


@pytest.mark.parametrize("path", event_files(), ids=lambda p: p.name)
def test_every_fixture_matches_exactly_one_handler(path):
    event = json.loads(path.read_text("utf-8"))
    matches = [cls for cls in HANDLERS if cls.infer(event)]
    assert len(matches) == 1, matches
    prefix = next(p for p in EXPECTED if path.name.startswith(p))
    assert matches[0] is EXPECTED[prefix]


@pytest.mark.parametrize("event", [
    {}, [], "text", None, {"Type": "Timer", "TriggerName": "t"}, {"Records": []}, {"Records": [{"s3": {}}]},
    {"Records": [{"cos": {}, "event": {"eventSource": "qcs::cmq"}}]}, {"requestContext": {"requestId": "x"}},
    {"body": "", "path": "/fuse"},
])
def test_unknown_events_match_nothing(event):
    assert infer(event) is None


def test_both_function_url_shapes_are_fixtures():
    with_ctx = [p for p in event_files() if p.name.startswith("function_url_") and "requestContext" in load_event(p.name)]
    without = [p for p in event_files() if p.name.startswith("function_url_") and "requestContext" not in
               load_event(p.name)]
    assert with_ctx and without


def test_service_id_tells_api_gateway_from_function_url():
    """``requestContext.serviceId`` is API Gateway's (doc 583/12513); a Function URL event may carry a
    ``requestContext`` (third-party reports, 2026) but never a service id."""
    event = load_event("apigw_post_json.json")
    assert infer(event) is ApiGatewayHandler
    del event["requestContext"]["serviceId"]
    assert [cls for cls in HANDLERS if cls.infer(event)] == [FunctionUrlHandler]
    url = load_event("function_url_post_json.json")
    url["requestContext"] = {"sourceIp": "203.0.113.7", "serviceId": "service-x"}
    assert [cls for cls in HANDLERS if cls.infer(url)] == [ApiGatewayHandler]


@pytest.mark.parametrize("context", [
    {"sourceIp": "203.0.113.7"}, {"httpMethod": "POST", "requestId": "r-1"}, {"http": {"method": "POST"}},
])
def test_function_url_events_with_a_request_context_are_recognised(context):
    event = load_event("function_url_post_json.json")
    event["requestContext"] = context
    if "sourceIp" not in context:
        del event["httpMethod"]  # the method only in the context, as some adapters read it
    assert [cls for cls in HANDLERS if cls.infer(event)] == [FunctionUrlHandler]


@pytest.mark.parametrize("event", [
    {"headers": {}, "requestContext": "x", "httpMethod": "GET"},  # a context that is not an object
    {"headers": {}, "requestContext": {"sourceIp": "1.2.3.4"}},  # no method anywhere
    {"headers": "x", "httpMethod": "GET"},
])
def test_http_lookalikes_match_nothing(event):
    assert infer(event) is None


def test_unknown_event_is_logged_and_answered_without_traceback(capsys, monkeypatch):
    monkeypatch.setenv("FUSEFACE_PROJECT_ID", "at_1603326187690926080")
    result = main_handler({"Type": "Timer", "Message": "hello"}, {"request_id": "r-1"})
    assert result["error"]["Code"] == "InvalidParameterValue.InvalidEvent"
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert any(line["message"] == "unrecognised event" and line["event_keys"] == ["Message", "Type"]
               for line in lines)
    assert "Traceback" not in out
    assert "hello" not in out
