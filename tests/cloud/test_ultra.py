"""FuseFaceUltra on the cloud path with in-memory adapters: the request model and its limits (SDK docstrings of
``FuseFaceUltraRequest``/``FusionUltraParam``/``LogoParam``), the one request builder and HTTP ``POST /fuse``.
COS uploads are in ``test_ultra_uploads.py``."""

from __future__ import annotations

import base64
import io
import json

import pytest

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.fuse import fuse_request
from scf_fuseface.http_api import handle
from scf_fuseface.models.http_event import HttpRequest
from scf_fuseface.models.ultra import parse_ultra_request

from ..support.cloud import make_run, make_settings
from ..support.fakes import FakeFusion
from ..support.images import exif_orientation, jpeg_bytes, png_bytes
from ..support.paths import MODEL, PROJECT

MB = 1024 * 1024


LOGO_RECT = {"X": 0, "Y": 0, "Width": 100, "Height": 40}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _ultra_body(**extra):
    return {"ModelImage": _b64(jpeg_bytes(300, 400)), "MergeInfos": [{"Image": _b64(jpeg_bytes())}], **extra}


# --- the request model ----------------------------------------------------------------------------------
def test_model_keeps_the_wire_names_and_leaves_out_what_is_unset():
    req = parse_ultra_request(_ultra_body(SwapModelType=4, FusionUltraParam={"WarpRadio": 1, "MpRadio": 0.25},
                                          RspImgType="url"))
    api = req.to_api()
    assert set(api) == {"ModelImage", "MergeInfos", "SwapModelType", "FusionUltraParam", "RspImgType"}
    assert api["FusionUltraParam"] == {"WarpRadio": 1.0, "MpRadio": 0.25}
    assert req.action == "FuseFaceUltra"
    summary = json.dumps(req.summary())
    assert "ModelImage" not in summary and _b64(jpeg_bytes())[:40] not in summary


@pytest.mark.parametrize("value", [0, 1])
def test_logo_add_zero_or_one_is_sent_as_given(value):
    assert parse_ultra_request(_ultra_body(LogoAdd=value)).to_api()["LogoAdd"] == value


@pytest.mark.parametrize("value", [5, -3, True, "1", 1.0])
def test_logo_add_other_values_are_refused(value):
    # SDK: "其他数值：默认按1处理" (any other value is treated as 1): a typo would silently add the label
    with pytest.raises(FuseFaceError) as err:
        parse_ultra_request(_ultra_body(LogoAdd=value))
    assert err.value.code == "InvalidParameterValue" and "LogoAdd" in err.value.message


def test_base64_limits_are_ten_megabytes_not_five():
    six_mb = "A" * (6 * MB)
    assert parse_ultra_request({"ModelImage": six_mb, "MergeInfos": [{"Image": six_mb}],
                                "LogoParam": {"LogoRect": LOGO_RECT, "LogoImage": six_mb}})
    for body in ({"ModelImage": "A" * (10 * MB + 4), "MergeInfos": [{"Image": "QUJD"}]},
                 {"ModelUrl": "https://x.example/t.jpg", "MergeInfos": [{"Image": "A" * (10 * MB + 4)}]},
                 _ultra_body(LogoParam={"LogoRect": LOGO_RECT, "LogoImage": "A" * (10 * MB + 4)})):
        with pytest.raises(FuseFaceError) as err:
            parse_ultra_request(body)
        assert err.value.code == "FailedOperation.ImageSizeExceed"


@pytest.mark.parametrize(("extra", "code"), [
    ({"SwapModelType": 0}, "InvalidParameterValue"),
    ({"SwapModelType": 7}, "InvalidParameterValue"),
    ({"SwapModelType": True}, "InvalidParameterValue"),
    ({"FusionUltraParam": {"WarpRadio": 1.5}}, "InvalidParameterValue"),
    ({"FusionUltraParam": {"MpRadio": -0.1}}, "InvalidParameterValue"),
    ({"FusionUltraParam": {"EnhanceRadio": True}}, "InvalidParameterValue"),
    ({"FusionUltraParam": {"Warp": 0.5}}, "InvalidParameterValue"),
    ({"LogoParam": {"LogoRect": {"X": 0, "Y": 0, "Width": 2161, "Height": 100}, "LogoUrl": "https://a/b.png"}},
     "InvalidParameterValue"),
    ({"LogoParam": {"LogoRect": {"X": 0, "Y": 0, "Width": 100, "Height": 100}}}, "InvalidParameterValue"),
    ({"ModelUrl": "ftp://x/t.jpg"}, "InvalidParameterValue"),
    ({"MergeInfos": [{"Image": "QUJD", "TemplateFaceRect": {"X": 0, "Y": 0, "Width": 29, "Height": 40}}]},
     "InvalidParameterValue"),
    ({"MergeInfos": [{"Image": "QUJD"}] * 7}, "InvalidParameterValue"),
    ({"MergeInfos": []}, "InvalidParameterValue"),
    ({"ProjectId": PROJECT}, "InvalidParameterValue"),  # a FuseFace field
    ({"ModelId": MODEL}, "InvalidParameterValue"),  # a FuseFace field
    ({"SwapModelType": "4"}, "InvalidParameterValue"),  # strict: a JSON string is not an integer
    ({"SwapModelType": 4.0}, "InvalidParameterValue"),
    ({"FusionUltraParam": {"WarpRadio": "0.5"}}, "InvalidParameterValue"),
    ({"LogoParam": {"LogoUrl": "https://a/b.png"}}, "MissingParameter"),  # LogoRect is required
    ({"LogoParam": {"LogoRect": {"X": True, "Y": 0, "Width": 10, "Height": 10}, "LogoUrl": "https://a/b.png"}},
     "InvalidParameterValue"),
    ({"LogoParam": {"LogoRect": {"X": 0, "Y": 0, "Width": 0, "Height": 10}, "LogoUrl": "https://a/b.png"}},
     "InvalidParameterValue"),
    ({"LogoParam": {"LogoRect": LOGO_RECT, "LogoUrll": "https://a/b.png"}}, "InvalidParameterValue"),
    ({"MergeInfos": [{"Image": "QUJD", "InputImageFaceRect": {"X": "0", "Y": 0, "Width": 40, "Height": 40}}]},
     "InvalidParameterValue"),
])
def test_invalid_requests_are_refused_before_the_call(extra, code):
    with pytest.raises(FuseFaceError) as err:
        parse_ultra_request(_ultra_body(**extra))
    assert err.value.code == code


