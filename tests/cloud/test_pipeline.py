"""The COS path with in-memory adapters: routing, recursion guard, idempotency, pre-validation, errors."""

from __future__ import annotations

import json

import pytest

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.handlers.cos import CosUploadHandler
from scf_fuseface.models.cos_event import CosEvent
from scf_fuseface.pipeline import process_record

from ..support.cloud import make_run, make_settings
from ..support.fakes import FakeFusion, FakeStorage
from ..support.images import jpeg_bytes
from ..support.paths import BUCKET, MODEL, PROJECT, load_event

KEY = f"uploads/{MODEL}/selfie.jpg"


def _record(name="cos_put.json", index=0):
    return CosEvent.model_validate(load_event(name)).records[index]


def _meta(storage, key):
    return storage.objects[(BUCKET, key)][2]


def test_put_is_fused_with_presigned_url_and_metadata():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes())
    result = process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert result.status == "fused" and result.output_key == f"fused/{KEY}"
    (params,) = fusion.calls
    assert params["ModelId"] == MODEL and params["ProjectId"] == PROJECT and params["RspImgType"] == "base64"
    assert params["LogoAdd"] == 1 and "FuseFaceDegree" not in params
    assert params["MergeInfos"][0]["Url"].startswith(f"https://{BUCKET}.cos.")
    (meta,) = params["FuseParam"]["ImageCodecParam"]["MetaData"]
    assert meta["MetaKey"] == "AIGC" and len(meta["MetaValue"]) <= 256 and json.loads(meta["MetaValue"])["Label"] == "1"
    data, ctype, out_meta = storage.objects[(BUCKET, f"fused/{KEY}")]
    assert data[:2] == b"\xff\xd8" and ctype == "image/jpeg"
    assert out_meta["x-cos-meta-fuseface-generated"] == "1"
    assert out_meta["x-cos-meta-fuseface-source-key"] == KEY
    assert out_meta["x-cos-meta-fuseface-model-id"] == MODEL
    assert out_meta["x-cos-meta-fuseface-request-id"] == "req-1"
    assert out_meta["x-cos-meta-fuseface-source-etag"].startswith("etag-")


def test_second_delivery_makes_no_fuseface_call():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes())
    run = make_run(storage=storage, fusion=fusion)
    assert process_record(_record(), run).status == "fused"
    again = process_record(_record(), run)
    assert (again.status, again.reason) == ("skipped", "already-fused")
    assert len(fusion.calls) == 1


def test_changed_parameters_fuse_again():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes())
    process_record(_record(), make_run(storage=storage, fusion=fusion))
    other = make_settings(FUSEFACE_FACE_DEGREE="70", FUSEFACE_RETRY_BASE_DELAY="0")
    assert process_record(_record(), make_run(other, storage=storage, fusion=fusion)).status == "fused"
    assert fusion.calls[1]["FuseFaceDegree"] == 70
    assert _meta(storage, f"fused/{KEY}")["x-cos-meta-fuseface-face-degree"] == "70"


def test_routing_by_metadata_and_degrees_from_metadata():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, "uploads/batch/astronaut.jpg", jpeg_bytes(),
                 {"x-cos-meta-fuseface-model-id": "qc_9_9_9", "x-cos-meta-fuseface-profile-degree": "40"})
    storage.seed(BUCKET, f"uploads/{MODEL}/batch/biden.jpg", jpeg_bytes())
    handler = CosUploadHandler(load_event("cos_multi_record.json"), make_run(storage=storage, fusion=fusion))
    result = handler()
    assert [r["status"] for r in result["records"]] == ["fused", "fused"] and result["fused"] == 2
    assert fusion.calls[0]["ModelId"] == MODEL
    assert fusion.calls[1]["ModelId"] == "qc_9_9_9" and fusion.calls[1]["FuseProfileDegree"] == 40


def test_key_segment_that_is_not_a_model_id_falls_back_to_config():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, "uploads/batch/astronaut.jpg", jpeg_bytes())
    settings = make_settings(FUSEFACE_MODEL_ID="qc_1_1_1", FUSEFACE_RETRY_BASE_DELAY="0")
    result = process_record(_record("cos_multi_record.json", 1), make_run(settings, storage=storage, fusion=fusion))
    assert result.status == "fused" and fusion.calls[0]["ModelId"] == "qc_1_1_1"


