"""Load knobs of the emulator: the per-account QPS limit, usage counters (shared by processes), fault plans
(deterministic), the stamp engine, and the ``fuseface usage`` / ``fuseface emulator --faults`` command lines."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from fuseface_local.cli import main as cli_main
from fuseface_local.emulator import EmulatorServer
from fuseface_local.emulator.faults import FaultPlan
from fuseface_local.emulator.stamp_engine import StampEngine
from fuseface_local.emulator.usage import Usage, month_of

from ..support.clients import api_client
from ..support.paths import EVENTS, MATERIAL, MODEL, PROJECT, asset

TEMPLATE = (EVENTS / "materials" / "obama_template.jpg").read_bytes()


def _fuse_params(image: bytes) -> dict:
    import base64

    return {"ProjectId": PROJECT, "ModelId": MODEL, "RspImgType": "url",
            "MergeInfos": [{"Image": base64.b64encode(image).decode()}]}


def _codes(api, params, n, workers=10):
    def one(_):
        try:
            api.call_json("FuseFace", params)
            return "ok"
        except TencentCloudSDKException as exc:
            return exc.get_code()

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(n)))


def test_the_account_qps_limit_throttles_a_burst_and_counts_it(tmp_path):
    with EmulatorServer(tmp_path, engine=StampEngine(0), qps=3) as emu:
        emu.materials.add(PROJECT, TEMPLATE, material_id=MATERIAL)
        codes = _codes(api_client(emu), _fuse_params(asset("obama.jpg")), 10)
        usage = emu.usage.report()["FuseFace"]
    assert 3 <= codes.count("ok") <= 6  # at most 3 per sliding second (the burst may straddle two)
    assert set(codes) <= {"ok", "RequestLimitExceeded"}
    assert usage["Calls"] == 10 and usage["Billable"] == codes.count("ok")
    assert usage["Throttled"] == codes.count("RequestLimitExceeded") and usage["Failed"] == 0


def test_injected_error_codes_are_counted_as_failed_not_billed(tmp_path):
    with EmulatorServer(tmp_path, engine=StampEngine(0), faults=FaultPlan.parse("InternalError=1")) as emu:
        emu.materials.add(PROJECT, TEMPLATE, material_id=MATERIAL)
        assert _codes(api_client(emu), _fuse_params(asset("obama.jpg")), 3, workers=1) == ["InternalError"] * 3
        assert emu.usage.report()["FuseFace"] == {"Calls": 3, "Billable": 0, "Throttled": 0, "Failed": 3,
                                                  "LostReplies": 0}


def test_a_lost_reply_is_billed_and_the_client_sees_a_network_error(tmp_path, capfd):
    with EmulatorServer(tmp_path, engine=StampEngine(0), faults=FaultPlan.parse("lost-reply=1")) as emu:
        emu.materials.add(PROJECT, TEMPLATE, material_id=MATERIAL)
        assert _codes(api_client(emu), _fuse_params(asset("obama.jpg")), 2, workers=1) == ["ClientNetworkError"] * 2
        assert emu.usage.report()["FuseFace"]["Billable"] == 2
        assert emu.usage.report()["FuseFace"]["LostReplies"] == 2
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("spec, fragment", [
    ("NotACode=0.1", "neither"), ("InternalError=1.5", "0..1"), ("InternalError", "name=value"),
    ("latency-ms=fast", "whole milliseconds"), ("RequestLimitExceeded=0.6,InternalError=0.6", "more than 1"),
    ("duplicate=x", "number"),
])
def test_bad_fault_specs_are_refused(spec, fragment):
    with pytest.raises(ValueError) as info:
        FaultPlan.parse(spec)
    assert fragment in str(info.value)


def test_fault_decisions_are_deterministic_per_upload_whatever_the_order():
    spec = "RequestLimitExceeded=0.3,InternalError=0.05,lost-reply=0.1,cos-5xx=0.02,duplicate=0.2"
    urls = [{"MergeInfos": [{"Url": f"http://b-1.cos.x.myqcloud.com/u/{n}.jpg?sig={n}"}]} for n in range(300)]

    def decisions(order):
        plan = FaultPlan.parse(spec, seed=5)
        out = {}
        for n in order:
            out[n] = (plan.api_fault("FuseFace", urls[n]), plan.api_fault("FuseFace", urls[n]),
                      plan.cos_error("PUT", "b-1", f"u/{n}.jpg"), plan.duplicated("b-1", f"u/{n}.jpg", "e"))
        return out

    forward, backward = decisions(range(300)), decisions(reversed(range(300)))
    assert forward == backward
    errors = [d[0].error for d in forward.values()]
    assert 60 <= errors.count("RequestLimitExceeded") <= 120  # ~30 % of 300
    other_seed = FaultPlan.parse(spec, seed=6)
    assert [other_seed.api_fault("FuseFace", urls[n]).error for n in range(300)] != errors


def test_usage_counts_from_several_processes_add_up(tmp_path):
    writer = textwrap.dedent("""
        import sys
        from fuseface_local.emulator.usage import Usage
        usage = Usage(sys.argv[1])
        for _ in range(200):
            usage.add("FuseFace", calls=1, billable=1)
    """)
    path = tmp_path / "usage.sqlite3"
    procs = [subprocess.Popen([sys.executable, "-c", writer, str(path)]) for _ in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert Usage(path).report()["FuseFace"] == {"Calls": 600, "Billable": 600, "Throttled": 0, "Failed": 0,
                                                "LostReplies": 0}


def test_fuseface_usage_prints_the_month_and_an_unconfirmed_free_tier(tmp_path, capsys):
    Usage(tmp_path / "usage.sqlite3").add("FuseFace", calls=3, billable=2, failed=1)
    assert cli_main(["usage", "--data", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["FuseFace"] == {"Calls": 3, "Billable": 2, "Throttled": 0, "Failed": 1, "LostReplies": 0}
    assert report["Month"] == month_of()
    assert report["FreeTier"]["FuseFaceCallsPerMonth"] is None and "UNCONFIRMED" in report["FreeTier"]["Note"]
    assert cli_main(["usage", "--data", str(tmp_path), "--free-tier", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["FreeTier"]["BillableBeyondFreeTier"] == 1
    assert cli_main(["usage", "--data", str(tmp_path), "--month", "2026-13"]) == 2


def test_fuseface_emulator_refuses_a_bad_fault_spec(tmp_path, capsys):
    assert cli_main(["emulator", "--data", str(tmp_path), "--faults", "Nope=1"]) == 2
    assert json.loads(capsys.readouterr().err)["Code"] == "InvalidParameterValue"


def test_the_stamp_engine_is_the_template_with_a_stamp_per_user():
    engine = StampEngine(latency_ms=0)
    a = engine.fuse(TEMPLATE, [asset("obama.jpg")])
    b = engine.fuse(TEMPLATE, [asset("biden.jpg")])
    template = Image.open(io.BytesIO(TEMPLATE))
    out_a, out_b = Image.open(io.BytesIO(a)), Image.open(io.BytesIO(b))
    assert out_a.size == template.size and out_a.format == "JPEG"
    assert out_a.getpixel((10, 10)) != out_b.getpixel((10, 10))  # the stamp differs per user
    assert len(engine.detect(TEMPLATE)) == 1


def test_the_stamp_engine_draws_an_overlay_before_its_one_encoding():
    engine = StampEngine(latency_ms=0)
    calls = []

    def overlay(img):
        calls.append(img.shape)
        img[-20:, -20:] = (0, 0, 255)  # BGR red, bottom-right

    out = Image.open(io.BytesIO(engine.fuse(TEMPLATE, [asset("obama.jpg")], overlay=overlay))).convert("RGB")
    w, h = out.size
    assert calls == [(h, w, 3)]
    r, g, b = out.getpixel((w - 10, h - 10))
    assert r > 200 and g < 60 and b < 60
    plain = Image.open(io.BytesIO(engine.fuse(TEMPLATE, [asset("obama.jpg")]))).convert("RGB")
    assert plain.getpixel((w - 10, h - 10)) != (r, g, b)


def _open_usage_at_once(path, barrier, results):
    barrier.wait()
    try:
        Usage(path).add("FuseFace", calls=1)
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(repr(exc))


def test_processes_opening_a_new_usage_database_at_once_all_succeed(tmp_path):
    """Switching a new database to WAL from several processes at once can fail at once with "database is locked"
    (SQLite skips its busy handler there): about one round in twenty failed before the switch was retried."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    failures = []
    for round_ in range(40):
        path = tmp_path / f"usage-{round_}.sqlite3"
        barrier, results = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_open_usage_at_once, args=(path, barrier, results)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=120)
        failures += [r for r in (results.get(timeout=5) for _ in procs) if r != "ok"]
        assert Usage(path).report()["FuseFace"]["Calls"] == 4 or failures
    assert failures == []


_WARM_PROBE = r"""
import sys, tempfile, threading
import fuseface_local.emulator as emulator
from fuseface_local.emulator.stamp_engine import StampEngine
before = "cv2" in sys.modules
with emulator.EmulatorServer(tempfile.mkdtemp(), engine=StampEngine()):
    labels = sorted(t.name for t in threading.enumerate() if t.name.startswith("fuseface-label"))
    print(before, "cv2" in sys.modules, labels)
"""


def test_the_emulator_is_warm_before_its_first_fuseface_answer():
    """OpenCV is imported and both label threads have drawn once when the server starts (the first answer would
    otherwise import OpenCV while every request thread waits: ~1 s into a burst)."""
    proc = subprocess.run([sys.executable, "-c", _WARM_PROBE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "False True ['fuseface-label_0', 'fuseface-label_1']"
