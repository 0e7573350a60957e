"""Helpers for the cloud-path tests: event fixtures, settings, and in-memory fakes of the adapters (they implement
``scf_fuseface.adapters.base.Storage`` / ``FusionClient``), injected through ``Factories``."""

from __future__ import annotations

import base64
import copy
import io
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from scf_fuseface.adapters.base import FuseFaceResult, ObjectHead
from scf_fuseface.config import Credentials, load_settings
from scf_fuseface.entry import Function
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.retry import Budget
from scf_fuseface.run import Factories, Run

from ..helpers import EVENTS, MODEL, solid_jpeg

CREDS = Credentials("AKIDtest", "secret")


def event_files() -> List[Path]:
    return sorted(p for p in EVENTS.glob("*.json") if p.name.startswith(("cos_", "apigw_", "function_url_")))


def jpeg_bytes(width: int = 200, height: int = 240, *, orientation: Optional[int] = None) -> bytes:
    return solid_jpeg(width, height, (180, 140, 120), orientation=orientation)


def noisy_jpeg(size: int = 200) -> bytes:
    """A JPEG that does not compress well (for size-limit tests)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.effect_noise((size, size), 80).convert("RGB").save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def make_settings(**env: str):
    base = {"FUSEFACE_PROJECT_ID": "300029"}
    base.update(env)
    return load_settings(base)


class FakeStorage:
    """In-memory ``Storage``: objects[(bucket, key)] = (data, content_type, metadata)."""

    def __init__(self) -> None:
        self.objects: Dict[Tuple[str, str], Tuple[bytes, str, Dict[str, str]]] = {}
        self.calls: List[Tuple[str, str, str]] = []

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

    def presign_get(self, bucket: str, key: str, *, expires: int) -> str:
        return f"https://{bucket}.cos.ap-guangzhou.myqcloud.com/{key}?q-signature=x"


class FakeFusion:
    """Scripted ``FusionClient``: ``errors`` are raised first (one per call), then a small JPEG is returned."""

    def __init__(self, errors: Optional[List[str]] = None, image: Optional[bytes] = None) -> None:
        self.errors = list(errors or [])
        self.calls: List[Dict[str, Any]] = []
        self.image = image or jpeg_bytes(120, 120)

    def fuse(self, params: Dict[str, Any]) -> FuseFaceResult:
        self.calls.append(copy.deepcopy(params))
        if self.errors:
            raise FuseFaceError(self.errors.pop(0), "scripted", request_id=f"req-{len(self.calls)}")
        return FuseFaceResult(base64.b64encode(self.image).decode(), f"req-{len(self.calls)}")

    def describe_materials(self, activity_id: str, *, material_id: Optional[str] = None,
                           limit: int = 20, offset: int = 0) -> Dict[str, Any]:
        self.calls.append({"DescribeMaterialList": activity_id, "material_id": material_id, "limit": limit,
                           "offset": offset})
        return {"MaterialInfos": [{"MaterialId": MODEL}], "Count": 1, "RequestId": "req-m"}


def fake_factories(storage: Optional[FakeStorage] = None, fusion: Optional[FakeFusion] = None,
                   creds: Credentials = CREDS) -> Factories:
    """Factories that hand out ``storage`` (every region) and ``fusion`` (every timeout), with ``creds``."""
    storage = storage or FakeStorage()
    fusion = fusion or FakeFusion()
    return Factories(credentials=lambda: creds, storage=lambda settings, creds, region: storage,
                     fusion=lambda settings, creds, *, timeout: fusion)


def make_function(storage: Optional[FakeStorage] = None, fusion: Optional[FakeFusion] = None,
                  creds: Credentials = CREDS) -> Function:
    """The SCF function over in-memory fakes (its ``__call__`` is ``main_handler``'s)."""
    return Function(fake_factories(storage, fusion, creds))


def make_run(settings=None, *, storage: Optional[FakeStorage] = None, fusion: Optional[FakeFusion] = None,
             time_limit_ms: float = 30000) -> Run:
    settings = settings or make_settings(FUSEFACE_RETRY_BASE_DELAY="0", FUSEFACE_SAFETY_MARGIN_MS="0")
    return Run(settings, Budget(time_limit_ms), fake_factories(storage, fusion), invocation_id="inv-1")
