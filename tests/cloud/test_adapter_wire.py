"""The FuseFace adapter with the real tencentcloud SDK against a tiny stdlib HTTP server: what goes on the wire,
and how every kind of answer (5xx, non-JSON, no Response, no FusedImage, error envelope) is classified."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from scf_fuseface.adapters.facefusion import FuseFaceClient
from scf_fuseface.config import Credentials, load_settings
from scf_fuseface.errors import FuseFaceError

PARAMS = {"ProjectId": "at_1603326187690926080", "ModelId": "mt_1603586676924403712_1", "RspImgType": "base64",
          "MergeInfos": [{"Url": "https://b-1250000000.cos.ap-guangzhou.myqcloud.com/k.jpg?q-signature=s"}],
          "LogoAdd": 1}


class _Server:
    def __init__(self) -> None:
        self.answer = (200, "application/json", b"{}")
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append((dict(self.headers), body))
                status, ctype, payload = outer.answer
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def client(self, token=None) -> FuseFaceClient:
        settings = load_settings({"FUSEFACE_SCHEME": "http", "FUSEFACE_REGION": "ap-shanghai",
                                  "FUSEFACE_ENDPOINT": f"127.0.0.1:{self.httpd.server_port}"})
        return FuseFaceClient(settings, Credentials("AKIDwire", "wire-secret", token), timeout=5)


@pytest.fixture(scope="module")
def server():
    saved = os.environ.get("NO_PROXY")
    os.environ["NO_PROXY"] = ",".join(filter(None, [saved, "127.0.0.1"]))
    srv = _Server()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()
    if saved is None:
        os.environ.pop("NO_PROXY", None)
    else:
        os.environ["NO_PROXY"] = saved


def _envelope(**response):
    return json.dumps({"Response": response}).encode()


def test_the_request_on_the_wire(server):
    server.requests.clear()
    server.answer = (200, "application/json", _envelope(FusedImage="QUJD", RequestId="req-ok"))
    result = server.client(token="wire-token").fuse(PARAMS)
    assert (result.fused_image, result.request_id) == ("QUJD", "req-ok")
    ((headers, body),) = server.requests
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["x-tc-action"] == "FuseFace" and lower["x-tc-version"] == "2022-09-27"
    assert lower["x-tc-region"] == "ap-shanghai" and lower["x-tc-token"] == "wire-token"
    assert lower["host"] == f"127.0.0.1:{server.httpd.server_port}"
    assert lower["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDwire/")
    assert lower["x-tc-language"] == "en-US"
    assert json.loads(body) == PARAMS


@pytest.mark.parametrize(("answer", "code", "retryable", "request_id"), [
    ((200, "application/json", _envelope(RequestId="r-empty")), "FailedOperation.EmptyFusedImage", True, "r-empty"),
    ((200, "application/json", _envelope(FusedImage="", RequestId="r-blank")),
     "FailedOperation.EmptyFusedImage", True, "r-blank"),
    ((200, "application/json", _envelope(Error={"Code": "FailedOperation.NoFaceDetected", "Message": "no face"},
                                         RequestId="r-err")), "FailedOperation.NoFaceDetected", False, "r-err"),
    ((200, "application/json", _envelope(Error={"Code": "RequestLimitExceeded", "Message": "slow down"},
                                         RequestId="r-lim")), "RequestLimitExceeded", True, "r-lim"),
    ((503, "text/plain", b"busy"), "ServerNetworkError", True, None),
    ((502, "text/html", b"<html>bad gateway</html>"), "ServerNetworkError", True, None),
    ((200, "application/json", b"<html>not json</html>"), "JSONDecodeError", True, None),
    ((200, "application/json", b'{"NoResponse": 1}'), "KeyError", True, None),
])
def test_every_kind_of_answer_is_classified(server, answer, code, retryable, request_id):
    server.answer = answer
    with pytest.raises(FuseFaceError) as info:
        server.client().fuse(PARAMS)
    assert (info.value.code, info.value.retryable, info.value.request_id) == (code, retryable, request_id)


def test_describe_materials_round_trip(server):
    server.requests.clear()
    server.answer = (200, "application/json", _envelope(MaterialInfos=[{"MaterialId": "qc_1_2_3"}], Count=1,
                                                        RequestId="r-m"))
    out = server.client().describe_materials("300029", limit=5)
    assert out["Count"] == 1 and out["MaterialInfos"][0]["MaterialId"] == "qc_1_2_3" and out["RequestId"] == "r-m"
    ((headers, body),) = server.requests
    assert {k.lower(): v for k, v in headers.items()}["x-tc-action"] == "DescribeMaterialList"
    assert json.loads(body) == {"ActivityId": "300029", "Limit": 5, "Offset": 0}


ULTRA_PARAMS = {"RspImgType": "url", "ModelUrl": "https://b-1250000000.cos.ap-guangzhou.myqcloud.com/t.jpg?q=s",
                "MergeInfos": [{"Image": "QUJD", "TemplateFaceRect": {"X": 1, "Y": 2, "Width": 40, "Height": 50}}],
                "SwapModelType": 4, "LogoAdd": 0,
                "FusionUltraParam": {"WarpRadio": 0.3, "EnhanceRadio": 1.0, "MpRadio": 0.0, "TeethEnhanceRadio": 1.0,
                                     "MakeupTransferRadio": 0.0, "BlurRadio": 0.0},
                "LogoParam": {"LogoRect": {"X": 0, "Y": 0, "Width": 100, "Height": 40}, "LogoImage": "QUJD"}}


def test_fuseface_ultra_goes_through_the_sdk_typed_request(server):
    import warnings

    server.requests.clear()
    server.answer = (200, "application/json", _envelope(FusedImage="https://r.example/x.jpg", RequestId="req-u"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the SDK warns "fileds are useless" for names its models do not have
        result = server.client().fuse_ultra(ULTRA_PARAMS)
    assert (result.fused_image, result.request_id) == ("https://r.example/x.jpg", "req-u")
    ((headers, body),) = server.requests
    assert {k.lower(): v for k, v in headers.items()}["x-tc-action"] == "FuseFaceUltra"
    assert json.loads(body) == ULTRA_PARAMS


def test_fuseface_ultra_without_fused_image_is_classified(server):
    server.answer = (200, "application/json", _envelope(RequestId="r-u"))
    with pytest.raises(FuseFaceError) as info:
        server.client().fuse_ultra(ULTRA_PARAMS)
    assert info.value.code == "FailedOperation.EmptyFusedImage" and "FuseFaceUltra" in info.value.message


def _iai(server, token=None):
    from scf_fuseface.adapters.iai import IaiDetector

    settings = load_settings({"FUSEFACE_SCHEME": "http", "FUSEFACE_REGION": "ap-shanghai",
                              "FUSEFACE_IAI_ENDPOINT": f"127.0.0.1:{server.httpd.server_port}"})
    return IaiDetector(settings, Credentials("AKIDwire", "wire-secret", token), timeout=5)


def test_detect_faces_on_the_wire_is_iai_detectface_2020_03_03_signed_for_iai(server):
    server.requests.clear()
    faces = [{"X": -14, "Y": 30, "Width": 120, "Height": 130, "FaceAttributesInfo": {"Age": 0}},
             {"X": 300, "Y": 40, "Width": 60, "Height": 62}]
    server.answer = (200, "application/json", _envelope(ImageWidth=400, ImageHeight=300, FaceInfos=faces,
                                                        FaceModelVersion="3.0", RequestId="r-iai"))
    found = _iai(server, token="wire-token").detect_faces(image="QUJD", max_faces=7)
    assert (found.image_width, found.image_height, found.request_id) == (400, 300, "r-iai")
    assert [(f.x, f.y, f.width, f.height) for f in found.faces] == [(-14, 30, 120, 130), (300, 40, 60, 62)]
    ((headers, body),) = server.requests
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["x-tc-action"] == "DetectFace" and lower["x-tc-version"] == "2020-03-03"
    assert lower["x-tc-region"] == "ap-shanghai" and lower["x-tc-token"] == "wire-token"
    assert "/iai/tc3_request" in lower["authorization"]
    assert json.loads(body) == {"MaxFaceNum": 7, "NeedFaceAttributes": 0, "NeedQualityDetection": 0,
                                "Image": "QUJD"}


def test_detect_faces_errors_keep_iais_code(server):
    server.answer = (200, "application/json", _envelope(
        Error={"Code": "InvalidParameterValue.NoFaceInPhoto", "Message": "no face"}, RequestId="r-nf"))
    with pytest.raises(FuseFaceError) as info:
        _iai(server).detect_faces(url="https://example.com/a.jpg")
    assert (info.value.code, info.value.request_id, info.value.retryable) == (
        "InvalidParameterValue.NoFaceInPhoto", "r-nf", False)
    with pytest.raises(FuseFaceError) as info:
        _iai(server).detect_faces()
    assert info.value.code == "MissingParameter"
