"""The deploy artifacts as SCF runs them: the function code + the manylinux layer that `make layer` built, under
the runtime's interpreter with nothing else on sys.path, talking to the in-process emulator. Both layers:
cp310 (`build/layer`) under Python 3.10 and cp39 (`build/layer-py39`, `make layer PYTHON_VERSION=3.9`) under 3.9.

`make test` builds both layers first (pip download: needs the network). Without a layer dir or an interpreter of
that version a test is skipped with the reason (the same code runs on this interpreter in test_package.py)."""

from __future__ import annotations

import base64
import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fuseface_local import packaging

from ..support.fakes import FakeEngine
from ..support.images import small_face
from ..support.paths import BUCKET, MATERIAL, MODEL, PROJECT, ROOT

LAYERS = {"3.10": ROOT / "build" / "layer", "3.9": ROOT / "build" / "layer-py39"}
LAYER_ZIP_LIMIT = 7_000_000  # issue 7: the layer zip is at most 7 MB
TOKEN = "dep-token"  # noqa: S105 - the emulator's session token
# Modules of client-side encryption (pycryptodome); none may ever be imported.
CRYPTO_PROBE = ("sorted(m for m in sys.modules if m.split('.')[0] == 'Crypto' "
                "or m in ('qcloud_cos.crypto', 'qcloud_cos.cos_encryption_client'))")


@dataclass(frozen=True)
class Runtime:
    version: str
    python: str
    layer: Path
    function: Path


@pytest.fixture(scope="module", params=["3.10", "3.9"])
def runtime(request, tmp_path_factory):
    version = request.param
    python = packaging.find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} interpreter (the SCF runtime) on this machine")
    layer = LAYERS[version]
    if not (layer / "qcloud_cos").is_dir():
        pytest.skip(f"{layer.relative_to(ROOT)} is missing: `make test` builds it (needs the network)")
    function = tmp_path_factory.mktemp("deployed") / "function"
    packaging.build_function(function, ROOT / "src")
    return Runtime(version, python, layer, function)


@pytest.fixture()
def cloud(tmp_path):
    """The emulator (FakeEngine: the API and the bytes it receives are under test, not fusion) + the env the
    deployed function gets."""
    from fuseface_local.emulator import EmulatorServer

    engine = FakeEngine()
    with EmulatorServer(tmp_path, secret_id="AKIDdeployed", secret_key="deployed-key", session_token=TOKEN,
                        engine=engine) as emu:
        emu.materials.add(PROJECT, (ROOT / "events" / "materials" / "obama_template.jpg").read_bytes(),
                          material_id=MATERIAL)
        env = {"FUSEFACE_PROJECT_ID": PROJECT, "FUSEFACE_SCHEME": "http", "FUSEFACE_ENDPOINT": emu.endpoint,
               "FUSEFACE_COS_IP": "127.0.0.1", "FUSEFACE_COS_PORT": str(emu.port), "FUSEFACE_COS_SCHEME": "http",
               "TENCENTCLOUD_SECRETID": "AKIDdeployed", "TENCENTCLOUD_SECRETKEY": "deployed-key",
               "TENCENTCLOUD_SESSIONTOKEN": TOKEN}
        emu.reset()
        yield emu, engine, env


