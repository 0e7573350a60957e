"""A campaign burst through the whole local upload loop: N uploads at once -> COS trigger -> function instances
-> FuseFace (emulated, ``--qps`` per account, the stamp engine standing in for the fusion) -> fused images.

Prints numbers, no pass/fail. Per scenario: wall time from the first upload to the last outcome against the QPS
floor (N / qps), fused / failed / dead-lettered / lost uploads, billable FuseFace calls per fused upload (and
the lost replies, each of which may have billed a second call), p50/p95 latency from an upload's PUT answer to
its fused image, plus throttles seen by the emulator and the instances' cold starts.

Scenarios: ``clean`` (no faults), ``faults`` (RequestLimitExceeded 30 %, InternalError 5 %, COS 5xx 2 %,
duplicate deliveries 20 %), ``lost`` (2 % lost replies). Targets (issue 9): 0 lost, billable = fused (without
lost replies), wall <= 1.2 x floor without faults.

Run: ``.venv/bin/python benchmarks/burst.py [--uploads 200] [--qps 20] [--latency-ms 300] [--concurrency 10]
[--scenario clean,faults,lost] [--retry-delay-s 1] [--cold]``. The machine's load shows in wall times: on a
shared 2-core host they are noisy.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))

from fuseface_local.emulator import EmulatorServer  # noqa: E402
from fuseface_local.emulator.faults import FaultPlan  # noqa: E402
from fuseface_local.emulator.stamp_engine import StampEngine  # noqa: E402
from fuseface_local.emulator.triggers import load_serverless  # noqa: E402
from fuseface_local.emulator.upload_loop import UploadLoop  # noqa: E402

BUCKET = "fuseface-1250000000"
_FIXTURE = json.loads((ROOT / "events" / "materials" / "materials.json").read_text("utf-8"))[0]
PROJECT, MATERIAL, MODEL = _FIXTURE["ProjectId"], _FIXTURE["MaterialId"], _FIXTURE["ModelId"]
SCENARIOS = {
    "clean": "",
    "faults": "RequestLimitExceeded=0.3,InternalError=0.05,cos-5xx=0.02,duplicate=0.2",
    "lost": "lost-reply=0.02",
}


def _selfie() -> bytes:
    from PIL import Image

    with Image.open(ROOT / "tests" / "assets" / "faces" / "obama.jpg") as img:
        img = img.convert("RGB")
        img.thumbnail((320, 320))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        return buf.getvalue()


def _uploader(port: int, secret_id: str, secret_key: str, keys, sender) -> None:
    """In its own process (its CPU is not the emulator's): every key PUT at the same moment, one thread each;
    sends (start time, {key: time COS answered})."""
    from qcloud_cos import CosConfig, CosS3Client

    cos = CosS3Client(CosConfig(Region="ap-guangzhou", SecretId=secret_id, SecretKey=secret_key, IP="127.0.0.1",
                                Port=port, Scheme="http", Timeout=60), retry=0)
    body = _selfie()
    gate = threading.Barrier(len(keys) + 1)
    uploaded: dict = {}

    def put(key):
        gate.wait(timeout=120)
        uploaded[key] = _upload(cos, key, body)

    threads = [threading.Thread(target=put, args=(key,)) for key in keys]
    for t in threads:
        t.start()
    gate.wait(timeout=120)
    start = time.time()
    for t in threads:
        t.join()
    sender.send((start, uploaded))
    sender.close()


def _upload(cos, key: str, body: bytes) -> float:
    """PUT with the client's own retries (COS 5xx faults hit uploads too); returns when COS answered 200."""
    from qcloud_cos import CosServiceError

    for attempt in range(8):
        try:
            cos.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="image/jpeg")
            return time.time()
        except CosServiceError as exc:
            if exc.get_status_code() < 500 or attempt == 7:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _pct(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(scenario: str, args) -> dict:
    data = Path(tempfile.mkdtemp(prefix=f"burst-{scenario}-"))
    faults = FaultPlan.parse(SCENARIOS[scenario], seed=args.seed) if SCENARIOS[scenario] else None
    spec = load_serverless(ROOT / "serverless.yml")
    os.environ["FUSEFACE_MAX_INSTANCES"] = str(args.concurrency)  # the process environment wins over the yml
    os.environ["FUSEFACE_QPS"] = str(args.qps)
    with EmulatorServer(data, engine=StampEngine(args.latency_ms), qps=args.qps, faults=faults) as emu:
        emu.materials.add(PROJECT, (ROOT / "events" / "materials" / _FIXTURE["Image"]).read_bytes(),
                          material_id=MATERIAL)
        loop = UploadLoop(emu, spec, concurrency=args.concurrency, retry_delay_s=args.retry_delay_s)
        warm_started = time.perf_counter()
        loop.start(provisioned=not args.cold)
        warm_s = time.perf_counter() - warm_started
        keys = [f"uploads/{MODEL}/burst/{scenario}-{n:04d}.jpg" for n in range(args.uploads)]
        cpu_before = os.times()
        ctx = multiprocessing.get_context("spawn")
        receiver, sender = ctx.Pipe(duplex=False)
        uploader = ctx.Process(target=_uploader, args=(emu.port, emu.secret_id, emu.secret_key, keys, sender))
        uploader.start()
        start, uploaded = receiver.recv()
        uploader.join()
        cpu_uploader = os.times()
        idle = loop.invoker.wait_idle(args.timeout)
        end = time.time()
        stats = dict(loop.invoker.stats)
        cold = [ms for inst in loop.invoker.instances for ms in inst.init_ms]
        loop.stop()  # the instances exit: their CPU time is counted from here
        cpu = os.times()
        cpu_self = cpu.user + cpu.system - cpu_before.user - cpu_before.system
        cpu_upload = (cpu_uploader.children_user + cpu_uploader.children_system - cpu_before.children_user
                      - cpu_before.children_system)
        cpu_children = (cpu.children_user + cpu.children_system - cpu_uploader.children_user
                        - cpu_uploader.children_system)
        fused, failed, latencies = set(), set(), []
        for key in keys:
            out = f"fused/{key}"
            if emu.store.exists(BUCKET, out):
                fused.add(key)
                latencies.append(emu.store.head(BUCKET, out).last_modified - uploaded[key])
            elif emu.store.exists(BUCKET, f"failed/{key}.json"):
                failed.add(key)
        dead = set()
        for letter in (data / "dead-letters").glob("*.json"):
            event = json.loads(letter.read_text("utf-8"))["Event"]
            dead.add(event["Records"][0]["cos"]["cosObject"]["key"].split(f"/{BUCKET.rsplit('-', 1)[0]}/", 1)[1])
        usage = emu.usage.report().get("FuseFace", {})
        last_output = max((emu.store.head(BUCKET, f"fused/{k}").last_modified for k in fused), default=end)
    return {
        "scenario": scenario, "faults": SCENARIOS[scenario] or "-", "idle": idle, "warm_s": warm_s,
        "wall_s": last_output - start, "drain_s": end - start, "floor_s": args.uploads / args.qps,
        "fused": len(fused), "failed": len(failed - fused), "dead": len(dead - fused - failed),
        "lost": len(set(keys) - fused - failed - dead), "billable": usage.get("Billable", 0),
        "calls": usage.get("Calls", 0), "throttled": usage.get("Throttled", 0), "lost_replies": usage.get("LostReplies", 0),
        "p50": _pct(latencies, 0.5), "p95": _pct(latencies, 0.95), "stats": stats,
        "cold_ms": statistics.median(cold) if cold else float("nan"),
        "cpu_self": cpu_self, "cpu_children": cpu_children, "cpu_upload": cpu_upload,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--qps", type=float, default=20.0)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--concurrency", type=int, default=10, help="function instances (FUSEFACE_MAX_INSTANCES)")
    parser.add_argument("--retry-delay-s", type=float, default=1.0, help="SCF's retry delay, scaled (SCF: 60)")
    parser.add_argument("--scenario", default="clean,faults,lost")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--cold", action="store_true", help="no provisioned instances: cold starts in the burst")
    args = parser.parse_args()
    print(f"burst: {args.uploads} uploads at once, --qps {args.qps:g}, stamp engine {args.latency_ms:g} ms, "
          f"{args.concurrency} instances ({'cold' if args.cold else 'provisioned'}), "
          f"retry delay {args.retry_delay_s:g} s, seed {args.seed}; {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    for scenario in args.scenario.split(","):
        r = run(scenario.strip(), args)
        per = r["billable"] / r["fused"] if r["fused"] else float("nan")
        print(f"\n[{r['scenario']}] faults: {r['faults']}")
        print(f"  wall {r['wall_s']:.1f} s (last fused image) vs floor {r['floor_s']:.1f} s = "
              f"{r['wall_s'] / r['floor_s']:.2f} x; all deliveries settled after {r['drain_s']:.1f} s"
              f"{'' if r['idle'] else ' (TIMED OUT)'}; instance start {r['warm_s']:.1f} s, "
              f"median cold start {r['cold_ms']:.0f} ms")
        print(f"  fused {r['fused']}  failed {r['failed']}  dead-lettered {r['dead']}  lost {r['lost']}")
        print(f"  FuseFace calls {r['calls']}  billable {r['billable']} ({per:.3f} per fused)  throttled "
              f"{r['throttled']}  lost replies {r['lost_replies']}")
        print(f"  latency upload->fused p50 {r['p50']:.2f} s  p95 {r['p95']:.2f} s")
        print(f"  CPU: emulator {r['cpu_self']:.1f} s, function instances {r['cpu_children']:.1f} s (their cold starts "
              f"included), uploader {r['cpu_upload']:.1f} s; "
              f"({(r['cpu_self'] + r['cpu_children']) / r['fused'] * 1000 if r['fused'] else 0:.0f} ms per fused "
              f"upload; {os.cpu_count()} CPUs)")
        s = r["stats"]
        print(f"  trigger: events {s.get('events', 0)}  deliveries {s.get('deliveries', 0)}  invocations "
              f"{s.get('invocations', 0)}  SCF retries {s.get('retries', 0)}  dead letters {s.get('dead_lettered', 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
