"""Hostile inputs to the emulator (issue 9): each case was a crash, a wrong answer or a leak once.

Expected COS answers come from the COS docs (436/7753 Range, 436/14518 naming, 436/7730 codes) and, where COS
documents nothing, from RFC 7233 (see ``emulator/ranges.py``).
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import requests
from qcloud_cos import CosServiceError

from fuseface_local.emulator import ObjectStore, StoreError

from ..support.clients import signed_api_request
from ..support.paths import BUCKET

HOST = f"{BUCKET}.cos.ap-guangzhou.myqcloud.com"


def _signed_path(emulator, method, key):
    """Path + presigned query for ``key`` on the real COS domain (send it with ``Host: HOST``)."""
    from qcloud_cos import CosConfig, CosS3Client

    signer = CosS3Client(CosConfig(Region="ap-guangzhou", SecretId=emulator.secret_id,
                                   SecretKey=emulator.secret_key, Scheme="http"))
    url = signer.get_presigned_url(Bucket=BUCKET, Key=key, Method=method, Expired=300)
    return url.split("myqcloud.com", 1)[1]


# --- Range (RFC 7233 where COS documents nothing) --------------------------------------------------------------
@pytest.mark.parametrize("header, status, body", [
    ("items=0-5", 200, bytes(range(20))),          # unknown unit: ignored
    ("bytes=abc", 200, bytes(range(20))),          # syntactically invalid: ignored
    ("bytes=5-2", 200, bytes(range(20))),          # first > last: invalid, ignored
    ("bytes=0-1,4-5", 200, bytes(range(20))),      # several ranges: COS serves one only; ignored
    ("bytes=15-", 206, bytes(range(15, 20))),      # open end
    ("bytes=18-99", 206, bytes(range(18, 20))),    # last clamped
    ("bytes=-3", 206, bytes(range(17, 20))),       # suffix
    ("bytes=-0", 416, None),                       # zero suffix: unsatisfiable
    ("bytes=20-25", 416, None),                    # first at the end
])
def test_range_header(cos, emulator, header, status, body):
    cos.put_object(Bucket=BUCKET, Key="range20.bin", Body=bytes(range(20)))
    url = cos.get_presigned_url(Bucket=BUCKET, Key="range20.bin", Method="GET")
    response = requests.get(url, headers={"Range": header}, timeout=10)
    assert response.status_code == status
    if body is None:
        assert b"<Code>InvalidRange</Code>" in response.content
    else:
        assert response.content == body


# --- names ---------------------------------------------------------------------------------------------------
def test_uppercase_bucket_is_invalid_bucket_name_and_nothing_is_stored(cos, emulator):
    with pytest.raises(CosServiceError) as err:
        cos.put_object(Bucket="UpperCase-1250000000", Key="x", Body=b"x")
    assert (err.value.get_status_code(), err.value.get_error_code()) == (400, "InvalidBucketName")
    assert "uppercase-1250000000" not in emulator.store.buckets()


@pytest.mark.parametrize("key", ["line\nfeed.jpg", "carriage\rreturn.jpg", "both\r\n/inside.jpg"])
def test_keys_with_cr_or_lf_round_trip(cos, emulator, key):
    cos.put_object(Bucket=BUCKET, Key=key, Body=b"crlf")
    assert cos.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read() == b"crlf"
    assert key in emulator.store.list(BUCKET)


def test_a_key_and_its_json_folder_coexist_and_listing_works(cos, emulator):
    bucket = "coexist-1250000000"
    for key, body in (("x", b"1"), ("x.json/y", b"2"), ("a.json/b", b"3"), ("a", b"4"), ("dir/", b"")):
        cos.put_object(Bucket=bucket, Key=key, Body=body)
    listed = cos.list_objects(Bucket=bucket)
    assert [c["Key"] for c in listed["Contents"]] == ["a", "a.json/b", "dir/", "x", "x.json/y"]
    assert cos.get_object(Bucket=bucket, Key="x")["Body"].get_raw_stream().read() == b"1"
    assert cos.get_object(Bucket=bucket, Key="x.json/y")["Body"].get_raw_stream().read() == b"2"


def test_a_refused_put_leaves_no_file(cos, emulator):
    blobs = emulator.store.blob_root / BUCKET
    cos.put_object(Bucket=BUCKET, Key="refused/first", Body=b"1")
    before = sorted(p.name for p in blobs.iterdir())
    with pytest.raises(CosServiceError) as err:
        cos.put_object(Bucket=BUCKET, Key="refused/first", Body=b"2", Metadata={"x-cos-forbid-overwrite": "true"})
    assert err.value.get_status_code() == 409
    assert sorted(p.name for p in blobs.iterdir()) == before


# --- x-cos-forbid-overwrite -----------------------------------------------------------------------------------
def test_forbid_overwrite_refuses_an_existing_key_with_409(cos, emulator):
    headers = {"x-cos-forbid-overwrite": "true"}
    cos.put_object(Bucket=BUCKET, Key="claim/once", Body=b"first", Metadata=headers)
    with pytest.raises(CosServiceError) as err:
        cos.put_object(Bucket=BUCKET, Key="claim/once", Body=b"second", Metadata=headers)
    assert (err.value.get_status_code(), err.value.get_error_code()) == (409, "FileAlreadyExists")
    assert cos.get_object(Bucket=BUCKET, Key="claim/once")["Body"].get_raw_stream().read() == b"first"
    cos.put_object(Bucket=BUCKET, Key="claim/once", Body=b"third")  # without the header: overwrite, 200
    assert cos.get_object(Bucket=BUCKET, Key="claim/once")["Body"].get_raw_stream().read() == b"third"


def test_forbid_overwrite_lets_exactly_one_of_many_concurrent_writers_win(cos, emulator):
    from concurrent.futures import ThreadPoolExecutor

    def attempt(n):
        try:
            cos.put_object(Bucket=BUCKET, Key="claim/race", Body=str(n).encode(),
                           Metadata={"x-cos-forbid-overwrite": "true"})
            return n
        except CosServiceError as exc:
            assert exc.get_status_code() == 409
            return None

    with ThreadPoolExecutor(16) as pool:
        winners = [n for n in pool.map(attempt, range(32)) if n is not None]
    assert len(winners) == 1
    assert cos.get_object(Bucket=BUCKET, Key="claim/race")["Body"].get_raw_stream().read() == str(winners[0]).encode()


# --- bodies ---------------------------------------------------------------------------------------------------
def _chunked(port, host, path, headers, chunks):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.putrequest("PUT" if path != "/" else "POST", path, skip_host=True)
    conn.putheader("Host", host)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for chunk in chunks:
        conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    conn.send(b"0\r\n\r\n")
    response = conn.getresponse()
    return response.status, response.read()


def test_chunked_api_body_over_10_mb_is_refused(emulator):
    chunk = b"x" * (1 << 20)
    status, body = _chunked(emulator.port, emulator.endpoint, "/", {"Content-Type": "application/json",
                                                                    "X-TC-Action": "FuseFace"}, [chunk] * 11)
    assert status == 200
    assert b'"RequestSizeLimitExceeded"' in body


def test_chunked_cos_put_over_the_cap_is_refused(emulator, monkeypatch):
    from fuseface_local.emulator import cos_api

    monkeypatch.setattr(cos_api, "MAX_PUT_BYTES", 1000)
    path = _signed_path(emulator, "PUT", "chunky.bin")
    status, body = _chunked(emulator.port, HOST, path, {}, [b"y" * 600, b"y" * 600])
    assert status == 413
    assert b"<Code>EntityTooLarge</Code>" in body
    assert not emulator.store.exists(BUCKET, "chunky.bin")


# --- API 3.0 --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("timestamp, expected", [
    ("9" * 400, "AuthFailure.SignatureExpire"), ("-99999999999999999999", "AuthFailure.SignatureExpire"),
    (str(10 ** 30), "AuthFailure.SignatureExpire"), ("1e400", "InvalidParameter"),  # not an integer at all
])
def test_absurd_timestamp_is_an_auth_failure_not_a_crash(emulator, timestamp, expected):
    good = signed_api_request(emulator, "DescribeMaterialList", {"ActivityId": "1"})
    assert good.status_code == 200
    headers = {"Content-Type": "application/json", "Host": emulator.endpoint, "X-TC-Action": "DescribeMaterialList",
               "X-TC-Version": "2022-09-27", "X-TC-Timestamp": timestamp,
               "Authorization": f"TC3-HMAC-SHA256 Credential={emulator.secret_id}/2026-01-01/facefusion/tc3_request, "
                                f"SignedHeaders=content-type;host, Signature={'0' * 64}"}
    response = requests.post(f"http://{emulator.endpoint}/", data=b"{}", headers=headers, timeout=10)
    assert response.json()["Response"]["Error"]["Code"] == expected
    assert list(emulator.app.errors) == []


def test_unexpected_errors_are_kept_few_and_without_frames(emulator, monkeypatch):
    from fuseface_local.emulator import app as app_module
    from fuseface_local.emulator import cos_api

    def boom(store, request, bucket, key):
        payload = b"request body " * 1000  # noqa: F841 - a frame local that must not be kept alive
        raise RuntimeError("boom")

    monkeypatch.setitem(cos_api.VIEWS, "cos.get_object", (boom, "cos:GET"))
    url = f"http://127.0.0.1:{emulator.port}{_signed_path(emulator, 'GET', 'any')}"
    for _ in range(app_module.MAX_RECORDED_ERRORS + 5):
        assert requests.get(url, headers={"Host": HOST}, timeout=10).status_code == 500
    kept = list(emulator.app.errors)
    emulator.app.errors.clear()
    assert len(kept) == app_module.MAX_RECORDED_ERRORS
    assert all(exc.__traceback__ is None for exc in kept)


# --- the store across processes -------------------------------------------------------------------------------
_WRITER = textwrap.dedent("""
    import sys
    from fuseface_local.emulator import ObjectStore
    store = ObjectStore(sys.argv[1])
    who = sys.argv[2]
    for n in range(60):
        store.put("torn-1250000000", "one/key.bin", who.encode() * (1000 + n), metadata={"writer": who})
