"""FuseFace 2022-09-27 through ``tencentcloud-sdk-python-facefusion`` (sync client, typed models:
``FuseFaceRequest``, ``FuseFaceUltraRequest``, ``DescribeMaterialListRequest``).

The client is built and SDK exceptions translated in ``sdk.py`` (shared with iai). A response without ``FusedImage`` (e.g. an error body with the wrong Content-Type, which the SDK does
not raise) is ``FailedOperation.EmptyFusedImage``. The region breaker stays off; no SDK retryer (we retry).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional

from ..config import Credentials, Settings
from ..errors import FuseFaceError
from .base import FuseFaceResult
from .sdk import SdkClient

__all__ = ["FuseFaceClient"]

log = logging.getLogger(__name__)


class FuseFaceClient(SdkClient):
    """One configured SDK client (implements :class:`~scf_fuseface.adapters.base.FusionClient`); ``timeout`` (s)
    caps each HTTP call (the remaining budget, at most ``FUSEFACE_TIMEOUT``). The class itself is the production
    ``FusionFactory``."""

    def __init__(self, settings: Settings, creds: Credentials, *, timeout: Optional[float] = None) -> None:
        from tencentcloud.facefusion.v20220927 import facefusion_client, models

        super().__init__(settings, creds, client_cls=facefusion_client.FacefusionClient, models=models,
                         endpoint=settings.endpoint, timeout=timeout)

    def _fused(self, action: str, params: Dict[str, Any]) -> FuseFaceResult:
        resp = self.call(action, params)
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
        return json.loads(self.call("DescribeMaterialList", params).to_json_string())
