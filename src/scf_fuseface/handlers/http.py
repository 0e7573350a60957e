"""Base of the two HTTP trigger handlers (API Gateway, Function URL): the event becomes an
:class:`~scf_fuseface.models.http_event.HttpRequest` (``parse``), served by the HTTP API. A malformed event is
a 400 reply; an invalid configuration is a 500 reply whose details stay in the log."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Callable, ClassVar, Dict, Mapping, Optional

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
