"""One invocation's resources: settings, time budget, and the SDK adapters, made through factories.

:class:`Factories` is the seam between the function and the SDKs. The production factories read SCF's role
credentials and build ``CosStorage`` / ``FuseFaceClient``; tests build an ``entry.Function`` whose factories
return in-memory fakes of the same contracts (``adapters/base.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

from .adapters.base import (
    CredentialsFactory,
    DetectorFactory,
    FaceDetector,
    FusionClient,
    FusionFactory,
    Storage,
    StorageFactory,
)
from .adapters.cos import CosStorage
from .adapters.facefusion import FuseFaceClient
from .adapters.iai import IaiDetector
from .config import Credentials, Settings, credentials_from_env
from .retry import Budget

__all__ = ["Factories", "Run"]


@dataclass(frozen=True)
class Factories:
    """How an invocation gets its credentials, its COS storage (per region), its FuseFace client and its face
    detector (iai, for ``POST /detect``)."""

    credentials: CredentialsFactory = credentials_from_env
    storage: StorageFactory = CosStorage
    fusion: FusionFactory = FuseFaceClient
    detector: DetectorFactory = IaiDetector


class Run:
    """Everything one invocation needs: settings, time budget, and adapters built on first use (credentials are
    read once per invocation, when the first adapter is built)."""

    def __init__(self, settings: Settings, budget: Budget, factories: Factories, *,
                 invocation_id: Optional[str] = None) -> None:
        self.settings = settings
        self.budget = budget
        self.invocation_id = invocation_id
        self._factories = factories
        self._creds: Optional[Credentials] = None
        self._storages: Dict[str, Storage] = {}
        self._fusions: Dict[int, FusionClient] = {}

    def _credentials(self) -> Credentials:
        if self._creds is None:
            self._creds = self._factories.credentials()
        return self._creds

    def storage(self, region: str) -> Storage:
        """COS for ``region`` (one per region and invocation)."""
        if region not in self._storages:
            self._storages[region] = self._factories.storage(self.settings, self._credentials(), region)
        return self._storages[region]

    def fusion(self, timeout_s: float) -> FusionClient:
        """A FuseFace client whose calls may take ``timeout_s`` (capped by ``FUSEFACE_TIMEOUT``)."""
        # The SDK takes whole seconds: one client per distinct per-call timeout, normally one per invocation.
        req_timeout = max(1, int(round(min(self.settings.timeout, timeout_s))))
        if req_timeout not in self._fusions:
            self._fusions[req_timeout] = self._factories.fusion(self.settings, self._credentials(), timeout=req_timeout)
        return self._fusions[req_timeout]

    def detector(self, timeout_s: float) -> FaceDetector:
        """An iai face detector whose calls may take ``timeout_s`` (capped by ``FUSEFACE_TIMEOUT``)."""
        req_timeout = max(1, int(round(min(self.settings.timeout, timeout_s))))
        return self._factories.detector(self.settings, self._credentials(), timeout=req_timeout)
