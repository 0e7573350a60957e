"""Keep the package logger as other test folders expect it: main_handler installs a stdout JSON handler and
turns propagation off (as on SCF); undo that after each test."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture(autouse=True)
def _restore_package_logger():
    logger = logging.getLogger("scf_fuseface")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]
