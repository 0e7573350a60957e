"""Adapters over the official SDKs: the only modules that import them and the only place SDK exceptions
are caught (and turned into ``FuseFaceError``). The SDKs are imported inside the constructors, so the package
imports without them; :func:`preload` imports the two every event needs (COS, FuseFace) ahead of time.
Their contracts (:class:`Storage`, :class:`FusionClient`, :class:`FaceDetector`) live in ``base.py``, which
imports no SDK."""

from .base import FaceDetector, FuseFaceResult, FusionClient, ObjectHead, Storage
from .cos import CosStorage
from .facefusion import FuseFaceClient
from .iai import IaiDetector

__all__ = ["CosStorage", "FaceDetector", "FuseFaceClient", "FuseFaceResult", "FusionClient", "IaiDetector",
           "ObjectHead", "Storage", "preload"]


def preload() -> bool:
    """Import the COS and FuseFace SDKs now; False when one is missing (the first client to need it then answers
    with its own error). Called by ``entry`` at cold start: SCF runs module code at init, before any event on a
    provisioned instance, so the first event does not pay ~140 ms of imports (more when many instances start at
    once)."""
    try:
        import qcloud_cos  # noqa: F401
        from tencentcloud.common import credential  # noqa: F401
        from tencentcloud.facefusion.v20220927 import facefusion_client, models  # noqa: F401
    except ImportError:
        return False
    return True
