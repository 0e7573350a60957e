"""Trigger handlers: one small class per event source, each recognising only its own events.

Every handler class has ``infer(event) -> bool`` (a cheap test of a key only its trigger has),
``__init__(event, run)`` and ``__call__() -> dict`` (the function's return value). :func:`infer` returns the
single matching class, or None; the classes are written to be mutually exclusive (a unit test checks every
fixture in ``events/`` matches exactly one), so the order of ``HANDLERS`` does not matter.
"""

from __future__ import annotations

from typing import Any, List, Optional, Type

from .apigw import ApiGatewayHandler
from .cos import CosUploadHandler
from .function_url import FunctionUrlHandler

__all__ = ["HANDLERS", "infer", "ApiGatewayHandler", "CosUploadHandler", "FunctionUrlHandler"]

HANDLERS: List[Type[Any]] = [CosUploadHandler, ApiGatewayHandler, FunctionUrlHandler]


def infer(event: Any) -> Optional[Type[Any]]:
    """The handler class for ``event`` (None when no trigger recognises it)."""
    for handler_cls in HANDLERS:
        if handler_cls.infer(event):
            return handler_cls
    return None
