"""One error type for the whole package, with FuseFace's own codes.

Every code FuseFace 2022-09-27 can return (the installed SDK's ``facefusion/v20220927/errorcodes.py``), every code
earlier SDK releases listed (v20220927 3.0.812-3.0.1220, v20181201, the international SDK), the common TencentCloud
API 3.0 codes, the SDK's client-side codes, and a few of our own (``tests/cloud/test_error_catalogue.py`` parses the
installed SDK and fails on a code without an explicit entry), each with

* ``http_status`` -- what the HTTP endpoint answers with;
* ``kind`` -- ``input`` (the caller's image or parameters), ``config`` (activity/material/credentials),
  ``account`` (billing state), ``transient`` (try again later);
* ``retryable`` -- ``kind == "transient"``: SCF should retry (raise), everything else is recorded and returned.
  Frequency control and inner errors are transient; account and resource state, input and configuration are not.

This module imports nothing outside the standard library. The local engine (``fuseface_local``) raises the same
type; its few codes of its own are documented there and never leave the local CLI (the emulator maps them to
FuseFace codes before answering).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

__all__ = ["CATALOG", "ErrorSpec", "FuseFaceError", "known", "spec_for"]


@dataclass(frozen=True)
class ErrorSpec:
    http_status: int
    kind: str  # input | config | account | transient
    description: str

    @property
    def retryable(self) -> bool:
        return self.kind == "transient"


def _s(status: int, kind: str, description: str) -> ErrorSpec:
    return ErrorSpec(status, kind, description)


CATALOG: Dict[str, ErrorSpec] = {
    # --- FuseFace v20220927 errorcodes.py (SDK 3.1.70, unchanged since 3.0.1252) -----------------------------
    "FailedOperation": _s(422, "input", "Operation failed."),
    "FailedOperation.BalanceInsufficient": _s(403, "account", "Balance insufficient; top up the account."),
    "FailedOperation.FaceSizeTooSmall": _s(422, "input", "The face is too small; it must be at least 34x34 px."),
    "FailedOperation.FuseMaterialNotAuth": _s(400, "config", "The material has not passed review."),
    "FailedOperation.FuseMaterialNotExist": _s(400, "config", "The material does not exist."),
    "FailedOperation.ImageDecodeFailed": _s(415, "input", "The image could not be decoded (jpg or png only)."),
    "FailedOperation.ImageDownloadError": _s(422, "input", "The image could not be downloaded from its Url."),
    "FailedOperation.ImagePixelExceed": _s(422, "input", "The image is too large in pixels (each side < 4096 for "
                                                         "FuseFace, < 8000 for FuseFaceUltra)."),
    "FailedOperation.ImageResolutionTooSmall": _s(422, "input", "The image is too small (each side > 64 px)."),
    "FailedOperation.ImageSizeExceed": _s(413, "input", "The image data is too large (FuseFace: base64 <= 5 MB, url "
                                                        "<= 10 MB; FuseFaceUltra: base64 <= 10 MB, url <= 20 MB)."),
    "FailedOperation.ImageSizeInvalid": _s(422, "input", "The image size does not suit the algorithm."),
    "FailedOperation.InnerError": _s(502, "transient", "Internal service error."),
    "FailedOperation.MediaDataError": _s(400, "config", "The material data is empty."),
    "FailedOperation.ModerationConfigError": _s(400, "config", "The moderation configuration is empty."),
    "FailedOperation.ModerationFailed": _s(422, "input", "The image failed moderation."),
    "FailedOperation.ModerationResponseError": _s(502, "transient", "The moderation result was empty."),
    "FailedOperation.ModerationResultConfigError": _s(400, "config", "The moderation result configuration is empty."),
    "FailedOperation.NoFaceDetected": _s(422, "input", "No face was detected in the image."),
    "FailedOperation.ParameterValueError": _s(400, "input", "A parameter field or value is wrong."),
    "FailedOperation.RequestTimeout": _s(504, "transient", "The backend timed out."),
    "FailedOperation.RpcFail": _s(502, "transient", "An internal RPC failed."),
    "FailedOperation.ServerError": _s(502, "transient", "Internal server error."),
    "FailedOperation.TemplateFaceIDNotExist": _s(400, "input", "The material face ID does not exist."),
    "FailedOperation.UnKnowError": _s(502, "transient", "Internal error."),
    "FailedOperation.Unknown": _s(502, "transient", "Unknown error."),
    "InvalidParameterValue.ActivityIdNotFound": _s(400, "config", "The activity (ProjectId) was not found."),
    "InvalidParameterValue.FaceRectParameterValueError": _s(
        400, "input", "The face rect is invalid or smaller than 30x30."
    ),
    "InvalidParameterValue.MaterialIdNotFound": _s(400, "config", "The material (ModelId) was not found."),
    "InvalidParameterValue.ParameterValueError": _s(400, "input", "A parameter field or value is wrong."),
    "InvalidParameterValue.UrlIllegal": _s(400, "input", "The URL is malformed."),
    "RequestLimitExceeded": _s(429, "transient", "Request rate limit exceeded."),
    # Account and resource state: permanent. Retrying cannot top up, unfreeze or activate an account, and SCF's
    # retries (1 minute apart) would only repeat the call; the failure record keeps the upload for a later re-run.
    "ResourceInsufficient": _s(403, "account", "Resources (e.g. the resource package) are insufficient."),
    "ResourceNotFound": _s(400, "config", "The resource does not exist."),
    "ResourceUnavailable.Freeze": _s(403, "account", "The account is frozen."),
    "ResourceUnavailable.InArrears": _s(403, "account", "The account is in arrears."),
    "ResourceUnavailable.IsOpening": _s(403, "account", "The service is still being activated."),
    "ResourceUnavailable.NotExist": _s(403, "account", "The service is not activated for this account."),
    "ResourceUnavailable.Recover": _s(403, "account", "The resource has been reclaimed."),
    "ResourceUnavailable.StopUsing": _s(403, "account", "The account is suspended."),
    # --- FuseFace v20220927, earlier releases only (3.0.812-3.0.1220; removed in 3.0.1226) ---------------------
    "FailedOperation.FaceBorderCheckFailed": _s(422, "input", "Face landmarks fall outside the image."),
    "FailedOperation.FaceExceedBorder": _s(422, "input", "The face extends beyond the image border."),
    "FailedOperation.FaceFusionError": _s(422, "input", "The fusion failed; try another image."),
    "FailedOperation.FaceRectInvalid": _s(400, "input", "The face rect is invalid."),
    "FailedOperation.FaceShapeFailed": _s(422, "input", "Face alignment failed."),
    "FailedOperation.FuseFreqCtrl": _s(429, "transient", "Too frequent: frequency control."),
    "FailedOperation.FuseImageError": _s(422, "input", "The image could not be processed."),
    "FailedOperation.FuseInnerError": _s(502, "transient", "Internal service error; retry."),
    "FailedOperation.FuseSavePhotoFail": _s(502, "transient", "Saving the result image failed."),
    "FailedOperation.ImagePixelExceed8000": _s(422, "input", "The image is larger than 8000x8000 px."),
    "FailedOperation.ImageResolutionExceed": _s(422, "input", "The image resolution is too large."),
    "FailedOperation.ImageSizeExceed10M": _s(413, "input", "The base64 image is larger than 10 MB."),
    "FailedOperation.ProjectNotAuth": _s(400, "config", "The activity is not paid for or is disabled."),
    "FailedOperation.RequestEntityTooLarge": _s(413, "input", "The request entity is too large."),
    "InvalidParameterValue.ImageEmpty": _s(400, "input", "The image is empty."),
    "InvalidParameterValue.ImageIllegalDetected": _s(422, "input", "The image failed content review."),
    "InvalidParameterValue.NoFaceInPhoto": _s(422, "input", "The image has no face."),
    "ResourceUnavailable.Delivering": _s(403, "account", "The resource is still being delivered."),
    "ResourceUnavailable.GetAuthInfoError": _s(403, "account", "The account's authorisation could not be read."),
    "ResourceUnavailable.LowBalance": _s(403, "account", "Balance insufficient."),
    "ResourceUnavailable.NotReady": _s(403, "account", "The service is not activated."),
    "ResourceUnavailable.UnknownStatus": _s(403, "account", "The billing status is unknown."),
    "ResourcesSoldOut.ChargeStatusException": _s(403, "account", "The account is in arrears."),
    # --- FuseFace v20181201 only (removed in 3.0.1081) and the international SDK ------------------------------
    "FailedOperation.ActivityStatusInvalid": _s(400, "config", "The activity's status is invalid."),
    "FailedOperation.FaceDetectFailed": _s(422, "input", "Face detection failed."),
    "FailedOperation.FaceFeatureFailed": _s(422, "input", "Face feature extraction failed."),
    "FailedOperation.FacePoseFailed": _s(422, "input", "Face pose detection failed."),
    "FailedOperation.FaceShapeInvalid": _s(422, "input", "The face landmarks are invalid."),
    "FailedOperation.FuseBackendServerFault": _s(502, "transient", "The fusion backend failed."),
    "FailedOperation.FuseDetectNoFace": _s(422, "input", "No face was detected."),
    "FailedOperation.FuseMaterialNotAvailable": _s(400, "config", "The material is not available."),
    "FailedOperation.ImageSizeExceedFiveHundredKB": _s(413, "input", "The base64 image is larger than 500 KB."),
    "FailedOperation.ImageUploadFailed": _s(502, "transient", "Uploading the image failed."),
    "FailedOperation.MaterialValueExceed": _s(400, "config", "Too many materials."),
    "InvalidParameterValue.EngineValueError": _s(400, "config", "The activity's algorithm version is invalid."),
    # --- Common TencentCloud API 3.0 codes (doc 1388/114322, 213/30435) -------------------------------------
    "ActionOffline": _s(400, "config", "The action is offline."),
    "AuthFailure": _s(401, "config", "Authentication failed."),
    "AuthFailure.InvalidAuthorization": _s(401, "config", "The Authorization header is not a valid TC3 header."),
    "AuthFailure.InvalidSecretId": _s(401, "config", "The SecretId is invalid."),
    "AuthFailure.MFAFailure": _s(401, "config", "MFA failed."),
    "AuthFailure.SecretIdNotFound": _s(401, "config", "The SecretId does not exist."),
    "AuthFailure.SignatureExpire": _s(401, "transient", "The signature expired (clock skew over 5 minutes)."),
    "AuthFailure.SignatureFailure": _s(401, "config", "The signature is wrong."),
    "AuthFailure.TokenFailure": _s(401, "config", "The session token is wrong or expired."),
    "AuthFailure.UnauthorizedOperation": _s(403, "config", "The request is not authorised."),
    "DryRunOperation": _s(400, "config", "A DryRun request (it would have succeeded)."),
    "InternalError": _s(502, "transient", "Internal error."),
    "InvalidAction": _s(400, "config", "The action does not exist."),
    "InvalidParameter": _s(400, "input", "A parameter is wrong (format or type)."),
    "InvalidParameterValue": _s(400, "input", "A parameter value is wrong."),
    "InvalidRequest": _s(400, "input", "The request is malformed."),
    "IpInBlacklist": _s(403, "config", "The caller's IP is in the account's blacklist."),
    "IpNotInWhitelist": _s(403, "config", "The caller's IP is not in the account's whitelist."),
    "LimitExceeded": _s(400, "config", "A quota was exceeded."),
    "MissingParameter": _s(400, "input", "A required parameter is missing."),
    "NoSuchProduct": _s(400, "config", "The product does not exist."),
    "NoSuchVersion": _s(400, "config", "The API version does not exist."),
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded": _s(429, "transient", "Account rate limit exceeded."),
    "RequestLimitExceeded.IPLimitExceeded": _s(429, "transient", "IP rate limit exceeded."),
    "RequestLimitExceeded.UinLimitExceeded": _s(429, "transient", "Account rate limit exceeded."),
    "RequestSizeLimitExceeded": _s(413, "input", "The request is too large."),
    "ResourceInUse": _s(400, "config", "The resource is in use."),
    "ResourceUnavailable": _s(403, "account", "The resource is unavailable."),
    "ResponseSizeLimitExceeded": _s(413, "input", "The response would be too large (use RspImgType=url)."),
    "ServiceUnavailable": _s(503, "transient", "The service is temporarily unavailable."),
    "UnauthorizedOperation": _s(403, "config", "The request is not authorised."),
    "UnknownParameter": _s(400, "config", "The request carries a parameter the API does not define."),
    "UnsupportedOperation": _s(400, "input", "Unsupported operation."),
    "UnsupportedProtocol": _s(400, "input", "Unsupported protocol."),
    "UnsupportedRegion": _s(400, "config", "The API does not serve this region."),
    # --- SDK client-side codes (TencentCloudSDKException without an API code) -------------------------------
    "ClientNetworkError": _s(504, "transient", "The FuseFace endpoint could not be reached or timed out."),
    "ServerNetworkError": _s(502, "transient", "The FuseFace endpoint answered with a non-200 status."),
    "JSONDecodeError": _s(502, "transient", "The FuseFace endpoint answered with something that is not JSON."),
    "KeyError": _s(502, "transient", "The FuseFace endpoint answered without a Response."),
    "InvalidCredential": _s(401, "config", "The credentials are empty or malformed."),
    # --- Ours ---------------------------------------------------------------------------------------------
    "FailedOperation.EmptyFusedImage": _s(502, "transient", "FuseFace answered without a FusedImage."),
    "FailedOperation.StorageError": _s(502, "transient", "COS failed or could not be reached."),
    "InvalidParameterValue.UnsupportedMediaType": _s(415, "input", "The body is not jpg, png, JSON or multipart."),
    "InvalidParameterValue.InvalidEvent": _s(400, "input", "The event does not match any supported trigger."),
    "ResourceNotFound.Route": _s(404, "input", "No such route."),
    "UnsupportedOperation.MethodNotAllowed": _s(405, "input", "The route does not answer this HTTP method."),
    "UnauthorizedOperation.ApiKey": _s(401, "config", "A valid API key is required."),
    "InvalidParameterValue.Configuration": _s(500, "config", "The function's environment configuration is invalid."),
    "ResourceNotFound.CosObject": _s(404, "input", "The COS object does not exist."),
    "FailedOperation.StorageRejected": _s(502, "config", "COS refused the request (access, bucket or argument)."),
    "RequestSizeLimitExceeded.Response": _s(413, "input", "The reply would exceed SCF's 6 MB limit."),
    "FailedOperation.UploadInProgress": _s(503, "transient", "Another invocation is fusing this upload."),
}

_UNKNOWN = ErrorSpec(502, "transient", "Unknown error.")


def spec_for(code: str) -> ErrorSpec:
    """The catalogue entry for ``code``.

    A code without an entry (one FuseFace adds after this catalogue was written) inherits its closest dotted parent
    (``FailedOperation.X`` -> ``FailedOperation``: a permanent input error; ``RequestLimitExceeded.X`` -> transient;
    ``ResourceUnavailable.X`` -> account): Tencent groups codes by that prefix, so the parent's class is the best
    evidence there is. A code with no catalogued parent at all is transient: SCF retries an event at most twice
    (1 minute apart) before the dead-letter queue, so a wrong guess costs a few calls, while a wrong "permanent"
    would end the upload at once. The adapter logs every uncatalogued code (``known``) so it can be added.
    """
    probe = code
    while probe:
        spec = CATALOG.get(probe)
        if spec is not None:
            return spec
        probe = probe.rpartition(".")[0]
    return _UNKNOWN


def known(code: str) -> bool:
    """True when ``code`` has its own catalogue entry (not one inherited from a parent)."""
    return code in CATALOG


class FuseFaceError(Exception):
    """An error with a FuseFace-style dotted ``code``, a human ``message`` and an optional ``request_id``."""

    def __init__(self, code: str, message: Optional[str] = None, *, request_id: Optional[str] = None) -> None:
        self.code = code
        self.message = message or spec_for(code).description
        self.request_id = request_id
        super().__init__(f"{code}: {self.message}")

    @property
    def spec(self) -> ErrorSpec:
        return spec_for(self.code)

    @property
    def http_status(self) -> int:
        return self.spec.http_status

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def retryable(self) -> bool:
        return self.spec.retryable

    def to_error(self) -> dict:
        """The ``Error`` object of Tencent's envelope."""
        return {"Code": self.code, "Message": self.message}
