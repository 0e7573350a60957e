"""Base of the two HTTP trigger handlers (API Gateway, Function URL): the event becomes an
:class:`~scf_fuseface.models.http_event.HttpRequest` (``parse``), served by the HTTP API. A malformed event is
a 400 reply; an invalid configuration is a 500 reply whose details stay in the log.

Time: a synchronous caller stops waiting at the gateway's (or the Function URL's) timeout, which may come before
the function's own. The budget is the smaller of the two (``FUSEFACE_HTTP_TIMEOUT_MS``, else the trigger's
``default_timeout_ms``), so no FuseFace retry starts after the client has gone."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Callable, ClassVar, Dict, Mapping, Optional

from ..config import Settings
from ..errors import FuseFaceError
from ..http_api import handle
from ..http_api.responses import error_response
from ..models.http_event import HttpRequest
from ..run import Run

__all__ = ["HttpTriggerHandler"]

log = logging.getLogger(__name__)


class HttpTriggerHandler:
    """Subclasses set ``trigger``, ``parse`` (event -> HttpRequest) and ``infer``."""

    trigger: ClassVar[str] = ""
    parse: Callable[[Mapping[str, Any]], HttpRequest]
    default_timeout_ms: ClassVar[Optional[int]] = None  # the client's wait when FUSEFACE_HTTP_TIMEOUT_MS is unset

    @classmethod
    def time_limit_ms(cls, settings: Settings, function_limit_ms: float) -> float:
        cap = settings.http_timeout_ms or cls.default_timeout_ms
        return min(float(function_limit_ms), float(cap)) if cap else float(function_limit_ms)

    @classmethod
    def configuration_error(cls, err: FuseFaceError, request_id: Optional[str]) -> Dict[str, Any]:
        return error_response(FuseFaceError(err.code, "Invalid function configuration."), request_id)

    def __init__(self, event: Mapping[str, Any], run: Run) -> None:
        self.event = event
        self.run = run

    def __call__(self) -> Dict[str, Any]:
        """Serve the event (a malformed event is a 400 reply)."""
        try:
            req = self.parse(self.event)
        except FuseFaceError as err:
            log.warning("bad http event", extra={"code": err.code, "error": err.message})
            return error_response(err, self.run.invocation_id or str(uuid.uuid4()))
        return handle(req, self.run)
