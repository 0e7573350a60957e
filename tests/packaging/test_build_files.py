"""Makefile and .ci/run say what issue 3 asks: `make setup` idempotent (a stamp), `make test` / `make run`
depend on it, `make run` replays the sample upload, `make layer` / `make package` build the two zips,
and CI calls `make test`."""

from __future__ import annotations

import os
import re

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
    assert "packaging layer --output build/layer.zip" in rules["layer"][1]
    assert "packaging function --output build/function.zip" in rules["package"][1]
    assert ".PHONY" in text and "pytest" in rules["test"][1]
    # `make test` builds the deployable layer once (a file target), so the deployed-artifact tests run in CI
    assert "$(LAYER_ZIP)" in rules["test"][0] and "LAYER_ZIP := build/layer.zip" in text
    assert "packaging layer --output $@" in rules["$(LAYER_ZIP)"][1]


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
