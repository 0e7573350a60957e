"""FuseFaceUltra for COS uploads with in-memory adapters: template references, routing (key, metadata, config),
Ultra parameters from metadata and configuration, and the upload pipeline (template checks, presigned URLs,
metadata, idempotency with the template's ETag)."""

from __future__ import annotations

import json

import pytest

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.models.cos_event import CosEvent
from scf_fuseface.pipeline import process_record
from scf_fuseface.routing import route
from scf_fuseface.ultra import parse_template_ref

from ..support.cloud import make_run, make_settings
from ..support.fakes import FakeFusion, FakeStorage
from ..support.images import jpeg_bytes, png_bytes
from ..support.paths import BUCKET, MODEL, PROJECT, load_event

MB = 1024 * 1024
TEMPLATE = "templates/poster.jpg"
KEY = f"uploads/{MODEL}/selfie.jpg"  # the key of events/cos_put.json (a current-format mt_ ModelId)
LEGACY_KEY = "uploads/qc_300029_453345_1/selfie.jpg"  # a legacy qc_ ModelId in the key
PLAIN_KEY = "uploads/selfies/selfie.jpg"  # no ModelId in the key


def test_template_reference_forms():
    assert parse_template_ref("templates/a.jpg", BUCKET) == (BUCKET, "templates/a.jpg")
    assert parse_template_ref("art-1250000001/t/a.jpg", BUCKET) == ("art-1250000001", "t/a.jpg")
    assert parse_template_ref("/art-1250000001/a.jpg", BUCKET) == (BUCKET, "art-1250000001/a.jpg")
    for bad in ("art-1250000001/", "dir/"):
        with pytest.raises(FuseFaceError) as err:
            parse_template_ref(bad, BUCKET)
        assert err.value.code == "InvalidParameterValue"


def test_routing_precedence():
    cfg = make_settings(FUSEFACE_ULTRA_TEMPLATE_KEY=TEMPLATE, FUSEFACE_MODEL_ID=MODEL)
    params, source = route(cfg, PLAIN_KEY, {}, bucket=BUCKET)
    assert (params.action, source, params["TemplateKey"]) == ("FuseFaceUltra", "config", TEMPLATE)
    params, source = route(cfg, KEY, {}, bucket=BUCKET)  # the key names a current mt_ material: FuseFace
    assert (params.action, source, params["ModelId"], params["ProjectId"]) == ("FuseFace", "key", MODEL, PROJECT)
    params, source = route(cfg, LEGACY_KEY, {}, bucket=BUCKET)  # a legacy qc_ material too, with its own activity
    assert (params.action, source, params["ModelId"], params["ProjectId"]) == (
        "FuseFace", "key", "qc_300029_453345_1", "300029")
    params, source = route(cfg, PLAIN_KEY, {"x-cos-meta-fuseface-model-id": MODEL}, bucket=BUCKET)
    assert (params.action, source) == ("FuseFace", "metadata")
    params, source = route(make_settings(FUSEFACE_MODEL_ID=MODEL), KEY,
                           {"x-cos-meta-fuseface-template-key": "other-1250000009/t.png"}, bucket=BUCKET)
    assert (params.action, source, params["TemplateBucket"]) == ("FuseFaceUltra", "metadata", "other-1250000009")
    with pytest.raises(FuseFaceError) as err:
        route(cfg, PLAIN_KEY, {"x-cos-meta-fuseface-template-key": TEMPLATE,
                               "x-cos-meta-fuseface-model-id": MODEL}, bucket=BUCKET)
    assert err.value.code == "InvalidParameterValue"