def _run(rt: Runtime, code: str, env=None):
    prologue = f"import sys, json\nsys.path[:0] = [{str(rt.function)!r}, {str(rt.layer)!r}]\n"
    proc = subprocess.run([rt.python, "-I", "-S", "-c", prologue + code], capture_output=True, text=True,
                          timeout=120, env=dict(env or {}, PATH="/usr/bin:/bin", NO_PROXY="127.0.0.1"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _handle(rt: Runtime, event: dict, env: dict) -> dict:
    return _run(rt, (
        "import index\n"
        f"res = index.main_handler(json.loads({json.dumps(event)!r}), {{'request_id': 'dep-1'}})\n"
        f"print(json.dumps({{'result': res, 'crypto': {CRYPTO_PROBE}}}))\n"
    ), env)


def _upload(emu, name: str, data: bytes) -> dict:
    from fuseface_local.eventgen import cos_event, cos_record

    key = f"uploads/{MODEL}/{name}"
    emu.store.put(BUCKET, key, data, content_type="image/jpeg")
    return cos_event([cos_record(BUCKET, key, size=len(data))])


# --- the layer itself ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["3.10", "3.9"])
def test_the_layer_zip_is_at_most_7_mb_and_passes_its_checks(version):
    layer = LAYERS[version]
    zipped = layer.with_suffix(".zip")
    if not zipped.is_file():
        pytest.skip(f"{zipped.relative_to(ROOT)} is missing: `make test` builds it (needs the network)")
    assert zipped.stat().st_size <= LAYER_ZIP_LIMIT, f"{zipped.name}: {zipped.stat().st_size} bytes"
    assert packaging.verify_layer(layer) == []


def test_the_layer_has_no_local_dependencies(runtime):
    out = _run(runtime, (
        "import importlib, index\n"
        "missing = []\n"
        "for name in ('numpy', 'cv2', 'werkzeug', 'fuseface_local.engine', 'fuseface_local.emulator'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        missing.append(name)\n"
        "import pydantic_core, qcloud_cos, tencentcloud.facefusion.v20220927 as ff\n"
        "print(json.dumps({'v': '%d.%d' % sys.version_info[:2], 'missing': missing, 'core': pydantic_core.__file__}))\n"
    ))
    assert out["v"] == runtime.version
    assert out["missing"] == ["numpy", "cv2", "werkzeug", "fuseface_local.engine", "fuseface_local.emulator"]
    assert out["core"].startswith(str(runtime.layer))


def test_pycryptodome_is_not_in_the_layer_and_only_client_side_encryption_needs_it(runtime):
    assert not (runtime.layer / "Crypto").exists()
    assert not list(runtime.layer.glob("pycryptodome*"))
    out = _run(runtime, (
        "import qcloud_cos\n"
        "from qcloud_cos import CosConfig, CosS3Client\n"
        f"loaded = {CRYPTO_PROBE}\n"
        "try:\n"
        "    import qcloud_cos.cos_encryption_client\n"
        "    missing = None\n"
        "except ModuleNotFoundError as exc:\n"
        "    missing = exc.name\n"
        "print(json.dumps({'loaded': loaded, 'missing': missing}))\n"
    ))
    assert out == {"loaded": [], "missing": "Crypto"}


def test_pillow_keeps_jpeg_and_png_and_nothing_optional(runtime):
    out = _run(runtime, (
        "from PIL import features\n"
        "names = ('jpg', 'zlib', 'webp', 'avif', 'freetype2', 'littlecms2')\n"
        "print(json.dumps({n: features.check(n) for n in names}))\n"
    ))
    assert out == {"jpg": True, "zlib": True, "webp": False, "avif": False, "freetype2": False,
                   "littlecms2": False}


def test_a_png_is_decoded_and_shrunk_to_fit_from_the_layer(runtime, tmp_path):
    from PIL import Image

    png = tmp_path / "noise.png"
    Image.effect_noise((400, 300), 90).convert("RGB").save(png, "PNG")
    out = _run(runtime, (
        "import pathlib\n"
        "from scf_fuseface import imageprep, limits\n"
        "limits.MAX_BASE64_BYTES = 20000  # forces resize(LANCZOS) steps\n"
        f"text = imageprep.upright_base64(pathlib.Path({str(png)!r}).read_bytes())\n"
        "print(json.dumps({'image': text}))\n"
    ))
    assert len(out["image"]) <= 20000
    with Image.open(io.BytesIO(base64.b64decode(out["image"]))) as img:
        assert img.format == "JPEG" and img.width < 400 and abs(img.width / img.height - 4 / 3) < 0.02


# --- every COS call we make, through the layer's qcloud_cos ---------------------------------------------------

def test_each_cos_call_we_make_runs_from_the_layer(runtime, cloud):
    import requests

    emu, _, env = cloud
    data = small_face(width=200)
    key = "layer/probe.jpg"
    out = _run(runtime, (
        "import base64, hashlib\n"
        "from scf_fuseface.adapters.cos import CosStorage\n"
        "from scf_fuseface.config import credentials_from_env, load_settings\n"
        "from scf_fuseface.errors import FuseFaceError\n"
        "storage = CosStorage(load_settings(), credentials_from_env(), 'ap-guangzhou')\n"
        f"data = base64.b64decode({base64.b64encode(data).decode()!r})\n"
        f"etag = storage.put({BUCKET!r}, {key!r}, data, content_type='image/jpeg', "
        "metadata={'x-cos-meta-probe': 'layer'})\n"
        f"head = storage.head({BUCKET!r}, {key!r})\n"
        f"first = storage.get({BUCKET!r}, {key!r}, first_bytes=100)\n"
        f"whole = storage.get({BUCKET!r}, {key!r})\n"
        f"url = storage.presign_get({BUCKET!r}, {key!r}, expires=600)\n"
        f"absent = storage.head({BUCKET!r}, 'layer/absent.jpg')\n"
        "try:\n"
        f"    storage.get({BUCKET!r}, 'layer/absent.jpg')\n"
        "    code = None\n"
        "except FuseFaceError as exc:\n"
        "    code = exc.code\n"
        "print(json.dumps({'etag': etag, 'size': head.size, 'head_etag': head.etag, 'type': head.content_type,\n"
        "                  'meta': head.metadata, 'first': first == data[:100], 'whole': whole == data,\n"
        "                  'url': url, 'absent': absent, 'code': code, 'crypto': " + CRYPTO_PROBE + "}))\n"
    ), env)
    stored, meta, ctype = emu.store.get(BUCKET, key)
    assert stored == data and ctype == "image/jpeg" and meta["x-cos-meta-probe"] == "layer"  # put_object
    assert out["size"] == len(data) and out["type"] == "image/jpeg" and out["meta"] == {"x-cos-meta-probe": "layer"}
    assert out["etag"] and out["head_etag"] == out["etag"]  # head_object
    assert out["first"] is True and out["whole"] is True  # get_object, ranged and whole
    assert [(s.key, s.range, s.status) for s in emu.served if s.key == key] == [
        (key, "bytes=0-99", 206), (key, None, 200)]
    assert out["absent"] is None and out["code"] == "ResourceNotFound.CosObject"  # CosServiceError 404
    assert out["crypto"] == []
    # get_presigned_url with the session token: the real domain, and the emulator accepts its signature
    url = urlsplit(out["url"])
    assert url.hostname == f"{BUCKET}.cos.ap-guangzhou.myqcloud.com" and f"x-cos-security-token={TOKEN}" in url.query
    local = f"http://127.0.0.1:{emu.port}{url.path}?{url.query}"
    resp = requests.get(local, headers={"Host": url.hostname}, timeout=10)
    assert resp.status_code == 200 and resp.content == data
    tampered = local.replace("q-signature=", "q-signature=0")
    assert requests.get(tampered, headers={"Host": url.hostname}, timeout=10).status_code == 403


def test_a_cos_upload_is_fused_by_the_packaged_function(runtime, cloud):
    emu, engine, env = cloud
    data = small_face(width=300)
    event = _upload(emu, "deployed.jpg", data)
    key = f"uploads/{MODEL}/deployed.jpg"
    out = _handle(runtime, event, env)
    result = out["result"]
    assert result["fused"] == 1 and result["records"][0]["output_key"] == f"fused/{key}"
    fused, meta, ctype = emu.store.get(BUCKET, f"fused/{key}")
    assert fused[:2] == b"\xff\xd8" and ctype == "image/jpeg" and meta["x-cos-meta-fuseface-generated"] == "1"
    assert emu.calls["FuseFace"] == 1
    # HEAD + 64 KB ranged GET to sniff; FuseFace downloaded the presigned URL (token and all): the exact bytes
    assert [(s.range, s.status) for s in emu.served if s.key == key] == [("bytes=0-65535", 206)]
    assert engine.fuse_calls[0]["users"] == [data]
    assert out["crypto"] == []


def test_an_exif_rotated_upload_is_sent_upright_from_the_layer(runtime, cloud):
    """Orientation 6 = "rotate 90 degrees clockwise to display" (EXIF 2.3, tag 0x0112): the image FuseFace
    receives must be the stored pixels turned 90 degrees clockwise (Pillow's ROTATE_270), decoded and encoded by
    the layer's Pillow."""
    import numpy as np
    from PIL import Image

    emu, engine, env = cloud
    stored = small_face("biden.jpg", 240, square=False, orientation=6)
    event = _upload(emu, "rotated.jpg", stored)
    out = _handle(runtime, event, env)
    assert out["result"]["fused"] == 1 and out["crypto"] == []
    key = f"uploads/{MODEL}/rotated.jpg"
    assert [(s.range, s.status) for s in emu.served if s.key == key] == [("bytes=0-65535", 206), (None, 200)]
    (sent,) = engine.fuse_calls[0]["users"]
    with Image.open(io.BytesIO(stored)) as raw:
        raw = raw.convert("RGB")
        reference = np.asarray(raw.transpose(Image.Transpose.ROTATE_270), dtype=np.int16)
        wrong_way = np.asarray(raw.transpose(Image.Transpose.ROTATE_90), dtype=np.int16)
    with Image.open(io.BytesIO(sent)) as img:
        assert img.format == "JPEG" and img.getexif().get(0x0112) in (None, 1)
        got = np.asarray(img.convert("RGB"), dtype=np.int16)
    assert got.shape == reference.shape and got.shape[:2] != np.asarray(raw).shape[:2]
    assert np.abs(got - reference).mean() < 4  # the same picture, re-encoded once
    assert np.abs(got - wrong_way).mean() > 20  # and not the other rotation
