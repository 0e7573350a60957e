"""HTTP events -> HttpRequest; multipart parsing; FuseFace request validation; data: prefixes."""

from __future__ import annotations

import base64

import pytest

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.http_api.body import parse_multipart
from scf_fuseface.models.fusion import parse_fuse_request, strip_data_url
from scf_fuseface.models.http_event import HttpRequest, query_values

from ..support.images import jpeg_bytes
from ..support.paths import load_event


def test_apigw_json_event():
    req = HttpRequest.from_apigw(load_event("apigw_post_json.json"))
    assert (req.trigger, req.method, req.path, req.content_type) == ("apigw", "POST", "/fuse", "application/json")
    assert req.body.startswith(b"{") and req.request_id


def test_apigw_base64_body_is_decoded():
    req = HttpRequest.from_apigw(load_event("apigw_post_base64_image.json"))
    assert req.body[:2] == b"\xff\xd8" and req.content_type == "image/jpeg"
    assert req.query["ModelId"] == "mt_1603586676924403712_1"


def test_function_url_event():
    req = HttpRequest.from_function_url(load_event("function_url_post_json.json"))
    assert (req.trigger, req.method, req.path) == ("function_url", "POST", "/fuse")
    assert req.header("Content-Type") == "application/json"


def test_bad_base64_body_is_an_input_error():
    with pytest.raises(FuseFaceError) as info:
        HttpRequest.from_apigw({"requestContext": {"serviceId": "s"}, "httpMethod": "POST", "path": "/fuse",
                                "body": "%%%not base64", "isBase64Encoded": True})
    assert info.value.code == "InvalidParameterValue" and info.value.http_status == 400


def test_query_values_flatten_lists_and_bare_keys():
    assert query_values({"a": ["1", "2"], "b": True, "c": "x", "d": []}) == {"a": "2", "b": "", "c": "x", "d": ""}
    assert query_values(None) == {}


def _multipart(parts, boundary="----b0undary"):
    chunks = []
    for name, filename, ctype, data in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"--{boundary}\r\nContent-Disposition: {disp}\r\n"
        if ctype:
            head += f"Content-Type: {ctype}\r\n"
        chunks.append(head.encode() + b"\r\n" + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


def test_multipart_fields_and_binary_image():
    image = jpeg_bytes() + b"\r\n--not-a-boundary\r\n\x00\xff"  # binary with CRLFs survives
    ctype, body = _multipart([("ModelId", None, None, b"qc_1_2_3"), ("FuseFaceDegree", None, None, b"70"),
                              ("image", "me.jpg", "image/jpeg", image)])
    fields, data = parse_multipart(ctype, body)
    assert fields == {"ModelId": "qc_1_2_3", "FuseFaceDegree": "70"}
    assert data == image


def test_multipart_file_under_another_name_and_missing_boundary():
    ctype, body = _multipart([("upload", "x.png", "image/png", b"\x89PNG....")])
    assert parse_multipart(ctype, body)[1] == b"\x89PNG...."
    with pytest.raises(FuseFaceError):
        parse_multipart("multipart/form-data", body)


def test_data_url_prefix_is_stripped():
    b64 = base64.b64encode(b"abc").decode()
    assert strip_data_url(f"data:image/jpeg;base64,{b64}") == b64
    assert strip_data_url(f"DATA:image/png;base64,{b64[:2]}\n{b64[2:]}") == b64
    req = parse_fuse_request({"MergeInfos": [{"Image": f"data:image/png;base64,{b64}"}]})
    assert req.merge_infos[0].image == b64


def test_fuse_request_round_trip_and_defaults():
    data = {"ProjectId": 300029, "ModelId": "qc_1_2_3", "RspImgType": "url", "FuseFaceDegree": 50,
            "MergeInfos": [{"Url": "https://x.example/a.jpg", "TemplateFaceID": "qc_1_2_3_1",
                            "InputImageFaceRect": {"X": 1, "Y": 2, "Width": 40, "Height": 50}}]}
    req = parse_fuse_request(data)
    api = req.to_api()
    assert api["ProjectId"] == "300029" and api["MergeInfos"][0]["TemplateFaceID"] == "qc_1_2_3_1"
    assert api["MergeInfos"][0]["InputImageFaceRect"] == {"X": 1, "Y": 2, "Width": 40, "Height": 50}
    assert "LogoAdd" not in api and "Image" not in api["MergeInfos"][0]


@pytest.mark.parametrize(("data", "code"), [
    ({}, "MissingParameter"),
    ({"MergeInfos": []}, "InvalidParameterValue"),
    ({"MergeInfos": [{}]}, "InvalidParameterValue"),
    ({"MergeInfos": [{"Url": "ftp://x"}]}, "InvalidParameterValue"),
    ({"MergeInfos": [{"Url": "https://x"}] * 7}, "InvalidParameterValue"),
    ({"MergeInfos": [{"Url": "https://x"}], "FuseFaceDegree": 101}, "InvalidParameterValue"),
    ({"MergeInfos": [{"Url": "https://x", "InputImageFaceRect": {"X": 0, "Y": 0, "Width": 29, "Height": 40}}]},
     "InvalidParameterValue"),
    ({"MergeInfos": [{"Url": "https://x"}], "RspImgType": "jpeg"}, "InvalidParameterValue"),
    ({"MergeInfos": [{"Url": "https://x"}], "ModelID": "typo"}, "InvalidParameterValue"),
    ({"MergeInfos": [{"Image": "A" * (5 * 1024 * 1024 + 4)}]}, "FailedOperation.ImageSizeExceed"),
    ({"MergeInfos": [{"Url": "https://x"}], "FuseParam": {"ImageCodecParam": {"MetaData": [
        {"MetaKey": "k" * 33, "MetaValue": "v"}]}}}, "InvalidParameterValue"),
])
def test_invalid_fuse_requests(data, code):
    with pytest.raises(FuseFaceError) as info:
        parse_fuse_request(data)
    assert info.value.code == code


def test_function_url_binary_body_without_flag_is_base64_decoded():
    # Function URL events carry no isBase64Encoded flag (UNCONFIRMED how binary arrives): a binary
    # Content-Type with a valid base64 body is decoded, since raw bytes cannot survive a JSON string.
    image = jpeg_bytes()
    event = {"httpMethod": "POST", "path": "/fuse", "headers": {"content-type": "image/jpeg"},
             "body": base64.b64encode(image).decode()}
    assert HttpRequest.from_function_url(event).body == image


def test_function_url_binary_type_with_text_body_is_kept_as_text():
    event = {"httpMethod": "POST", "path": "/fuse", "headers": {"content-type": "image/jpeg"},
             "body": "not an image, not base64!"}
    assert HttpRequest.from_function_url(event).body == b"not an image, not base64!"


def test_explicit_false_flag_is_never_second_guessed():
    event = {"requestContext": {"serviceId": "s"}, "httpMethod": "POST", "path": "/fuse",
             "headers": {"Content-Type": "image/jpeg"}, "body": "QUJD", "isBase64Encoded": False}
    assert HttpRequest.from_apigw(event).body == b"QUJD"
