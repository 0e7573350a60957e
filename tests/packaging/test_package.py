"""The function zip + a layer of the cloud dependencies import with nothing else: no numpy, no OpenCV."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fuseface_local import packaging

from ..support.paths import ROOT


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """build/function.zip and a layer dir of the cloud deps copied from THIS interpreter (offline, fast)."""
    out = tmp_path_factory.mktemp("package")
    paths = ["--src", str(ROOT / "src"), "--pyproject", str(ROOT / "pyproject.toml")]
    assert packaging.main(["function", "--output", str(out / "function.zip"), "--no-compile", *paths]) == 0
    assert packaging.main(["layer", "--from-env", "--output", str(out / "layer.zip"), "--no-compile", *paths]) == 0
    return {"function_zip": out / "function.zip", "function": out / "function",
            "layer_zip": out / "layer.zip", "layer": out / "layer"}


def _run_isolated(paths, code: str) -> dict:
    """Run ``code`` in ``python -I -S`` whose sys.path is ``paths`` + the standard library only."""
    prologue = (
        "import sys, json\n"
        f"sys.path[:0] = {[str(p) for p in paths]!r}\n"
        "assert not any('site-packages' in p for p in sys.path), sys.path\n"
    )
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", prologue + code], capture_output=True, text=True,
                          cwd=str(paths[0]), timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_function_zip_holds_exactly_index_and_the_scf_fuseface_files(built):
    names = set(zipfile.ZipFile(built["function_zip"]).namelist())
    pkg = ROOT / "src" / "scf_fuseface"
    expected = {"index.py"} | {
        "scf_fuseface/" + p.relative_to(pkg).as_posix() for p in pkg.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert names == expected
    assert "scf_fuseface/entry.py" in names and "scf_fuseface/py.typed" in names
    assert not [n for n in names if n.startswith("fuseface_local")]


def test_layer_has_the_cloud_dependencies_at_the_root_and_no_local_ones(built):
    names = zipfile.ZipFile(built["layer_zip"]).namelist()
    top = {n.split("/")[0] for n in names}
    assert {"tencentcloud", "qcloud_cos", "pydantic", "pydantic_core", "PIL", "requests", "crcmod"} <= top
    assert not top & {"numpy", "cv2", "werkzeug", "ai_edge_litert", "scf_fuseface", "python"}
    assert packaging.verify_layer(built["layer"], cos_version=None) == []


def test_function_imports_with_only_the_layer_and_the_stdlib(built):
    result = _run_isolated([built["function"], built["layer"]], (
        "import importlib\n"
        "import index\n"
        "out = {'handler': callable(getattr(index, 'main_handler', None)), 'missing': []}\n"
        "for name in ('numpy', 'cv2', 'werkzeug', 'fuseface_local.engine.core', 'fuseface_local.emulator'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        out['missing'].append(name)\n"
        "out['loaded'] = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'cv2'))\n"
        "out['cos'] = __import__('qcloud_cos').__file__\n"
        "print(json.dumps(out))\n"
    ))
    assert result["handler"] is True
    assert result["missing"] == ["numpy", "cv2", "werkzeug", "fuseface_local.engine.core", "fuseface_local.emulator"]
    assert result["loaded"] == [] and result["cos"].startswith(str(built["layer"]))


def test_the_packaged_handler_skips_a_delete_event_offline(built):
    event = (ROOT / "events" / "cos_delete.json").read_text(encoding="utf-8")
    result = _run_isolated([built["function"], built["layer"]], (
        "import index\n"
        f"event = json.loads({event!r})\n"
        "res = index.main_handler(event, {'request_id': 'r1', 'time_limit_in_ms': 3000})\n"
        "print(json.dumps(res))\n"
    ))
    assert result["skipped"] == 1 and result["records"][0]["status"] == "skipped"


def test_cloud_requirements_come_from_pyproject():
    reqs = packaging.cloud_requirements(ROOT / "pyproject.toml")
    names = {packaging._canon(packaging._req_name(r)) for r in reqs}
    assert {"tencentcloud-sdk-python-common", "tencentcloud-sdk-python-facefusion", "cos-python-sdk-v5",
            "pydantic", "pillow"} <= names
    assert not names & {"numpy", "opencv-python-headless", "werkzeug", "ai-edge-litert"}


def test_verify_layer_reports_what_is_wrong(tmp_path):
    (tmp_path / "numpy").mkdir()
    (tmp_path / "python").mkdir()
    (tmp_path / "cos_python_sdk_v5-1.8.3.dist-info").mkdir()
    problems = packaging.verify_layer(tmp_path)
    assert "forbidden package in the layer: numpy" in problems
    assert "packages must be at the zip root, not under python/" in problems
    assert any("1.8.3" in p for p in problems) and "missing package: qcloud_cos" in problems


def test_verify_layer_refuses_pycryptodome_and_a_missing_required_file(tmp_path):
    (tmp_path / "Crypto" / "Cipher").mkdir(parents=True)
    (tmp_path / "pycryptodome-3.23.0.dist-info").mkdir()
    problems = packaging.verify_layer(tmp_path, cos_version=None)
    assert any(p.startswith("excluded distribution in the layer: pycryptodome") for p in problems)
    assert "excluded package in the layer: Crypto (pycryptodome)" in problems
    assert any(p.startswith("required file missing (or not unique): PIL/_imaging.cpython-*.so") for p in problems)


def test_the_offline_layer_leaves_out_what_the_declared_list_omits(built):
    names = zipfile.ZipFile(built["layer_zip"]).namelist()
    assert not [n for n in names if n.startswith(("Crypto/", "pycryptodome", "pydantic/v1/", "PIL/_webp."))]
    assert [n for n in names if n.startswith("PIL/_imaging.")] and [n for n in names if n.startswith("pillow.libs/libjpeg-")]


def test_zip_is_deterministic(tmp_path):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "a.py").write_text("x = 1\n")
    (src / "b.txt").write_text("b\n")
    first = packaging.zip_dir(src, tmp_path / "one.zip")
    (src / "b.txt").touch()  # a new mtime must not change the archive
    assert packaging.zip_dir(src, tmp_path / "two.zip") == first
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    assert zipfile.ZipFile(tmp_path / "one.zip").namelist() == ["b.txt", "pkg/a.py"]


def test_function_bytecode_for_the_scf_runtime(tmp_path):
    python = packaging.find_python("3.10")
    if python is None:
        pytest.skip("no Python 3.10 interpreter on this machine")
    assert packaging.main(["function", "--output", str(tmp_path / "f.zip"), "--compile-python", python,
                           "--src", str(ROOT / "src")]) == 0
    names = zipfile.ZipFile(tmp_path / "f.zip").namelist()
    assert "scf_fuseface/__pycache__/entry.cpython-310.pyc" in names
    pyc = (tmp_path / "f" / "scf_fuseface" / "__pycache__" / "entry.cpython-310.pyc").read_bytes()
    assert int.from_bytes(pyc[4:8], "little") == 0b11  # hash-based, checked: console edits still apply


def _yaml_scalars(path: Path) -> dict:
    """``dotted.path -> scalar`` for the simple block YAML of our serverless.yml files (no PyYAML needed)."""
    out, stack = {}, []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #")[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        text = line.strip()
        if text.startswith("- "):
            text = text[2:]
            indent += 2
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key, _, value = text.partition(":")
        if not value.strip():
            stack.append((indent, key.strip()))
            continue
        out[".".join([s[1] for s in stack] + [key.strip()])] = value.strip().strip("'\"")
    return out


def test_serverless_yml_matches_the_code():
    fn = _yaml_scalars(ROOT / "serverless.yml")
    layer = _yaml_scalars(ROOT / "layers" / "serverless.yml")
    assert fn["component"] == "scf" and layer["component"] == "layer"
    assert fn["inputs.handler"] == "index.main_handler" and fn["inputs.runtime"] == "Python3.10"
    assert "    - Python3.10\n" in (ROOT / "layers" / "serverless.yml").read_text()
    assert (ROOT / "layers" / layer["inputs.src"]).resolve() == ROOT / "build" / "layer"  # `make layer` output
    assert fn["inputs.layers.name"] == layer["inputs.name"]
    assert int(fn["inputs.memorySize"]) in [64] + list(range(128, 3073, 128))
    assert 1 <= int(fn["inputs.timeout"]) <= 900
    env = {k.split(".")[-1]: v for k, v in fn.items() if k.startswith("inputs.environment.variables.")}
    from scf_fuseface.config import load_settings

    settings = load_settings(env)  # the deployed configuration passes the cold-start validation
    assert fn["inputs.events.cos.parameters.filter.prefix"] == settings.trigger_prefix == "uploads/"
    assert fn["inputs.events.cos.parameters.events"] == "cos:ObjectCreated:*"
    assert fn["inputs.events.cos.parameters.bucket"].startswith(settings.trigger_bucket + ".cos.")
    assert not settings.output_prefix.startswith(settings.trigger_prefix)
    assert fn["inputs.events.http.parameters.netConfig.enableExtranet"] == "true"  # the Function URL (HTTP)
    assert not [k for k in fn if k.startswith("inputs.events.apigw")]  # API Gateway: a commented legacy block
    # The function ships one folder whole (`make package`'s staging dir): no exclusion list to keep in sync.
    assert (ROOT / fn["inputs.src.src"]).resolve() == ROOT / "build" / "function"
    assert not [k for k in fn if k.startswith("inputs.src.exclude")]
    assert "exclude" not in (ROOT / "serverless.yml").read_text()
