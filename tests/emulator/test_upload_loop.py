"""The emulator's upload loop: serverless.yml triggers -> SCF-like instances -> retries -> dead letters.

Expected values come from the SCF docs (583/9707 COS trigger events and filters, 583/41138 two retries of a
runtime error, 583/39704 the dead-letter message fields) and from our own serverless.yml."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from fuseface_local.cli import main as cli_main
from fuseface_local.emulator import EmulatorServer
from fuseface_local.emulator.faults import FaultPlan
from fuseface_local.emulator.stamp_engine import StampEngine
from fuseface_local.emulator.triggers import CosTrigger, load_serverless, parse_serverless
from fuseface_local.emulator.upload_loop import UploadLoop, function_environ
from scf_fuseface.errors import FuseFaceError

from ..support.clients import cos_client
from ..support.paths import BUCKET, EVENTS, MATERIAL, MODEL, PROJECT, ROOT, asset

YML = """
app: fuseface
stage: dev
component: scf
name: fuseface
inputs:
  name: ${{name}}-${{stage}}
  handler: {handler}
  src: {src}
  region: ap-guangzhou
  timeout: {timeout}
  memorySize: 512
  environment:
    variables:
      FUSEFACE_PROJECT_ID: '{project}'
      FUSEFACE_MODEL_ID: {model}
      FUSEFACE_RETRY_MAX_ATTEMPTS: '{attempts}'
      FUSEFACE_RETRY_BASE_DELAY: '0.01'
      FUSEFACE_SAFETY_MARGIN_MS: '200'
      FUSEFACE_CLAIM_WAIT_S: '5'
  events:
    - cos:
        parameters:
          bucket: {bucket}.cos.ap-guangzhou.myqcloud.com
          filter:
            prefix: uploads/
            suffix: .jpg
          events: 'cos:ObjectCreated:*'
          enable: true
