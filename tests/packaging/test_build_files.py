"""Makefile and .ci/run say what issue 3 asks: `make setup` idempotent (a stamp), `make test` / `make run`
depend on it, `make run` replays the sample upload, `make layer` / `make package` build the two zips,
and CI calls `make test`."""

from __future__ import annotations

import os
import re
import subprocess

from ..support.paths import ROOT


def _rules():
    rules = {}
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    for block in re.split(r"\n(?=\S)", text):
        head, _, body = block.partition("\n")
        match = re.match(r"^([^\s:=#.][^:=]*?):(?!=)\s*(.*)$", head)
        if match:
            rules[match.group(1).strip()] = (match.group(2).split(), body)
    return text, rules


def test_make_targets_and_their_dependencies():
    text, rules = _rules()
    assert {"setup", "test", "run", "lint", "layer", "package"} <= set(rules)
    for target in ("test", "run", "layer", "package"):
        assert "setup" in rules[target][0], target
    # setup = a stamp file rebuilt only when pyproject.toml or the Makefile change (idempotent)
    assert rules["setup"][0] == ["$(STAMP)"]
    assert {"pyproject.toml", "Makefile"} <= set(rules["$(STAMP)"][0])
    assert "touch $@" in rules["$(STAMP)"][1]
    assert "replay events/cos_put.json" in rules["run"][1]
    assert "packaging function --output build/function.zip" in rules["package"][1]
    assert ".PHONY" in text and "pytest" in rules["test"][1]
    # `make test` builds both deployable layers once (file targets), so the deployed-artifact tests run in CI
    assert {"$(LAYER_ZIP)", "$(LAYER39_ZIP)"} <= set(rules["test"][0])
    assert "LAYER_ZIP := build/layer.zip" in text and "LAYER39_ZIP := build/layer-py39.zip" in text
    assert "packaging layer --python-version 3.10 --output $@" in rules["$(LAYER_ZIP)"][1]
    assert "packaging layer --python-version 3.9 --output $@" in rules["$(LAYER39_ZIP)"][1]
    for inputs in (rules["$(LAYER_ZIP)"][0], rules["$(LAYER39_ZIP)"][0]):
        assert "$(LAYER_INPUTS)" in inputs  # rebuilt when the packaging code or the dependencies change
    declared = re.search(r"^LAYER_INPUTS := ((?:.*\\\n)*.*)$", text, re.M).group(1).replace("\\\n", " ").split()
    assert {"pyproject.toml", "src/fuseface_local/packaging.py", "src/fuseface_local/layer_contents.py",
            "src/fuseface_local/elf.py"} <= set(declared)


def _make_dry_run(*args: str, env_extra=None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "PYTHON_VERSION")}
    env.update(env_extra or {})
    proc = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_make_layer_builds_cp310_by_default_and_cp39_on_request():
    assert "fuseface_local.packaging layer --python-version 3.10 --output build/layer.zip\n" in _make_dry_run("layer")
    assert ("fuseface_local.packaging layer --python-version 3.9 --output build/layer-py39.zip\n"
            in _make_dry_run("layer", "PYTHON_VERSION=3.9"))
    # Docker's python images export PYTHON_VERSION=3.x.y: only a value given to make selects the layer
    assert ("fuseface_local.packaging layer --python-version 3.10 --output build/layer.zip\n"
            in _make_dry_run("layer", env_extra={"PYTHON_VERSION": "3.11.7"}))


def test_ci_calls_make_test():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK) and ci.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash")
    lines = [line.strip() for line in ci.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert "make test" in lines and "set -euo pipefail" in lines


def test_make_test_installs_the_browser_only_when_missing_and_root_and_never_downloads_one():
    text, rules = _rules()
    assert "browser" in rules["test"][0]
    recipe = rules["browser"][1]
    assert "/usr/bin/chromium" in text and 'id -u)" = 0' in recipe
    assert "apt-get install -y" in recipe and "--no-install-recommends" in recipe and "$(BROWSER_DEBS)" in recipe
    assert "BROWSER_DEBS := chromium " in text
    assert "playwright install" not in recipe  # the driver never fetches a browser build of its own
    assert ".[local,dev,metric,browser]" in rules["$(STAMP)"][1]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'browser = \[\n    "playwright==[\d.]+",\n\]', pyproject)
