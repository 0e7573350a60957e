"""Browser fixtures: Debian's chromium driven by the ``playwright`` package, and ``fuseface serve`` started as the
real command on a free port with its own DATA dir (the fixture material plus three added here).

Skipped, with the reason shown by ``-ra``, only where the browser or the driver is not installed (``make test``
installs both: chromium with apt-get as root, playwright into .venv). Screenshots go to ``tests/output/browser/``
(git-ignored); ``timings.json`` there records the page's load time and the fuse round trips measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..support.paths import EVENTS, FACES, ROOT

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "tests" / "output" / "browser"


def _why_skip() -> str:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (`make test` installs Debian's chromium when run as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (`make setup` installs it into .venv)"
    return ""


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="session")
def timings(output_dir):
    """A dict the tests fill with measured seconds; written to ``timings.json`` at the end of the session."""
    data: dict = {}
    yield data
    (output_dir / "timings.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def browser():
    reason = _why_skip()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


def _pair_photo(path: Path) -> None:
    """A two-person template: obama.jpg and biden.jpg side by side (public domain, see PROVENANCE.md)."""
    from PIL import Image

    with Image.open(FACES / "obama.jpg") as a, Image.open(FACES / "biden.jpg") as b:
        a, b = a.convert("RGB"), b.convert("RGB")
        b = b.crop((0, 0, b.width, min(b.height, int(b.width * 1.2))))
        a = a.resize((480, int(a.height * 480 / a.width)))
        b = b.resize((480, int(b.height * 480 / b.width)))
        height = min(a.height, b.height, 620)
        pair = Image.new("RGB", (960, height), (255, 255, 255))
        pair.paste(a.crop((0, 0, 480, height)), (0, 0))
        pair.paste(b.crop((0, 0, 480, height)), (480, 0))
        pair.save(path, "JPEG", quality=88)


@pytest.fixture(scope="session")
def materials_data(tmp_path_factory):
    """A DATA dir holding the fixture material and three more: reinvent, faceswap, and a two-face template.
    Returns ``(data_dir, {name: MaterialId})``."""
    from types import SimpleNamespace

    from fuseface_local.emulator import MaterialStore, ObjectStore
    from fuseface_local.engine import FusionEngine
    from fuseface_local.replay import seed

    data = tmp_path_factory.mktemp("browser-data")
    engine = FusionEngine()
    store = MaterialStore(data / "materials", lambda: engine)
    seed(SimpleNamespace(store=ObjectStore(data / "cos"), materials=store), EVENTS)  # what serve seeds, done first
    project = store.list()[0]["ProjectId"]
    pair = data / "pair.jpg"
    _pair_photo(pair)
    ids = {"fixture": store.list()[0]["MaterialId"]}
    for name, image, algorithm in (("astronaut-reinvent", FACES / "astronaut.jpg", "reinvent"),
                                   ("two-presidents", pair, "redefine"),
                                   ("obama-faceswap", FACES / "obama2.jpg", "faceswap")):
        ids[name] = store.add(project, image.read_bytes(), name=name, algorithm=algorithm)["MaterialId"]
    return data, ids


@pytest.fixture(scope="session")
def served(materials_data, tmp_path_factory):
    """``fuseface serve --port 0`` as a subprocess; yields ``(base_url, ids)`` and stops it with Ctrl-C."""
    data, ids = materials_data
    logs = tmp_path_factory.mktemp("serve-logs")
    out, err = (logs / "stdout.txt").open("w"), (logs / "stderr.txt").open("w")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), NO_PROXY="127.0.0.1,localhost")
    proc = subprocess.Popen([sys.executable, "-m", "fuseface_local.cli", "serve", "--port", "0", "--data", str(data),
                             "--events-dir", str(EVENTS)], stdout=out, stderr=err, env=env, cwd=ROOT)
    url = ""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not url and proc.poll() is None:
        first = (logs / "stdout.txt").read_text().split("\n", 1)[0]
        if first.startswith("fuseface serve: http://"):
            url = first.split()[2]
        time.sleep(0.1)
    if not url:
        proc.kill()
        pytest.fail(f"fuseface serve did not start: {(logs / 'stderr.txt').read_text()[-2000:]}")
    yield url, ids
    proc.send_signal(2)
    try:
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        out.close()
        err.close()


@pytest.fixture
def page(browser, served):
    """A fresh desktop page (1200x900) with the page's console errors collected in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    context.close()
