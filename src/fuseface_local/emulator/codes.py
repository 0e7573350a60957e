"""The codes the emulator may answer with: only codes FuseFace has.

* :data:`ANSWERABLE` -- what the emulator answers by itself: the installed SDK's
  ``facefusion/v20220927/errorcodes.py`` (read at import, so an SDK upgrade updates it) and the common API 3.0 codes
  (doc https://cloud.tencent.com/document/product/1388/114322; research issue7.md §2).
* :data:`INJECTABLE` -- what a test may inject (``EmulatorServer.inject_error``): the above, plus the codes FuseFace
  *had* (earlier SDK releases, research issue7.md §1b/§1c/§1e), which a cloud still answering with an old code
  would send. Anything else is refused at injection time: a typo in a test, not a code of the cloud.
* :func:`answer_code` -- the code a refusal is answered with. The local engine has codes of its own
  (``engine.errors.LOCAL_CODES``) which stay in the CLI (``fuseface fuse``); over the API they become the FuseFace
  code that documents the same refusal best (:data:`LOCAL_TO_FUSEFACE`).
"""

from __future__ import annotations

from typing import Dict, FrozenSet

from tencentcloud.facefusion.v20220927 import errorcodes as _sdk_errorcodes

from ..engine.errors import LOCAL_CODES

__all__ = ["ANSWERABLE", "COMMON_CODES", "INJECTABLE", "LOCAL_TO_FUSEFACE", "UnanswerableCode", "answer_code"]

COMMON_CODES: FrozenSet[str] = frozenset({
    "ActionOffline", "AuthFailure.InvalidAuthorization", "AuthFailure.InvalidSecretId", "AuthFailure.MFAFailure",
    "AuthFailure.SecretIdNotFound", "AuthFailure.SignatureExpire", "AuthFailure.SignatureFailure",
    "AuthFailure.TokenFailure", "AuthFailure.UnauthorizedOperation", "DryRunOperation", "FailedOperation",
    "InternalError", "InvalidAction", "InvalidParameter", "InvalidParameterValue", "InvalidRequest", "IpInBlacklist",
    "IpNotInWhitelist", "LimitExceeded", "MissingParameter", "NoSuchProduct", "NoSuchVersion", "RequestLimitExceeded",
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded", "RequestLimitExceeded.IPLimitExceeded",
    "RequestLimitExceeded.UinLimitExceeded", "RequestSizeLimitExceeded", "ResourceInUse", "ResourceInsufficient",
    "ResourceNotFound", "ResourceUnavailable", "ResponseSizeLimitExceeded", "ServiceUnavailable",
    "UnauthorizedOperation", "UnknownParameter", "UnsupportedOperation", "UnsupportedProtocol", "UnsupportedRegion",
})

SDK_CODES: FrozenSet[str] = frozenset(
    value for name, value in vars(_sdk_errorcodes).items() if name.isupper() and isinstance(value, str)
)

# Codes of earlier releases: v20220927 3.0.812-3.0.1220, v20181201 (incl. those removed in 3.0.1081), intl SDK.
FORMER_CODES: FrozenSet[str] = frozenset({
    "FailedOperation.FaceBorderCheckFailed", "FailedOperation.FaceExceedBorder", "FailedOperation.FaceFusionError",
    "FailedOperation.FaceRectInvalid", "FailedOperation.FaceShapeFailed", "FailedOperation.FuseFreqCtrl",
    "FailedOperation.FuseImageError", "FailedOperation.FuseInnerError", "FailedOperation.FuseSavePhotoFail",
    "FailedOperation.ImagePixelExceed8000", "FailedOperation.ImageResolutionExceed",
    "FailedOperation.ImageSizeExceed10M", "FailedOperation.ProjectNotAuth", "FailedOperation.RequestEntityTooLarge",
    "InvalidParameterValue.ImageEmpty", "InvalidParameterValue.ImageIllegalDetected",
    "InvalidParameterValue.NoFaceInPhoto", "ResourceUnavailable.Delivering", "ResourceUnavailable.GetAuthInfoError",
    "ResourceUnavailable.LowBalance", "ResourceUnavailable.NotReady", "ResourceUnavailable.UnknownStatus",
    "ResourcesSoldOut.ChargeStatusException", "FailedOperation.ActivityStatusInvalid",
    "FailedOperation.FaceDetectFailed", "FailedOperation.FaceFeatureFailed", "FailedOperation.FacePoseFailed",
    "FailedOperation.FaceShapeInvalid", "FailedOperation.FuseBackendServerFault", "FailedOperation.FuseDetectNoFace",
    "FailedOperation.ImageSizeExceedFiveHundredKB", "FailedOperation.ImageUploadFailed",
    "FailedOperation.MaterialValueExceed", "InvalidParameterValue.EngineValueError",
    "FailedOperation.FuseMaterialNotAvailable",
})

ANSWERABLE: FrozenSet[str] = SDK_CODES | COMMON_CODES
INJECTABLE: FrozenSet[str] = ANSWERABLE | FORMER_CODES

# The engine's own refusals of a user face, as FuseFace answers them. FuseFace documents no blur or pose code;
# NoFaceDetected's own description is "无法检测出人脸, 人脸框配准分低于阈值" (no face can be detected: the face box's
# alignment score is below the threshold), i.e. a face the algorithm will not work with, which is what a blurred,
# half-turned or uncertain face is to a landmark aligner. ImageSizeInvalid ("图片尺寸过大或者过小；不满足算法要求")
# is about the image's size, not the face. Which code the real service answers for such a face is UNCONFIRMED.
LOCAL_TO_FUSEFACE: Dict[str, str] = {
    "FailedOperation.FaceTooBlurry": "FailedOperation.NoFaceDetected",
    "FailedOperation.FaceUnusable": "FailedOperation.NoFaceDetected",
}
assert set(LOCAL_TO_FUSEFACE) == set(LOCAL_CODES), "every local engine code needs a FuseFace code"


class UnanswerableCode(Exception):
    """A refusal whose code FuseFace does not have (an emulator bug: the test thread re-raises it)."""


def answer_code(code: str) -> str:
    """The code to answer a refusal ``code`` with; raises :class:`UnanswerableCode` for a code FuseFace lacks."""
    code = LOCAL_TO_FUSEFACE.get(code, code)
    if code not in ANSWERABLE:
        raise UnanswerableCode(f"the emulator tried to answer {code!r}, which FuseFace does not have")
    return code
