"""SDK exceptions become FuseFaceError in the adapters (and only there); the adapters and the test fakes
implement the declared contracts (``adapters/base.py``)."""

from __future__ import annotations

import inspect

import pytest
from qcloud_cos import CosClientError, CosServiceError
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from scf_fuseface.adapters.base import FusionClient, Storage
from scf_fuseface.adapters.cos import CosStorage, _cos_error
from scf_fuseface.adapters.facefusion import FuseFaceClient
from scf_fuseface.adapters.sdk import sdk_error as _sdk_error
from scf_fuseface.config import Credentials

from ..support.cloud import make_settings
from ..support.fakes import FakeFusion, FakeStorage

_STORAGE_METHODS = ("head", "get", "put", "presign_get")
_FUSION_METHODS = ("fuse", "fuse_ultra", "describe_materials")


def _parameters(cls, method):
    return [(p.name, p.kind, p.default) for p in inspect.signature(getattr(cls, method)).parameters.values()]


@pytest.mark.parametrize(("implementation", "contract", "methods"), [
    (CosStorage, Storage, _STORAGE_METHODS), (FakeStorage, Storage, _STORAGE_METHODS),
    (FuseFaceClient, FusionClient, _FUSION_METHODS), (FakeFusion, FusionClient, _FUSION_METHODS),
], ids=lambda v: getattr(v, "__name__", "methods"))
def test_adapters_and_fakes_implement_their_contract(implementation, contract, methods):
    assert issubclass(implementation, contract)
    for method in methods:
        assert _parameters(implementation, method) == _parameters(contract, method), method


@pytest.mark.parametrize(("code", "retryable"), [
    ("FailedOperation.NoFaceDetected", False), ("RequestLimitExceeded", True), ("ClientNetworkError", True),
    ("ServerNetworkError", True), ("ResourceUnavailable.InArrears", False), ("InternalError", True),
])
def test_sdk_exception_mapping(code, retryable):
    err = _sdk_error(TencentCloudSDKException(code, "msg", "req-9"))
    assert (err.code, err.message, err.request_id, err.retryable) == (code, "msg", "req-9", retryable)


def _cos_service_error(status, code):
    xml = f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>m</Message><Resource>r</Resource><RequestId>rq</RequestId></Error>"
    return CosServiceError("GET", xml, status)


@pytest.mark.parametrize(("status", "code", "ours", "retryable"), [
    (404, "NoSuchKey", "ResourceNotFound.CosObject", False),
    (403, "AccessDenied", "FailedOperation.StorageRejected", False),
    (404, "NoSuchBucket", "FailedOperation.StorageRejected", False),
    (503, "ServiceUnavailable", "FailedOperation.StorageError", True),
    (500, "InternalError", "FailedOperation.StorageError", True),
])
def test_cos_service_error_mapping(status, code, ours, retryable):
    err = _cos_error(_cos_service_error(status, code), "GET", "b-1", "k")
    assert (err.code, err.retryable) == (ours, retryable)
    assert code in err.message and err.request_id == "rq"


def test_cos_client_error_is_transient():
    err = _cos_error(CosClientError("connection refused"), "PUT", "b-1", "k")
    assert err.code == "FailedOperation.StorageError" and err.retryable


def test_cos_error_with_unparseable_body():
    err = _cos_error(CosServiceError("HEAD", "", 404), "HEAD", "b-1", "k")
    assert err.code == "ResourceNotFound.CosObject" and err.request_id is None


def test_fuseface_client_uses_configured_endpoint_and_no_breaker():
    settings = make_settings(FUSEFACE_SCHEME="http", FUSEFACE_ENDPOINT="127.0.0.1:1", FUSEFACE_TIMEOUT="7")
    client = FuseFaceClient(settings, Credentials("AKIDx", "key", "tok"), timeout=3.4)
    profile = client._client.profile
    assert profile.httpProfile.endpoint == "127.0.0.1:1" and profile.httpProfile.scheme == "http"
    assert profile.httpProfile.reqTimeout == 3 and profile.disable_region_breaker is True


def test_fuseface_connection_refused_is_client_network_error():
    from scf_fuseface.errors import FuseFaceError

    settings = make_settings(FUSEFACE_SCHEME="http", FUSEFACE_ENDPOINT="127.0.0.1:9")
    with pytest.raises(FuseFaceError) as info:
        FuseFaceClient(settings, Credentials("AKIDx", "key")).fuse(
            {"ProjectId": "1", "ModelId": "m", "RspImgType": "base64", "MergeInfos": [{"Url": "http://x"}]})
    assert info.value.code == "ClientNetworkError" and info.value.retryable


def test_empty_credentials_are_invalid_credential():
    from scf_fuseface.errors import FuseFaceError

    with pytest.raises(FuseFaceError) as info:
        FuseFaceClient(make_settings(), Credentials(" AKID", "key"))
    assert info.value.code == "InvalidCredential"
