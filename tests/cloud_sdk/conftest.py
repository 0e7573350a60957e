"""One session-scoped emulator (the real engine) seeded with the sample material
and the fixture objects; per test: counters/injections reset and the function's environment pointed at it."""

from __future__ import annotations

import os

import pytest

from fuseface_local.emulator import EmulatorServer
from fuseface_local.replay.fixtures import seed

from ..support.clients import TOKEN
from ..support.paths import BUCKET, EVENTS, PROJECT


@pytest.fixture(scope="session")
def make_emulator(tmp_path_factory):
    data = tmp_path_factory.mktemp("functional-cloud")
    with EmulatorServer(data, secret_id="AKIDFUNCTIONALTEST", secret_key="functional-secret-key",
                        session_token=TOKEN) as emu:
        seed(emu, EVENTS)
        assert emu.materials.list(PROJECT)
        yield emu


@pytest.fixture
def emu(make_emulator, monkeypatch):
    make_emulator.reset()
    env = {
        "FUSEFACE_PROJECT_ID": PROJECT, "FUSEFACE_SCHEME": "http", "FUSEFACE_ENDPOINT": make_emulator.endpoint,
        "FUSEFACE_TIMEOUT": "20", "FUSEFACE_COS_IP": "127.0.0.1", "FUSEFACE_COS_PORT": str(make_emulator.port),
        "FUSEFACE_COS_SCHEME": "http", "FUSEFACE_RETRY_BASE_DELAY": "0.05", "FUSEFACE_RETRY_MAX_DELAY": "0.2",
        "FUSEFACE_SAFETY_MARGIN_MS": "500", "FUSEFACE_HTTP_BUCKET": BUCKET,
        "TENCENTCLOUD_SECRETID": make_emulator.secret_id, "TENCENTCLOUD_SECRETKEY": make_emulator.secret_key,
        "TENCENTCLOUD_SESSIONTOKEN": TOKEN,
    }
    for name in list(os.environ):
        if name.startswith("FUSEFACE_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield make_emulator
    make_emulator.check_errors()
