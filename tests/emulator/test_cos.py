"""COS XML API through the real qcloud_cos client."""

from __future__ import annotations

import hashlib
import time

import pytest
import requests
from qcloud_cos import CosServiceError

from fuseface_local.emulator import EmulatorServer

from ..support.clients import cos_client
from ..support.paths import BUCKET

KEY = "uploads/mt_1603586676924403712_1/a b/照片+1.jpg"


def _body(obj) -> bytes:
    return obj["Body"].get_raw_stream().read()


def test_put_get_round_trip_with_metadata_and_content_type(cos):
    data = bytes(range(256)) * 40
    put = cos.put_object(Bucket=BUCKET, Key=KEY, Body=data, ContentType="image/jpeg",
                         Metadata={"x-cos-meta-fuseface-model-id": "mt_1603586676924403712_1"})
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'  # noqa: S324 - COS ETag is md5
    got = cos.get_object(Bucket=BUCKET, Key=KEY)
    assert _body(got) == data
    assert got["Content-Type"] == "image/jpeg"
    assert got["x-cos-meta-fuseface-model-id"] == "mt_1603586676924403712_1"
    assert got["ETag"] == put["ETag"]
    assert "GMT" in got["Last-Modified"]


def test_get_stream_reads_everything(cos):
    data = b"z" * 5000
    cos.put_object(Bucket=BUCKET, Key="big.bin", Body=data)
    assert b"".join(cos.get_object(Bucket=BUCKET, Key="big.bin")["Body"].get_stream(1024)) == data


def test_ranged_get_answers_206_with_content_range(cos):
    data = bytes(range(200))
    cos.put_object(Bucket=BUCKET, Key="range.bin", Body=data)
    got = cos.get_object(Bucket=BUCKET, Key="range.bin", Range="bytes=10-19")
    assert _body(got) == data[10:20]
    assert got["Content-Range"] == "bytes 10-19/200"
    tail = cos.get_object(Bucket=BUCKET, Key="range.bin", Range="bytes=-5")
    assert _body(tail) == data[-5:]


def test_unsatisfiable_range_is_416(cos):
    cos.put_object(Bucket=BUCKET, Key="small.bin", Body=b"abc")
    with pytest.raises(CosServiceError) as err:
        cos.get_object(Bucket=BUCKET, Key="small.bin", Range="bytes=10-20")
    assert err.value.get_status_code() == 416
    assert err.value.get_error_code() == "InvalidRange"


def test_head_exists_and_delete(cos, emulator):
    cos.put_object(Bucket=BUCKET, Key="gone.txt", Body=b"hello", ContentType="text/plain")
    head = cos.head_object(Bucket=BUCKET, Key="gone.txt")
    assert head["Content-Length"] == "5"
    assert head["Content-Type"] == "text/plain"
    assert cos.object_exists(Bucket=BUCKET, Key="gone.txt") is True
    cos.delete_object(Bucket=BUCKET, Key="gone.txt")
    assert cos.object_exists(Bucket=BUCKET, Key="gone.txt") is False
    assert not emulator.store.exists(BUCKET, "gone.txt")
    assert emulator.calls["cos:DELETE"] == 1
    assert emulator.calls["cos:HEAD"] == 3


def test_missing_key_is_404_nosuchkey(cos):
    cos.put_object(Bucket=BUCKET, Key="present", Body=b"1")
    with pytest.raises(CosServiceError) as err:
        cos.get_object(Bucket=BUCKET, Key="absent")
    assert (err.value.get_status_code(), err.value.get_error_code()) == (404, "NoSuchKey")
    assert err.value.get_request_id()


def test_unknown_bucket_is_nosuchbucket(cos):
    with pytest.raises(CosServiceError) as err:
        cos.list_objects(Bucket="never-written-1250000000")
    assert (err.value.get_status_code(), err.value.get_error_code()) == (404, "NoSuchBucket")


