"""API 3.0 requests (``POST /`` on any non-COS Host) routed to the service they are signed for.

A TC3 ``Authorization`` names its service in the credential scope (``<SecretId>/<date>/<service>/tc3_request``):
``iai`` goes to ``iai_api``, everything else (``facefusion``, or a request too malformed to name one) to
``fuseface_api``, which answers the authentication error. A request without a readable scope is routed by
``X-TC-Version`` (``2020-03-03`` is iai's).
"""

from __future__ import annotations

import re

from werkzeug.wrappers import Request, Response

from . import fuseface_api, iai_api

__all__ = ["handle", "service_of"]

_SCOPE_RE = re.compile(r"Credential=[^/,]+/\d{4}-\d{2}-\d{2}/(?P<service>[a-z0-9-]+)/tc3_request")


def service_of(request: Request) -> str:
    """The service a request is signed for (``"iai"``, ``"facefusion"``, ...), ``""`` when it names none."""
    match = _SCOPE_RE.search(request.headers.get("Authorization", ""))
    if match:
        return match["service"]
    return iai_api.SERVICE if request.headers.get("X-TC-Version") == iai_api.VERSION else ""


def handle(ctx, request: Request) -> Response:
    if service_of(request) == iai_api.SERVICE:
        return iai_api.handle(ctx, request)
    return fuseface_api.handle(ctx, request)
