"""The error catalogue against sources we did not write.

* The installed SDK's ``facefusion/v20220927/errorcodes.py`` (and ``v20181201``) is *parsed* (its constants' string
  values): every code must have an explicit ``CATALOG`` entry, and every code must be in ``EXPECTED`` below, so a
  new SDK release fails here until someone decides the code's class.
* ``EXPECTED`` holds the class of every code as a literal: the current SDK's codes, the codes of earlier releases
  (research notes issue7.md §1b/§1c/§1e: 3.0.812-3.0.1220, v20181201, the international SDK) and the common API 3.0
  codes (doc 1388/114322, 213/30435). Frequency control and inner errors are transient; account and resource state
  permanent.
"""

from __future__ import annotations

import ast
import importlib.util
import logging
from pathlib import Path
from typing import List

import pytest

from scf_fuseface.errors import CATALOG, known, spec_for

T, I, C, A = "transient", "input", "config", "account"  # noqa: E741 - one-letter columns keep the table readable

EXPECTED = {
    # facefusion v20220927 errorcodes.py, SDK 3.1.70 (39 codes)
    "FailedOperation": I, "FailedOperation.BalanceInsufficient": A, "FailedOperation.FaceSizeTooSmall": I,
    "FailedOperation.FuseMaterialNotAuth": C, "FailedOperation.FuseMaterialNotExist": C,
    "FailedOperation.ImageDecodeFailed": I, "FailedOperation.ImageDownloadError": I,
    "FailedOperation.ImagePixelExceed": I, "FailedOperation.ImageResolutionTooSmall": I,
    "FailedOperation.ImageSizeExceed": I, "FailedOperation.ImageSizeInvalid": I, "FailedOperation.InnerError": T,
    "FailedOperation.MediaDataError": C, "FailedOperation.ModerationConfigError": C,
    "FailedOperation.ModerationFailed": I, "FailedOperation.ModerationResponseError": T,
    "FailedOperation.ModerationResultConfigError": C, "FailedOperation.NoFaceDetected": I,
    "FailedOperation.ParameterValueError": I, "FailedOperation.RequestTimeout": T, "FailedOperation.RpcFail": T,
    "FailedOperation.ServerError": T, "FailedOperation.TemplateFaceIDNotExist": I, "FailedOperation.UnKnowError": T,
    "FailedOperation.Unknown": T, "InvalidParameterValue.ActivityIdNotFound": C,
    "InvalidParameterValue.FaceRectParameterValueError": I, "InvalidParameterValue.MaterialIdNotFound": C,
    "InvalidParameterValue.ParameterValueError": I, "InvalidParameterValue.UrlIllegal": I,
    "RequestLimitExceeded": T, "ResourceInsufficient": A, "ResourceNotFound": C, "ResourceUnavailable.Freeze": A,
    "ResourceUnavailable.InArrears": A, "ResourceUnavailable.IsOpening": A, "ResourceUnavailable.NotExist": A,
    "ResourceUnavailable.Recover": A, "ResourceUnavailable.StopUsing": A,
    # v20220927 in 3.0.812-3.0.1220 only (23 codes)
    "FailedOperation.FaceBorderCheckFailed": I, "FailedOperation.FaceExceedBorder": I,
    "FailedOperation.FaceFusionError": I, "FailedOperation.FaceRectInvalid": I, "FailedOperation.FaceShapeFailed": I,
    "FailedOperation.FuseFreqCtrl": T, "FailedOperation.FuseImageError": I, "FailedOperation.FuseInnerError": T,
    "FailedOperation.FuseSavePhotoFail": T, "FailedOperation.ImagePixelExceed8000": I,
    "FailedOperation.ImageResolutionExceed": I, "FailedOperation.ImageSizeExceed10M": I,
    "FailedOperation.ProjectNotAuth": C, "FailedOperation.RequestEntityTooLarge": I,
    "InvalidParameterValue.ImageEmpty": I, "InvalidParameterValue.ImageIllegalDetected": I,
    "InvalidParameterValue.NoFaceInPhoto": I, "ResourceUnavailable.Delivering": A,
    "ResourceUnavailable.GetAuthInfoError": A, "ResourceUnavailable.LowBalance": A,
    "ResourceUnavailable.NotReady": A, "ResourceUnavailable.UnknownStatus": A,
    "ResourcesSoldOut.ChargeStatusException": A,
    # v20181201 (installed: the legacy set above plus AuthFailure.InvalidAuthorization) and its codes removed in
    # 3.0.1081; the international SDK's FuseMaterialNotAvailable
    "FailedOperation.ActivityStatusInvalid": C, "FailedOperation.FaceDetectFailed": I,
    "FailedOperation.FaceFeatureFailed": I, "FailedOperation.FacePoseFailed": I,
    "FailedOperation.FaceShapeInvalid": I, "FailedOperation.FuseBackendServerFault": T,
    "FailedOperation.FuseDetectNoFace": I, "FailedOperation.ImageSizeExceedFiveHundredKB": I,
    "FailedOperation.ImageUploadFailed": T, "FailedOperation.MaterialValueExceed": C,
    "InvalidParameterValue.EngineValueError": C, "FailedOperation.FuseMaterialNotAvailable": C,
    # common API 3.0 codes
    "ActionOffline": C, "AuthFailure.InvalidAuthorization": C, "AuthFailure.InvalidSecretId": C,
    "AuthFailure.MFAFailure": C, "AuthFailure.SecretIdNotFound": C, "AuthFailure.SignatureExpire": T,
    "AuthFailure.SignatureFailure": C, "AuthFailure.TokenFailure": C, "AuthFailure.UnauthorizedOperation": C,
    "DryRunOperation": C, "InternalError": T, "InvalidAction": C, "InvalidParameter": I,
    "InvalidParameterValue": I, "InvalidRequest": I, "IpInBlacklist": C, "IpNotInWhitelist": C,
    "LimitExceeded": C, "MissingParameter": I, "NoSuchProduct": C, "NoSuchVersion": C,
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded": T, "RequestLimitExceeded.IPLimitExceeded": T,
    "RequestLimitExceeded.UinLimitExceeded": T, "RequestSizeLimitExceeded": I, "ResourceInUse": C,
    "ResourceUnavailable": A, "ResponseSizeLimitExceeded": I, "ServiceUnavailable": T,
    "UnauthorizedOperation": C, "UnknownParameter": C, "UnsupportedOperation": I, "UnsupportedProtocol": I,
    "UnsupportedRegion": C,
}


