"""COS event models: every COS fixture parses; keys, buckets, sizes, regions; secrets stay hidden."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from scf_fuseface.models.cos_event import CosEvent

from ..support.cloud import make_settings
from ..support.paths import BUCKET, MODEL, event_files, load_event

COS_FIXTURES = [p.name for p in event_files() if p.name.startswith("cos_")]


def _record(key: str, *, size=10, event_name="cos:ObjectCreated:Put", region="gz", name="fuseface",
            appid="1250000000", headers=None) -> dict:
    return {
        "cos": {"cosObject": {"key": key, "size": size, "meta": {}}, "cosBucket": {"region": region, "name": name,
                                                                                   "appid": appid}},
        "event": {"eventName": event_name, "eventSource": "qcs::cos",
                  "requestParameters": {"requestHeaders": headers or {}}},
    }


def test_there_are_cos_fixtures():
    assert len(COS_FIXTURES) >= 6


@pytest.mark.parametrize("name", COS_FIXTURES)
def test_every_cos_fixture_parses(name):
    event = CosEvent.model_validate(load_event(name))
    assert len(event.records) == len(load_event(name)["Records"])
    for record in event.records:
        assert record.bucket == BUCKET
        assert not record.object_key.startswith("/")
        assert isinstance(record.cos.cos_object.size, int)


def test_simple_put_key_and_bucket():
    record = CosEvent.model_validate(load_event("cos_put.json")).records[0]
    assert record.object_key == f"uploads/{MODEL}/selfie.jpg"
    assert record.is_created
    assert record.region_code == "gz"


def test_multi_record_processes_string_size():
    records = CosEvent.model_validate(load_event("cos_multi_record.json")).records
    assert [r.object_key for r in records] == [f"uploads/{MODEL}/batch/biden.jpg", "uploads/batch/astronaut.jpg"]
    assert records[1].cos.cos_object.size == 65665
    assert records[1].cos.cos_object.meta["x-cos-meta-fuseface-model-id"] == MODEL


def test_delete_is_not_created():
    record = CosEvent.model_validate(load_event("cos_delete.json")).records[0]
    assert not record.is_created


def test_url_encoded_key_candidates_decode_to_unicode():
    raw = CosEvent.model_validate(load_event("cos_put_unicode_space_key.json")).records[0]
    encoded = CosEvent.model_validate(load_event("cos_put_url_encoded_key.json")).records[0]
    assert raw.object_key == f"uploads/{MODEL}/我的 自拍+1.jpg"
    assert raw.key_candidates()[0] == raw.object_key
    assert encoded.object_key.endswith("%2B1.jpg")
    assert raw.object_key in encoded.key_candidates()
    assert encoded.key_candidates()[0] == encoded.object_key  # raw form is tried first


def test_plus_decoding_variants():
    record = CosEvent.model_validate({"Records": [_record("/1250000000/fuseface/uploads/a+b%20c.jpg")]}).records[0]
    assert record.key_candidates() == ["uploads/a+b%20c.jpg", "uploads/a+b c.jpg", "uploads/a b c.jpg"]


def test_key_without_appid_prefix_strips_leading_slash():
    record = CosEvent.model_validate({"Records": [_record("/test.jpg", size="1024")]}).records[0]
    assert record.object_key == "test.jpg"
    assert record.cos.cos_object.size == 1024


def test_bucket_name_already_suffixed_and_int_appid():
    record = CosEvent.model_validate(
        {"Records": [_record("/1250000000/fuseface-1250000000/k.jpg", name="fuseface-1250000000", appid=1250000000)]}
    ).records[0]
    assert record.bucket == BUCKET
    assert record.object_key == "k.jpg"


def test_authorization_header_never_printed():
    secret = "q-sign-algorithm=sha1&q-ak=AKIDSECRETSECRET&q-signature=deadbeef"
    event = CosEvent.model_validate({"Records": [_record("/1/b/k.jpg", headers={"Authorization": secret})]})
    assert "AKIDSECRETSECRET" not in repr(event)
    assert "AKIDSECRETSECRET" not in str(event)
    assert "AKIDSECRETSECRET" not in json.dumps(event.model_dump(mode="json"))
    headers = event.records[0].event.request_parameters.request_headers
    assert headers["Authorization"].get_secret_value() == secret


def test_wrong_event_source_is_rejected():
    bad = _record("/1/b/k.jpg")
    bad["event"]["eventSource"] = "qcs::cmq"
    with pytest.raises(ValidationError):
        CosEvent.model_validate({"Records": [bad]})


@pytest.mark.parametrize(("code", "region"), [
    ("gz", "ap-guangzhou"), ("sh", "ap-shanghai"), ("bj", "ap-beijing"), ("cd", "ap-chengdu"),
    ("cq", "ap-chongqing"), ("hk", "ap-hongkong"), ("sgp", "ap-singapore"), ("ap-nanjing", "ap-nanjing"),
])
def test_region_codes(code, region):
    assert make_settings().cos_region_for(code) == region


def test_region_map_and_cos_region_override():
    s = make_settings(FUSEFACE_REGION_MAP="gz=ap-shenzhen-fsi, xx=ap-tokyo")
    assert s.cos_region_for("gz") == "ap-shenzhen-fsi"
    assert s.cos_region_for("xx") == "ap-tokyo"
    assert s.cos_region_for("sh") == "ap-shanghai"
    assert make_settings(FUSEFACE_COS_REGION="ap-seoul").cos_region_for("gz") == "ap-seoul"


def test_unknown_region_code_is_a_config_error():
    from scf_fuseface.errors import FuseFaceError

    with pytest.raises(FuseFaceError) as info:
        make_settings().cos_region_for("zz")
    assert info.value.code == "InvalidParameterValue.Configuration"
    assert "FUSEFACE_REGION_MAP" in info.value.message
