"""``fuseface serve`` over real HTTP: one LocalServer (port 0, tmp DATA dir, real emulator and engine) per module."""

from __future__ import annotations

import base64
import io
import json
import os
import re

import pytest
import requests
from PIL import Image

from fuseface_local.serve import MAX_SYNC_REQUEST_BYTES, LocalServer

from ..support.images import no_face_jpeg, small_face
from ..support.paths import EVENTS, ROOT

MODEL_ID = "mt_1603586676924403712_1"
STATIC = ROOT / "src" / "fuseface_local" / "serve" / "static"
SENTINEL_HEADER = "hdr-sentinel-7f3a9"
SENTINEL_QUERY = "query-sentinel-51c2"
ACCESS_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (GET|POST|HEAD|OPTIONS) /\S* \d{3} \d+\.\d ms$")


class CountingHandler:
    """The real ``main_handler`` (imported late, as the server does), counting its invocations."""

    def __init__(self) -> None:
        self.invocations = 0

    def __call__(self, event, context):
        from scf_fuseface.entry import main_handler

        self.invocations += 1
        return main_handler(event, context)


@pytest.fixture(scope="module")
def handler():
    return CountingHandler()


@pytest.fixture(scope="module")
def server(tmp_path_factory, handler):
    log = io.StringIO()
    with LocalServer(tmp_path_factory.mktemp("serve-data"), port=0, events_dir=EVENTS, access_log=log,
                     handler=handler) as srv:
        yield srv  # stopping re-raises any error recorded in an emulator thread


@pytest.fixture(scope="module")
def face() -> bytes:
    return small_face("obama.jpg", 320, square=False)


def _url(server, path: str) -> str:
    return server.url.rstrip("/") + path


def _fused_jpeg(resp: requests.Response) -> Image.Image:
    assert resp.status_code == 200, resp.text[:300]
    envelope = resp.json()["Response"]
    assert "Error" not in envelope
    assert envelope["RequestId"]
    data = base64.b64decode(envelope["FusedImage"], validate=True)
    img = Image.open(io.BytesIO(data))
    img.load()
    assert img.format == "JPEG"
    return img


def test_server_seeded_the_fixtures_and_points_the_function_at_its_emulator(server):
    assert server.seeded["materials"] >= 1
    assert any(m["MaterialFaceList"][0]["FaceId"] == MODEL_ID
               for m in server.emulator.materials.list("at_1603326187690926080"))
    assert os.environ["FUSEFACE_ENDPOINT"] == server.emulator.endpoint


def test_healthz_is_200(server, http):
    resp = http.get(_url(server, "/healthz"))
    assert resp.status_code == 200
    assert resp.json()["status"] == "ok"
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers["X-Request-Id"]


def test_post_fuse_json_with_a_base64_image_returns_a_jpeg_fused_image(server, http, face):
    before = server.emulator.calls["FuseFace"]
    body = {"ModelId": MODEL_ID, "RspImgType": "base64",
            "MergeInfos": [{"Image": base64.b64encode(face).decode("ascii")}]}
    resp = http.post(_url(server, "/fuse"), json=body)
    img = _fused_jpeg(resp)
    assert min(img.size) > 64
    assert server.emulator.calls["FuseFace"] == before + 1


def test_post_fuse_raw_jpeg_body_with_query_parameters(server, http, face):
    resp = http.post(_url(server, "/fuse?FuseFaceDegree=40&FuseProfileDegree=20"), data=face,
                     headers={"Content-Type": "image/jpeg"})
    _fused_jpeg(resp)


def test_post_fuse_multipart_upload_with_degree_fields(server, http, face):
    resp = http.post(_url(server, "/fuse"), files={"image": ("selfie.jpg", face, "image/jpeg")},
                     data={"FuseFaceDegree": "60", "FuseProfileDegree": "30"})
    _fused_jpeg(resp)


def test_an_image_without_a_face_is_422_no_face_detected(server, http):
    resp = http.post(_url(server, "/fuse"), data=no_face_jpeg(), headers={"Content-Type": "image/jpeg"})
    assert resp.status_code == 422
    assert resp.json()["Response"]["Error"]["Code"] == "FailedOperation.NoFaceDetected"


def test_an_unknown_route_is_the_functions_404(server, http):
    resp = http.get(_url(server, "/nope"))
    assert resp.status_code == 404
    assert resp.json()["Response"]["Error"]["Code"] == "ResourceNotFound.Route"


def _assert_413_without_invocation(server, handler, resp, invocations, fuseface_calls):
    assert resp.status_code == 413
    envelope = resp.json()["Response"]
    assert envelope["Error"]["Code"] == "RequestSizeLimitExceeded"
    assert envelope["RequestId"] == resp.headers["X-Request-Id"]
    assert handler.invocations == invocations
    assert server.emulator.calls["FuseFace"] == fuseface_calls


def test_a_body_over_6_mb_is_413_without_calling_the_function(server, handler, http):
    invocations, calls = handler.invocations, server.emulator.calls["FuseFace"]
    resp = http.post(_url(server, "/fuse"), data=b"\xff" * (MAX_SYNC_REQUEST_BYTES + 1),
                     headers={"Content-Type": "image/jpeg"})
    _assert_413_without_invocation(server, handler, resp, invocations, calls)


