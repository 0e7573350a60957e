"""Suite-wide fixtures.

``main_handler`` configures the ``scf_fuseface`` logger as SCF needs it (a stdout JSON handler, propagation
off). Any test folder may call it, so the logger is restored after every test for the folders that capture logs.
"""

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