def test_no_model_id_anywhere_is_a_permanent_failure():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, "uploads/batch/astronaut.jpg", jpeg_bytes())
    result = process_record(_record("cos_multi_record.json", 1), make_run(storage=storage, fusion=fusion))
    assert result.status == "failed" and result.code == "MissingParameter" and fusion.calls == []
    record = json.loads(storage.objects[(BUCKET, "failed/uploads/batch/astronaut.jpg.json")][0])
    assert record["Code"] == "MissingParameter" and record["Source"]["Key"] == "uploads/batch/astronaut.jpg"


def test_encoded_key_resolves_to_the_decoded_object():
    storage, fusion = FakeStorage(), FakeFusion()
    real = f"uploads/{MODEL}/我的 自拍+1.jpg"
    storage.seed(BUCKET, real, jpeg_bytes())
    result = process_record(_record("cos_put_url_encoded_key.json"), make_run(storage=storage, fusion=fusion))
    assert result.status == "fused" and result.key == real
    meta = _meta(storage, f"fused/{real}")
    assert meta["x-cos-meta-fuseface-source-key"] == f"uploads/{MODEL}/%E6%88%91%E7%9A%84%20%E8%87%AA%E6%8B%8D%2B1.jpg"
    assert all(v.isascii() for v in meta.values())


def test_literal_percent_key_is_used_when_it_exists():
    storage, fusion = FakeStorage(), FakeFusion()
    encoded = _record("cos_put_url_encoded_key.json")
    storage.seed(BUCKET, encoded.object_key, jpeg_bytes())  # an object literally named with %XX
    storage.seed(BUCKET, encoded.key_candidates()[1], jpeg_bytes(300, 300))
    result = process_record(encoded, make_run(storage=storage, fusion=fusion))
    assert result.key == encoded.object_key


@pytest.mark.parametrize("name", ["cos_delete.json", "cos_own_output.json"])
def test_skips_without_any_cos_or_fuseface_call(name):
    storage, fusion = FakeStorage(), FakeFusion()
    result = process_record(_record(name), make_run(storage=storage, fusion=fusion))
    assert result.status == "skipped" and storage.calls == [] and fusion.calls == []


def test_generated_marker_outside_our_prefix_is_skipped():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes(), {"x-cos-meta-fuseface-generated": "1"})
    result = process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert result.status == "skipped" and result.reason == "own-output" and fusion.calls == []


@pytest.mark.parametrize(("data", "code"), [
    (b"just some text, not an image", "FailedOperation.ImageDecodeFailed"),
    (jpeg_bytes(60, 300), "FailedOperation.ImageResolutionTooSmall"),
    (b"GIF89a" + b"\0" * 20, "FailedOperation.ImageDecodeFailed"),
])
def test_prevalidation_failures_make_no_fuseface_call(data, code):
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, data)
    result = process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert result.status == "failed" and result.code == code and fusion.calls == []
    record = json.loads(storage.objects[(BUCKET, f"failed/{KEY}.json")][0])
    assert record["Code"] == code and "Time" in record and record["Source"]["ETag"]


def test_oversize_source_fails_from_head_alone():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes() + b"\0" * (10 * 1024 * 1024))
    result = process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert result.code == "FailedOperation.ImageSizeExceed"
    # the source's HEAD, then the failure record is written: no GET, no claim (no paid call is at stake)
    assert [c[0] for c in storage.calls] == ["HEAD", "PUT"]


def test_missing_source_is_a_permanent_failure():
    storage, fusion = FakeStorage(), FakeFusion()
    result = process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert result.status == "failed" and result.code == "ResourceNotFound.CosObject"


def test_sniff_reads_only_the_first_64k():
    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes())
    seen = []
    original = storage.get

    def spy(bucket, key, *, first_bytes=None):
        seen.append(first_bytes)
        return original(bucket, key, first_bytes=first_bytes)

    storage.get = spy
    process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert seen == [64 * 1024]