def test_a_chunked_body_over_6_mb_is_413_without_calling_the_function(server, handler, http):
    invocations, calls = handler.invocations, server.emulator.calls["FuseFace"]

    def chunks():
        for _ in range(7):
            yield b"\x00" * 1_000_000

    resp = http.post(_url(server, "/fuse"), data=chunks(), headers={"Content-Type": "application/octet-stream"})
    _assert_413_without_invocation(server, handler, resp, invocations, calls)


def test_a_body_of_exactly_6_mb_reaches_the_function(server, handler, http):
    invocations = handler.invocations
    resp = http.post(_url(server, "/fuse"), data=b"\x00" * MAX_SYNC_REQUEST_BYTES,
                     headers={"Content-Type": "application/octet-stream"})
    assert handler.invocations == invocations + 1
    # The function's own verdict (its base64 of 6 MB is over FuseFace's 5 MB), not the local 413.
    assert resp.json()["Response"]["Error"]["Code"] == "FailedOperation.ImageSizeExceed"


def test_get_root_is_a_self_contained_try_it_page(server, http):
    """The page's controls are in its HTML, labelled; it names no asset outside this server (its behaviour is
    tested in a real browser in tests/browser/)."""
    resp = http.get(server.url)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    page = resp.text
    assert '<fieldset id="materials">\n<legend>Material</legend>' in page
    for name, label in (("FuseFaceDegree", "五官 (FuseFaceDegree)"), ("FuseProfileDegree", "脸型 (FuseProfileDegree)")):
        match = re.search(rf'<input id="(\w+-degree)" name="{name}" type="range" min="0" max="100"[^>]* list="levels">',
                          page)
        assert match and f'<label for="{match.group(1)}">{label}' in page
    assert '<datalist id="levels"></datalist>' in page
    assert re.search(r'<img id="result" alt="Fused result">', page)
    assert '<div id="error" role="alert"></div>' in page
    assert re.search(r'<button id="fuse-button" class="primary" type="submit">.*Fuse</span></button>', page)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no external assets: only this server's /static/ files
    assets = [a for a in re.findall(r'(?:src|href)="([^"]+)"', page) if a not in ("#", "data:,")]
    assert assets and all(path.startswith("/static/") for path in assets)
    for path in assets:
        assert http.get(_url(server, path)).status_code == 200, path
        text = http.get(_url(server, path)).text.replace('"http://www.w3.org/2000/svg"', "")  # a name, not a fetch
        assert not re.search(r"https?://", text), path


def test_the_page_files_answer_only_get_and_head(server, http):
    for path in ("/", "/static/page.js"):
        resp = http.post(_url(server, path), data=b"x")
        assert resp.status_code == 405, path
        assert resp.headers["Allow"] == "GET, HEAD"
        assert resp.json()["Response"]["Error"]["Code"] == "UnsupportedOperation.MethodNotAllowed"


def test_the_demo_page_and_its_css_and_js_are_the_static_files_byte_for_byte(server, http):
    page = http.get(server.url)
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.content == (STATIC / "index.html").read_bytes()
    assert http.get(_url(server, "/index.html")).content == page.content
    assert '<link rel="stylesheet" href="/static/page.css">' in page.text
    assert '<script src="/static/api.js"></script>\n<script src="/static/page.js"></script>' in page.text
    for name, media_type in (("page.css", "text/css; charset=utf-8"), ("page.js", "text/javascript; charset=utf-8"),
                             ("api.js", "text/javascript; charset=utf-8")):
        resp = http.get(_url(server, f"/static/{name}"))
        assert resp.status_code == 200 and resp.headers["Content-Type"] == media_type
        assert resp.content == (STATIC / name).read_bytes()


def test_a_static_path_naming_no_page_file_is_the_functions_404(server, http):
    for path in ("/static/nope.js", "/static/server.py", "/static/"):
        resp = http.get(_url(server, path))
        assert resp.status_code == 404, path
        assert resp.json()["Response"]["Error"]["Code"] == "ResourceNotFound.Route"


def test_access_log_has_one_line_per_request_and_no_bodies_headers_or_queries(server, http, face):
    log = server.app.access_log
    start = len(log.getvalue().splitlines())
    body = json.dumps({"ModelId": MODEL_ID, "MergeInfos": [{"Image": base64.b64encode(face).decode("ascii")}]})
    http.post(_url(server, f"/fuse?secret={SENTINEL_QUERY}"), data=body,
              headers={"Content-Type": "application/json", "X-Api-Key": SENTINEL_HEADER})
    http.get(_url(server, "/healthz"))
    text = log.getvalue()
    new = text.splitlines()[start:]
    assert len(new) == 2
    assert re.match(r"^\S+ POST /fuse 200 ", new[0]) and re.match(r"^\S+ GET /healthz 200 ", new[1])
    for line in text.splitlines():
        assert ACCESS_LINE.match(line), line
    assert SENTINEL_HEADER not in text and SENTINEL_QUERY not in text
    assert base64.b64encode(face)[:40].decode() not in text and "/9j/" not in text