def test_ultra_parameters_from_metadata_win_over_config():
    cfg = make_settings(FUSEFACE_ULTRA_TEMPLATE_KEY=TEMPLATE, FUSEFACE_ULTRA_SWAP_MODEL_TYPE="2",
                        FUSEFACE_ULTRA_WARP_RADIO="0.1", FUSEFACE_ULTRA_ENHANCE_RADIO="0.8")
    params, _ = route(cfg, PLAIN_KEY, {"x-cos-meta-fuseface-swap-model-type": "6",
                                       "x-cos-meta-fuseface-warp-radio": "0.9",
                                       "x-cos-meta-fuseface-teeth-enhance-radio": "0"}, bucket=BUCKET)
    assert params.api_params() == {"SwapModelType": 6, "LogoAdd": 1,
                                   "FusionUltraParam": {"WarpRadio": 0.9, "EnhanceRadio": 0.8, "TeethEnhanceRadio": 0.0}}


@pytest.mark.parametrize(("header", "value"), [
    ("x-cos-meta-fuseface-swap-model-type", "7"), ("x-cos-meta-fuseface-swap-model-type", "1.5"),
    ("x-cos-meta-fuseface-mp-radio", "2"), ("x-cos-meta-fuseface-enhance-radio", "lots"),
])
def test_bad_ultra_metadata_is_invalid_parameter(header, value):
    with pytest.raises(FuseFaceError) as err:
        route(make_settings(), PLAIN_KEY, {"x-cos-meta-fuseface-template-key": TEMPLATE, header: value}, bucket=BUCKET)
    assert err.value.code == "InvalidParameterValue" and header in err.value.message


@pytest.mark.parametrize(("name", "value"), [
    ("FUSEFACE_ULTRA_SWAP_MODEL_TYPE", "0"), ("FUSEFACE_ULTRA_WARP_RADIO", "1.01"), ("FUSEFACE_ULTRA_MP_RADIO", "x"),
    ("FUSEFACE_ULTRA_TEMPLATE_KEY", "templates/"),
])
def test_bad_ultra_configuration_is_named(name, value):
    with pytest.raises(FuseFaceError) as err:
        make_settings(**{name: value})
    assert err.value.code == "InvalidParameterValue.Configuration" and name in err.value.message


def _plain_record():
    event = load_event("cos_put.json")
    event["Records"][0]["cos"]["cosObject"]["key"] = f"/1250000000/fuseface/{PLAIN_KEY}"
    return CosEvent.model_validate(event).records[0]


def _ultra_run(storage, fusion, **env):
    env.setdefault("FUSEFACE_ULTRA_TEMPLATE_KEY", TEMPLATE)
    settings = make_settings(FUSEFACE_RETRY_BASE_DELAY="0", **env)
    return make_run(settings, storage=storage, fusion=fusion)


def test_upload_with_config_template_is_fused_by_ultra_with_two_presigned_urls():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, PLAIN_KEY, jpeg_bytes())
    storage.seed(BUCKET, TEMPLATE, jpeg_bytes(600, 800))
    result = process_record(_plain_record(), _ultra_run(storage, fusion, FUSEFACE_ULTRA_SWAP_MODEL_TYPE="4"))
    assert result.status == "fused" and result.output_key == "fused/uploads/selfies/selfie.jpg"
    assert fusion.actions == ["FuseFaceUltra"]
    (sent,) = fusion.calls
    assert sent["ModelUrl"].startswith(f"https://{BUCKET}.cos.") and TEMPLATE in sent["ModelUrl"]
    assert PLAIN_KEY in sent["MergeInfos"][0]["Url"]
    assert sent["SwapModelType"] == 4 and sent["LogoAdd"] == 1 and sent["RspImgType"] == "base64"
    assert not {"ProjectId", "ModelId", "FuseParam", "TemplateKey", "TemplateETag"} & set(sent)
    meta = storage.objects[(BUCKET, result.output_key)][2]
    assert meta["x-cos-meta-fuseface-action"] == "FuseFaceUltra"
    assert meta["x-cos-meta-fuseface-template-key"] == TEMPLATE
    assert meta["x-cos-meta-fuseface-template-bucket"] == BUCKET
    assert meta["x-cos-meta-fuseface-template-etag"] == storage.head(BUCKET, TEMPLATE).etag
    assert meta["x-cos-meta-fuseface-swap-model-type"] == "4"
    assert "x-cos-meta-fuseface-model-id" not in meta


