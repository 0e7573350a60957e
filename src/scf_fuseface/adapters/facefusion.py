"""FuseFace 2022-09-27 through ``tencentcloud-sdk-python-facefusion`` (sync client, typed models:
``FuseFaceRequest``, ``FuseFaceUltraRequest``, ``DescribeMaterialListRequest``).

``TencentCloudSDKException`` -> ``FuseFaceError(code, message, request_id=...)``; the SDK's client-side codes
(``ClientNetworkError``, ``ServerNetworkError``, ``JSONDecodeError``, ``KeyError``) are in the catalogue as
transient. A response without ``FusedImage`` (e.g. an error body with the wrong Content-Type, which the SDK does
not raise) is ``FailedOperation.EmptyFusedImage``. The region breaker stays off; no SDK retryer (we retry).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional

from ..config import Credentials, Settings
from ..errors import FuseFaceError, known, spec_for
from .base import FuseFaceResult

__all__ = ["FuseFaceClient"]

log = logging.getLogger(__name__)


def _sdk_error(exc: Any) -> FuseFaceError:
    code = getattr(exc, "code", None) or "InternalError"
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(message, bytes):
        message = message[:200].decode("utf-8", "replace")
    request_id = getattr(exc, "requestId", None)
    if not known(str(code)):  # classified by its dotted parent (errors.spec_for): worth adding to the catalogue
        log.warning("uncatalogued FuseFace error code",
                    extra={"code": str(code), "treated_as": spec_for(str(code)).kind, "fuseface_request_id": request_id})
    return FuseFaceError(str(code), str(message)[:500], request_id=request_id)


class FuseFaceClient:
    """One configured SDK client (implements :class:`~scf_fuseface.adapters.base.FusionClient`); ``timeout`` (s)
    caps each HTTP call (the remaining budget, at most ``FUSEFACE_TIMEOUT``). The class itself is the production
    ``FusionFactory``."""

    def __init__(self, settings: Settings, creds: Credentials, *, timeout: Optional[float] = None) -> None:
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.facefusion.v20220927 import facefusion_client, models

        self._models = models
        self._sdk_exception = TencentCloudSDKException
        req_timeout = max(1, int(round(timeout if timeout is not None else settings.timeout)))
        try:
            cred = credential.Credential(creds.secret_id, creds.secret_key, creds.token)
        except TencentCloudSDKException as exc:
            raise _sdk_error(exc) from None
        http = HttpProfile(protocol=settings.scheme, endpoint=settings.endpoint, reqTimeout=req_timeout)
        profile = ClientProfile(httpProfile=http, language="en-US", disable_region_breaker=True)
        self._client = facefusion_client.FacefusionClient(cred, settings.region, profile)

    def _call(self, action: str, params: Dict[str, Any]) -> Any:
        """``{action}Request`` from wire-named ``params``, sent; SDK exceptions become ``FuseFaceError``."""
        req = getattr(self._models, f"{action}Request")()
        req.from_json_string(json.dumps(params))
        try:
            return getattr(self._client, action)(req)
        except self._sdk_exception as exc:
            raise _sdk_error(exc) from None

    def _fused(self, action: str, params: Dict[str, Any]) -> FuseFaceResult:
        resp = self._call(action, params)
        if not resp.FusedImage:
            raise FuseFaceError(
                "FailedOperation.EmptyFusedImage", f"{action} answered without a FusedImage.", request_id=resp.RequestId
            )
        return FuseFaceResult(resp.FusedImage, resp.RequestId)

    def fuse(self, params: Dict[str, Any]) -> FuseFaceResult:
        """Call ``FuseFace`` with wire-named ``params``; raises ``FuseFaceError``."""
        return self._fused("FuseFace", params)

    def fuse_ultra(self, params: Dict[str, Any]) -> FuseFaceResult:
        """Call ``FuseFaceUltra`` (``FuseFaceUltraRequest``) with wire-named ``params``; raises ``FuseFaceError``."""
        return self._fused("FuseFaceUltra", params)

    def describe_materials(self, activity_id: str, *, material_id: Optional[str] = None,
                           limit: int = 20, offset: int = 0) -> Dict[str, Any]:
        """``DescribeMaterialList`` -> ``{"MaterialInfos": [...], "Count": n, "RequestId": ...}``."""
        params: Dict[str, Any] = {"ActivityId": activity_id, "Limit": limit, "Offset": offset}
        if material_id:
            params["MaterialId"] = material_id
        return json.loads(self._call("DescribeMaterialList", params).to_json_string())
