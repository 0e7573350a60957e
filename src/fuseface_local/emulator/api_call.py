"""What every emulated API 3.0 service does before an action runs, and the reply envelope it answers with.

:func:`read_call` reads one ``POST /`` request the way the API gateway does, for any service: the body (capped,
chunked bodies included), the TC3 signature for the service, the version, the action, the region (when the
service has a region list), and the JSON parameters. Any refusal is raised as ``AuthError`` / ``FuseFaceError``
for the service's ``handle`` to answer with :func:`error`.

Replies are always HTTP 200 with ``Content-Type: application/json`` exactly: the SDK does not raise an error
envelope served with any other Content-Type.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable, Dict, FrozenSet, Mapping, NamedTuple, Optional

from werkzeug.wrappers import Request, Response

from scf_fuseface.errors import FuseFaceError

from .auth import verify_tc3
from .cos_api import read_body
from .gateway import check_region, check_version
from .store import StoreError

__all__ = ["Call", "envelope", "error", "error_response", "read_call"]


class Call(NamedTuple):
    """An authenticated, routed API request: the action name, its view and its parameters."""

    action: str
    view: Callable[[Any, Dict[str, Any]], Dict[str, Any]]
    params: Dict[str, Any]


def envelope(payload: Mapping[str, Any], request_id: str) -> Response:
    """Tencent's ``{"Response": {..., "RequestId"}}`` reply."""
    body = json.dumps({"Response": {**payload, "RequestId": request_id}}, ensure_ascii=False)
    response = Response(body.encode("utf-8"), status=200)
    response.headers["Content-Type"] = "application/json"  # exactly: the SDK ignores errors otherwise
    return response


def error(code: str, message: str, request_id: str) -> Response:
    """Tencent's error envelope ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``."""
    return envelope({"Error": {"Code": code, "Message": message}}, request_id)


def error_response(code: str, message: str) -> Response:
    """An error envelope with a fresh RequestId (used for unexpected emulator failures)."""
    return error(code, message, str(uuid.uuid4()))


def read_call(ctx: Any, request: Request, *, service: str, version: str,
              actions: Mapping[str, Callable[[Any, Dict[str, Any]], Dict[str, Any]]], max_body: int,
              regions: Optional[FrozenSet[str]] = None) -> Call:
    """The request's action, view and parameters after the gateway's checks (``ctx`` is the ``EmulatorApp``;
    its call counter counts the action first). ``regions=None``: the service takes any region."""
    action = request.headers.get("X-TC-Action", "")
    if action:
        ctx.count(action)
    try:
        body = read_body(request, max_body)  # also caps chunked bodies, which declare no length
    except StoreError as exc:  # cut short, stalled or badly chunked
        raise FuseFaceError("InvalidParameter", exc.message) from None
    if body is None:
        raise FuseFaceError("RequestSizeLimitExceeded", f"The request body exceeds {max_body // (1024 * 1024)} MB.")
    verify_tc3(ctx.creds, method=request.method, path=request.path, query=request.query_string.decode(),
               headers=request.headers, body=body, service=service)
    check_version(request.headers.get("X-TC-Version"), version, service)
    view = actions.get(action)
    if view is None:
        raise FuseFaceError("InvalidAction", f"The action {action!r} does not exist.")
    if regions is not None:
        check_region(regions, request.headers.get("X-TC-Region"))
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        raise FuseFaceError("InvalidParameter", "The request body is not valid JSON.") from None
    if not isinstance(params, dict):
        raise FuseFaceError("InvalidParameter", "The request body must be a JSON object.")
    return Call(action, view, params)
