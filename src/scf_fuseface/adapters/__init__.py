"""Adapters over the official SDKs: the only modules that import them and the only place SDK exceptions
are caught (and turned into ``FuseFaceError``). Imports of the SDKs are lazy (inside the constructors)."""

from .cos import CosStorage, ObjectHead
from .facefusion import FuseFaceClient, FuseFaceResult

__all__ = ["CosStorage", "FuseFaceClient", "FuseFaceResult", "ObjectHead"]