""")


def test_two_processes_writing_one_key_never_tear_it(tmp_path):
    root = tmp_path / "cos"
    ObjectStore(root)
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(root), who]) for who in ("A", "B")]
    store = ObjectStore(root)
    seen = 0
    while any(p.poll() is None for p in procs):
        try:
            data, meta, _ = store.get("torn-1250000000", "one/key.bin")
        except StoreError:
            continue
        assert set(data) == {ord(meta["x-cos-meta-writer"])}
        seen += 1
    assert [p.wait() for p in procs] == [0, 0]
    data, meta, _ = store.get("torn-1250000000", "one/key.bin")
    assert set(data) == {ord(meta["x-cos-meta-writer"])}
    assert len(list((root / "blobs" / "torn-1250000000").iterdir())) == 1  # old bodies removed


_HOLDER = textwrap.dedent("""
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, b"half a body")
    print("ready", flush=True)
    time.sleep(60)
""")


def test_tmp_files_of_a_killed_writer_are_swept_but_a_live_writers_are_not(tmp_path):
    root = tmp_path / "cos"
    blobs = root / "blobs" / BUCKET
    blobs.mkdir(parents=True)
    dead, live = blobs / ".tmp-dead", blobs / ".tmp-live"
    killed = subprocess.Popen([sys.executable, "-c", _HOLDER, str(dead)], stdout=subprocess.PIPE, text=True)
    alive = subprocess.Popen([sys.executable, "-c", _HOLDER, str(live)], stdout=subprocess.PIPE, text=True)
    try:
        assert killed.stdout.readline().strip() == "ready"
        assert alive.stdout.readline().strip() == "ready"
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        orphan = blobs / "0123456789abcdef-orphan.jpg"
        orphan.write_bytes(b"never indexed")
        an_hour_ago = time.time() - 3600  # left by writers killed earlier (fresh files get a grace period)
        for path in (dead, live, orphan):
            os.utime(path, (an_hour_ago, an_hour_ago))
        ObjectStore(root)
        assert sorted(p.name for p in blobs.iterdir()) == [".tmp-live"]
    finally:
        alive.kill()
        alive.wait()
        killed.stdout.close()
        alive.stdout.close()


def test_a_data_dir_of_the_earlier_layout_is_migrated(tmp_path):
    root = tmp_path / "cos"
    (root / BUCKET / "uploads").mkdir(parents=True)
    (root / BUCKET / "uploads" / "a.jpg").write_bytes(b"old body")
    (root / ".meta" / BUCKET / "uploads").mkdir(parents=True)
    (root / ".meta" / BUCKET / "uploads" / "a.jpg.json").write_text(
        '{"key": "uploads/a.jpg", "size": 8, "etag": "x", "last_modified": 1700000000.0, '
        '"content_type": "image/jpeg", "metadata": {"x-cos-meta-k": "v"}, "headers": {}}', "utf-8")
    (root / BUCKET / "stray.bin").write_bytes(b"no sidecar")
    store = ObjectStore(root)
    assert store.get(BUCKET, "uploads/a.jpg") == (b"old body", {"x-cos-meta-k": "v"}, "image/jpeg")
    assert store.head(BUCKET, "uploads/a.jpg").last_modified == 1700000000.0
    assert not (root / ".meta").exists() and not (root / BUCKET).exists()
    kept = [p.name for p in (root / ".legacy").rglob("*") if p.is_file()]
    assert kept == ["stray.bin"]