def test_exif_rotated_source_is_sent_upright_as_base64():
    import base64
    import io

    from PIL import Image

    storage, fusion = FakeStorage(), FakeFusion()
    storage.seed(BUCKET, KEY, jpeg_bytes(200, 120, orientation=6))
    assert process_record(_record(), make_run(storage=storage, fusion=fusion)).status == "fused"
    merge = fusion.calls[0]["MergeInfos"][0]
    assert "Url" not in merge
    with Image.open(io.BytesIO(base64.b64decode(merge["Image"]))) as img:
        assert img.size == (120, 200)


def test_permanent_fuseface_error_writes_failure_record_with_request_ids():
    storage, fusion = FakeStorage(), FakeFusion(errors=["FailedOperation.NoFaceDetected"])
    storage.seed(BUCKET, KEY, jpeg_bytes())
    result = process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert result.status == "failed" and len(fusion.calls) == 1
    record = json.loads(storage.objects[(BUCKET, f"failed/{KEY}.json")][0])
    assert record["Code"] == "FailedOperation.NoFaceDetected" and record["RequestIds"] == ["req-1"]
    assert record["Parameters"]["ModelId"] == MODEL
    assert "Image" not in json.dumps(record) and "q-signature" not in json.dumps(record)


def test_redelivered_permanent_failure_makes_no_second_call():
    storage, fusion = FakeStorage(), FakeFusion(errors=["FailedOperation.NoFaceDetected"])
    storage.seed(BUCKET, KEY, jpeg_bytes())
    run = make_run(storage=storage, fusion=fusion)
    assert process_record(_record(), run).status == "failed"
    again = process_record(_record(), run)
    assert again.status == "skipped" and again.reason == "already-failed" and len(fusion.calls) == 1
    storage.seed(BUCKET, KEY, jpeg_bytes(210, 240))  # a new upload under the same key is tried again
    assert process_record(_record(), run).status == "fused" and len(fusion.calls) == 2


def test_transient_errors_are_retried_then_succeed():
    storage, fusion = FakeStorage(), FakeFusion(errors=["RequestLimitExceeded", "FailedOperation.ServerError"])
    storage.seed(BUCKET, KEY, jpeg_bytes())
    result = process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert result.status == "fused" and len(fusion.calls) == 3 and result.fuseface_request_id == "req-3"


def test_transient_errors_beyond_the_attempts_are_raised():
    storage, fusion = FakeStorage(), FakeFusion(errors=["InternalError"] * 9)
    storage.seed(BUCKET, KEY, jpeg_bytes())
    with pytest.raises(FuseFaceError) as info:
        process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert info.value.code == "InternalError" and len(fusion.calls) == 5
    # a pending failure record (no source ETag: a redelivery still tries) keeps the upload if SCF drops the event
    body, _, meta = storage.objects[(BUCKET, f"failed/{KEY}.json")]
    assert json.loads(body)["Kind"] == "transient"
    assert "x-cos-meta-fuseface-source-etag" not in meta
    fusion.errors.clear()
    assert process_record(_record(), make_run(storage=storage, fusion=fusion)).status == "fused"
    assert (BUCKET, f"failed/{KEY}.json") not in storage.objects  # the later success removed it


def test_empty_fused_image_is_a_failure():
    storage = FakeStorage()
    storage.seed(BUCKET, KEY, jpeg_bytes())
    fusion = FakeFusion(errors=["FailedOperation.EmptyFusedImage"] * 9)
    with pytest.raises(FuseFaceError) as info:
        process_record(_record(), make_run(storage=storage, fusion=fusion))
    assert info.value.code == "FailedOperation.EmptyFusedImage"


def test_multi_record_continues_after_a_transient_error_then_raises():
    storage = FakeStorage()
    storage.seed(BUCKET, f"uploads/{MODEL}/batch/biden.jpg", jpeg_bytes())
    storage.seed(BUCKET, "uploads/batch/astronaut.jpg", jpeg_bytes(), {"x-cos-meta-fuseface-model-id": MODEL})
    fusion = FakeFusion(errors=["RequestLimitExceeded"] * 5)
    handler = CosUploadHandler(load_event("cos_multi_record.json"), make_run(storage=storage, fusion=fusion))
    with pytest.raises(FuseFaceError):
        handler()
    assert (BUCKET, "fused/uploads/batch/astronaut.jpg") in storage.objects  # the second record still ran
