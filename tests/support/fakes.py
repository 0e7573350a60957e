"""In-memory fakes behind the package's Protocols: ``FakeStorage`` (``scf_fuseface.adapters.base.Storage``),
``FakeFusion`` (``FusionClient``), ``FakeDetector`` (``FaceDetector``) and ``FakeEngine`` (the emulator's engine: ``detect`` and ``fuse``), for tests
where the behaviour around them, not COS, FuseFace or the pixels, is under test."""

from __future__ import annotations

import base64
import copy
import io
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from scf_fuseface.adapters.base import FaceBox, FacesFound, FuseFaceResult, ObjectHead
from scf_fuseface.errors import FuseFaceError

from .images import jpeg_bytes
from .paths import MODEL


class FakeStorage:
    """In-memory ``Storage``: objects[(bucket, key)] = (data, content_type, metadata)."""

    def __init__(self) -> None:
        self.objects: Dict[Tuple[str, str], Tuple[bytes, str, Dict[str, str]]] = {}
        self.calls: List[Tuple[str, str, str]] = []
        self.ignores_forbid_overwrite = False  # True: behave like a bucket that ignores x-cos-forbid-overwrite
        self._lock = threading.Lock()

    def seed(self, bucket: str, key: str, data: bytes, metadata: Optional[Dict[str, str]] = None,
             content_type: str = "image/jpeg") -> None:
        self.objects[(bucket, key)] = (data, content_type, dict(metadata or {}))

    def head(self, bucket: str, key: str) -> Optional[ObjectHead]:
        self.calls.append(("HEAD", bucket, key))
        if (bucket, key) not in self.objects:
            return None
        data, ctype, meta = self.objects[(bucket, key)]
        return ObjectHead(len(data), f"etag-{hash(data) & 0xffff:x}", ctype, dict(meta))

    def get(self, bucket: str, key: str, *, first_bytes: Optional[int] = None) -> bytes:
        self.calls.append(("GET", bucket, key))
        if (bucket, key) not in self.objects:
            raise FuseFaceError("ResourceNotFound.CosObject", "missing")
        data = self.objects[(bucket, key)][0]
        return data[:first_bytes] if first_bytes else data

    def put(self, bucket: str, key: str, data: bytes, *, content_type: str,
            metadata: Optional[Dict[str, str]] = None) -> str:
        self.calls.append(("PUT", bucket, key))
        self.objects[(bucket, key)] = (data, content_type, dict(metadata or {}))
        return "etag"

    def put_if_absent(self, bucket: str, key: str, data: bytes, *, content_type: str,
                      metadata: Optional[Dict[str, str]] = None) -> bool:
        """Create-only write; with ``ignores_forbid_overwrite`` it overwrites like a versioned bucket."""
        self.calls.append(("PUT_IF_ABSENT", bucket, key))
        with self._lock:
            if (bucket, key) in self.objects and not self.ignores_forbid_overwrite:
                return False
            self.objects[(bucket, key)] = (data, content_type, dict(metadata or {}))
            return True

    def delete(self, bucket: str, key: str) -> None:
        self.calls.append(("DELETE", bucket, key))
        with self._lock:
            self.objects.pop((bucket, key), None)

    def presign_get(self, bucket: str, key: str, *, expires: int) -> str:
        return f"https://{bucket}.cos.ap-guangzhou.myqcloud.com/{key}?q-signature=x"


class FakeFusion:
    """Scripted ``FusionClient``: ``errors`` are raised first (one per call), then a small JPEG is returned."""

    def __init__(self, errors: Optional[List[str]] = None, image: Optional[bytes] = None) -> None:
        self.errors = list(errors or [])
        self.calls: List[Dict[str, Any]] = []
        self.actions: List[str] = []  # the action of each call, in order
        self.image = image or jpeg_bytes(120, 120)

    def fuse(self, params: Dict[str, Any]) -> FuseFaceResult:
        return self._fused("FuseFace", params)

    def fuse_ultra(self, params: Dict[str, Any]) -> FuseFaceResult:
        return self._fused("FuseFaceUltra", params)

    def _fused(self, action: str, params: Dict[str, Any]) -> FuseFaceResult:
        self.calls.append(copy.deepcopy(params))
        self.actions.append(action)
        if self.errors:
            raise FuseFaceError(self.errors.pop(0), "scripted", request_id=f"req-{len(self.calls)}")
        return FuseFaceResult(base64.b64encode(self.image).decode(), f"req-{len(self.calls)}")

    def describe_materials(self, activity_id: str, *, material_id: Optional[str] = None,
                           limit: int = 20, offset: int = 0) -> Dict[str, Any]:
        self.actions.append("DescribeMaterialList")
        self.calls.append({"DescribeMaterialList": activity_id, "material_id": material_id, "limit": limit,
                           "offset": offset})
        return {"MaterialInfos": [{"MaterialId": MODEL}], "Count": 1, "RequestId": "req-m"}


class FakeDetector:
    """Scripted ``FaceDetector``: answers ``faces`` (``(x, y, w, h)`` as reported) on a ``size`` image, or raises
    ``error``; records every call's keyword arguments (the base64 image decoded into ``images``)."""

    def __init__(self, faces=((10, 20, 100, 120),), size=(200, 240), error: Optional[str] = None) -> None:
        self.faces = list(faces)
        self.size = size
        self.error = error
        self.calls: List[Dict[str, Any]] = []
        self.images: List[bytes] = []

    def detect_faces(self, *, image: Optional[str] = None, url: Optional[str] = None,
                     max_faces: int = 10) -> FacesFound:
        self.calls.append({"image": image, "url": url, "max_faces": max_faces})
        if image:
            self.images.append(base64.b64decode(image))
        if self.error:
            raise FuseFaceError(self.error, "scripted", request_id="iai-req")
        return FacesFound(self.size[0], self.size[1], tuple(FaceBox(*f) for f in self.faces), "iai-req")


@dataclass
class FakeFace:
    x: int
    y: int
    width: int
    height: int
    score: float = 0.9

    @property
    def area(self) -> int:
        return self.width * self.height


class FakeEngine:
    """Stands in for ``FusionEngine`` where the API behaviour, not the pixels, is under test.

    ``detect`` returns ``faces`` (default: one 200x200 face); ``fuse`` records its arguments and returns a
    256x256 grey JPEG.
    """

    def __init__(self) -> None:
        self.faces = [FakeFace(100, 120, 200, 200)]
        self.fuse_calls: List[Dict[str, Any]] = []

    def detect(self, image: bytes) -> List[FakeFace]:
        return list(self.faces)

    def fuse(self, template: bytes, users: List[bytes], **kwargs: Any) -> bytes:
        from PIL import Image

        self.fuse_calls.append({"template": template, "users": users, **kwargs})
        buf = io.BytesIO()
        Image.new("RGB", (256, 256), (128, 128, 128)).save(buf, "JPEG")
        return buf.getvalue()