def test_list_objects_prefix_marker_and_paging(cos):
    bucket = "listing-1250000000"
    for key in ("a/1", "a/2", "a/3", "b/1", "c d/é"):
        cos.put_object(Bucket=bucket, Key=key, Body=key.encode())
    page = cos.list_objects(Bucket=bucket, Prefix="a/", MaxKeys=2)
    assert [c["Key"] for c in page["Contents"]] == ["a/1", "a/2"]
    assert page["IsTruncated"] == "true"
    rest = cos.list_objects(Bucket=bucket, Prefix="a/", Marker=page["NextMarker"])
    assert [c["Key"] for c in rest["Contents"]] == ["a/3"]
    assert rest["IsTruncated"] == "false"
    everything = cos.list_objects(Bucket=bucket)
    assert [c["Key"] for c in everything["Contents"]] == ["a/1", "a/2", "a/3", "b/1", "c d/é"]
    assert everything["Contents"][0]["Size"] == "3"
    folders = cos.list_objects(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["a/", "b/", "c d/"]


def test_copy_object_keeps_metadata(cos):
    cos.put_object(Bucket=BUCKET, Key="src.jpg", Body=b"jpegdata", ContentType="image/jpeg",
                   Metadata={"x-cos-meta-k": "v"})
    cos.copy_object(Bucket="other-1250000000", Key="dst.jpg",
                    CopySource={"Bucket": BUCKET, "Key": "src.jpg", "Region": "ap-guangzhou"})
    got = cos.get_object(Bucket="other-1250000000", Key="dst.jpg")
    assert (_body(got), got["Content-Type"], got["x-cos-meta-k"]) == (b"jpegdata", "image/jpeg", "v")


def test_presigned_download_url_works_with_plain_http(cos):
    cos.put_object(Bucket=BUCKET, Key=KEY, Body=b"presigned")
    url = cos.get_presigned_download_url(Bucket=BUCKET, Key=KEY, Expired=300)
    response = requests.get(url, timeout=10)
    assert (response.status_code, response.content) == (200, b"presigned")
    tampered = url.replace("q-signature=", "q-signature=0")
    assert requests.get(tampered, timeout=10).status_code == 403


def test_presigned_url_with_security_token(tmp_path):
    with EmulatorServer(tmp_path, secret_id="AKIDtemp", secret_key="temp-key", session_token="tok-1") as emu:
        cos = cos_client(emu, token="tok-1")
        cos.put_object(Bucket=BUCKET, Key="k.jpg", Body=b"t")
        with_token = cos.get_presigned_download_url(Bucket=BUCKET, Key="k.jpg",
                                                    Params={"x-cos-security-token": "tok-1"})
        assert requests.get(with_token, timeout=10).content == b"t"
        without = cos.get_presigned_download_url(Bucket=BUCKET, Key="k.jpg")
        response = requests.get(without, timeout=10)
        assert response.status_code == 403
        assert b"<Code>InvalidAccessKeyId</Code>" in response.content
        with pytest.raises(CosServiceError) as err:
            cos_client(emu, token="wrong").get_object(Bucket=BUCKET, Key="k.jpg")
        assert err.value.get_status_code() == 403


def test_expired_presigned_url_is_refused(cos, monkeypatch):
    import types

    import qcloud_cos.cos_auth

    cos.put_object(Bucket=BUCKET, Key="exp.bin", Body=b"e")
    an_hour_ago = time.time() - 3600
    monkeypatch.setattr(qcloud_cos.cos_auth, "time", types.SimpleNamespace(time=lambda: an_hour_ago))
    url = cos.get_presigned_download_url(Bucket=BUCKET, Key="exp.bin", Expired=300)
    response = requests.get(url, timeout=10)
    assert response.status_code == 403
    assert b"<Code>AccessDenied</Code>" in response.content


def test_bad_signature_is_403_signaturedoesnotmatch(emulator):
    bad = cos_client(emulator, secret_key="not-the-key")
    with pytest.raises(CosServiceError) as err:
        bad.put_object(Bucket=BUCKET, Key="x", Body=b"x")
    assert (err.value.get_status_code(), err.value.get_error_code()) == (403, "SignatureDoesNotMatch")
    assert err.value.get_trace_id()
    assert not emulator.store.exists(BUCKET, "x")


def test_wrong_key_id_is_invalidaccesskeyid(emulator):
    with pytest.raises(CosServiceError) as err:
        cos_client(emulator, secret_id="AKIDsomeoneelse").get_object(Bucket=BUCKET, Key="x")
    assert (err.value.get_status_code(), err.value.get_error_code()) == (403, "InvalidAccessKeyId")


def test_unsigned_request_is_access_denied(emulator):
    response = requests.get(f"http://{emulator.endpoint}/x", headers={"Host": f"{BUCKET}.cos.ap-guangzhou.myqcloud.com"},
                            timeout=10)
    assert response.status_code == 403
    assert b"<Code>AccessDenied</Code>" in response.content
    assert response.headers["Content-Type"] == "application/xml"


@pytest.mark.parametrize("key", ["../../../escaped", "a/../../escaped", "./escaped", "a//escaped"])
def test_keys_never_escape_the_data_dir(cos, emulator, key):
    with pytest.raises(CosServiceError) as err:
        cos.put_object(Bucket=BUCKET, Key=key, Body=b"evil")
    assert (err.value.get_status_code(), err.value.get_error_code()) == (400, "InvalidArgument")
    written = [p for p in emulator.data_dir.parent.rglob("*escaped*") if p.is_file()]
    assert written == []


@pytest.mark.parametrize("key", ["../x", "a/./b", "a\x00b", "", "/etc/passwd"])
def test_store_refuses_escaping_keys_directly(emulator, key):
    from fuseface_local.emulator import StoreError

    with pytest.raises(StoreError):
        emulator.store.put(BUCKET, key, b"evil")


def test_objects_survive_a_restart(tmp_path):
    with EmulatorServer(tmp_path) as emu:
        cos_client(emu).put_object(Bucket=BUCKET, Key="keep/me.jpg", Body=b"persist", ContentType="image/jpeg",
                                   Metadata={"x-cos-meta-a": "1"})
    with EmulatorServer(tmp_path) as emu:
        got = cos_client(emu).get_object(Bucket=BUCKET, Key="keep/me.jpg")
        assert (_body(got), got["Content-Type"], got["x-cos-meta-a"]) == (b"persist", "image/jpeg", "1")
        assert emu.store.path_of(BUCKET, "keep/me.jpg").read_bytes() == b"persist"
        assert emu.store.path_of(BUCKET, "keep/me.jpg").is_relative_to(tmp_path)


def test_store_api_seeds_objects_visible_to_the_sdk(cos, emulator):
    emulator.store.put(BUCKET, "seeded.jpg", b"seed", metadata={"fuseface-model-id": "m1"},
                       content_type="image/jpeg")
    got = cos.get_object(Bucket=BUCKET, Key="seeded.jpg")
    assert got["x-cos-meta-fuseface-model-id"] == "m1"
    assert emulator.store.get(BUCKET, "seeded.jpg") == (b"seed", {"x-cos-meta-fuseface-model-id": "m1"},
                                                        "image/jpeg")
    assert "seeded.jpg" in emulator.store.list(BUCKET)


def test_injected_cos_error(cos, emulator):
    cos.put_object(Bucket=BUCKET, Key="inj", Body=b"1")
    emulator.inject_error("cos:GET", "SlowDown", times=1)
    with pytest.raises(CosServiceError) as err:
        cos.get_object(Bucket=BUCKET, Key="inj")
    assert (err.value.get_status_code(), err.value.get_error_code()) == (503, "SlowDown")
    assert _body(cos.get_object(Bucket=BUCKET, Key="inj")) == b"1"
