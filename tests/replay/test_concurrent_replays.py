"""Two ``fuseface replay`` processes on one DATA dir at once (issue 9: both called FuseFace, 4 times in 4 tries).
Their embedded emulators share the object store, which makes the claim's create-only write atomic across them:
one fuses, the other skips, and the shared usage counters show one billable call."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fuseface_local.emulator.usage import Usage

from ..support.paths import EVENTS


def test_two_concurrent_replays_of_one_upload_bill_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUSEFACE_")}
    cmd = [sys.executable, "-m", "fuseface_local.cli", "replay", str(EVENTS / "cos_put.json"), "--data", str(tmp_path)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outputs]
    results = [json.loads(next(line for line in out.splitlines() if line.startswith('{"trigger"')))
               for out, _ in outputs]
    statuses = sorted((r["records"][0]["status"], r["records"][0].get("reason")) for r in results)
    assert statuses == [("fused", None), ("skipped", "already-fused")]
    assert Usage(tmp_path / "usage.sqlite3").report()["FuseFace"]["Billable"] == 1
