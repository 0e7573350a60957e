"""The contract of a trigger handler (the role of Mangum's ``LambdaHandler`` Protocol).

A handler class recognises its own events with a cheap ``infer`` (a key only its trigger has), gives the time an
invocation may take (``time_limit_ms``: the function's limit, capped by the HTTP client's wait for HTTP triggers),
is built per invocation from the event and the :class:`~scf_fuseface.run.Run`, and is called for the function's
return value. When the configuration is invalid no ``Run`` can be built: :meth:`configuration_error`
answers in the trigger's own shape (HTTP triggers reply with a 500 envelope, the COS trigger raises so SCF
retries once the configuration is fixed).
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Optional, Protocol

from ..config import Settings
from ..errors import FuseFaceError
from ..run import Run

__all__ = ["TriggerHandler"]


class TriggerHandler(Protocol):
    trigger: ClassVar[str]  # the ``trigger`` log field and the COS result's ``trigger`` key

    @classmethod
    def infer(cls, event: Any) -> bool:
        """True when ``event`` comes from this trigger (and from no other)."""
        ...

    @classmethod
    def time_limit_ms(cls, settings: Settings, function_limit_ms: float) -> float:
        """The invocation's time budget before the safety margin, from SCF's ``time_limit_in_ms``."""
        ...

    @classmethod
    def configuration_error(cls, err: FuseFaceError, request_id: Optional[str]) -> Any:
        """Answer (or raise) for an invocation that cannot run because the configuration is invalid."""
        ...

    def __init__(self, event: Mapping[str, Any], run: Run) -> None: ...

    def __call__(self) -> Any:
        """Handle the event; the return value is the function's."""
        ...
