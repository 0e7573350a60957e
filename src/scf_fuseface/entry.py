"""The SCF entry point: ``main_handler(event, context)`` (``src/index.py`` re-exports it).

:class:`Function` is the function itself, built with the :class:`~scf_fuseface.run.Factories` of its SDK adapters;
``main_handler`` is the production instance (role credentials, COS, FuseFace). Tests build their own instance with
in-memory fakes.

Per invocation it configures JSON logging, loads the settings (validated once per cold start; a bad configuration is
one message naming every bad variable, answered by the trigger's ``configuration_error``), infers the trigger, and
runs the handler inside a time budget (``context["time_limit_in_ms"]``, for HTTP triggers capped by the client's
wait, ``FUSEFACE_HTTP_TIMEOUT_MS``; minus the elapsed time minus ``FUSEFACE_SAFETY_MARGIN_MS``).

Return values: COS -> ``{"trigger": "cos", "records": [{"status": fused|skipped|failed, ...}], ...}``;
HTTP -> the integrated response. An unrecognised event is logged (its top-level key names only) and answered
with ``{"error": {"Code": "InvalidParameterValue.InvalidEvent", ...}}`` without a traceback. Transient COS
failures are raised so that SCF retries the event.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Dict, Mapping, Optional

from . import log as jsonlog
from .adapters import preload
from .config import get_settings
from .errors import FuseFaceError
from .handlers import infer
from .retry import Budget
from .run import Factories, Run

__all__ = ["COLD_START_ERROR", "Function", "main_handler"]

log = logging.getLogger("scf_fuseface.entry")


def _cold_start() -> Optional[FuseFaceError]:
    """Validate the configuration at import (cold start) and log ONE line when it is bad."""
    try:
        get_settings()
    except FuseFaceError as err:
        jsonlog.configure()
        log.error("invalid configuration", extra={"code": err.code, "error": err.message})
        return err
    return None


COLD_START_ERROR = _cold_start()
SDKS_PRELOADED = preload()


def _context_dict(context: Any) -> Dict[str, Any]:
    if isinstance(context, Mapping):
        return dict(context)
    if context is None:
        return {}
    return {k: getattr(context, k) for k in ("request_id", "time_limit_in_ms", "function_name") if hasattr(context, k)}


def _event_keys(event: Any) -> Any:
    return sorted(str(k) for k in event)[:20] if isinstance(event, Mapping) else type(event).__name__


class Function:
    """The SCF function: ``Function(factories)(event, context)`` is one invocation."""

    def __init__(self, factories: Optional[Factories] = None) -> None:
        self.factories = factories if factories is not None else Factories()

    def __call__(self, event: Any, context: Any) -> Any:
        started = time.monotonic()
        ctx = _context_dict(context)
        request_id = ctx.get("request_id")
        jsonlog.configure()
        handler_cls = infer(event)
        trigger = handler_cls.trigger if handler_cls is not None else "unknown"
        with jsonlog.log_context(request_id=request_id, trigger=trigger):
            try:
                settings = get_settings()
            except FuseFaceError as err:
                log.error("invalid configuration", extra={"code": err.code, "error": err.message})
                if handler_cls is None:
                    raise
                return handler_cls.configuration_error(err, request_id)  # the details stay in the log
            logging.getLogger("scf_fuseface").setLevel(settings.log_level)
            if handler_cls is None:
                log.error("unrecognised event", extra={"event_keys": _event_keys(event)})
                return {"error": {"Code": "InvalidParameterValue.InvalidEvent",
                                  "Message": "The event matches no supported trigger (COS, API Gateway, Function URL)."}}
            function_limit = ctx.get("time_limit_in_ms") or settings.default_time_limit_ms
            limit = handler_cls.time_limit_ms(settings, float(function_limit))  # HTTP: capped by the client's wait
            budget = Budget(limit, margin_ms=settings.safety_margin_ms, started=started)
            run = Run(settings, budget, self.factories, invocation_id=request_id)
            log.info("invocation start", extra={"time_limit_ms": function_limit, "budget_ms": limit})
            try:
                result = handler_cls(event, run)()
            except FuseFaceError as err:
                log.error("invocation failed", extra={"code": err.code, "error": err.message, "retryable": err.retryable,
                                                      "duration_ms": round(budget.elapsed_ms(), 1)})
                if err.retryable:
                    raise
                return {"trigger": trigger, "error": err.to_error()}
            log.info("invocation end", extra={"duration_ms": round(budget.elapsed_ms(), 1)})
            return result


_PRODUCTION = Function()


def main_handler(event: Any, context: Any) -> Any:
    """SCF's handler (``index.main_handler``): the production :class:`Function`."""
    return _PRODUCTION(event, context)
