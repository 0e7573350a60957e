"""``POST /detect`` with an in-memory face detector: body forms, boxes clamped to the image, errors, 405."""

from __future__ import annotations

import base64
import io
import json

import pytest

from scf_fuseface.adapters.base import FaceBox
from scf_fuseface.http_api import handle
from scf_fuseface.http_api.detect import clamp_faces
from scf_fuseface.models.http_event import HttpRequest

from ..support.cloud import make_run
from ..support.fakes import FakeDetector
from ..support.images import jpeg_bytes, png_bytes


def _req(body=b"", content_type="application/json", method="POST", query=None):
    return HttpRequest(trigger="function_url", method=method, path="/detect", body=body, query=query or {},
                       headers={"content-type": content_type} if content_type else {}, request_id="rid-d")


def _json(payload):
    return _req(json.dumps(payload).encode())


def _answer(req, detector):
    resp = handle(req, make_run(detector=detector))
    return resp["statusCode"], json.loads(resp["body"])["Response"]


def test_clamp_cuts_boxes_at_the_image_edges_and_drops_slivers():
    boxes = [FaceBox(-12, -8, 100, 90),   # passes the top-left corner (DetectFace reports negative X/Y)
             FaceBox(150, 200, 80, 80),   # passes the right and bottom edges of a 200x240 image
             FaceBox(185, 10, 60, 60),    # only 15 px left inside: under the 30 px InputImageFaceRect minimum
             FaceBox(40, 40, 30, 30)]     # exactly 30x30: kept
    assert clamp_faces(boxes, 200, 240) == [
        {"X": 0, "Y": 0, "Width": 88, "Height": 82},
        {"X": 150, "Y": 200, "Width": 50, "Height": 40},
        {"X": 40, "Y": 40, "Width": 30, "Height": 30},
    ]


def test_json_image_answers_detectface_shape_with_clamped_boxes_and_asks_for_ten_faces():
    detector = FakeDetector(faces=[(-5, 10, 60, 70), (120, 100, 100, 100)], size=(200, 180))
    image = jpeg_bytes(200, 180)
    status, resp = _answer(_json({"Image": base64.b64encode(image).decode()}), detector)
    assert status == 200
    assert resp == {"ImageWidth": 200, "ImageHeight": 180, "RequestId": "iai-req",
                    "FaceInfos": [{"X": 0, "Y": 10, "Width": 55, "Height": 70},
                                  {"X": 120, "Y": 100, "Width": 80, "Height": 80}]}
    assert detector.calls[0]["max_faces"] == 10 and detector.images == [image]


def test_raw_and_multipart_bodies_carry_the_image_and_max_face_num():
    detector = FakeDetector()
    png = png_bytes(120, 100)
    assert _answer(_req(png, "image/png", query={"MaxFaceNum": "3"}), detector)[0] == 200
    boundary = "b0und4ry"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"MaxFaceNum\"\r\n\r\n2\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{boundary}--\r\n".encode()
    assert _answer(_req(body, f"multipart/form-data; boundary={boundary}"), detector)[0] == 200
    assert [c["max_faces"] for c in detector.calls] == [3, 2]
    assert detector.images == [png, png]


def test_a_url_goes_to_the_detector_as_it_is():
    detector = FakeDetector()
    url = "https://b-1250000000.cos.ap-guangzhou.myqcloud.com/a.jpg?q-signature=x"
    assert _answer(_json({"Url": url, "Image": "ignored"}), detector)[0] == 200
    assert detector.calls == [{"image": None, "url": url, "max_faces": 10}]


def test_an_exif_rotated_photo_is_detected_upright_as_fusion_will_see_it():
    from PIL import Image

    detector = FakeDetector()
    rotated = jpeg_bytes(300, 200, orientation=6)  # stored 300x200, shown 200x300
    assert _answer(_json({"Image": base64.b64encode(rotated).decode()}), detector)[0] == 200
    with Image.open(io.BytesIO(detector.images[0])) as sent:
        assert sent.size == (200, 300)


@pytest.mark.parametrize(("payload", "code", "status"), [
    ({}, "MissingParameter", 400),
    ({"Image": base64.b64encode(b"GIF89a....").decode()}, "FailedOperation.ImageDecodeFailed", 415),
    ({"Image": base64.b64encode(jpeg_bytes(60, 200)).decode()}, "FailedOperation.ImageResolutionTooSmall", 422),
    ({"Image": base64.b64encode(jpeg_bytes()).decode(), "MaxFaceNum": 0}, "InvalidParameterValue", 400),
    ({"Image": base64.b64encode(jpeg_bytes()).decode(), "MaxFaceNum": 121}, "InvalidParameterValue", 400),
    ({"Url": "ftp://example.com/a.jpg"}, "InvalidParameterValue.UrlIllegal", 400),
])
def test_bad_input_is_refused_before_any_detection(payload, code, status):
    detector = FakeDetector()
    got_status, resp = _answer(_json(payload), detector)
    assert (got_status, resp["Error"]["Code"]) == (status, code)
    assert detector.calls == []


def test_the_detectors_error_is_answered_in_the_envelope():
    status, resp = _answer(_json({"Image": base64.b64encode(jpeg_bytes()).decode()}),
                           FakeDetector(error="InvalidParameterValue.NoFaceInPhoto"))
    assert status == 422  # "人脸检测-图片没有人脸": an input the caller must change, like NoFaceDetected
    assert resp["Error"]["Code"] == "InvalidParameterValue.NoFaceInPhoto" and resp["RequestId"] == "iai-req"


def test_an_empty_body_and_an_unsupported_type_are_refused():
    assert _answer(_req(b""), FakeDetector())[1]["Error"]["Code"] == "MissingParameter"
    assert _answer(_req(b"x", "text/html"), FakeDetector())[1]["Error"]["Code"] == \
        "InvalidParameterValue.UnsupportedMediaType"


def test_a_known_route_with_the_wrong_method_is_405_with_allow():
    resp = handle(_req(method="GET"), make_run())
    assert resp["statusCode"] == 405 and resp["headers"]["Allow"] == "POST"
    assert json.loads(resp["body"])["Response"]["Error"]["Code"] == "UnsupportedOperation.MethodNotAllowed"
    resp = handle(HttpRequest(trigger="apigw", method="DELETE", path="/materials", request_id="r"), make_run())
    assert resp["statusCode"] == 405 and resp["headers"]["Allow"] == "GET"