"""


def _spec(tmp_path, *, handler="index.main_handler", src=None, timeout=20, attempts=2):
    path = tmp_path / "serverless.yml"
    path.write_text(YML.format(handler=handler, src=src or str(ROOT / "src"), timeout=timeout, project=PROJECT,
                               model=MODEL, attempts=attempts, bucket=BUCKET), "utf-8")
    return load_serverless(path)


@pytest.fixture
def stamp_emulator(tmp_path):
    with EmulatorServer(tmp_path / "data", engine=StampEngine(0)) as emu:
        emu.materials.add(PROJECT, (EVENTS / "materials" / "obama_template.jpg").read_bytes(), material_id=MATERIAL)
        yield emu


# --- serverless.yml -----------------------------------------------------------------------------------------
def test_the_repository_serverless_yml_declares_its_cos_trigger():
    spec = load_serverless(ROOT / "serverless.yml")
    assert spec.handler == "index.main_handler" and spec.timeout_s == 120 and spec.memory_mb == 512
    assert spec.triggers == (CosTrigger(BUCKET, "ap-guangzhou", "uploads/", "", ("cos:ObjectCreated:*",), True),)
    assert spec.environment["FUSEFACE_MODEL_ID"] == MODEL and spec.environment["FUSEFACE_PROJECT_ID"] == PROJECT
    assert spec.name == "fuseface-dev-fuseface"


@pytest.mark.parametrize("doc, fragment", [
    ({}, "inputs"),
    ({"inputs": {"events": [{"cos": {"parameters": {"bucket": "Bad_Bucket"}}}]}}, "bucket"),
    ({"inputs": {"events": [{"cos": {"parameters": {"bucket": "b-1250000000", "events": "s3:Put"}}}]}}, "events"),
    ({"inputs": {"environment": {"variables": ["A=1"]}}}, "variables"),
    ({"inputs": {"timeout": "soon"}}, "timeout"),
])
def test_a_malformed_serverless_yml_is_one_clear_error(tmp_path, doc, fragment):
    with pytest.raises(FuseFaceError) as info:
        parse_serverless(doc, tmp_path)
    assert info.value.code == "InvalidParameterValue" and fragment in info.value.message


@pytest.mark.parametrize("bucket, key, event, expected", [
    (BUCKET, "uploads/a.jpg", "cos:ObjectCreated:Put", True),
    (BUCKET, "uploads/a.jpg", "cos:ObjectCreated:Copy", True),
    (BUCKET, "uploads/a.jpg", "cos:ObjectCreated:Post", True),
    (BUCKET, "uploads/a.png", "cos:ObjectCreated:Put", False),  # suffix
    (BUCKET, "other/a.jpg", "cos:ObjectCreated:Put", False),  # prefix
    (BUCKET, "uploads/a.jpg", "cos:ObjectRemove:Delete", False),  # event
    ("other-1250000000", "uploads/a.jpg", "cos:ObjectCreated:Put", False),  # bucket
])
def test_trigger_filters(bucket, key, event, expected):
    trigger = CosTrigger(BUCKET, "ap-guangzhou", "uploads/", ".jpg", ("cos:ObjectCreated:*",))
    assert trigger.matches(bucket, key, event) is expected


def test_function_environment_order(tmp_path, monkeypatch, stamp_emulator):
    spec = _spec(tmp_path)
    monkeypatch.setenv("FUSEFACE_MODEL_ID", "qc_1_2_3")  # the process environment wins over the yml
    monkeypatch.setenv("FUSEFACE_ENDPOINT", "example.invalid")  # the emulator's endpoints win over both
    env = function_environ(spec, stamp_emulator)
    assert env["FUSEFACE_MODEL_ID"] == "qc_1_2_3"
    assert env["FUSEFACE_RETRY_BASE_DELAY"] == "0.01"
    assert env["FUSEFACE_ENDPOINT"] == stamp_emulator.endpoint
    assert env["FUSEFACE_COS_PORT"] == str(stamp_emulator.port)


# --- the loop -------------------------------------------------------------------------------------------------
def test_a_put_through_the_sdk_comes_back_fused(tmp_path, stamp_emulator):
    cos = cos_client(stamp_emulator)
    with UploadLoop(stamp_emulator, _spec(tmp_path), concurrency=2, retry_delay_s=0.2) as loop:
        cos.put_object(Bucket=BUCKET, Key="uploads/loop/put.jpg", Body=asset("obama.jpg"), ContentType="image/jpeg")
        cos.copy_object(Bucket=BUCKET, Key="uploads/loop/copied.jpg",
                        CopySource={"Bucket": BUCKET, "Key": "uploads/loop/put.jpg", "Region": "ap-guangzhou"})
        cos.put_object(Bucket=BUCKET, Key="elsewhere/ignored.jpg", Body=asset("obama.jpg"))
        assert loop.invoker.wait_idle(60)
        events = sorted(d.event["Records"][0]["event"]["eventName"] for d in loop.invoker.finished)
    assert events == ["cos:ObjectCreated:Copy", "cos:ObjectCreated:Put"]
    for key in ("put", "copied"):
        data, meta, _ = stamp_emulator.store.get(BUCKET, f"fused/uploads/loop/{key}.jpg")
        assert data[:2] == b"\xff\xd8" and meta["x-cos-meta-fuseface-source-key"] == f"uploads/loop/{key}.jpg"
    assert not stamp_emulator.store.exists(BUCKET, "fused/elsewhere/ignored.jpg")
    assert stamp_emulator.usage.report()["FuseFace"]["Billable"] == 2


def test_a_duplicated_event_is_delivered_twice_and_billed_once(tmp_path):
    with EmulatorServer(tmp_path / "data", engine=StampEngine(300),
                        faults=FaultPlan.parse("duplicate=1", seed=7)) as emu:
        emu.materials.add(PROJECT, (EVENTS / "materials" / "obama_template.jpg").read_bytes(), material_id=MATERIAL)
        with UploadLoop(emu, _spec(tmp_path), concurrency=2, retry_delay_s=0.2) as loop:
            cos_client(emu).put_object(Bucket=BUCKET, Key="uploads/dup/a.jpg", Body=asset("obama.jpg"))
            assert loop.invoker.wait_idle(60)
            assert loop.invoker.stats["deliveries"] == 2 and loop.invoker.stats["succeeded"] == 2
        assert emu.usage.report()["FuseFace"] == {"Calls": 1, "Billable": 1, "Throttled": 0, "Failed": 0,
                                                  "LostReplies": 0}


def test_failures_are_retried_twice_then_dead_lettered_and_replay_redrives_them(tmp_path, stamp_emulator, capsys):
    stamp_emulator.inject_error("FuseFace", "InternalError", times=6)  # 3 invocations x 2 attempts
    with UploadLoop(stamp_emulator, _spec(tmp_path, attempts=2), concurrency=1, retry_delay_s=0.3) as loop:
        cos_client(stamp_emulator).put_object(Bucket=BUCKET, Key="uploads/dlq/a.jpg", Body=asset("obama.jpg"))
        assert loop.invoker.wait_idle(90)
    (letter,) = (Path(stamp_emulator.data_dir) / "dead-letters").glob("*.json")
    doc = json.loads(letter.read_text("utf-8"))
    assert set(doc) >= {"RequestId", "ErrorCode", "ErrorMessage", "Body", "Event", "Attempts"}
    assert doc["Body"]["RetryNum"] == 2 and json.loads(doc["Body"]["ClientContext"]) == doc["Event"]
    assert [a["Attempt"] for a in doc["Attempts"]] == [1, 2, 3]
    assert all("InternalError" in a["Error"]["ErrorMessage"] for a in doc["Attempts"])
    assert doc["Attempts"][1]["Started"] > doc["Attempts"][0]["Ended"]  # retried after the delay
    pending = json.loads(stamp_emulator.store.get(BUCKET, "failed/uploads/dlq/a.jpg.json")[0])
    assert pending["Kind"] == "transient"  # the upload is recorded as well as dead-lettered
    # re-drive: the embedded emulator of `fuseface replay` shares the DATA dir with the running one
    code = cli_main(["replay", str(letter), "--data", str(stamp_emulator.data_dir)])
    out = capsys.readouterr().out
    assert code == 0 and "REDRIVEN" in out
    assert stamp_emulator.store.exists(BUCKET, "fused/uploads/dlq/a.jpg")
    assert not stamp_emulator.store.exists(BUCKET, "failed/uploads/dlq/a.jpg.json")  # the success removed it
    assert not letter.exists() and (letter.parent / "redriven" / letter.name).is_file()


HANGS = """
import os, time
def main_handler(event, context):
    if os.environ.get("MODE") == "crash":
        os._exit(3)
    time.sleep(30)
"""


@pytest.mark.parametrize("mode, error_type", [("hang", "TimeLimitExceeded"), ("crash", "InstanceCrashed")])
def test_timeouts_and_crashes_are_runtime_errors(tmp_path, stamp_emulator, monkeypatch, mode, error_type):
    code = tmp_path / "fn"
    code.mkdir()
    (code / "index.py").write_text(textwrap.dedent(HANGS), "utf-8")
    monkeypatch.setenv("MODE", mode)
    spec = _spec(tmp_path, src=str(code), timeout=1)
    with UploadLoop(stamp_emulator, spec, concurrency=1, retry_delay_s=0.05, max_retries=1) as loop:
        cos_client(stamp_emulator).put_object(Bucket=BUCKET, Key="uploads/bad/a.jpg", Body=b"x")
        assert loop.invoker.wait_idle(30)
        (delivery,) = loop.invoker.finished
    assert [a.error["Type"] for a in delivery.attempts] == [error_type, error_type]
    assert delivery.dead_letter is not None and delivery.dead_letter.is_file()
