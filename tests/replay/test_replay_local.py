"""Every fixture replayed through main_handler against the in-process emulator (real SDKs, real engine)."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys

import pytest
from PIL import Image, ImageChops, ImageStat

from fuseface_local.cli.replay_cmds import format_report
from fuseface_local.eventgen import cos_event, cos_record
from fuseface_local.replay import replay_local, save_response_image, seed

from ..support.paths import BUCKET, EVENTS, MODEL, ROOT, load_event

SELFIE = f"uploads/{MODEL}/selfie.jpg"
UNICODE_KEY = f"uploads/{MODEL}/我的 自拍+1.jpg"


def _replay(emulator, name_or_event):
    event = load_event(name_or_event) if isinstance(name_or_event, str) else name_or_event
    res = replay_local(event, emulator=emulator, events_dir=EVENTS)
    emulator.check_errors()
    return res


def _mean_abs_diff(a: bytes, b: bytes) -> float:
    ia, ib = Image.open(io.BytesIO(a)).convert("RGB"), Image.open(io.BytesIO(b)).convert("RGB")
    ib = ib.resize(ia.size)
    return sum(ImageStat.Stat(ImageChops.difference(ia, ib)).mean) / 3


def _statuses(res):
    return [r["status"] for r in res.result["records"]]


def test_cos_put_writes_a_fused_image_then_a_redelivery_makes_no_fuseface_call(emulator):
    first = _replay(emulator, "cos_put.json")
    assert first.exit_code == 0, first.error_traceback
    assert _statuses(first) == ["fused"]
    assert first.calls.get("FuseFace") == 1 and len(first.fuseface_request_ids) == 1
    [out] = first.outputs
    assert out.key == f"fused/{SELFIE}" and out.path.is_file()
    assert out.path == emulator.store.path_of(BUCKET, out.key).resolve()
    fused = out.path.read_bytes()
    img = Image.open(io.BytesIO(fused))
    img.load()
    assert img.format == "JPEG" and min(img.size) > 64
    material = (EVENTS / "materials" / "obama_template.jpg").read_bytes()
    assert _mean_abs_diff(fused, material) > 1.0
    assert _mean_abs_diff(fused, (EVENTS / "objects" / BUCKET / SELFIE).read_bytes()) > 1.0
    lines = format_report(first)
    report = next(line for line in lines if line.startswith("REPORT"))
    assert re.search(r"Duration: \d+\.\d\d ms\t.*Max Memory Used: \d+\.\d MB\tFuseFace RequestIds: \[\"", report)
    assert json.loads(report.split("FuseFace RequestIds: ")[1]) == first.fuseface_request_ids
    assert f"OUTPUT fused/{SELFIE} -> {out.path}" in lines

    again = _replay(emulator, "cos_put.json")
    assert again.exit_code == 0 and _statuses(again) == ["skipped"]
    assert again.calls.get("FuseFace", 0) == 0 and again.fuseface_request_ids == [] and again.outputs == []
    assert [(o.key, o.path) for o in again.existing] == [(out.key, out.path)]
    assert f"OUTPUT fused/{SELFIE} -> {out.path} (unchanged: already fused)" in format_report(again)


def test_unicode_key_raw_then_percent_encoded_is_the_same_object(emulator):
    raw = _replay(emulator, "cos_put_unicode_space_key.json")
    assert raw.exit_code == 0 and _statuses(raw) == ["fused"]
    assert [o.key for o in raw.outputs] == [f"fused/{UNICODE_KEY}"] and raw.outputs[0].path.is_file()
    encoded = _replay(emulator, "cos_put_url_encoded_key.json")
    assert encoded.exit_code == 0 and _statuses(encoded) == ["skipped"]
    assert encoded.result["records"][0]["key"] == UNICODE_KEY and encoded.calls.get("FuseFace", 0) == 0


def test_multi_record_processes_every_record(emulator):
    res = _replay(emulator, "cos_multi_record.json")
    assert res.exit_code == 0 and _statuses(res) == ["fused", "fused"]
    assert res.calls.get("FuseFace") == 2 and len(set(res.fuseface_request_ids)) == 2
    assert sorted(o.key for o in res.outputs) == [
        "fused/uploads/batch/astronaut.jpg", f"fused/uploads/{MODEL}/batch/biden.jpg"]
    assert all(o.path.is_file() for o in res.outputs)


@pytest.mark.parametrize("name", ["cos_delete.json", "cos_own_output.json"])
def test_skipped_events_touch_nothing(emulator, name):
    res = _replay(emulator, name)
    assert res.exit_code == 0 and _statuses(res) == ["skipped"]
    assert res.calls.get("FuseFace", 0) == 0 and res.calls.get("cos:PUT", 0) == 0 and res.outputs == []


def test_not_an_image_writes_a_failure_record_without_a_paid_call(emulator):
    res = _replay(emulator, "cos_put_not_image.json")
    assert res.exit_code == 0 and _statuses(res) == ["failed"]
    assert res.calls.get("FuseFace", 0) == 0
    [out] = res.outputs
    assert out.key.startswith("failed/") and out.key.endswith(".json")
    record = json.loads(out.path.read_text(encoding="utf-8"))
    assert "ImageDecodeFailed" in json.dumps(record)


def test_transient_errors_make_the_replay_exit_non_zero(emulator, monkeypatch):
    key = f"uploads/{MODEL}/transient.jpg"
    data = (EVENTS / "objects" / BUCKET / SELFIE).read_bytes()
    emulator.store.put(BUCKET, key, data, content_type="image/jpeg")
    monkeypatch.setenv("FUSEFACE_RETRY_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("FUSEFACE_RETRY_BASE_DELAY", "0")
    emulator.inject_error("FuseFace", "RequestLimitExceeded", times=10)
    try:
        res = _replay(emulator, cos_event([cos_record(BUCKET, key, size=len(data))]))
    finally:
        emulator.reset()
    assert res.exit_code == 1 and res.error is not None
    assert res.calls.get("FuseFace") == 2 and len(res.fuseface_request_ids) == 2
    assert not emulator.store.exists(BUCKET, f"fused/{key}")
    lines = format_report(res)
    assert any(line.startswith("REPORT") for line in lines) and lines[-1].startswith("ERROR ")


@pytest.mark.parametrize("name", ["apigw_post_json.json", "apigw_post_base64_image.json",
                                  "function_url_post_json.json"])
def test_http_fixtures_answer_a_fused_image(emulator, name, tmp_path):
    res = _replay(emulator, name)
    assert res.exit_code == 0 and res.result["statusCode"] == 200
    body = json.loads(res.result["body"])["Response"]
    assert body["RequestId"] in res.fuseface_request_ids and res.calls.get("FuseFace") == 1
    Image.open(io.BytesIO(base64.b64decode(body["FusedImage"]))).load()
    saved = save_response_image(res, tmp_path)
    assert saved is not None and saved.read_bytes() == base64.b64decode(body["FusedImage"])


def test_health_and_materials_fixtures(emulator):
    health = _replay(emulator, "function_url_get_health.json")
    assert health.exit_code == 0 and health.result["statusCode"] == 200 and health.calls == {}
    materials = _replay(emulator, "apigw_get_materials.json")
    assert materials.exit_code == 0 and materials.result["statusCode"] == 200
    infos = json.loads(materials.result["body"])["Response"]["MaterialInfos"]
    assert [m["MaterialId"] for m in infos] == ["mt_1603586676924403712"] and materials.calls == {"DescribeMaterialList": 1}


def test_seeding_is_idempotent_and_never_overwrites(emulator, tmp_path):
    seed(emulator, EVENTS)
    assert seed(emulator, EVENTS) == {"objects": 0, "materials": 0}
    assert [m["MaterialId"] for m in emulator.materials.list("at_1603326187690926080")].count(
        "mt_1603586676924403712") == 1
    custom = tmp_path / "events"
    (custom / "objects" / BUCKET / "uploads").mkdir(parents=True)
    (custom / "objects" / BUCKET / "uploads" / "seeded.txt").write_bytes(b"from fixtures")
    assert seed(emulator, custom) == {"objects": 1, "materials": 0}
    emulator.store.put(BUCKET, "uploads/seeded.txt", b"changed in DATA")
    assert seed(emulator, custom) == {"objects": 0, "materials": 0}
    assert emulator.store.get(BUCKET, "uploads/seeded.txt")[0] == b"changed in DATA"


def test_cli_replay_prints_the_fused_image_path_and_pipes(tmp_path):
    """`make run` on a fresh DATA dir, then `fuseface event cos ... | fuseface replay -` on the same dir."""
    data = tmp_path / "cloud"
    cli = [sys.executable, "-m", "fuseface_local.cli"]
    run = subprocess.run([*cli, "replay", str(EVENTS / "cos_put.json"), "--data", str(data)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("START RequestId: "))
    assert any(line.startswith("END RequestId: ") for line in lines[start:])
    output = [line for line in lines if line.startswith("OUTPUT ")]
    assert len(output) == 1 and output[0].startswith(f"OUTPUT fused/{SELFIE} -> ")
    path = output[0].split(" -> ", 1)[1]
    assert path.startswith(str(data.resolve())) and Image.open(path).size[0] > 64

    event = subprocess.run([*cli, "event", "cos", "--bucket", BUCKET, "--key", SELFIE],
                           capture_output=True, text=True, cwd=ROOT, check=True).stdout
    again = subprocess.run([*cli, "replay", "-", "--data", str(data)], input=event,
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    report = next(line for line in again.stdout.splitlines() if line.startswith("REPORT"))
    assert report.endswith("FuseFace RequestIds: []")
    assert f"OUTPUT fused/{SELFIE} -> {path} (unchanged: already fused)" in again.stdout.splitlines()
