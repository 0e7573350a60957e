"""The contracts of the SDK adapters, and the values that cross them. Imports no SDK.

:class:`Storage` (COS) and :class:`FusionClient` (FuseFace) are what the pipeline and the HTTP API are typed
against; ``CosStorage``/``FuseFaceClient`` implement them over the official SDKs, and the tests' in-memory
fakes implement them too. The factory protocols say how one invocation builds its adapters
(see :class:`scf_fuseface.run.Factories`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Protocol, Tuple, runtime_checkable

from ..config import Credentials, Settings

__all__ = [
    "CredentialsFactory", "DetectorFactory", "FaceBox", "FaceDetector", "FacesFound", "FuseFaceResult",
    "FusionClient", "FusionFactory", "ObjectHead", "Storage", "StorageFactory",
]


@dataclass(frozen=True)
class ObjectHead:
    """What a HEAD of a COS object tells."""

    size: int
    etag: str
    content_type: str
    metadata: Dict[str, str] = field(default_factory=dict)  # lower-case x-cos-meta-* headers


@dataclass(frozen=True)
class FuseFaceResult:
    fused_image: str  # base64 or URL, as RspImgType asked
    request_id: Optional[str]

    def __repr__(self) -> str:
        return f"FuseFaceResult(<{len(self.fused_image)} chars>, request_id={self.request_id!r})"


@runtime_checkable
class Storage(Protocol):
    """COS as the function uses it; every failure is a ``FuseFaceError`` (see ``adapters/cos.py``)."""

    def head(self, bucket: str, key: str) -> Optional[ObjectHead]:
        """The object's size, ETag, Content-Type and ``x-cos-meta-*``; None when it does not exist."""
        ...

    def get(self, bucket: str, key: str, *, first_bytes: Optional[int] = None) -> bytes:
        """The object's bytes, or only its first ``first_bytes`` (ranged GET)."""
        ...

    def put(self, bucket: str, key: str, data: bytes, *, content_type: str,
            metadata: Optional[Dict[str, str]] = None) -> str:
        """Write ``data``; ``metadata`` keys are full ``x-cos-meta-*`` names. Returns the new ETag."""
        ...

    def put_if_absent(self, bucket: str, key: str, data: bytes, *, content_type: str,
                      metadata: Optional[Dict[str, str]] = None) -> bool:
        """Create ``key`` unless it exists (``x-cos-forbid-overwrite: true``): True when this call wrote it,
        False when COS refused with 409. A bucket that ignores the header overwrites and answers True
        (see ``claims.py``: callers read back what they wrote)."""
        ...

    def delete(self, bucket: str, key: str) -> None:
        """Delete ``key`` (a missing key is not an error)."""
        ...

    def presign_get(self, bucket: str, key: str, *, expires: int) -> str:
        """A presigned GET URL for ``expires`` seconds."""
        ...


@runtime_checkable
class FusionClient(Protocol):
    """FuseFace 2022-09-27 as the function uses it (FuseFace, FuseFaceUltra, DescribeMaterialList); every failure
    is a ``FuseFaceError``."""

    def fuse(self, params: Dict[str, Any]) -> FuseFaceResult:
        """Call ``FuseFace`` with wire-named ``params``."""
        ...

    def fuse_ultra(self, params: Dict[str, Any]) -> FuseFaceResult:
        """Call ``FuseFaceUltra`` (the template in ``ModelUrl``/``ModelImage``) with wire-named ``params``."""
        ...

    def describe_materials(self, activity_id: str, *, material_id: Optional[str] = None,
                           limit: int = 20, offset: int = 0) -> Dict[str, Any]:
        """``DescribeMaterialList`` -> ``{"MaterialInfos": [...], "Count": n, "RequestId": ...}``."""
        ...


@dataclass(frozen=True)
class FaceBox:
    """One face as the detection service reports it (pixels; X/Y may be negative, the box may pass the image)."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class FacesFound:
    """What a face detection answered: the image size it saw and its faces, as reported (not clamped)."""

    image_width: int
    image_height: int
    faces: Tuple[FaceBox, ...]
    request_id: Optional[str]


@runtime_checkable
class FaceDetector(Protocol):
    """Face detection (iai ``DetectFace`` 2020-03-03) as ``POST /detect`` uses it; failures are ``FuseFaceError``."""

    def detect_faces(self, *, image: Optional[str] = None, url: Optional[str] = None,
                     max_faces: int = 10) -> FacesFound:
        """The faces of a base64 ``image`` or of ``url`` (at most ``max_faces``, the largest first)."""
        ...


class CredentialsFactory(Protocol):
    def __call__(self) -> Credentials: ...


class StorageFactory(Protocol):
    def __call__(self, settings: Settings, creds: Credentials, region: str) -> Storage: ...


class FusionFactory(Protocol):
    def __call__(self, settings: Settings, creds: Credentials, *, timeout: float) -> FusionClient: ...


class DetectorFactory(Protocol):
    def __call__(self, settings: Settings, creds: Credentials, *, timeout: float) -> FaceDetector: ...
