"""Emulator fixtures: one session-scoped server (fake engine) + a per-test reset, real SDK clients."""

from __future__ import annotations

import pytest

from fuseface_local.emulator import EmulatorServer

from ..support.clients import api_client, cos_client
from ..support.fakes import FakeEngine, FakeFace


@pytest.fixture(scope="session")
def fake_engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture(scope="session")
def make_emulator(tmp_path_factory, fake_engine):
    with EmulatorServer(tmp_path_factory.mktemp("emulator-data"), engine=fake_engine) as emu:
        yield emu


@pytest.fixture
def emulator(make_emulator, fake_engine):
    fake_engine.faces = [FakeFace(100, 120, 200, 200)]
    fake_engine.fuse_calls.clear()
    make_emulator.reset()
    yield make_emulator
    make_emulator.check_errors()


@pytest.fixture
def cos(emulator):
    return cos_client(emulator)


@pytest.fixture
def api(emulator):
    return api_client(emulator)
