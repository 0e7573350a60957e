"""The engine's error type: a ``FuseFaceError`` with FuseFace's own codes."""

from __future__ import annotations

from ..errors import FuseFaceError

__all__ = ["FusionError"]


class FusionError(FuseFaceError):
    """An input the engine refuses, e.g. ``FusionError("FailedOperation.NoFaceDetected", "...")``."""
