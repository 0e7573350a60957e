"""Replay fixtures: the repository's events/, one emulator (real engine) per module on a tmp DATA dir."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def engine():
    """The real offline engine, loaded once for every replay test."""
    from fuseface_local.engine import FusionEngine

    return FusionEngine()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory, engine):
    from fuseface_local.emulator import EmulatorServer

    with EmulatorServer(tmp_path_factory.mktemp("replay-data"), engine=engine) as emu:
        yield emu
