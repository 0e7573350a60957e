"""Suite-wide fixtures.

Loopback never goes through a proxy: the SDKs and ``requests`` talk to in-process emulators on 127.0.0.1.

``main_handler`` configures the ``scf_fuseface`` logger as SCF needs it (a stdout JSON handler, propagation
off). Any test folder may call it, so the logger is restored after every test for the folders that capture logs.
``get_settings`` validates the environment once (as on SCF, where it never changes); tests change it, so its
cache is cleared around every test.
"""

from __future__ import annotations

import logging
import os

import pytest

from scf_fuseface.config import get_settings

for _name in ("NO_PROXY", "no_proxy"):
    os.environ[_name] = ",".join(filter(None, [os.environ.get(_name), "127.0.0.1", "localhost"]))


@pytest.fixture(autouse=True)
def _restore_package_logger():
    logger = logging.getLogger("scf_fuseface")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]


@pytest.fixture(autouse=True)
def _fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
