"""Every code FuseFace has or had, with the retry class we expect for it, as literals (expected values for the
tests; sources: the installed SDK's errorcodes.py, earlier SDK releases and the international SDK as read in research
notes issue7.md §1a-§1e, the common API 3.0 codes of doc 1388/114322 and 213/30435 in §2).

``transient``: retried (frequency control, inner/backend errors). ``input``/``config``/``account``: permanent
(account and resource state included).
"""

from __future__ import annotations

__all__ = ["A", "C", "EXPECTED", "I", "T"]

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
