"""COS-path guarantees measured on the wire: bytes read before the paid call, credentials per invocation,
the presigned source URL, and the log line of a skipped event."""

from __future__ import annotations

import json

from fuseface_local.eventgen import cos_event, cos_record
from scf_fuseface.entry import main_handler

from ..support.clients import TOKEN
from ..support.cloud import scf_context, unique_key
from ..support.images import selfie_bytes
from ..support.paths import BUCKET, load_event

SNIFF = 64 * 1024


def _event(key, size):
    return cos_event([cos_record(BUCKET, key, size=size)])


def test_prevalidation_reads_at_most_64_kb_of_the_source(emu):
    data = selfie_bytes()
    assert len(data) > SNIFF + 20_000  # the sample selfie is ~93 KB: a full GET would show
    key = unique_key("sniff")
    emu.store.put(BUCKET, key, data, content_type="image/jpeg")
    result = main_handler(_event(key, len(data)), scf_context())
    assert result["records"][0]["status"] == "fused"
    reads = [s for s in emu.served if (s.bucket, s.key) == (BUCKET, key)]
    assert [(s.range, s.status) for s in reads] == [(f"bytes=0-{SNIFF - 1}", 206)]
    assert sum(s.nbytes for s in reads) == SNIFF
    # FuseFace fetched the image itself through the presigned Url (the emulator serves it from its store)
    assert emu.calls["FuseFace"] == 1


def test_credentials_are_read_on_every_invocation(emu, monkeypatch):
    good_key = emu.secret_key
    data = selfie_bytes()[: SNIFF * 2]  # only headers are read before the failure
    first, second, third = (unique_key(s) for s in ("creds1", "creds2", "creds3"))
    for key in (first, second, third):
        emu.store.put(BUCKET, key, data, content_type="image/jpeg")
    emu.inject_error("FuseFace", "FailedOperation.NoFaceDetected", times=3)  # cheap: no engine work

    assert main_handler(_event(first, len(data)), scf_context())["records"][0]["code"] == "FailedOperation.NoFaceDetected"
    monkeypatch.setenv("TENCENTCLOUD_SECRETKEY", "rotated-but-wrong")  # same warm container, new role keys
    refused = main_handler(_event(second, len(data)), scf_context())["records"][0]
    assert refused["status"] == "failed" and refused["code"] == "FailedOperation.StorageRejected"
    monkeypatch.setenv("TENCENTCLOUD_SECRETKEY", good_key)
    assert main_handler(_event(third, len(data)), scf_context())["records"][0]["code"] == "FailedOperation.NoFaceDetected"
    assert emu.calls["FuseFace"] == 2


def test_a_missing_session_token_is_noticed_on_the_next_invocation(emu, monkeypatch):
    """The emulator requires the token: without it (read per invocation) COS refuses the HEAD."""
    key = unique_key("token")
    emu.store.put(BUCKET, key, selfie_bytes(), content_type="image/jpeg")
    monkeypatch.delenv("TENCENTCLOUD_SESSIONTOKEN")
    record = main_handler(_event(key, 1), scf_context())["records"][0]
    assert record["code"] == "FailedOperation.StorageRejected" and emu.calls["FuseFace"] == 0
    monkeypatch.setenv("TENCENTCLOUD_SESSIONTOKEN", TOKEN)
    emu.inject_error("FuseFace", "FailedOperation.NoFaceDetected")
    assert main_handler(_event(key, 1), scf_context())["records"][0]["code"] == "FailedOperation.NoFaceDetected"


def test_non_created_event_is_skipped_with_a_log_line(emu, capsys):
    result = main_handler(load_event("cos_delete.json"), scf_context())
    assert result["records"][0]["reason"] == "not-created" and sum(emu.calls.values()) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (skip,) = [line for line in lines if line["message"].startswith("skipped")]
    assert skip["message"] == "skipped: not an ObjectCreated event"
    assert skip["event"].startswith("cos:ObjectRemove") and skip["key"] and skip["bucket"] == BUCKET


def test_sdk_debug_logging_never_reaches_the_logs(emu, caplog, capsys):
    """Even when the runtime's root logger is at DEBUG, the SDKs' own lines (which carry the Authorization
    header, the signing key, the security token and whole FuseFace responses) are not emitted."""
    import logging

    caplog.set_level(logging.DEBUG)  # the root logger, as a runtime might configure it
    key = unique_key("sdkdebug")
    data = selfie_bytes()
    emu.store.put(BUCKET, key, data, content_type="image/jpeg")
    assert main_handler(_event(key, len(data)), scf_context())["records"][0]["status"] == "fused"
    text = caplog.text + capsys.readouterr().out
    for secret in (emu.secret_key, TOKEN, "q-signature", "Authorization", "sign_key", "FusedImage"):
        assert secret not in text
    assert not [r for r in caplog.records if r.name.startswith(("qcloud_cos", "tencentcloud"))]
