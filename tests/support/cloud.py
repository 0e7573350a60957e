"""The shipped function over in-memory fakes (``Function`` with fake ``Factories``, a ``Run``), and SCF-like
invocation helpers (context dicts, unique upload keys)."""

from __future__ import annotations

import uuid
from typing import Any, Dict, Optional

from scf_fuseface.config import Credentials, Settings, load_settings
from scf_fuseface.entry import Function
from scf_fuseface.retry import Budget
from scf_fuseface.run import Factories, Run

from .fakes import FakeDetector, FakeFusion, FakeStorage
from .paths import MODEL, PROJECT

CREDS = Credentials("AKIDtest", "secret")


def make_settings(**env: str) -> Settings:
    """Settings from ``env`` on top of ``FUSEFACE_PROJECT_ID`` (the fixtures' activity)."""
    base = {"FUSEFACE_PROJECT_ID": PROJECT}
    base.update(env)
    return load_settings(base)


def fake_factories(storage: Optional[FakeStorage] = None, fusion: Optional[FakeFusion] = None,
                   creds: Credentials = CREDS, detector: Optional[FakeDetector] = None) -> Factories:
    """Factories that hand out ``storage`` (every region), ``fusion`` and ``detector`` (every timeout), with
    ``creds``."""
    storage = storage or FakeStorage()
    fusion = fusion or FakeFusion()
    detector = detector or FakeDetector()
    return Factories(credentials=lambda: creds, storage=lambda settings, creds, region: storage,
                     fusion=lambda settings, creds, *, timeout: fusion,
                     detector=lambda settings, creds, *, timeout: detector)


def make_function(storage: Optional[FakeStorage] = None, fusion: Optional[FakeFusion] = None,
                  creds: Credentials = CREDS) -> Function:
    """The SCF function over in-memory fakes (its ``__call__`` is ``main_handler``'s)."""
    return Function(fake_factories(storage, fusion, creds))


def make_run(settings: Optional[Settings] = None, *, storage: Optional[FakeStorage] = None,
             fusion: Optional[FakeFusion] = None, time_limit_ms: float = 30000,
             detector: Optional[FakeDetector] = None) -> Run:
    settings = settings or make_settings(FUSEFACE_RETRY_BASE_DELAY="0", FUSEFACE_SAFETY_MARGIN_MS="0")
    return Run(settings, Budget(time_limit_ms), fake_factories(storage, fusion, detector=detector),
               invocation_id="inv-1")


def scf_context(time_limit_ms: int = 60000) -> Dict[str, Any]:
    """An SCF context dict (real units: milliseconds and MB)."""
    return {"request_id": f"fn-{uuid.uuid4().hex[:12]}", "time_limit_in_ms": time_limit_ms,
            "memory_limit_in_mb": 512, "function_name": "fuseface"}


def unique_key(stem: str, ext: str = ".jpg") -> str:
    """A fresh upload key under the fixtures' material folder."""
    return f"uploads/{MODEL}/{stem}-{uuid.uuid4().hex[:8]}{ext}"