def test_missing_merge_infos_is_missing_parameter():
    with pytest.raises(FuseFaceError) as err:
        parse_ultra_request({"ModelUrl": "https://x.example/t.jpg"})
    assert err.value.code == "MissingParameter"


def test_the_one_builder_tells_the_actions_apart_and_labels_each():
    settings = make_settings()
    ultra = fuse_request(settings, _ultra_body(), produce_id="p-1")
    assert ultra.action == "FuseFaceUltra" and ultra.to_api()["LogoAdd"] == 1 and "FuseParam" not in ultra.to_api()
    plain = fuse_request(settings, {"ModelId": MODEL, "ProjectId": PROJECT, "MergeInfos": [{"Image": "QUJD"}]},
                         produce_id="p-1")
    assert plain.action == "FuseFace" and "FuseParam" in plain.to_api()
    off = fuse_request(make_settings(FUSEFACE_LOGO_ADD="0"), _ultra_body(), produce_id="p-1")
    assert off.to_api()["LogoAdd"] == 0


# --- HTTP ------------------------------------------------------------------------------------------------
def _req(body: bytes, ctype: str, query=None):
    return HttpRequest(trigger="apigw", method="POST", path="/fuse", headers={"content-type": ctype},
                       query=query or {}, body=body, request_id="rid-1")


def _json(payload):
    return _req(json.dumps(payload).encode(), "application/json")


def test_json_body_with_a_template_calls_fuseface_ultra():
    fusion = FakeFusion()
    resp = handle(_json(_ultra_body()), make_run(fusion=fusion))
    assert resp["statusCode"] == 200
    body = json.loads(resp["body"])["Response"]
    assert base64.b64decode(body["FusedImage"])[:2] == b"\xff\xd8" and body["RequestId"] == "req-1"
    assert fusion.actions == ["FuseFaceUltra"]
    (sent,) = fusion.calls
    assert "ProjectId" not in sent and "ModelId" not in sent and "FuseParam" not in sent
    assert sent["LogoAdd"] == 1 and sent["ModelImage"] and sent["RspImgType"] == "base64"


def test_http_ultra_parameters_default_from_config_and_the_body_wins():
    fusion = FakeFusion()
    run = make_run(make_settings(FUSEFACE_ULTRA_SWAP_MODEL_TYPE="5", FUSEFACE_ULTRA_WARP_RADIO="0.2",
                                 FUSEFACE_ULTRA_MP_RADIO="0.9"), fusion=fusion)
    handle(_json(_ultra_body(FusionUltraParam={"MpRadio": 0.1})), run)
    sent = fusion.calls[0]
    assert sent["SwapModelType"] == 5
    assert sent["FusionUltraParam"] == {"WarpRadio": 0.2, "MpRadio": 0.1}


def _multipart(parts):
    boundary = "ultra-boundary"
    chunks = []
    for name, filename, ctype, data in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"--{boundary}\r\nContent-Disposition: {disp}\r\n" + (f"Content-Type: {ctype}\r\n" if ctype else "")
        chunks.append(head.encode() + b"\r\n" + data + b"\r\n")
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("template_first", [True, False])
def test_multipart_with_a_template_part_is_fuseface_ultra(template_first):
    fusion = FakeFusion()
    template, selfie = png_bytes(300, 400), jpeg_bytes()
    parts = [("template", "poster.png", "image/png", template), ("image", "me.jpg", "image/jpeg", selfie),
             ("SwapModelType", None, None, b"3"), ("WarpRadio", None, None, b"0.4")]
    if not template_first:
        parts = parts[1:2] + parts[:1] + parts[2:]
    body, ctype = _multipart(parts)
    resp = handle(_req(body, ctype), make_run(fusion=fusion))
    assert resp["statusCode"] == 200, resp["body"]
    assert fusion.actions == ["FuseFaceUltra"]
    sent = fusion.calls[0]
    assert base64.b64decode(sent["ModelImage"]) == template
    assert base64.b64decode(sent["MergeInfos"][0]["Image"]) == selfie
    assert sent["SwapModelType"] == 3 and sent["FusionUltraParam"] == {"WarpRadio": 0.4}


