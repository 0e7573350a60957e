"""``fuseface serve`` as a process: startup line, a round trip, Ctrl-C. An empty events dir keeps it light (no
material to seed, so the engine is never loaded)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

import requests

from fuseface_local.cli import build_parser

from ..support.paths import ROOT


def test_serve_arguments_and_defaults():
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, str(args.data), args.events_dir) == ("127.0.0.1", 8080, ".local-cloud", None)
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "0", "--data", "d", "--events-dir", "e"])
    assert (args.host, args.port, str(args.data), str(args.events_dir)) == ("0.0.0.0", 0, "d", "e")


def test_serve_prints_its_url_and_two_copyable_curl_lines_serves_and_stops_on_ctrl_c(tmp_path):
    (tmp_path / "events").mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), NO_PROXY="127.0.0.1,localhost")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fuseface_local.cli", "serve", "--port", "0", "--data", str(tmp_path / "data"),
         "--events-dir", str(tmp_path / "events")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    guard = threading.Timer(60, proc.kill)  # never hang the suite on a server that does not start
    guard.start()
    try:
        line = proc.stdout.readline()
        match = re.match(r"^fuseface serve: (http://127\.0\.0\.1:(\d+)/) \(try-it page; Ctrl-C stops\)$", line)
        assert match, line
        assert proc.stdout.readline() == f"  curl -s {match.group(1)}healthz\n"
        third = proc.stdout.readline()
        assert third.startswith("  mkdir -p out && curl -s -F image=@tests/assets/faces/biden.jpg -F FuseFaceDegree=60 "
                                f"{match.group(1)}fuse | jq -r .Response.FusedImage | base64 -d > out/fused.jpg"), third
        assert (ROOT / "tests/assets/faces/biden.jpg").is_file()  # the path it names is real
        session = requests.Session()
        session.trust_env = False
        resp = session.get(match.group(1) + "healthz", timeout=30)
        assert resp.status_code == 200 and resp.json()["status"] == "ok"
        assert (tmp_path / "data").is_dir()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        guard.cancel()
    assert proc.returncode == 0, err
    assert re.search(r"^\S+Z GET /healthz 200 \d+\.\d ms$", err, re.M), err
    assert "fuseface serve: stopped" in err


def test_serve_with_a_bad_port_is_an_input_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run([sys.executable, "-m", "fuseface_local.cli", "serve", "--port", "70000", "--data",
                          str(tmp_path / "d")], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert out.returncode == 2
    assert '"Code": "InvalidParameterValue"' in out.stderr
    assert not (tmp_path / "d").exists()
