"""Guards checked without a server: presigned source URLs, constant-time API keys, FuseFace's size limits,
the 5 MB base64 ceiling for EXIF-rotated inputs, and logs that never carry the raw event."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from scf_fuseface import imageprep, limits
from scf_fuseface.adapters.cos import CosStorage
from scf_fuseface.config import Credentials
from scf_fuseface.entry import main_handler
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.http_api import handle
from scf_fuseface.models.cos_event import CosEvent
from scf_fuseface.models.http_event import HttpRequest
from scf_fuseface.pipeline import process_record

from ..support.cloud import make_function, make_run, make_settings
from ..support.fakes import FakeFusion, FakeStorage
from ..support.images import exif_orientation, jpeg_bytes
from ..support.paths import BUCKET, MODEL, ROOT, load_event

KEY = f"uploads/{MODEL}/selfie.jpg"


@pytest.mark.parametrize("token", ["tmp-session-token", None])
def test_presigned_source_url_carries_the_security_token_only_under_temporary_credentials(token):
    settings = make_settings(FUSEFACE_COS_IP="127.0.0.1", FUSEFACE_COS_PORT="9", FUSEFACE_COS_SCHEME="http")
    storage = CosStorage(settings, Credentials("AKIDpresign", "presign-key", token), "ap-guangzhou")
    url = urlsplit(storage.presign_get(BUCKET, KEY, expires=300))
    query = parse_qs(url.query)
    assert url.hostname == f"{BUCKET}.cos.ap-guangzhou.myqcloud.com"  # the real domain, never the loopback IP
    assert query["q-sign-algorithm"] == ["sha1"] and query["q-ak"] == ["AKIDpresign"]
    assert query.get("x-cos-security-token") == ([token] if token else None)
    assert "presign-key" not in url.query


def test_api_keys_are_all_compared_in_constant_time(monkeypatch):
    import hmac

    from scf_fuseface.http_api import api_keys

    compared = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api_keys.hmac, "compare_digest", spy)
    settings = make_settings(FUSEFACE_API_KEYS="first-key,second-key,third-key")
    req = HttpRequest(trigger="apigw", method="GET", path="/materials", headers={"x-api-key": "first-key"})
    assert handle(req, make_run(settings))["statusCode"] == 200
    assert len(compared) == 3  # no early exit on the first match
    compared.clear()
    bad = req.model_copy(update={"headers": {"x-api-key": "first-kex"}})
    assert handle(bad, make_run(settings))["statusCode"] == 401 and len(compared) == 3


def _record():
    return CosEvent.model_validate(load_event("cos_put.json")).records[0]


@pytest.mark.parametrize(("size", "code"), [
    ((64, 300), "FailedOperation.ImageResolutionTooSmall"),   # 64 is not > 64
    ((65, 300), None),
    ((4095, 80), None),
    ((4096, 80), "FailedOperation.ImagePixelExceed"),          # 4096 is not < 4096
])
def test_side_limits_are_checked_before_the_paid_call(size, code):
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes(*size))
    result = process_record(_record(), make_run(storage=storage, fusion=fusion))
    if code is None:
        assert result.status == "fused" and len(fusion.calls) == 1
    else:
        assert (result.status, result.code, fusion.calls) == ("failed", code, [])


def test_png_sources_are_accepted_and_gif_is_not():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (120, 90), (10, 20, 30)).save(buf, format="PNG")
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, buf.getvalue(), content_type="image/png")
    assert process_record(_record(), make_run(storage=storage, fusion=fusion)).status == "fused"
    buf = io.BytesIO()
    Image.new("RGB", (120, 90)).save(buf, format="GIF")
    storage.seed(BUCKET, KEY, buf.getvalue(), content_type="image/gif")
    result = process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert result.code == "FailedOperation.ImageDecodeFailed" and len(fusion.calls) == 1


def test_rotated_image_is_shrunk_until_its_base64_fits(monkeypatch):
    from PIL import Image

    noisy = io.BytesIO()
    Image.effect_noise((400, 300), 90).convert("RGB").save(noisy, format="JPEG", quality=95,
                                                              exif=exif_orientation(6))
    ceiling = 40_000
    assert limits.base64_len(len(noisy.getvalue())) > ceiling  # too big as it is
    monkeypatch.setattr(limits, "MAX_BASE64_BYTES", ceiling)
    text = imageprep.upright_base64(noisy.getvalue())
    assert len(text) <= ceiling
    with Image.open(io.BytesIO(base64.b64decode(text))) as img:
        assert img.format == "JPEG" and img.width < img.height  # upright: 300 wide, 400 high (or scaled)
        assert img.getexif().get(0x0112) in (None, 1)
    monkeypatch.setattr(limits, "MAX_BASE64_BYTES", 500)
    with pytest.raises(FuseFaceError) as info:
        imageprep.upright_base64(noisy.getvalue())
    assert info.value.code == "FailedOperation.ImageSizeExceed"


def test_the_real_limit_is_five_mb_of_base64():
    assert limits.MAX_BASE64_BYTES == 5 * 1024 * 1024 and limits.SNIFF_BYTES == 64 * 1024
    assert limits.MAX_URL_BYTES == 10 * 1024 * 1024


def test_logs_never_carry_the_raw_event(monkeypatch, capsys):
    monkeypatch.setenv("FUSEFACE_PROJECT_ID", "at_1603326187690926080")
    event = load_event("cos_put.json")
    rec = event["Records"][0]
    rec["event"]["requestParameters"]["requestSourceIP"] = "198.51.100.77"
    rec["event"]["eventQueue"] = "qcs:0:lambda:gz:appid/1250000000:default.fuseface.MARKER-QUEUE"
    rec["cos"]["cosObject"]["meta"]["x-cos-meta-private"] = "MARKER-META"
    storage = FakeStorage()
    storage.seed(BUCKET, KEY, jpeg_bytes())
    result = make_function(storage, FakeFusion(), Credentials("AKIDx", "k"))(event, {"request_id": "inv-raw"})
    assert result["fused"] == 1
    out = capsys.readouterr().out
    assert out.strip() and all(json.loads(line) for line in out.splitlines())
    for marker in ("198.51.100.77", "MARKER-QUEUE", "MARKER-META", "Records", "cosObject", "q-sign-algorithm"):
        assert marker not in out
    unknown = {"Type": "Timer", "Message": "MARKER-TIMER-PAYLOAD"}
    main_handler(unknown, {"request_id": "inv-raw2"})
    out = capsys.readouterr().out
    assert "MARKER-TIMER-PAYLOAD" not in out and '"Type"' in out  # key names only


def test_a_recursive_configuration_is_refused_at_cold_start():
    """Importing the handler (SCF's cold start) validates the settings once and logs ONE line naming the
    bad variable; every COS invocation then raises instead of writing results that re-trigger."""
    import subprocess
    import sys

    src = ROOT / "src"
    script = ("import json, index\n"
              "from scf_fuseface import entry\n"
              "err = entry.COLD_START_ERROR\n"
              "print(json.dumps({'code': err and err.code, 'message': err and err.message}))\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(src), "FUSEFACE_OUTPUT_PREFIX": "uploads/fused/"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=str(src), env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    log_line, result_line = proc.stdout.strip().splitlines()
    log, result = json.loads(log_line), json.loads(result_line)
    assert log["level"] == "ERROR" and log["message"] == "invalid configuration"
    assert result["code"] == "InvalidParameterValue.Configuration"
    assert "FUSEFACE_OUTPUT_PREFIX" in result["message"] and "re-trigger" in result["message"]
    env.pop("FUSEFACE_OUTPUT_PREFIX")
    ok = subprocess.run([sys.executable, "-c", script], cwd=str(src), env=env, capture_output=True, text=True,
                        timeout=60)
    assert json.loads(ok.stdout.strip().splitlines()[-1]) == {"code": None, "message": None}


def test_a_folder_marker_is_skipped_without_any_call():
    event = load_event("cos_put.json")
    obj = event["Records"][0]["cos"]["cosObject"]
    obj["key"], obj["size"] = f"/1250000000/fuseface/uploads/{MODEL}/new folder/", 0
    storage, fusion = FakeStorage(), FakeFusion()
    result = process_record(CosEvent.model_validate(event).records[0], make_run(storage=storage, fusion=fusion))
    assert (result.status, result.reason) == ("skipped", "folder")
    assert storage.calls == [] and fusion.calls == []
