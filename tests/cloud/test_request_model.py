"""The FuseFace request model: a typed ``LogoParam`` and strict integers, so mistakes are a local 400 before any
FuseFace call. Field names and limits: the SDK's FuseFaceRequest / LogoParam / FaceRect docstrings (research
issues8-10.md §A.3, §A.5)."""

from __future__ import annotations

import base64
import json

import pytest

from fuseface_local.eventgen import http_event, json_body
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.models.fusion import parse_fuse_request

from ..support.cloud import make_function, scf_context
from ..support.fakes import FakeFusion
from ..support.images import jpeg_bytes
from ..support.paths import MODEL, PROJECT

IMAGE = base64.b64encode(jpeg_bytes(100, 100)).decode()
LOGO = base64.b64encode(jpeg_bytes(40, 20)).decode()
RECT = {"X": 10, "Y": 20, "Width": 200, "Height": 100}


def _request(**change):
    data = {"ProjectId": PROJECT, "ModelId": MODEL, "MergeInfos": [{"Image": IMAGE}]}
    data.update(change)
    return data


def _post(data):
    fusion = FakeFusion()
    resp = make_function(fusion=fusion)(
        http_event("POST", "/fuse", body=json_body(data), content_type="application/json"), scf_context())
    return resp, json.loads(resp["body"])["Response"], fusion


@pytest.mark.parametrize("logo", [
    {"LogoRect": RECT, "LogoUrl": "https://cdn.example/logo.png"},
    {"LogoRect": RECT, "LogoImage": LOGO},
    {"LogoRect": {"X": 0, "Y": 0, "Width": 2160, "Height": 2160}, "LogoImage": "data:image/jpeg;base64," + LOGO},
])
def test_a_valid_logo_param_reaches_fuseface_as_sent(logo):
    resp, body, fusion = _post(_request(LogoParam=logo))
    assert resp["statusCode"] == 200, body
    sent = fusion.calls[0]["LogoParam"]
    assert sent["LogoRect"] == logo["LogoRect"]
    assert sent.get("LogoUrl") == logo.get("LogoUrl")
    assert sent.get("LogoImage") == (LOGO if "LogoImage" in logo else None)  # a data: prefix is stripped


@pytest.mark.parametrize("logo, code, where", [
    ({"LogoRect": RECT, "LogoUrll": "https://cdn.example/logo.png"}, "InvalidParameterValue", "LogoUrll"),
    ({"LogoRect": RECT}, "InvalidParameterValue", "LogoUrl or LogoImage"),
    ({"LogoImage": LOGO}, "MissingParameter", "LogoRect"),
    ({"LogoRect": {"X": 0, "Y": 0, "Width": 2161, "Height": 10}, "LogoImage": LOGO}, "InvalidParameterValue",
     "Width"),
    ({"LogoRect": {"X": 0, "Y": 0, "Width": 0, "Height": 10}, "LogoImage": LOGO}, "InvalidParameterValue", "Width"),
    ({"LogoRect": {"X": -1, "Y": 0, "Width": 10, "Height": 10}, "LogoImage": LOGO}, "InvalidParameterValue", "X"),
    ({"LogoRect": {**RECT, "Z": 1}, "LogoImage": LOGO}, "InvalidParameterValue", "Z"),
    ({"LogoRect": RECT, "LogoUrl": "ftp://cdn.example/logo.png"}, "InvalidParameterValue", "LogoUrl"),
    ({"LogoRect": RECT, "LogoImage": "A" * (5 * 1024 * 1024 + 4)}, "FailedOperation.ImageSizeExceed", "5 MB"),
    ("logo.png", "InvalidParameterValue", "LogoParam"),
])
def test_a_bad_logo_param_is_a_local_error_before_any_call(logo, code, where):
    resp, body, fusion = _post(_request(LogoParam=logo))
    assert body["Error"]["Code"] == code and where in body["Error"]["Message"]
    assert resp["statusCode"] in (400, 413) and fusion.calls == []


@pytest.mark.parametrize("change, where", [
    ({"FuseFaceDegree": True}, "FuseFaceDegree"),  # pydantic's lax mode would have made this 1
    ({"FuseProfileDegree": False}, "FuseProfileDegree"),
    ({"FuseFaceDegree": "50"}, "FuseFaceDegree"),
    ({"FuseFaceDegree": 50.0}, "FuseFaceDegree"),
    ({"LogoAdd": True}, "LogoAdd"),
    ({"LogoAdd": 2}, "LogoAdd"),  # FuseFace would treat it as 1: refused instead
    ({"LogoAdd": -1}, "LogoAdd"),
    ({"MergeInfos": [{"Image": IMAGE, "InputImageFaceRect": {"X": True, "Y": 0, "Width": 40, "Height": 40}}]},
     "InputImageFaceRect.X"),
    ({"MergeInfos": [{"Image": IMAGE, "TemplateFaceRect": {"X": 0, "Y": 0, "Width": "40", "Height": 40}}]},
     "TemplateFaceRect.Width"),
    ({"MergeInfos": [{"Image": IMAGE, "InputImageFaceRect": {"X": 0, "Y": 0, "Width": 40.5, "Height": 40}}]},
     "InputImageFaceRect.Width"),
])
def test_integers_are_strict(change, where):
    resp, body, fusion = _post(_request(**change))
    assert (resp["statusCode"], body["Error"]["Code"]) == (400, "InvalidParameterValue")
    assert where in body["Error"]["Message"] and fusion.calls == []


@pytest.mark.parametrize("logo_add", [0, 1])
def test_logo_add_zero_and_one_are_sent_as_given(logo_add):
    resp, _, fusion = _post(_request(LogoAdd=logo_add))
    assert resp["statusCode"] == 200 and fusion.calls[0]["LogoAdd"] == logo_add


def test_integers_from_a_query_string_are_still_numbers():
    fusion = FakeFusion()
    event = http_event("POST", "/fuse", body=jpeg_bytes(100, 100), content_type="image/jpeg",
                       query={"ProjectId": PROJECT, "ModelId": MODEL, "FuseFaceDegree": "70", "LogoAdd": "0"})
    resp = make_function(fusion=fusion)(event, scf_context())
    assert resp["statusCode"] == 200
    assert (fusion.calls[0]["FuseFaceDegree"], fusion.calls[0]["LogoAdd"]) == (70, 0)


def test_the_model_round_trips_logo_param_with_wire_names():
    req = parse_fuse_request(_request(LogoParam={"LogoRect": RECT, "LogoImage": LOGO}, LogoAdd=1))
    assert req.to_api()["LogoParam"] == {"LogoRect": RECT, "LogoImage": LOGO}
    with pytest.raises(FuseFaceError) as err:
        parse_fuse_request(_request(LogoParam={"LogoRect": RECT}))
    assert err.value.code == "InvalidParameterValue"
