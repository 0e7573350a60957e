"""An HTTP invocation's time budget is the smaller of the function's timeout and the client's wait (API Gateway's
serviceTimeout, a Function URL's timeout), so no FuseFace retry starts after the client has gone; COS invocations
keep the function's own limit."""

from __future__ import annotations

import json
import time

import pytest

from fuseface_local.eventgen import cos_event, cos_record, http_event, json_body
from scf_fuseface.entry import Function
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.handlers import ApiGatewayHandler, CosUploadHandler, FunctionUrlHandler
from scf_fuseface.run import Factories

from ..support.cloud import CREDS, make_settings
from ..support.fakes import FakeFusion, FakeStorage
from ..support.images import jpeg_bytes
from ..support.paths import BUCKET, MODEL, PROJECT

FUNCTION_LIMIT_MS = 120_000  # serverless.yml: timeout 120


@pytest.mark.parametrize("handler, env, expected", [
    (ApiGatewayHandler, {}, 60_000),  # serverless.yml: POST /fuse serviceTimeout 60
    (ApiGatewayHandler, {"FUSEFACE_HTTP_TIMEOUT_MS": "15000"}, 15_000),
    (ApiGatewayHandler, {"FUSEFACE_HTTP_TIMEOUT_MS": "900000"}, FUNCTION_LIMIT_MS),  # the function's limit wins
    (FunctionUrlHandler, {}, FUNCTION_LIMIT_MS),  # no URL timeout setting: the function's own (UNCONFIRMED)
    (FunctionUrlHandler, {"FUSEFACE_HTTP_TIMEOUT_MS": "30000"}, 30_000),
    (CosUploadHandler, {"FUSEFACE_HTTP_TIMEOUT_MS": "5000"}, FUNCTION_LIMIT_MS),  # nobody waits on COS
])
def test_the_budget_is_the_smaller_of_the_two(handler, env, expected):
    assert handler.time_limit_ms(make_settings(**env), FUNCTION_LIMIT_MS) == expected


class SlowBusyFusion(FakeFusion):
    """Every call takes ``seconds`` and answers RequestLimitExceeded (transient: retried while time is left)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.started: list = []

    def fuse(self, params):
        self.started.append(time.monotonic())
        time.sleep(self.seconds)
        self.errors = ["RequestLimitExceeded"]
        return super().fuse(params)


def _invoke(event, fusion: SlowBusyFusion, storage=None):
    timeouts: list = []

    def fusion_factory(settings, creds, *, timeout):
        timeouts.append(timeout)
        return fusion

    function = Function(Factories(credentials=lambda: CREDS, storage=lambda s, c, r: storage or FakeStorage(),
                                  fusion=fusion_factory))
    t0 = time.monotonic()
    result = function(event, {"request_id": "r-1", "time_limit_in_ms": FUNCTION_LIMIT_MS})
    return result, t0, timeouts


@pytest.fixture
def env(monkeypatch):
    for name, value in {"FUSEFACE_PROJECT_ID": PROJECT, "FUSEFACE_SAFETY_MARGIN_MS": "0",
                        "FUSEFACE_RETRY_BASE_DELAY": "0", "FUSEFACE_RETRY_MAX_DELAY": "0",
                        "FUSEFACE_RETRY_MAX_ATTEMPTS": "6", "FUSEFACE_TIMEOUT": "1"}.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.parametrize("function_url", [False, True])
def test_no_retry_starts_after_the_client_has_gone(env, function_url):
    env.setenv("FUSEFACE_HTTP_TIMEOUT_MS", "1500")
    fusion = SlowBusyFusion(0.3)
    body = json_body({"ModelId": MODEL, "MergeInfos": [{"Url": "https://x.example/a.jpg"}]})
    resp, t0, timeouts = _invoke(http_event("POST", "/fuse", body=body, content_type="application/json",
                                            function_url=function_url), fusion)
    assert resp["statusCode"] == 429
    assert json.loads(resp["body"])["Response"]["Error"]["Code"] == "RequestLimitExceeded"
    # Each attempt needs at least min(1 s, FUSEFACE_TIMEOUT) left of the 1.5 s the client waits: two attempts fit
    # (at ~0 s and ~0.3 s); a third would start at ~0.6 s with only 0.9 s left.
    assert len(fusion.started) == 2
    assert all(start - t0 < 1.5 - 1.0 for start in fusion.started)
    assert max(timeouts) <= 2  # each call's own timeout is cut to the client's wait too (whole seconds)


def test_without_the_cap_the_same_errors_are_retried_to_the_attempt_limit(env):
    fusion = SlowBusyFusion(0.05)
    body = json_body({"ModelId": MODEL, "MergeInfos": [{"Url": "https://x.example/a.jpg"}]})
    resp, _, _ = _invoke(http_event("POST", "/fuse", body=body, content_type="application/json",
                                    function_url=True), fusion)
    assert resp["statusCode"] == 429 and len(fusion.started) == 6  # FUSEFACE_RETRY_MAX_ATTEMPTS


def test_a_cos_invocation_is_not_capped_by_the_http_timeout(env):
    env.setenv("FUSEFACE_HTTP_TIMEOUT_MS", "1000")
    storage = FakeStorage()
    key = f"uploads/{MODEL}/budget.jpg"
    storage.seed(BUCKET, key, jpeg_bytes())
    fusion = SlowBusyFusion(0.05)
    with pytest.raises(FuseFaceError) as err:  # transient: raised so SCF retries the event
        _invoke(cos_event([cos_record(BUCKET, key)]), fusion, storage)
    assert err.value.code == "RequestLimitExceeded"
    assert len(fusion.started) == 6
