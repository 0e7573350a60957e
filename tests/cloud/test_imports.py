"""The function package imports (and builds its SDK clients) without numpy, OpenCV, the engine or the emulator."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# Makes importing any module named in BLOCKED (or below it) raise ImportError in the script that starts with it.
_BLOCKER = r"""
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            raise ImportError("blocked: " + name)
        return None
sys.meta_path.insert(0, Block())
"""

_SCRIPT = r"""
BLOCKED = ("numpy", "cv2", "werkzeug", "ai_edge_litert", "fuseface_local.engine", "fuseface_local.emulator",
           "fuseface_local.cli", "fuseface_local.eventgen", "fuseface_local.replay", "fuseface_local.packaging")
""" + _BLOCKER + r"""
import index
from scf_fuseface.adapters import CosStorage, FuseFaceClient
from scf_fuseface.config import Credentials, load_settings
s = load_settings({"FUSEFACE_PROJECT_ID": "1"})
FuseFaceClient(s, Credentials("AKIDx", "k", "t"))
CosStorage(s, Credentials("AKIDx", "k", "t"), "ap-guangzhou")
r = index.main_handler({"Type": "Timer"}, {"request_id": "x"})
assert r["error"]["Code"] == "InvalidParameterValue.InvalidEvent", r
print("ok", sorted(m for m in sys.modules if m.startswith("scf_fuseface")))
"""


def test_function_package_imports_with_cloud_dependencies_only():
    proc = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=SRC, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SRC)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ok" in proc.stdout
    assert "scf_fuseface.handlers.cos" in proc.stdout and "fuseface_local.engine" not in proc.stdout


_LOCAL_ONLY = ("fuseface_local", "numpy", "cv2", "werkzeug", "ai_edge_litert")


def _imported_modules(path: Path):
    """Every module an ``import`` statement of ``path`` names (absolute; relative ones stay in the package)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_shipped_module_imports_local_only_code():
    offenders = []
    for path in sorted((SRC / "scf_fuseface").rglob("*.py")):
        for name in _imported_modules(path):
            if name.split(".")[0] in _LOCAL_ONLY:
                offenders.append(f"{path.relative_to(SRC)}: import {name}")
    assert offenders == []


def test_the_boundary_check_catches_a_local_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from fuseface_local.engine import FusionEngine\n    import numpy as np\n")
    assert sorted(n for n in _imported_modules(bad) if n.split(".")[0] in _LOCAL_ONLY) == [
        "fuseface_local.engine", "numpy"]


_PRELOAD = r"""
import sys
BLOCKED = sys.argv[1:]
""" + _BLOCKER + r"""
import index
from scf_fuseface import entry
loaded = [m for m in ("qcloud_cos", "tencentcloud.facefusion.v20220927.models") if m in sys.modules]
r = index.main_handler({"Type": "Timer"}, {"request_id": "x"})
print(entry.SDKS_PRELOADED, loaded, r["error"]["Code"])
"""


def _cold_start_with(*blocked: str) -> str:
    proc = subprocess.run([sys.executable, "-c", _PRELOAD, *blocked], cwd=SRC, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SRC)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]  # after the JSON log lines


def test_the_cold_start_imports_the_cos_and_fuseface_sdks_before_any_event():
    assert _cold_start_with() == "True ['qcloud_cos', 'tencentcloud.facefusion.v20220927.models'] " \
                                 "InvalidParameterValue.InvalidEvent"


def test_a_missing_sdk_does_not_break_the_cold_start():
    assert _cold_start_with("qcloud_cos") == "False [] InvalidParameterValue.InvalidEvent"
