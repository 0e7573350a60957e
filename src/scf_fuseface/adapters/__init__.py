"""Adapters over the official SDKs: the only modules that import them and the only place SDK exceptions
are caught (and turned into ``FuseFaceError``). Imports of the SDKs are lazy (inside the constructors).
Their contracts (:class:`Storage`, :class:`FusionClient`, :class:`FaceDetector`) live in ``base.py``, which
imports no SDK."""

from .base import FaceDetector, FuseFaceResult, FusionClient, ObjectHead, Storage
from .cos import CosStorage
from .facefusion import FuseFaceClient
from .iai import IaiDetector

__all__ = ["CosStorage", "FaceDetector", "FuseFaceClient", "FuseFaceResult", "FusionClient", "IaiDetector",
           "ObjectHead", "Storage"]
