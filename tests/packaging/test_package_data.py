"""A regular (non-editable) install of the project carries the demo page of ``fuseface serve`` (package data)."""

from __future__ import annotations

import shutil
import subprocess
import sys

from ..support.paths import ROOT

STATIC = ROOT / "src" / "fuseface_local" / "serve" / "static"


def test_a_non_editable_install_serves_the_demo_page_files_from_the_installed_package(tmp_path):
    project = tmp_path / "project"  # a clean copy: no egg-info whose file list could stand in for the config
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                              "--target", str(target), str(project)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(target)!r})\n"
        "import fuseface_local.serve as serve\n"
        f"assert serve.__file__.startswith({str(target)!r}), serve.__file__\n"
        "for path in ('/', '/static/page.css', '/static/page.js', '/static/api.js'):\n"
        "    data, media_type = serve.static_file(path)\n"
        "    sys.stdout.buffer.write(media_type.encode() + b'\\n' + data + b'\\0')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr.decode()
    served = [part.split(b"\n", 1) for part in run.stdout.split(b"\0")[:-1]]
    assert served == [[b"text/html; charset=utf-8", (STATIC / "index.html").read_bytes()],
                      [b"text/css; charset=utf-8", (STATIC / "page.css").read_bytes()],
                      [b"text/javascript; charset=utf-8", (STATIC / "page.js").read_bytes()],
                      [b"text/javascript; charset=utf-8", (STATIC / "api.js").read_bytes()]]
