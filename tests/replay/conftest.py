"""Replay fixtures: the repository's events/, one emulator (real engine) per module on a tmp DATA dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
BUCKET = "fuseface-1250000000"
MODEL_ID = "qc_300029_000001_1"


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def engine():
    """The real offline engine, loaded once for every replay test."""
    from scf_fuseface.engine import FusionEngine

    return FusionEngine()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory, engine):
    from scf_fuseface.emulator import EmulatorServer

    with EmulatorServer(tmp_path_factory.mktemp("replay-data"), engine=engine) as emu:
        yield emu
