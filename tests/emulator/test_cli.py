"""``fuseface emulator`` and ``fuseface materials`` command lines."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest

import fuseface_local.engine
from fuseface_local.cli import main
from fuseface_local.emulator import DEFAULT_SECRET_KEY, EmulatorServer, ObjectStore

from ..support.clients import cos_client
from ..support.fakes import FakeEngine, FakeFace
from ..support.paths import BUCKET, FACES


@pytest.fixture
def fake_fusion_engine(monkeypatch):
    engine = FakeEngine()
    monkeypatch.setitem(vars(fuseface_local.engine), "FusionEngine", lambda: engine)  # no import of core
    return engine


def test_materials_add_and_list(tmp_path, capsys, fake_fusion_engine):
    fake_fusion_engine.faces = [FakeFace(10, 20, 100, 110), FakeFace(300, 20, 80, 90)]
    rc = main(["materials", "add", "--data", str(tmp_path), "--project", "at_1603326187690926080", "--image",
               str(FACES / "obama.jpg"), "--name", "Obama", "--algorithm", "faceswap"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    material = out["MaterialId"]
    assert re.fullmatch(r"mt_\d{19}", material)  # the console's format (doc 670/85633: mt_1597542526641664000)
    assert out["ModelId"] == f"{material}_1" and out["ProjectId"] == "at_1603326187690926080"
    assert out["Faces"] == [
        {"FaceId": f"{material}_1", "X": 10, "Y": 20, "Width": 100, "Height": 110},
        {"FaceId": f"{material}_2", "X": 300, "Y": 20, "Width": 80, "Height": 90},
    ]
    assert main(["materials", "list", "--data", str(tmp_path), "--project", "at_1603326187690926080", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["ModelId"], listed["Name"], listed["Algorithm"]) == (f"{material}_1", "Obama", "faceswap")
    assert main(["materials", "list", "--data", str(tmp_path), "--project", "at_999", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["materials", "list", "--data", str(tmp_path)]) == 0  # a table by default
    assert capsys.readouterr().out.splitlines() == [
        "ModelId                   Name   Activity                Algorithm        Degrees  Faces  Status",
        "------------------------  -----  ----------------------  ---------------  -------  -----  --------",
        f"{material}_1  Obama  at_1603326187690926080  换脸版 faceswap  -            2  approved",
    ]
    with EmulatorServer(tmp_path, engine=fake_fusion_engine) as emu:  # the server sees CLI-added materials
        assert [m["MaterialId"] for m in emu.materials.list()] == [material]


def test_materials_added_under_the_legacy_format_stay_loadable(tmp_path, capsys, fake_fusion_engine):
    fake_fusion_engine.faces = [FakeFace(10, 20, 100, 110)]
    assert main(["materials", "add", "--data", str(tmp_path), "--project", "300029", "--image",
                 str(FACES / "obama.jpg"), "--model-id", "qc_300029_000001_1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["MaterialId"], out["ModelId"]) == ("qc_300029_000001_1", "qc_300029_000001_1_1")
    with EmulatorServer(tmp_path, engine=fake_fusion_engine) as emu:
        assert emu.materials.resolve("qc_300029_000001_1")["ProjectId"] == "300029"


def test_materials_review_refusal_exits_2_with_json(tmp_path, capsys, fake_fusion_engine):
    fake_fusion_engine.faces = []
    rc = main(["materials", "add", "--data", str(tmp_path), "--project", "300029", "--image",
               str(FACES / "obama.jpg")])
    assert rc == 2
    err = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert err["Code"] == "FailedOperation.NoFaceDetected"
    assert err["Message"]


def test_emulator_command_serves_until_interrupted(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENCENTCLOUD_")}
    env["NO_PROXY"] = "127.0.0.1"
    proc = subprocess.Popen([sys.executable, "-m", "fuseface_local.cli", "emulator", "--port", "0", "--data",
                             str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        banner = json.loads(proc.stdout.readline())
        assert banner["SecretId"] == "AKIDLOCALFUSEFACEEMULATOR"
        host, port = banner["Endpoint"].split(":")

        class Endpoint:
            secret_id, secret_key = banner["SecretId"], DEFAULT_SECRET_KEY

        Endpoint.port = int(port)
        cos_client(Endpoint).put_object(Bucket=BUCKET, Key="cli/x.txt", Body=b"cli")
        # another process reads what the emulator wrote (the store is shared across processes)
        assert ObjectStore(tmp_path / "cos").get(BUCKET, "cli/x.txt")[0] == b"cli"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert DEFAULT_SECRET_KEY not in out + err


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as for a job a non-interactive shell starts with `&`


@pytest.mark.parametrize(
    ("preexec", "sig"),
    [(_ignore_sigint, signal.SIGINT), (None, signal.SIGTERM)],
    ids=["sigint-inherited-as-ignored", "sigterm"],
)
def test_emulator_command_stops_cleanly_on_signals(tmp_path, preexec, sig):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENCENTCLOUD_")}
    proc = subprocess.Popen([sys.executable, "-m", "fuseface_local.cli", "emulator", "--port", "0", "--data",
                             str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=preexec)
    try:
        assert json.loads(proc.stdout.readline())["Endpoint"].startswith("127.0.0.1:")
    finally:
        proc.send_signal(sig)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            pytest.fail(f"the emulator ignored signal {sig!r}")
    assert proc.returncode == 0


def test_emulator_command_interrupted_while_printing_its_banner_stops_cleanly(tmp_path, monkeypatch):
    """A signal that lands right after start() (while the banner is printed) still stops the server: exit 0."""
    import fuseface_local.cli.cloud_cmds as cloud_cmds
    from fuseface_local.emulator import server as server_module

    started = []
    real_start = server_module.EmulatorServer.start

    def recording_start(self):
        started.append(self)
        return real_start(self)

    def interrupted(_obj):
        raise KeyboardInterrupt

    monkeypatch.setattr(server_module.EmulatorServer, "start", recording_start)
    monkeypatch.setattr(cloud_cmds, "_print_json", interrupted)
    monkeypatch.setattr(cloud_cmds, "stop_on_signals", lambda: None)  # leave pytest's own handlers alone
    assert main(["emulator", "--port", "0", "--data", str(tmp_path)]) == 0
    (server,) = started
    assert not server.running