def test_multipart_without_template_stays_fuseface():
    fusion = FakeFusion()
    body, ctype = _multipart([("image", "me.jpg", "image/jpeg", jpeg_bytes()), ("ModelId", None, None, MODEL.encode())])
    assert handle(_req(body, ctype), make_run(fusion=fusion))["statusCode"] == 200
    assert fusion.actions == ["FuseFace"]


def test_the_users_face_rect_as_form_fields_for_either_action():
    for extra in ([("template", "poster.png", "image/png", png_bytes(300, 400))], [("ModelId", None, None, MODEL.encode())]):
        fusion = FakeFusion()
        rect = [(name, None, None, value) for name, value in (("X", b"10"), ("Y", b"20"), ("Width", b"40"),
                                                              ("Height", b"50"))]
        body, ctype = _multipart([("image", "me.jpg", "image/jpeg", jpeg_bytes())] + extra + rect)
        assert handle(_req(body, ctype), make_run(fusion=fusion))["statusCode"] == 200
        assert fusion.calls[0]["MergeInfos"][0]["InputImageFaceRect"] == {"X": 10, "Y": 20, "Width": 40, "Height": 50}


@pytest.mark.parametrize("fields", [(("X", b"10"), ("Y", b"20"), ("Width", b"40")),  # Height missing
                                    (("X", b"10"), ("Y", b"20"), ("Width", b"40"), ("Height", b"4.5")),
                                    (("X", b"0"), ("Y", b"0"), ("Width", b"29"), ("Height", b"40"))])  # < 30 px
def test_a_partial_or_bad_face_rect_is_refused(fields):
    fusion = FakeFusion()
    body, ctype = _multipart([("template", "poster.png", "image/png", png_bytes(300, 400)),
                              ("image", "me.jpg", "image/jpeg", jpeg_bytes())] +
                             [(name, None, None, value) for name, value in fields])
    resp = handle(_req(body, ctype), make_run(fusion=fusion))
    assert resp["statusCode"] == 400 and fusion.calls == []
    assert json.loads(resp["body"])["Response"]["Error"]["Code"] == "InvalidParameterValue"


def test_radios_without_a_template_are_refused_for_fuseface():
    fusion = FakeFusion()
    body, ctype = _multipart([("image", "me.jpg", "image/jpeg", jpeg_bytes()), ("WarpRadio", None, None, b"0.5")])
    resp = handle(_req(body, ctype), make_run(fusion=fusion))
    assert resp["statusCode"] == 400 and fusion.calls == []
    assert "FusionUltraParam" in json.loads(resp["body"])["Response"]["Error"]["Message"]


def test_raw_image_with_model_url_in_the_query_is_fuseface_ultra():
    fusion = FakeFusion()
    req = _req(jpeg_bytes(), "image/jpeg", query={"ModelUrl": "https://t.example/poster.jpg", "MpRadio": "0.3"})
    assert handle(req, make_run(fusion=fusion))["statusCode"] == 200
    assert fusion.actions == ["FuseFaceUltra"]
    assert fusion.calls[0]["ModelUrl"] == "https://t.example/poster.jpg"


@pytest.mark.parametrize(("template", "code", "status"), [
    (jpeg_bytes(8000, 100), "FailedOperation.ImagePixelExceed", 422),  # each side < 8000
    (jpeg_bytes(64, 300), "FailedOperation.ImageResolutionTooSmall", 422),  # each side > 64
    (b"GIF89a" + b"\0" * 40, "FailedOperation.ImageDecodeFailed", 415),
])
def test_http_template_limits_are_checked_before_the_call(template, code, status):
    fusion = FakeFusion()
    resp = handle(_json(_ultra_body(ModelImage=_b64(template))), make_run(fusion=fusion))
    assert resp["statusCode"] == status
    assert json.loads(resp["body"])["Response"]["Error"]["Code"] == code
    assert fusion.calls == []


def test_http_template_between_4096_and_8000_is_accepted():
    fusion = FakeFusion()
    assert handle(_json(_ultra_body(ModelImage=_b64(jpeg_bytes(5000, 200)))), make_run(fusion=fusion))["statusCode"] == 200


def test_http_rotated_template_is_made_upright():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (300, 200), (90, 90, 90)).save(buf, "JPEG", exif=exif_orientation(6))
    fusion = FakeFusion()
    handle(_json(_ultra_body(ModelImage=_b64(buf.getvalue()))), make_run(fusion=fusion))
    with Image.open(io.BytesIO(base64.b64decode(fusion.calls[0]["ModelImage"]))) as sent:
        assert sent.size == (200, 300)
