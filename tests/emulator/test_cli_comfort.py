"""The ``fuseface`` command's comfort: one error style (JSON line, exit 2) including argparse's own, defaults in
every --help, checked --data/--region/--port and output extensions, no BrokenPipe traceback, ``materials
show|remove|list --cloud``, ``cos put``, and the emulator's access log and 405s."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
import requests

import fuseface_local.engine
from fuseface_local.cli import build_parser, main
from fuseface_local.emulator import EmulatorServer

from ..support.fakes import FakeEngine, FakeFace
from ..support.paths import FACES, ROOT


@pytest.fixture
def fake_fusion_engine(monkeypatch):
    engine = FakeEngine()
    monkeypatch.setitem(vars(fuseface_local.engine), "FusionEngine", lambda: engine)
    return engine


def _error_line(capsys):
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


@pytest.mark.parametrize("argv", [
    ["nope"],                                                   # unknown command
    ["fuse", "--template", "t.jpg"],                            # a required argument missing
    ["fuse", "--template", "t.jpg", "--user", "u.jpg", "--output", "o.png", "--algorithm", "x"],  # bad choice
    ["serve", "--port", "70000"],
    ["serve", "--port", "eighty"],
    ["event", "cos", "--bucket", "b-1", "--key", "k", "--region", "mars-1"],
    ["replay", "events/cos_put.json", "--unknown-flag"],
])
def test_usage_errors_are_one_json_line_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = _error_line(capsys)
    assert err["Code"] == "InvalidParameterValue" and err["Message"].startswith("fuseface")


def test_data_must_be_a_directory_we_can_use(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(SystemExit) as info:
        main(["materials", "list", "--data", str(afile)])
    assert info.value.code == 2 and "is not a directory" in _error_line(capsys)["Message"]


def test_every_help_shows_the_defaults():
    parser = build_parser()
    seen = 0
    stack = [parser]
    while stack:
        p = stack.pop()
        for action in p._actions:
            if isinstance(action, type(parser._subparsers._group_actions[0])):
                stack.extend(action.choices.values())
                continue
            default = action.default
            if action.option_strings and default not in (None, False, [], "==SUPPRESS==") and not action.required:
                text = " ".join(p.format_help().split()).replace("- ", "-")  # argparse wraps (even at hyphens)
                assert f"(default: {default})" in text, (p.prog, action.dest)
                seen += 1
    assert seen >= 20


@pytest.mark.parametrize("output", ["out.webp", "out", "out.JPG.txt"])
def test_an_output_extension_that_is_not_an_image_format_is_refused_before_any_work(tmp_path, output, capsys):
    rc = main(["fuse", "--template", str(FACES / "obama.jpg"), "--user", str(FACES / "biden.jpg"),
               "--output", str(tmp_path / output)])
    assert rc == 2 and _error_line(capsys)["Code"] == "InvalidParameterValue.ParameterValueError"
    assert list(tmp_path.iterdir()) == []


def test_fuse_writes_a_png_when_asked_for_one(tmp_path):
    out = tmp_path / "fused.png"
    assert main(["fuse", "--template", str(FACES / "obama.jpg"), "--user", str(FACES / "biden.jpg"),
                 "--output", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_closed_pipe_ends_quietly():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run(f"{sys.executable} -m fuseface_local.cli event cos --bucket b-1250000000 "
                          + " ".join(f"--key k{n}.jpg" for n in range(3000)) + " | head -1",
                          shell=True, capture_output=True, text=True, env=env, timeout=120)
    assert proc.stdout == "{\n" and proc.stderr == ""


def test_materials_show_writes_the_numbered_template_and_remove_frees_it(tmp_path, capsys, fake_fusion_engine):
    fake_fusion_engine.faces = [FakeFace(40, 50, 120, 120), FakeFace(300, 60, 100, 100)]
    assert main(["materials", "add", "--data", str(tmp_path), "--project", "at_1603326187690926080", "--image",
                 str(FACES / "obama.jpg"), "--name", "pair"]) == 0
    added = json.loads(capsys.readouterr().out)
    model, material = added["ModelId"], added["MaterialId"]  # show/remove take either
    png = tmp_path / "shown.png"
    assert main(["materials", "show", model, "--data", str(tmp_path), "--output", str(png)]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines()[-2:]]
    assert rows == [["1", f"{material}_1", "40", "50", "120", "120"],
                    ["2", f"{material}_2", "300", "60", "100", "100"]]
    from PIL import Image

    with Image.open(png) as shown, Image.open(FACES / "obama.jpg") as original:
        assert shown.format == "PNG" and shown.size == original.size
        assert shown.convert("RGB").getpixel((40, 110)) != original.convert("RGB").getpixel((40, 110))  # outlined
    assert main(["materials", "remove", model, "--data", str(tmp_path)]) == 0
    assert main(["materials", "show", model, "--data", str(tmp_path), "--output", str(png)]) == 2
    assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["Code"] == \
        "InvalidParameterValue.MaterialIdNotFound"


def test_materials_list_cloud_goes_through_describematerialist(tmp_path, capsys, fake_fusion_engine, monkeypatch):
    with EmulatorServer(tmp_path / "emu", engine=fake_fusion_engine) as emu:
        for n in range(3):
            emu.materials.add("300029", (FACES / "obama.jpg").read_bytes(), name=f"m{n}")
        for name, value in {"TENCENTCLOUD_SECRETID": emu.secret_id, "TENCENTCLOUD_SECRETKEY": emu.secret_key,
                            "FUSEFACE_ENDPOINT": emu.endpoint, "FUSEFACE_SCHEME": "http",
                            "FUSEFACE_PROJECT_ID": "300029"}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("TENCENTCLOUD_SESSIONTOKEN", raising=False)
        assert main(["materials", "list", "--cloud"]) == 0
        assert emu.calls["DescribeMaterialList"] == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["MaterialId", "Name", "Faces", "Status", "Updated"]
    assert [line.split()[1] for line in lines[2:]] == ["m0", "m1", "m2"]


def test_cos_put_stores_the_photo_with_its_metadata_and_prints_the_event(tmp_path, capsys):
    rc = main(["cos", "put", str(FACES / "biden.jpg"), "--key", "uploads/me/selfie.jpg", "--data", str(tmp_path),
               "--model-id", "qc_300029_000001_1", "--face-degree", "40", "--profile-degree", "60"])
    assert rc == 0
    event = json.loads(capsys.readouterr().out)
    (record,) = event["Records"]
    assert record["cos"]["cosObject"]["key"] == "/1250000000/fuseface/uploads/me/selfie.jpg"
    assert record["cos"]["cosObject"]["size"] == (FACES / "biden.jpg").stat().st_size
    meta = record["cos"]["cosObject"]["meta"]
    assert (meta["x-cos-meta-fuseface-model-id"], meta["x-cos-meta-fuseface-face-degree"],
            meta["x-cos-meta-fuseface-profile-degree"]) == ("qc_300029_000001_1", "40", "60")
    from fuseface_local.emulator import ObjectStore

    data, stored_meta, ctype = ObjectStore(tmp_path / "cos").get("fuseface-1250000000", "uploads/me/selfie.jpg")
    assert data == (FACES / "biden.jpg").read_bytes() and ctype == "image/jpeg"
    assert stored_meta["x-cos-meta-fuseface-face-degree"] == "40"


def test_cos_put_refuses_what_is_not_a_photo_and_bad_degrees(tmp_path, capsys):
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    assert main(["cos", "put", str(text), "--data", str(tmp_path / "d")]) == 2
    assert _error_line(capsys)["Code"] == "FailedOperation.ImageDecodeFailed"
    with pytest.raises(SystemExit):
        main(["cos", "put", str(FACES / "biden.jpg"), "--face-degree", "101"])
    assert "0..100" in _error_line(capsys)["Message"]


def test_the_emulator_logs_one_line_per_request_without_queries_and_answers_405(tmp_path, fake_fusion_engine):
    log = io.StringIO()
    with EmulatorServer(tmp_path, engine=fake_fusion_engine) as emu:
        emu.app.access_log = log
        session = requests.Session()
        session.trust_env = False
        got = session.get(f"http://{emu.endpoint}/", timeout=10)  # API 3.0 is POST only
        assert got.status_code == 405
        assert session.get(f"http://{emu.endpoint}/some/key?q-signature=secret", timeout=10).status_code == 403
        put = session.post(f"http://{emu.endpoint}/",
                           headers={"Host": "b-1250000000.cos.ap-guangzhou.myqcloud.com"}, timeout=10)
        assert put.status_code == 405
    lines = log.getvalue().splitlines()
    assert [line.split()[1:4] for line in lines] == [["GET", "/", "405"], ["GET", "/some/key", "403"],
                                                      ["POST", "/", "405"]]
    assert all(line.endswith(" ms") for line in lines) and "secret" not in log.getvalue()
