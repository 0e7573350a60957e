"""Hostile inputs to the shipped function (issue 9): every case once crashed, leaked or answered wrongly.

The table drives whole invocations (``Function(...)(event, context)`` over in-memory fakes, SCF's signature):
each case must end as a clean reply with the listed status and FuseFace-style code, never a traceback.
"""

from __future__ import annotations

import base64
import json

import pytest

from fuseface_local.eventgen import cos_event, cos_record, http_event
from scf_fuseface.errors import FuseFaceError

from ..support.cloud import make_function, scf_context
from ..support.fakes import FakeFusion, FakeStorage
from ..support.images import jpeg_bytes
from ..support.paths import BUCKET, MODEL, PROJECT

IMAGE = jpeg_bytes(200, 200)


@pytest.fixture(autouse=True)
def _function_env(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("FUSEFACE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FUSEFACE_PROJECT_ID", PROJECT)
    monkeypatch.setenv("FUSEFACE_RETRY_BASE_DELAY", "0")

IMAGE_B64 = base64.b64encode(IMAGE).decode()


def _json(payload) -> str:
    return json.dumps(payload)


def _fuse(**extra):
    return _json({"ModelId": MODEL, "MergeInfos": [{"Image": IMAGE_B64}], **extra})


def _multipart(parts, boundary="XyZ") -> bytes:
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def _nested(depth: int) -> str:
    deep = "[" * depth + "]" * depth
    return '{"ModelId": "' + MODEL + '", "MergeInfos": [{"Image": "' + IMAGE_B64 + '"}], "LogoParam": ' + deep + "}"


MP = "multipart/form-data; boundary=XyZ"
CASES = {
    # name: (event kwargs, status, code)
    "300k empty multipart parts": (dict(body=b"--XyZ\r\n\r\n" * 300_000 + b"--XyZ--\r\n", content_type=MP),
                                   400, "InvalidParameterValue"),
    "33 multipart fields": (dict(body=_multipart([(f"f{n}", None, b"1") for n in range(33)]), content_type=MP),
                            400, "InvalidParameterValue"),
    "multipart without boundary": (dict(body=_multipart([("image", "a.jpg", IMAGE)]),
                                        content_type="multipart/form-data"), 400, "InvalidParameterValue"),
    "400k-field JSON": (dict(body=_json({f"k{n}": n for n in range(400_000)})), 400, "InvalidParameterValue"),
    "65 unknown JSON fields": (dict(body=_json({f"k{n}": n for n in range(65)})), 400, "InvalidParameterValue"),
    "JSON nested 100000 deep": (dict(body=_nested(100_000)), 400, "InvalidParameterValue"),
    "JSON nested 20 deep": (dict(body=_nested(20)), 400, "InvalidParameterValue"),
    "JSON array body": (dict(body="[1, 2]"), 400, "InvalidParameterValue"),
    "JSON not UTF-8": (dict(body=b"{\"ModelId\": \"\xff\xfe\"}", content_type="application/json",
                            base64_body=True), 400, "InvalidParameterValue"),
    "empty body": (dict(body=""), 400, "MissingParameter"),
    "text/xml body": (dict(body="<a/>", content_type="text/xml"), 415, "InvalidParameterValue.UnsupportedMediaType"),
    "LogoAdd 5": (dict(body=_fuse(LogoAdd=5)), 400, "InvalidParameterValue"),
    "LogoAdd -1": (dict(body=_fuse(LogoAdd=-1)), 400, "InvalidParameterValue"),
    "LogoAdd 5 in a query": (dict(body=IMAGE, content_type="image/jpeg", query={"LogoAdd": "5"}),
                             400, "InvalidParameterValue"),
    "face rect X 2^63": (dict(body=_json({"ModelId": MODEL, "MergeInfos": [{"Image": IMAGE_B64, "InputImageFaceRect": {
        "X": 2 ** 63, "Y": 0, "Width": 100, "Height": 100}}]})), 400, "InvalidParameterValue"),
    "face rect Width 2^63": (dict(body=_json({"ModelId": MODEL, "MergeInfos": [{"Image": IMAGE_B64, "InputImageFaceRect": {
        "X": 0, "Y": 0, "Width": 2 ** 63, "Height": 100}}]})), 400, "InvalidParameterValue"),
    "degree 101": (dict(body=_fuse(FuseFaceDegree=101)), 400, "InvalidParameterValue"),
    "degree not a number": (dict(body=IMAGE, content_type="image/jpeg", query={"FuseFaceDegree": "lots"}),
                            400, "InvalidParameterValue"),
    "7 MergeInfos": (dict(body=_json({"ModelId": MODEL, "MergeInfos": [{"Image": IMAGE_B64}] * 7})),
                     400, "InvalidParameterValue"),
    "file:// Url": (dict(body=_json({"ModelId": MODEL, "MergeInfos": [{"Url": "file:///etc/passwd"}]})),
                    400, "InvalidParameterValue"),
    "image that is not an image": (dict(body=_json({"ModelId": MODEL, "MergeInfos": [{"Image": "aGVsbG8="}]})),
                                   415, "FailedOperation.ImageDecodeFailed"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_http_request_is_a_clean_error(name, capsys):
    kwargs, status, code = CASES[name]
    fusion = FakeFusion()
    event = http_event("POST", "/fuse", **{"content_type": "application/json", **kwargs})
    reply = make_function(fusion=fusion)(event, scf_context())
    assert reply["statusCode"] == status
    error = json.loads(reply["body"])["Response"]["Error"]
    assert error["Code"] == code
    assert len(reply["body"]) < 2000  # capped: a hostile body never becomes a huge reply
    assert fusion.calls == []  # refused before any paid call
    assert max((len(line) for line in capsys.readouterr().out.splitlines()), default=0) < 5000  # nor a huge log line


def test_apigw_headers_as_a_list_is_a_400_not_an_attribute_error():
    event = http_event("POST", "/fuse", body=_fuse(), content_type="application/json")
    event["headers"] = [["Content-Type", "application/json"]]
    reply = make_function()(event, scf_context())
    assert reply["statusCode"] == 400
    assert json.loads(reply["body"])["Response"]["Error"]["Code"] == "InvalidParameterValue.InvalidEvent"


@pytest.mark.parametrize("headers", ["Content-Type: application/json", 42])
def test_function_url_headers_that_are_not_an_object_are_not_a_function_url_event(headers):
    event = http_event("POST", "/fuse", body=_fuse(), content_type="application/json", function_url=True)
    event["headers"] = headers
    reply = make_function()(event, scf_context())
    assert reply["error"]["Code"] == "InvalidParameterValue.InvalidEvent"  # recognised by no trigger


def test_a_client_x_request_id_is_neither_echoed_nor_written_into_the_ai_label():
    fusion = FakeFusion()
    event = http_event("POST", "/fuse", body=_fuse(), content_type="application/json", function_url=True,
                       headers={"X-Request-Id": "evil-injected-id", "X-Scf-Request-Id": "evil-too"})
    context = scf_context()
    reply = make_function(fusion=fusion)(event, context)
    assert reply["statusCode"] == 200
    assert reply["headers"]["X-Request-Id"] == context["request_id"]
    label = json.loads(fusion.calls[0]["FuseParam"]["ImageCodecParam"]["MetaData"][0]["MetaValue"])
    assert label["ProduceID"] == context["request_id"]
    assert "evil" not in json.dumps(fusion.calls[0])


def test_the_part_named_image_wins_over_an_earlier_file_part():
    fusion = FakeFusion()
    other = jpeg_bytes(150, 150)
    body = _multipart([("avatar", "avatar.jpg", other), ("ModelId", None, MODEL.encode()), ("image", "me.jpg", IMAGE)])
    event = http_event("POST", "/fuse", body=body, content_type=MP)
    reply = make_function(fusion=fusion)(event, scf_context())
    assert reply["statusCode"] == 200
    assert base64.b64decode(fusion.calls[0]["MergeInfos"][0]["Image"]) == IMAGE


def test_a_huge_error_message_is_cut_in_the_log(capsys):
    from scf_fuseface import log as jsonlog

    jsonlog.configure()
    import logging

    logging.getLogger("scf_fuseface.test").error("x", extra={"error": "e" * 1_000_000})
    (line,) = [ln for ln in capsys.readouterr().out.splitlines() if '"scf_fuseface.test"' in ln]
    assert len(line) < 5000 and json.loads(line)["error"].endswith("<1000000 chars>")


# --- COS trigger ----------------------------------------------------------------------------------------------
def test_a_zero_byte_upload_is_an_input_error_with_a_failure_record():
    storage, fusion = FakeStorage(), FakeFusion()
    key = f"uploads/{MODEL}/empty.jpg"
    storage.seed(BUCKET, key, b"")
    result = make_function(storage, fusion)(cos_event([cos_record(BUCKET, key, size=0)]), scf_context())
    (record,) = result["records"]
    assert (record["status"], record["code"]) == ("failed", "FailedOperation.ImageDecodeFailed")
    assert FuseFaceError(record["code"]).kind == "input"
    failure = json.loads(storage.objects[(BUCKET, f"failed/{key}.json")][0])
    assert failure["Kind"] == "input" and fusion.calls == []


@pytest.mark.parametrize("bucket", ["bad_bucket-1250000000", "-bad-1250000000", "bad bucket-1250000000"])
def test_an_invalid_bucket_name_is_permanent_not_transient(bucket):
    from scf_fuseface.adapters.cos import CosStorage
    from scf_fuseface.config import Credentials

    from ..support.cloud import make_settings

    storage = CosStorage(make_settings(), Credentials("AKIDx", "k"), "ap-guangzhou")
    with pytest.raises(FuseFaceError) as info:
        storage.head(bucket, "uploads/a.jpg")
    assert info.value.code == "FailedOperation.StorageRejected" and not info.value.retryable
