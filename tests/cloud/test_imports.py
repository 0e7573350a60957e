"""The function package imports (and builds its SDK clients) without numpy, OpenCV, the engine or the emulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

_SCRIPT = r"""
import importlib.abc, sys
FORBIDDEN = ("numpy", "cv2", "werkzeug", "ai_edge_litert", "scf_fuseface.engine", "scf_fuseface.emulator",
             "scf_fuseface.cli", "scf_fuseface.eventgen", "scf_fuseface.replay", "scf_fuseface.packaging")
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
            raise ImportError("forbidden in the function package: " + name)
        return None
sys.meta_path.insert(0, Block())
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
    assert "scf_fuseface.handlers.cos" in proc.stdout and "scf_fuseface.engine" not in proc.stdout
