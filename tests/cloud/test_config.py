"""Settings from the environment: defaults, one error naming every bad variable, recursion refusal."""

from __future__ import annotations

import pytest

from scf_fuseface.config import credentials_from_env, load_settings
from scf_fuseface.errors import FuseFaceError

from ..support.paths import ROOT


def test_defaults():
    s = load_settings({})
    assert (s.region, s.endpoint, s.scheme, s.logo_add) == ("ap-guangzhou", "facefusion.tencentcloudapi.com", "https", 1)
    assert (s.output_prefix, s.failure_prefix, s.trigger_prefix) == ("fused/", "failed/", "uploads/")
    assert s.cos_ip is None and s.cors_origins == [] and s.api_keys == []


def test_values_are_parsed():
    s = load_settings({
        "FUSEFACE_SCHEME": "HTTP", "FUSEFACE_ENDPOINT": "127.0.0.1:9000", "FUSEFACE_TIMEOUT": "5",
        "FUSEFACE_COS_IP": "127.0.0.1", "FUSEFACE_COS_PORT": "9000", "FUSEFACE_FACE_DEGREE": "60",
        "FUSEFACE_CORS_ORIGINS": "https://a.example, https://b.example", "FUSEFACE_API_KEYS": "k1,k2",
        "FUSEFACE_OUTPUT_PREFIX": "/out", "FUSEFACE_LOGO_ADD": "0", "FUSEFACE_PROJECT_ID": "",
    })
    assert s.scheme == "http" and s.timeout == 5.0 and s.cos_port == 9000 and s.face_degree == 60
    assert s.cors_origins == ["https://a.example", "https://b.example"]
    assert s.api_key_values() == ("k1", "k2")
    assert s.output_prefix == "out/" and s.logo_add == 0 and s.project_id is None
    assert "k1" not in repr(s)


def test_one_error_names_every_bad_variable():
    with pytest.raises(FuseFaceError) as info:
        load_settings({
            "FUSEFACE_SCHEME": "ftp", "FUSEFACE_TIMEOUT": "soon", "FUSEFACE_FACE_DEGREE": "101",
            "FUSEFACE_COS_PORT": "99999", "FUSEFACE_REGION_MAP": "gz", "FUSEFACE_LOGO_ADD": "2",
            "FUSEFACE_OUTPUT_BUCKET": "no_appid", "FUSEFACE_MODEL_ID_PATTERN": "([", "FUSEFACE_PROJECT_ID": "at_1603326187690926080",
        })
    err = info.value
    assert err.code == "InvalidParameterValue.Configuration"
    for name in ("FUSEFACE_SCHEME", "FUSEFACE_TIMEOUT", "FUSEFACE_FACE_DEGREE", "FUSEFACE_COS_PORT",
                 "FUSEFACE_REGION_MAP", "FUSEFACE_LOGO_ADD", "FUSEFACE_OUTPUT_BUCKET", "FUSEFACE_MODEL_ID_PATTERN"):
        assert name in err.message
    assert "FUSEFACE_PROJECT_ID" not in err.message
    assert err.message.startswith("Invalid configuration (8 problem(s))")


@pytest.mark.parametrize(("env", "bad"), [
    ({"FUSEFACE_OUTPUT_PREFIX": "uploads/fused/"}, "FUSEFACE_OUTPUT_PREFIX"),
    ({"FUSEFACE_TRIGGER_PREFIX": ""}, "FUSEFACE_OUTPUT_PREFIX"),
    ({"FUSEFACE_FAILURE_PREFIX": "uploads/"}, "FUSEFACE_FAILURE_PREFIX"),
    ({"FUSEFACE_TRIGGER_PREFIX": "fused/x/"}, "FUSEFACE_OUTPUT_PREFIX"),
    ({"FUSEFACE_OUTPUT_BUCKET": "in-1250000000", "FUSEFACE_TRIGGER_BUCKET": "in-1250000000",
      "FUSEFACE_OUTPUT_PREFIX": "uploads/out/"}, "FUSEFACE_OUTPUT_PREFIX"),
])
def test_output_overlapping_the_trigger_is_refused(env, bad):
    with pytest.raises(FuseFaceError) as info:
        load_settings(env)
    assert bad in info.value.message and "re-trigger" in info.value.message


def test_other_output_bucket_may_reuse_the_prefix():
    s = load_settings({"FUSEFACE_OUTPUT_BUCKET": "out-1250000000", "FUSEFACE_TRIGGER_BUCKET": "in-1250000000",
                       "FUSEFACE_OUTPUT_PREFIX": "uploads/"})
    assert s.output_prefix == "uploads/"


def test_credentials_are_read_from_the_scf_names_only():
    creds = credentials_from_env({"TENCENTCLOUD_SECRETID": "AKIDx", "TENCENTCLOUD_SECRETKEY": "KEYVALUE9",
                                  "TENCENTCLOUD_SESSIONTOKEN": "TOKVALUE9"})
    assert (creds.secret_id, creds.secret_key, creds.token) == ("AKIDx", "KEYVALUE9", "TOKVALUE9")
    assert "KEYVALUE9" not in repr(creds) and "TOKVALUE9" not in repr(creds)
    assert credentials_from_env({"TENCENTCLOUD_SECRETID": "a", "TENCENTCLOUD_SECRETKEY": "b"}).token is None
    with pytest.raises(FuseFaceError) as info:
        credentials_from_env({"TENCENTCLOUD_SECRET_ID": "a", "TENCENTCLOUD_SECRET_KEY": "b"})
    assert info.value.code == "InvalidCredential"
    assert "TENCENTCLOUD_SECRETID" in info.value.message and "TENCENTCLOUD_SECRETKEY" in info.value.message


def test_every_variable_is_documented():
    from scf_fuseface.config import Settings

    doc = (ROOT / "README.md").read_text("utf-8")
    assert [f.alias for f in Settings.model_fields.values() if f"`{f.alias}`" not in doc] == []


def test_serverless_yml_environment_is_valid_and_matches_its_trigger_filter():
    import re

    text = (ROOT / "serverless.yml").read_text("utf-8")
    env = dict(re.findall(r"^\s+(FUSEFACE_[A-Z_]+):\s*'?([^'#\s]*)'?", text, flags=re.MULTILINE))
    assert "FUSEFACE_TRIGGER_PREFIX" in env
    settings = load_settings(env)
    filters = re.findall(r"^\s+prefix:\s*'?([^'#\s]*)'?", text, flags=re.MULTILINE)
    assert filters == [settings.trigger_prefix]
    assert not settings.output_prefix.startswith(settings.trigger_prefix)
