"""The replay runner without an emulator: context, report lines, exit codes, --cloud preconditions."""

from __future__ import annotations

import base64
import json
import os
import re

import pytest

from fuseface_local.cli import main as cli_main
from fuseface_local.cli.replay_cmds import format_report, format_result
from fuseface_local.replay import (
    DEFAULT_CONTEXT,
    invoke,
    patched_environ,
    replay_cloud,
    save_response_image,
)
from scf_fuseface.errors import FuseFaceError

from ..support.paths import EVENTS

REPORT_RE = re.compile(
    r"^REPORT RequestId: (?P<rid>[0-9a-f-]{36})\tDuration: (?P<dur>\d+\.\d\d) ms\t(?:Init Duration: [\d.]+ ms\t)?"
    r"Max Memory Used: (?P<mem>\d+\.\d) MB\tFuseFace RequestIds: (?P<ids>\[.*\])$"
)


def test_handler_gets_an_scf_context_with_real_units():
    seen = {}

    def handler(event, context):
        seen.update(context)
        return {"ok": event["n"]}

    res = invoke({"n": 3}, handler=handler, context={"function_name": "probe"})
    assert res.exit_code == 0 and res.result == {"ok": 3} and res.error is None
    assert seen["request_id"] == res.request_id
    assert seen["time_limit_in_ms"] == DEFAULT_CONTEXT["time_limit_in_ms"] == 120_000
    assert seen["memory_limit_in_mb"] == 512 and seen["function_name"] == "probe"
    lines = format_report(res)
    assert lines[0] == f"START RequestId: {res.request_id}"
    assert json.loads(lines[1]) == {"ok": 3}
    assert lines[2] == f"END RequestId: {res.request_id}"
    m = REPORT_RE.match(lines[3])
    assert m, lines[3]
    assert m["rid"] == res.request_id and float(m["mem"]) > 1 and json.loads(m["ids"]) == []


def test_a_raising_handler_gives_exit_code_1_and_a_traceback():
    def handler(event, context):
        raise RuntimeError("transient: try again")

    started = []
    res = invoke({}, handler=handler, on_start=started.append)
    assert started == [res.request_id]
    assert res.exit_code == 1 and isinstance(res.error, RuntimeError)
    lines = format_report(res, start=False)
    assert not lines[0].startswith("START")
    assert "Traceback" in lines[0] and "transient: try again" in lines[0]
    assert any(REPORT_RE.match(line) for line in lines)
    assert lines[-1] == "ERROR RuntimeError: transient: try again"


def test_system_exit_in_the_handler_is_reported_not_propagated():
    def handler(event, context):
        raise SystemExit(3)

    assert invoke({}, handler=handler).exit_code == 1


def test_patched_environ_restores_everything():
    os.environ["FUSEFACE_REPLAY_PROBE"] = "before"
    os.environ.pop("FUSEFACE_REPLAY_NEW", None)
    with patched_environ({"FUSEFACE_REPLAY_PROBE": None, "FUSEFACE_REPLAY_NEW": "x"}):
        assert "FUSEFACE_REPLAY_PROBE" not in os.environ and os.environ["FUSEFACE_REPLAY_NEW"] == "x"
    assert os.environ.pop("FUSEFACE_REPLAY_PROBE") == "before" and "FUSEFACE_REPLAY_NEW" not in os.environ


def test_long_strings_are_shortened_unless_full():
    image = "A" * 10_000
    result = {"statusCode": 200, "body": json.dumps({"Response": {"FusedImage": image, "RequestId": "r"}})}
    short = json.loads(format_result(result))
    assert short["body"]["Response"]["RequestId"] == "r"
    assert short["body"]["Response"]["FusedImage"].endswith("<10000 chars>")
    assert json.loads(format_result(result, full=True)) == result


def test_save_response_image_writes_the_base64_fused_image(tmp_path):
    jpeg = (EVENTS / "materials" / "obama_template.jpg").read_bytes()
    res = invoke({}, handler=lambda e, c: {"statusCode": 200, "isBase64Encoded": False, "body": json.dumps(
        {"Response": {"FusedImage": base64.b64encode(jpeg).decode(), "RequestId": "r"}})})
    path = save_response_image(res, tmp_path)
    assert path is not None and path.suffix == ".jpg" and path.read_bytes() == jpeg
    url_res = invoke({}, handler=lambda e, c: {"statusCode": 200, "body": json.dumps(
        {"Response": {"FusedImage": "https://example.com/x.jpg", "RequestId": "r"}})})
    assert save_response_image(url_res, tmp_path) is None


def test_cloud_replay_needs_credentials(monkeypatch, capsys):
    monkeypatch.delenv("TENCENTCLOUD_SECRETID", raising=False)
    monkeypatch.setenv("TENCENTCLOUD_SECRETKEY", "k")
    with pytest.raises(FuseFaceError) as info:
        replay_cloud({}, handler=lambda e, c: None)
    assert info.value.code == "InvalidCredential" and "TENCENTCLOUD_SECRETID" in info.value.message
    assert cli_main(["replay", str(EVENTS / "cos_delete.json"), "--cloud"]) == 2
    err = json.loads(capsys.readouterr().err)
    assert err["Code"] == "InvalidCredential"


def test_replay_of_a_missing_event_file_is_an_input_error(tmp_path, capsys):
    assert cli_main(["replay", str(tmp_path / "nope.json"), "--data", str(tmp_path)]) == 2
    assert json.loads(capsys.readouterr().err)["Code"] == "InvalidParameterValue"
