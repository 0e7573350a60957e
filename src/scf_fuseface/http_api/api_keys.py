"""API keys (``FUSEFACE_API_KEYS``): header ``X-Api-Key``, compared with every key in constant time."""

from __future__ import annotations

import hmac

from ..config import Settings
from ..errors import FuseFaceError
from ..models.http_event import HttpRequest

__all__ = ["check_api_key"]


def check_api_key(settings: Settings, req: HttpRequest) -> None:
    """Raise ``UnauthorizedOperation.ApiKey`` unless keys are off or ``X-Api-Key`` is one of them."""
    keys = settings.api_key_values()
    if not keys:
        return
    given = req.header("x-api-key").encode("utf-8")
    ok = False
    for key in keys:  # compare against every key: no early exit
        ok |= hmac.compare_digest(given, key.encode("utf-8"))
    if not ok:
        raise FuseFaceError("UnauthorizedOperation.ApiKey", "A valid X-Api-Key header is required.")