def test_fuseface_outputs_say_their_action():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes())
    result = process_record(CosEvent.model_validate(load_event("cos_put.json")).records[0],
                            make_run(storage=storage, fusion=fusion))
    assert storage.objects[(BUCKET, result.output_key)][2]["x-cos-meta-fuseface-action"] == "FuseFace"


def test_a_changed_template_fuses_again_and_an_unchanged_one_does_not():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, PLAIN_KEY, jpeg_bytes())
    storage.seed(BUCKET, TEMPLATE, jpeg_bytes(600, 800))
    assert process_record(_plain_record(), _ultra_run(storage, fusion)).status == "fused"
    again = process_record(_plain_record(), _ultra_run(storage, fusion))
    assert (again.status, again.reason, len(fusion.calls)) == ("skipped", "already-fused", 1)
    storage.seed(BUCKET, TEMPLATE, png_bytes(600, 800))  # a new template under the same key
    assert process_record(_plain_record(), _ultra_run(storage, fusion)).status == "fused"
    assert len(fusion.calls) == 2


def test_template_in_another_bucket():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, PLAIN_KEY, jpeg_bytes(), {"x-cos-meta-fuseface-template-key": "art-1250000001/p.png"})
    storage.seed("art-1250000001", "p.png", png_bytes(500, 500))
    assert process_record(_plain_record(), make_run(storage=storage, fusion=fusion)).status == "fused"
    assert fusion.calls[0]["ModelUrl"].startswith("https://art-1250000001.cos.")


@pytest.mark.parametrize(("template", "code"), [
    (None, "ResourceNotFound.CosObject"),
    (jpeg_bytes(8000, 120), "FailedOperation.ImagePixelExceed"),
    (b"not an image at all", "FailedOperation.ImageDecodeFailed"),
])
def test_a_bad_template_is_a_failure_record_and_no_call(template, code):
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, PLAIN_KEY, jpeg_bytes())
    if template is not None:
        storage.seed(BUCKET, TEMPLATE, template)
    result = process_record(_plain_record(), _ultra_run(storage, fusion))
    assert (result.status, result.code) == ("failed", code) and fusion.calls == []
    record = json.loads(storage.objects[(BUCKET, "failed/uploads/selfies/selfie.jpg.json")][0])
    assert record["Code"] == code and record["Parameters"]["TemplateKey"] == TEMPLATE
    assert storage.objects[(BUCKET, "failed/uploads/selfies/selfie.jpg.json")][2]["x-cos-meta-fuseface-action"] \
        == "FuseFaceUltra"


def test_a_template_over_20_mb_is_refused_from_its_head():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, PLAIN_KEY, jpeg_bytes())
    storage.seed(BUCKET, TEMPLATE, jpeg_bytes(600, 800) + b"\0" * (20 * MB))
    result = process_record(_plain_record(), _ultra_run(storage, fusion))
    assert result.code == "FailedOperation.ImageSizeExceed" and fusion.calls == []
    assert ("GET", BUCKET, TEMPLATE) not in storage.calls  # decided from the HEAD alone


def test_ultra_upload_between_4096_and_8000_px_is_sent():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, PLAIN_KEY, jpeg_bytes(5000, 300))
    storage.seed(BUCKET, TEMPLATE, jpeg_bytes(600, 800))
    assert process_record(_plain_record(), _ultra_run(storage, fusion)).status == "fused"


def test_the_template_uploaded_under_the_trigger_prefix_is_not_fused_with_itself():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, PLAIN_KEY, jpeg_bytes(600, 800))
    result = process_record(_plain_record(), _ultra_run(storage, fusion, FUSEFACE_ULTRA_TEMPLATE_KEY=PLAIN_KEY))
    assert (result.status, result.reason) == ("skipped", "template") and fusion.calls == []
