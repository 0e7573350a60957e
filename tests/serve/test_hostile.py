"""Hostile clients of the local servers (``fuseface serve`` and the emulator, both on the loopback base) and
hostile arguments of ``fuseface event cos`` (issue 9)."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest

from fuseface_local.cli import main as cli_main
from fuseface_local.emulator import EmulatorServer
from fuseface_local.serve import LocalServer

from ..support.fakes import FakeEngine
from ..support.paths import BUCKET, EVENTS

SECRETS = ("SIGSECRET0123", "APIKEYSECRET456")


def _raw(port: int, data: bytes, *, wait: float = 10.0, close_after_send: bool = False) -> bytes:
    sock = socket.create_connection(("127.0.0.1", port), timeout=wait)
    try:
        sock.sendall(data)
        if close_after_send:
            return b""
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (socket.timeout, ConnectionError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        sock.close()


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    def echo(event, context):
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}

    server = LocalServer(tmp_path_factory.mktemp("hostile-serve"), port=0, events_dir=EVENTS, engine=FakeEngine(),
                         handler=echo, access_log=open("/dev/null", "w"))  # noqa: SIM115
    server.read_timeout = 1.0
    with server as srv:
        yield srv


@pytest.fixture
def emulator(tmp_path):
    server = EmulatorServer(tmp_path, engine=FakeEngine())
    server.read_timeout = 1.0
    with server as emu:
        yield emu


def test_a_bad_chunked_body_is_a_json_400_not_an_html_500(serve, capfd):
    reply = _raw(serve.port, b"POST /fuse HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                             b"Content-Type: application/json\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["Response"]["Error"]["Code"] == "InvalidRequest"
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("target", ["serve", "emulator"])
def test_a_client_that_disconnects_mid_body_leaves_no_traceback(target, serve, emulator, capfd):
    server = serve if target == "serve" else emulator
    # POST /fuse of the function; the emulator's API 3.0 endpoint reads the body before anything else
    path = "/fuse" if target == "serve" else "/"
    _raw(server.port, f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nabc".encode(),
         close_after_send=True)
    time.sleep(1.5)  # the server notices the disconnect (or its read timeout)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err
    if target == "emulator":
        assert list(emulator.app.errors) == []


@pytest.mark.parametrize("target", ["serve", "emulator"])
def test_a_malformed_request_line_is_answered_in_json_and_its_secrets_never_logged(target, serve, emulator, capfd,
                                                                                 caplog):
    server = serve if target == "serve" else emulator
    caplog.set_level(logging.DEBUG)
    line = f"GET /fuse?q-signature={SECRETS[0]}&X-Api-Key={SECRETS[1]} HTTP/1.1 extra words\r\n\r\n"
    reply = _raw(server.port, line.encode())
    assert b"<html" not in reply.lower()
    assert b'"InvalidRequest"' in reply and SECRETS[0].encode() not in reply
    logged = capfd.readouterr().err + caplog.text
    assert all(secret not in logged for secret in SECRETS)


@pytest.mark.parametrize("target", ["serve", "emulator"])
def test_a_stalled_upload_is_cut_after_the_read_timeout(target, serve, emulator):
    server = serve if target == "serve" else emulator
    path = "/fuse" if target == "serve" else "/"
    started = time.monotonic()
    reply = _raw(server.port, f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nab".encode(),
                 wait=20)
    assert time.monotonic() - started < 10  # the thread was released after ~1 s of silence, not held forever
    head, _, body = reply.partition(b"\r\n\r\n")
    assert json.loads(body)["Response"]["Error"]["Code"] in ("InvalidRequest", "InvalidParameter")


# --- fuseface event cos ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, fragment", [
    (["--key", "a" * 1100], "850"),
    (["--key", "../../../../../../etc/passwd"], "events/objects"),
    (["--key", "x.jpg", "--bucket", "../../x-1250000000"], "--bucket"),
    (["--key", "x.jpg", "--bucket", "Upper-1250000000"], "--bucket"),
])
def test_event_cos_refuses_keys_cos_would_refuse_and_paths_outside_the_fixtures(args, fragment, capsys):
    argv = ["event", "cos"] + (["--bucket", BUCKET] if "--bucket" not in args else []) + args
    assert cli_main(argv) == 2
    captured = capsys.readouterr()
    error = json.loads(captured.err)
    assert error["Code"] == "InvalidParameterValue" and fragment in error["Message"]
    assert captured.out == "" and "Traceback" not in captured.err


def test_event_cos_with_a_long_segment_still_prints_the_event(capsys):
    key = "b" * 300 + "/x.jpg"  # under 850 bytes, but no file system takes a 300-byte name
    assert cli_main(["event", "cos", "--bucket", BUCKET, "--key", key]) == 0
    event = json.loads(capsys.readouterr().out)
    assert event["Records"][0]["cos"]["cosObject"]["key"].endswith(key)
    assert event["Records"][0]["cos"]["cosObject"]["size"] == 0