def sdk_codes(version: str) -> List[str]:
    """The string values of the constants in the installed SDK's ``facefusion/<version>/errorcodes.py``."""
    spec = importlib.util.find_spec(f"tencentcloud.facefusion.{version}.errorcodes")
    assert spec is not None and spec.origin
    tree = ast.parse(Path(spec.origin).read_text("utf-8"))
    codes = [node.value.value for node in tree.body
             if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
             and isinstance(node.value.value, str)
             and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)]
    assert codes, f"no constants parsed from {spec.origin}"
    return codes


@pytest.mark.parametrize("version", ["v20220927", "v20181201"])
def test_every_code_of_the_installed_sdk_has_an_explicit_entry_and_a_decided_class(version):
    codes = sdk_codes(version)
    assert [c for c in codes if c not in CATALOG] == []
    assert [c for c in codes if c not in EXPECTED] == []


def test_the_parser_sees_the_whole_current_file():
    codes = sdk_codes("v20220927")
    assert len(codes) >= 39  # SDK 3.1.70 (research issue7.md §1a)
    assert {"FailedOperation.NoFaceDetected", "ResourceUnavailable.NotExist", "RequestLimitExceeded"} <= set(codes)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_the_class_of_every_code(code):
    assert known(code)  # an explicit entry, not one inherited from a dotted parent
    spec = spec_for(code)
    assert spec.kind == EXPECTED[code]
    assert spec.retryable is (EXPECTED[code] == T)


@pytest.mark.parametrize("code, kind", [
    ("FailedOperation.FuseFreqCtrl", T), ("FailedOperation.FuseInnerError", T),  # were permanent by their parent
    ("ResourceUnavailable.LowBalance", A), ("ResourcesSoldOut.ChargeStatusException", A),  # were transient
    ("UnknownParameter", C), ("IpNotInWhitelist", C), ("ResourceUnavailable.NotReady", A),
])
def test_the_codes_the_issue_names(code, kind):
    assert spec_for(code).kind == kind


@pytest.mark.parametrize("code, kind", [
    ("FailedOperation.SomethingNew", I),  # its parent FailedOperation: a permanent input error
    ("RequestLimitExceeded.SomethingNew", T),
    ("ResourceUnavailable.SomethingNew", A),
    ("Brand.New.Code", T),  # no catalogued parent: transient (bounded by SCF's retries)
])
def test_an_unknown_code_takes_its_closest_parent_else_transient(code, kind):
    assert not known(code)
    assert spec_for(code).kind == kind


def test_the_adapter_logs_an_uncatalogued_code(caplog):
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    from scf_fuseface.adapters.facefusion import _sdk_error

    with caplog.at_level(logging.WARNING, logger="scf_fuseface.adapters.facefusion"):
        err = _sdk_error(TencentCloudSDKException("FailedOperation.BrandNew", "new", "req-9"))
        _sdk_error(TencentCloudSDKException("FailedOperation.NoFaceDetected", "no face", "req-10"))
    assert err.code == "FailedOperation.BrandNew" and err.request_id == "req-9"
    (record,) = [r for r in caplog.records if r.getMessage() == "uncatalogued FuseFace error code"]
    assert record.code == "FailedOperation.BrandNew" and record.treated_as == I
