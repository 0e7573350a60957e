"""Shared fixtures of the engine tests: one ``FaceAnalyzer`` per session and ``asset(name) -> bytes``."""

from __future__ import annotations

from pathlib import Path

import pytest

FACES = Path(__file__).resolve().parents[1] / "assets" / "faces"


def asset(name: str) -> bytes:
    """Bytes of ``tests/assets/faces/<name>``."""
    return (FACES / name).read_bytes()


@pytest.fixture(scope="session")
def analyzer():
    from fuseface_local.engine.faces import FaceAnalyzer

    return FaceAnalyzer()


@pytest.fixture(scope="session")
def analyzed(analyzer):
    """``analyzed(name) -> (img_bgr, faces)``, cached for the session (each image is analysed once)."""
    from fuseface_local.engine.codec import decode

    cache = {}

    def get(name: str):
        if name not in cache:
            img = decode(asset(name))
            cache[name] = (img, analyzer.analyze(img))
        return cache[name]

    return get


@pytest.fixture(scope="session")
def engine(analyzer):
    """One ``FusionEngine`` per session, sharing the session's ``FaceAnalyzer``."""
    from fuseface_local.engine import FusionEngine

    return FusionEngine(analyzer=analyzer)
