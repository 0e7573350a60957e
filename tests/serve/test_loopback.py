"""The loopback server base shared by ``fuseface serve`` (LocalServer) and the emulator (EmulatorServer):
lifecycle, misuse, a failed start, and logs without query strings."""

from __future__ import annotations

import logging
import os
import socket

import pytest
import requests

from fuseface_local.loopback import LoopbackServer
from fuseface_local.replay import patched_environ
from fuseface_local.serve import LocalServer

SENTINEL = "query-sentinel-9d41"


def _hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def _get(url: str) -> requests.Response:
    session = requests.Session()
    session.trust_env = False  # loopback: never through a proxy
    with session:
        return session.get(url, timeout=10)


def test_start_serves_on_a_free_port_and_stop_closes_it():
    server = LoopbackServer(_hello, port=0).start()
    port = server.port
    assert server.running and port > 0 and server.public_host == f"127.0.0.1:{port}"
    assert _get(f"http://127.0.0.1:{port}/").text == "hello"
    server.stop()
    assert not server.running
    with pytest.raises(requests.ConnectionError):
        _get(f"http://127.0.0.1:{port}/")


def test_misuse_is_an_error_and_the_context_manager_stops_the_server():
    with LoopbackServer(_hello) as server:
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
        assert server.running
    assert not server.running
    with pytest.raises(RuntimeError, match="not running"):
        server.stop()
    with pytest.raises(RuntimeError, match="not running"):
        server.port  # noqa: B018 - the property raises


def test_a_server_bound_to_every_address_shows_the_loopback_address():
    with LoopbackServer(_hello, host="0.0.0.0") as server:
        assert server.public_host == f"127.0.0.1:{server.port}"


class FailingSetUp(LoopbackServer):
    """Its set-up enters something into the stack, then fails."""

    def _started(self, stack):
        stack.enter_context(patched_environ({"FUSEFACE_ENDPOINT": "during"}))
        self.bound_port = self.port
        raise ValueError("set-up failed")


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_a_failed_set_up_undoes_what_it_entered_and_closes_the_socket(monkeypatch):
    monkeypatch.setenv("FUSEFACE_ENDPOINT", "before")
    server = FailingSetUp(_hello)
    with pytest.raises(ValueError, match="set-up failed"):
        server.start()
    assert not server.running and os.environ["FUSEFACE_ENDPOINT"] == "before"
    assert _port_is_free(server.bound_port)


def test_a_local_server_whose_seeding_fails_stops_its_emulator(tmp_path):
    (tmp_path / "events" / "materials").mkdir(parents=True)
    (tmp_path / "events" / "materials" / "materials.json").write_text("not json", encoding="utf-8")
    server = LocalServer(tmp_path / "data", port=0, events_dir=tmp_path / "events")
    with pytest.raises(ValueError):
        server.start()
    assert not server.running and not server.emulator.running


def test_request_lines_are_logged_at_debug_without_the_query_string(caplog):
    caplog.set_level(logging.DEBUG)
    with LoopbackServer(_hello) as server:
        assert _get(f"http://127.0.0.1:{server.port}/some/path?token={SENTINEL}").status_code == 200
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:  # a malformed request line
            raw.sendall(f"GET /bad?token={SENTINEL} HTTP/1.1 extra\r\n\r\n".encode())
            assert b"400" in raw.recv(4096)  # werkzeug's error page (an HTTP/0.9-style answer: no status line)
    lines = [r.getMessage() for r in caplog.records if r.name == "fuseface_local.loopback"]
    assert "GET /some/path 200" in lines and len(lines) >= 3  # the bad line's error and status are logged too
    assert not [line for line in lines if SENTINEL in line]
