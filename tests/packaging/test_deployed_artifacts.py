"""The deploy artifacts as SCF runs them: the function code + the cp310 manylinux layer that `make layer` built,
under a Python 3.10 interpreter with nothing else on sys.path, talking to the in-process emulator.

Needs `build/layer/` (`make layer`, which downloads wheels) and a Python 3.10 interpreter; otherwise skipped
with the reason (the same code path is covered on this interpreter by test_package.py)."""

from __future__ import annotations

import io
import json
import subprocess

import pytest

from fuseface_local import packaging

from ..support.fakes import FakeEngine
from ..support.paths import BUCKET, MODEL, ROOT

LAYER = ROOT / "build" / "layer"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    python = packaging.find_python("3.10")
    if python is None:
        pytest.skip("no Python 3.10 interpreter (the SCF runtime) on this machine")
    if not (LAYER / "qcloud_cos").is_dir() or packaging.verify_layer(LAYER):
        pytest.skip("build/layer is missing or incomplete: run `make layer` (needs the network)")
    function = tmp_path_factory.mktemp("deployed") / "function"
    packaging.build_function(function, ROOT / "src")
    return python, function


def _run(python, function, code, env):
    prologue = f"import sys, json\nsys.path[:0] = [{str(function)!r}, {str(LAYER)!r}]\n"
    proc = subprocess.run([python, "-I", "-S", "-c", prologue + code], capture_output=True, text=True,
                          timeout=120, env=dict(env, PATH="/usr/bin:/bin", NO_PROXY="127.0.0.1"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_layer_has_no_local_dependencies_under_python310(runtime):
    python, function = runtime
    out = _run(python, function, (
        "import importlib, index\n"
        "missing = []\n"
        "for name in ('numpy', 'cv2', 'werkzeug', 'fuseface_local.engine', 'fuseface_local.emulator'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        missing.append(name)\n"
        "import pydantic_core, qcloud_cos, tencentcloud.facefusion.v20220927 as ff\n"
        "print(json.dumps({'v': list(sys.version_info[:2]), 'missing': missing, 'core': pydantic_core.__file__}))\n"
    ), {})
    assert out["v"] == [3, 10]
    assert out["missing"] == ["numpy", "cv2", "werkzeug", "fuseface_local.engine", "fuseface_local.emulator"]
    assert out["core"].startswith(str(LAYER))


def test_a_cos_upload_is_fused_by_the_packaged_function_on_python310(runtime, tmp_path):
    from PIL import Image

    from fuseface_local.emulator import EmulatorServer
    from fuseface_local.eventgen import cos_event, cos_record

    python, function = runtime
    with EmulatorServer(tmp_path, secret_id="AKIDdeployed", secret_key="deployed-key", session_token="dep-token",
                        engine=FakeEngine()) as emu:  # the API, not the pixels, is under test
        emu.materials.add("at_1603326187690926080", (ROOT / "events" / "materials" / "obama_template.jpg").read_bytes(),
                          model_id=MODEL)
        buf = io.BytesIO()
        Image.new("RGB", (300, 300), (200, 160, 140)).save(buf, "JPEG")
        key = f"uploads/{MODEL}/deployed.jpg"
        emu.store.put(BUCKET, key, buf.getvalue(), content_type="image/jpeg")
        event = cos_event([cos_record(BUCKET, key, size=len(buf.getvalue()))])
        env = {"FUSEFACE_PROJECT_ID": "at_1603326187690926080", "FUSEFACE_SCHEME": "http", "FUSEFACE_ENDPOINT": emu.endpoint,
               "FUSEFACE_COS_IP": "127.0.0.1", "FUSEFACE_COS_PORT": str(emu.port), "FUSEFACE_COS_SCHEME": "http",
               "TENCENTCLOUD_SECRETID": "AKIDdeployed", "TENCENTCLOUD_SECRETKEY": "deployed-key",
               "TENCENTCLOUD_SESSIONTOKEN": "dep-token"}
        out = _run(python, function, (
            "import index\n"
            f"res = index.main_handler(json.loads({json.dumps(event)!r}), {{'request_id': 'dep-1'}})\n"
            "print(json.dumps(res))\n"
        ), env)
        assert out["fused"] == 1 and out["records"][0]["output_key"] == f"fused/{key}"
        data, meta, ctype = emu.store.get(BUCKET, f"fused/{key}")
        assert data[:2] == b"\xff\xd8" and ctype == "image/jpeg" and meta["x-cos-meta-fuseface-generated"] == "1"
        assert emu.calls["FuseFace"] == 1
