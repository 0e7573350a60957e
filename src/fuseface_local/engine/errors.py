"""The engine's error type: a ``FuseFaceError`` with FuseFace's own codes.

Two refusals of a user face have no FuseFace code, so the engine uses codes of its own (``LOCAL_CODES``). The CLI
(``fuseface fuse``) prints them; the emulator never answers them over the API (``emulator.codes.LOCAL_TO_FUSEFACE``
maps them to the FuseFace code that documents the refusal best), so they never reach the shipped package.
"""

from __future__ import annotations

from scf_fuseface.errors import FuseFaceError

__all__ = ["FusionError", "LOCAL_CODES"]

LOCAL_CODES = {
    "FailedOperation.FaceTooBlurry": "The face is too blurred for a believable fusion.",
    "FailedOperation.FaceUnusable": "The face is too turned or too uncertain for a believable fusion.",
}


class FusionError(FuseFaceError):
    """An input the engine refuses, e.g. ``FusionError("FailedOperation.NoFaceDetected", "...")``."""
