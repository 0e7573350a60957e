"""Activity and material IDs in both formats: routing by key, metadata and config; a ProjectId derived only from
the legacy ``qc_<project>_...`` format; a material without a usable activity refused before any paid call.

Example IDs are the FuseFace docs' own: ``at_1603326187690926080`` / ``mt_1603586676924403712_1`` (670/85618),
``mt_1597542526641664000`` (670/85633), ``300029`` / ``qc_300029_453345_1`` (the 2018-12-01 doc 670/37736).
"""

from __future__ import annotations

import json
import re

import pytest

from fuseface_local.eventgen import cos_event, cos_record, http_event, json_body
from scf_fuseface.config import load_settings
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.models.cos_event import parse_cos_event
from scf_fuseface.pipeline import process_record
from scf_fuseface.routing import route

from ..support.cloud import make_function, make_run, make_settings, scf_context
from ..support.fakes import FakeFusion, FakeStorage
from ..support.images import jpeg_bytes

AT = "at_1603326187690926080"
MT = "mt_1603586676924403712_1"
BUCKET = "fuseface-1250000000"


@pytest.mark.parametrize("segment, routed", [
    ("mt_1603586676924403712_1", True), ("mt_1597542526641664000", True), ("qc_300029_453345_1", True),
    ("at_1603326187690926080", False), ("batch", False), ("mt_", False), ("mt_12a_1", False),
    ("qc_300029_1", False), ("MT_1603586676924403712_1", False),
])
def test_the_default_pattern_routes_both_formats_by_key(segment, routed):
    settings = make_settings(FUSEFACE_MODEL_ID="mt_1000000000000000009_1")
    params, source = route(settings, f"uploads/{segment}/x.jpg", {})
    assert (params["ModelId"], source) == ((segment, "key") if routed else ("mt_1000000000000000009_1", "config"))


@pytest.mark.parametrize("model_id, config_project, project", [
    ("qc_300029_453345_1", None, "300029"),  # derived from the legacy ModelId
    ("qc_300029_453345_1", AT, "300029"),  # the legacy ModelId names its activity: it wins over the config
    (MT, AT, AT),
    ("mt_1597542526641664000", AT, AT),
])
def test_project_comes_from_a_legacy_model_id_only(model_id, config_project, project):
    env = {"FUSEFACE_PROJECT_ID": config_project} if config_project else {}
    settings = load_settings(env)
    params, _ = route(settings, f"uploads/{model_id}/x.jpg", {})
    assert params["ProjectId"] == project


def test_metadata_ids_in_the_current_format_win():
    settings = make_settings(FUSEFACE_MODEL_ID="qc_300029_453345_1")
    params, source = route(settings, "uploads/batch/x.jpg", {"x-cos-meta-fuseface-model-id": MT,
                                                            "x-cos-meta-fuseface-project-id": AT})
    assert (params["ProjectId"], params["ModelId"], source) == (AT, MT, "metadata")


@pytest.mark.parametrize("env, metadata, fragment", [
    ({}, {}, "needs its activity"),  # an mt_ ModelId does not name its activity: nothing configured
    ({"FUSEFACE_PROJECT_ID": "300029"}, {}, "legacy activity"),  # mt_ material, legacy all-digit activity
    ({}, {"x-cos-meta-fuseface-project-id": "300029"}, "legacy activity"),
])
def test_an_mt_upload_without_a_usable_activity_is_a_configuration_failure_before_any_call(env, metadata, fragment):
    storage, fusion = FakeStorage(), FakeFusion()
    key = f"uploads/{MT}/x.jpg"
    storage.seed(BUCKET, key, jpeg_bytes(), metadata)
    settings = load_settings(dict(env, FUSEFACE_RETRY_BASE_DELAY="0"))
    event = cos_event([cos_record(BUCKET, key)])
    (record,) = parse_cos_event(event).records
    outcome = process_record(record, make_run(settings, storage=storage, fusion=fusion))
    assert (outcome.status, outcome.code) == ("failed", "InvalidParameterValue.Configuration")
    assert fusion.calls == []  # refused before the paid call
    failure = json.loads(storage.objects[(BUCKET, f"failed/{key}.json")][0])
    assert failure["Code"] == "InvalidParameterValue.Configuration" and fragment in failure["Message"]
    assert MT in failure["Message"]


def test_a_legacy_model_id_with_another_activity_in_metadata_is_refused():
    settings = make_settings()
    with pytest.raises(FuseFaceError) as err:
        route(settings, "uploads/qc_300029_453345_1/x.jpg", {"x-cos-meta-fuseface-project-id": "300030"})
    assert err.value.code == "InvalidParameterValue.Configuration" and "300029" in err.value.message
    assert not err.value.retryable


def test_configured_ids_that_cannot_belong_together_are_refused_at_cold_start():
    with pytest.raises(FuseFaceError) as err:
        load_settings({"FUSEFACE_PROJECT_ID": "300029", "FUSEFACE_MODEL_ID": MT})
    assert err.value.code == "InvalidParameterValue.Configuration"
    assert "FUSEFACE_PROJECT_ID='300029'" in err.value.message and "FUSEFACE_MODEL_ID" in err.value.message
    # Each format on its own, and a legacy ModelId with any configured activity (it names its own), are fine.
    for env in ({"FUSEFACE_PROJECT_ID": AT, "FUSEFACE_MODEL_ID": MT}, {"FUSEFACE_MODEL_ID": MT},
                {"FUSEFACE_PROJECT_ID": AT, "FUSEFACE_MODEL_ID": "qc_300029_453345_1"}):
        assert load_settings(env).model_id == env["FUSEFACE_MODEL_ID"]


def test_the_documented_default_pattern_is_the_settings_default():
    pattern = load_settings({}).model_id_pattern
    assert re.match(pattern, MT) and re.match(pattern, "qc_300029_453345_1") and not re.match(pattern, AT)


def test_http_fuse_with_an_mt_model_and_no_activity_is_a_400_before_any_call(monkeypatch):
    for name in ("FUSEFACE_PROJECT_ID", "FUSEFACE_MODEL_ID"):
        monkeypatch.delenv(name, raising=False)
    fusion = FakeFusion()
    body = json_body({"ModelId": MT, "MergeInfos": [{"Url": "https://x.example/a.jpg"}]})
    resp = make_function(fusion=fusion)(http_event("POST", "/fuse", body=body, content_type="application/json"),
                                        scf_context())
    error = json.loads(resp["body"])["Response"]["Error"]
    assert resp["statusCode"] == 400 and error["Code"] == "MissingParameter" and MT in error["Message"]
    assert fusion.calls == []


def test_http_fuse_sends_the_configured_at_activity_with_a_requested_mt_model(monkeypatch):
    monkeypatch.setenv("FUSEFACE_PROJECT_ID", AT)
    fusion = FakeFusion()
    body = json_body({"ModelId": MT, "MergeInfos": [{"Url": "https://x.example/a.jpg"}]})
    resp = make_function(fusion=fusion)(http_event("POST", "/fuse", body=body, content_type="application/json"),
                                        scf_context())
    assert resp["statusCode"] == 200
    assert (fusion.calls[0]["ProjectId"], fusion.calls[0]["ModelId"]) == (AT, MT)
