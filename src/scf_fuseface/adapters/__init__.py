"""Adapters over the official SDKs: the only modules that import them and the only place SDK exceptions
are caught (and turned into ``FuseFaceError``). Imports of the SDKs are lazy (inside the constructors).
Their contracts (:class:`Storage`, :class:`FusionClient`) live in ``base.py``, which imports no SDK."""

from .base import FuseFaceResult, FusionClient, ObjectHead, Storage
from .cos import CosStorage
from .facefusion import FuseFaceClient

__all__ = ["CosStorage", "FuseFaceClient", "FuseFaceResult", "FusionClient", "ObjectHead", "Storage"]
