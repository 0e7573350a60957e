"""Fixtures of the engine tests: one ``FaceAnalyzer`` and one ``FusionEngine`` per session."""

from __future__ import annotations

import pytest

from ..support.paths import asset


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
