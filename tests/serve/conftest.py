"""Fixtures shared by the ``fuseface serve`` tests: one LocalServer per module (a module may override ``server``, as
``test_http.py`` does to count invocations) and a requests session that never goes through a proxy."""

from __future__ import annotations

import io

import pytest
import requests

from fuseface_local.serve import LocalServer

from ..support.paths import EVENTS


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LocalServer(tmp_path_factory.mktemp("serve"), port=0, events_dir=EVENTS, access_log=io.StringIO()) as srv:
        yield srv  # stopping re-raises any error recorded in an emulator thread


@pytest.fixture(scope="module")
def http():
    session = requests.Session()
    session.trust_env = False  # never through a proxy: this is loopback
    yield session
    session.close()
