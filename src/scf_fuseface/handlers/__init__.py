"""Trigger handlers: one small class per event source, each recognising only its own events.

Every handler class implements :class:`~scf_fuseface.handlers.base.TriggerHandler`. :func:`infer` returns the
single matching class, or None; the classes are written to be mutually exclusive (a unit test checks every
fixture in ``events/`` matches exactly one), so the order of ``HANDLERS`` does not matter.
"""

from __future__ import annotations

from typing import Any, List, Optional, Type

from .apigw import ApiGatewayHandler
from .base import TriggerHandler
from .cos import CosUploadHandler
from .function_url import FunctionUrlHandler

__all__ = ["HANDLERS", "ApiGatewayHandler", "CosUploadHandler", "FunctionUrlHandler", "TriggerHandler", "infer"]

HANDLERS: List[Type[TriggerHandler]] = [CosUploadHandler, ApiGatewayHandler, FunctionUrlHandler]


def infer(event: Any) -> Optional[Type[TriggerHandler]]:
    """The handler class for ``event`` (None when no trigger recognises it)."""
    for handler_cls in HANDLERS:
        if handler_cls.infer(event):
            return handler_cls
    return None
