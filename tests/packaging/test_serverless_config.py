"""serverless.yml against the component toolkit's documented inputs (research notes issue7.md §4): a Function URL
(``- http:`` with ``netConfig``; both flags default to false, so the public one is explicit), API Gateway only as the
commented legacy option, no obsolete ``enableRoleAuth``, current-format IDs."""

from __future__ import annotations

import re

import yaml

from scf_fuseface.handlers import ApiGatewayHandler

from ..support.paths import ROOT

TEXT = (ROOT / "serverless.yml").read_text("utf-8")
CONFIG = yaml.safe_load(TEXT)
INPUTS = CONFIG["inputs"]


def _triggers(events):
    return {name: body for event in events for name, body in event.items()}


def _legacy_block() -> list:
    """The commented API Gateway block, uncommented and parsed (it must stay valid YAML)."""
    block = TEXT.split("# --- legacy: API Gateway", 1)[1].split("# --- end legacy", 1)[0]
    lines = [line.strip()[2:] if line.strip() != "#" else "" for line in block.splitlines()[1:]]
    start = next(i for i, line in enumerate(lines) if line.startswith("- apigw:"))
    return yaml.safe_load("\n".join(lines[start:]))


def test_a_public_function_url_is_declared():
    triggers = _triggers(INPUTS["events"])
    params = triggers["http"]["parameters"]
    assert params["qualifier"] == "$DEFAULT" and params["authType"] in ("NONE", "CAM")
    assert params["netConfig"]["enableExtranet"] is True  # the toolkit's default is false
    assert isinstance(params["netConfig"]["enableIntranet"], bool)


def test_api_gateway_is_only_the_commented_legacy_option():
    assert "apigw" not in _triggers(INPUTS["events"])  # new API Gateway triggers need an allow-list
    (legacy,) = _legacy_block()
    endpoints = {e["path"]: e for e in legacy["apigw"]["parameters"]["endpoints"]}
    assert set(endpoints) == {"/fuse", "/materials", "/healthz"}
    assert all(e["function"]["isIntegratedResponse"] is True for e in endpoints.values())
    # The handler's default HTTP budget is the gateway's wait for POST /fuse.
    assert endpoints["/fuse"]["serviceTimeout"] * 1000 == ApiGatewayHandler.default_timeout_ms


def test_no_obsolete_inputs():
    assert "enableRoleAuth" not in INPUTS and "enableRoleAuth" not in TEXT.split("# --- legacy")[0]


def test_ids_are_in_the_current_console_format_and_the_trigger_prefix_matches():
    env = INPUTS["environment"]["variables"]
    assert re.fullmatch(r"at_\d+", env["FUSEFACE_PROJECT_ID"])
    assert re.fullmatch(r"mt_\d+_\d+", env["FUSEFACE_MODEL_ID"])
    cos = _triggers(INPUTS["events"])["cos"]["parameters"]
    assert cos["filter"]["prefix"] == env["FUSEFACE_TRIGGER_PREFIX"]
