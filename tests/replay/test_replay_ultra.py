"""FuseFaceUltra uploads and HTTP bodies replayed through main_handler against the in-process emulator (real SDKs,
real engine): the fixtures ``cos_put_ultra.json``, ``cos_put_ultra_config.json`` and ``apigw_post_ultra_json.json``."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image

from fuseface_local.cli import main as cli_main
from fuseface_local.replay import replay_local

from ..support.paths import BUCKET, EVENTS, load_event

TEMPLATE_KEY = "templates/obama_template.jpg"  # 720 x 900, in events/objects
TEMPLATE_SIZE = (720, 900)


def _replay(emulator, name):
    res = replay_local(load_event(name), emulator=emulator, events_dir=EVENTS)
    emulator.check_errors()
    assert res.exit_code == 0, res.error_traceback
    return res


def _size(data: bytes):
    with Image.open(io.BytesIO(data)) as img:
        return img.size


def test_upload_named_template_is_fused_by_ultra_then_only_a_new_template_fuses_again(emulator):
    first = _replay(emulator, "cos_put_ultra.json")
    assert [r["status"] for r in first.result["records"]] == ["fused"]
    assert first.calls.get("FuseFaceUltra") == 1 and first.calls.get("FuseFace", 0) == 0
    (out,) = first.outputs
    assert out.key == "fused/uploads/ultra/selfie.jpg"
    data, meta, _ctype = emulator.store.get(BUCKET, out.key)
    assert _size(data) == TEMPLATE_SIZE
    assert meta["x-cos-meta-fuseface-action"] == "FuseFaceUltra"
    assert meta["x-cos-meta-fuseface-template-key"] == TEMPLATE_KEY
    assert meta["x-cos-meta-fuseface-template-etag"] == emulator.store.head(BUCKET, TEMPLATE_KEY).etag

    again = _replay(emulator, "cos_put_ultra.json")
    assert [r["reason"] for r in again.result["records"]] == ["already-fused"]
    assert again.calls.get("FuseFaceUltra", 0) == 0

    template = (EVENTS / "objects" / BUCKET / TEMPLATE_KEY).read_bytes()
    with Image.open(io.BytesIO(template)) as img:
        buf = io.BytesIO()
        img.transpose(Image.FLIP_LEFT_RIGHT).save(buf, "JPEG", quality=90)  # a new template, same key
    emulator.store.put(BUCKET, TEMPLATE_KEY, buf.getvalue(), content_type="image/jpeg")
    try:
        third = _replay(emulator, "cos_put_ultra.json")
        assert [r["status"] for r in third.result["records"]] == ["fused"]
        assert third.calls.get("FuseFaceUltra") == 1
    finally:
        emulator.store.put(BUCKET, TEMPLATE_KEY, template, content_type="image/jpeg")


def test_upload_replayed_with_the_template_key_configured_is_fuseface_ultra(emulator, monkeypatch):
    monkeypatch.setenv("FUSEFACE_ULTRA_TEMPLATE_KEY", TEMPLATE_KEY)
    monkeypatch.setenv("FUSEFACE_ULTRA_SWAP_MODEL_TYPE", "5")
    res = _replay(emulator, "cos_put_ultra_config.json")
    assert [r["status"] for r in res.result["records"]] == ["fused"]
    assert res.calls.get("FuseFaceUltra") == 1 and res.calls.get("FuseFace", 0) == 0
    assert [o.key for o in res.outputs] == ["fused/uploads/selfies/selfie.jpg"]
    data, meta, _ctype = emulator.store.get(BUCKET, "fused/uploads/selfies/selfie.jpg")
    assert meta["x-cos-meta-fuseface-action"] == "FuseFaceUltra"
    assert meta["x-cos-meta-fuseface-swap-model-type"] == "5"
    assert _size(data) == TEMPLATE_SIZE


def test_without_the_template_key_the_same_upload_is_fuseface(emulator, monkeypatch):
    monkeypatch.delenv("FUSEFACE_ULTRA_TEMPLATE_KEY", raising=False)
    emulator.store.delete(BUCKET, "fused/uploads/selfies/selfie.jpg")
    res = _replay(emulator, "cos_put_ultra_config.json")  # FUSEFACE_MODEL_ID: the sample material
    assert res.calls.get("FuseFace") == 1 and res.calls.get("FuseFaceUltra", 0) == 0
    _data, meta, _ctype = emulator.store.get(BUCKET, "fused/uploads/selfies/selfie.jpg")
    assert meta["x-cos-meta-fuseface-action"] == "FuseFace"


def test_http_ultra_body_answers_200_with_a_fused_image(emulator):
    res = _replay(emulator, "apigw_post_ultra_json.json")
    assert res.result["statusCode"] == 200
    body = json.loads(res.result["body"])["Response"]
    assert _size(base64.b64decode(body["FusedImage"])) == TEMPLATE_SIZE
    assert res.calls.get("FuseFaceUltra") == 1 and res.fuseface_request_ids == [body["RequestId"]]


def test_fuseface_replay_command_with_the_ultra_upload(tmp_path, capsys):
    rc = cli_main(["replay", str(EVENTS / "cos_put_ultra.json"), "--data", str(tmp_path / "data")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert '"status": "fused"' in out and "OUTPUT fused/uploads/ultra/selfie.jpg" in out


def test_replaying_many_counts_fuseface_ultra_calls_apart(tmp_path, capsys):
    rc = cli_main(["replay", str(EVENTS / "cos_put_ultra.json"), str(EVENTS / "apigw_post_ultra_json.json"),
                   "--data", str(tmp_path / "data")])
    table = [line for line in capsys.readouterr().out.splitlines() if not line.startswith('{"time"')]
    assert rc == 0
    rows = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1] for line in table[2:] if "wall time" not in line}
    assert (rows["fused"], rows["FuseFace calls"], rows["FuseFaceUltra calls"]) == ("2", "0", "2")


def test_cos_put_with_a_template_key_then_replay_is_fuseface_ultra(tmp_path, capsys):
    from fuseface_local.emulator import ObjectStore

    from ..support.paths import FACES

    data = tmp_path / "data"
    assert cli_main(["cos", "put", str(FACES / "biden.jpg"), "--key", "uploads/me/biden.jpg", "--data", str(data),
                     "--template-key", TEMPLATE_KEY, "--meta", "fuseface-warp-radio:0.9"]) == 0
    event = json.loads(capsys.readouterr().out)
    meta = event["Records"][0]["cos"]["cosObject"]["meta"]
    assert (meta["x-cos-meta-fuseface-template-key"], meta["x-cos-meta-fuseface-warp-radio"]) == (TEMPLATE_KEY, "0.9")
    (tmp_path / "event.json").write_text(json.dumps(event), encoding="utf-8")
    assert cli_main(["replay", str(tmp_path / "event.json"), "--data", str(data)]) == 0  # seeds the template too
    assert "OUTPUT fused/uploads/me/biden.jpg" in capsys.readouterr().out
    fused, out_meta, _ctype = ObjectStore(data / "cos").get(BUCKET, "fused/uploads/me/biden.jpg")
    assert out_meta["x-cos-meta-fuseface-action"] == "FuseFaceUltra" and _size(fused) == TEMPLATE_SIZE
