"""Activities and materials (the console's 活动/素材), persisted under ``DATA/materials/``.

``index.json`` holds a list of material records; each image is ``<MaterialId>.<jpg|png>`` next to it. A record
is DescribeMaterialList's ``PublicMaterialInfos`` plus ``ProjectId``, ``Algorithm``, the console degrees
(``FuseFaceDegree``/``FuseProfileDegree``, the algorithm's default) and ``Image`` (the file name).

IDs are issued in the current console format (``scf_fuseface.ids``): ``MaterialId`` ``mt_<19 digits>``, its faces
``FaceId = f"{MaterialId}_{n}"`` (n from 1, in the engine's left-to-right order). Records written with other IDs
(the legacy ``qc_<project>_<n>_<n>``, or any ``material_id`` given to :meth:`MaterialStore.add`) stay loadable.
:meth:`MaterialStore.resolve` finds the material of a FuseFace ``ModelId``: its ``MaterialId``, or one of its
``FaceId`` s (the documented FuseFace example ``mt_1603586676924403712_1`` is face-level; which form the real service
takes is UNCONFIRMED, so both are accepted).

``add`` runs the review a real upload goes through: the image must be a jpg/png under 10 MB with each side in
(64, 4096); the engine must find at least one face larger than 34x34 px (``NoFaceDetected`` /
``FaceSizeTooSmall`` otherwise); the account holds at most ``QUOTA`` (10) materials. The console's quota refusal
has no API code (materials are not created through the API): it is the common ``LimitExceeded`` ("超过配额限制").
Re-adding an existing ``material_id`` replaces it without using quota.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from scf_fuseface import limits
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.imageinfo import ImageInfo, check_dimensions, sniff

from ..algorithms import ALGORITHMS, DEFAULT_DEGREE

__all__ = ["MaterialStore", "QUOTA"]

QUOTA = 10
APPROVED = 1
_MATERIAL_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PROJECT_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _now_text() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


class MaterialStore:
    """Materials on disk; ``engine`` is a zero-argument callable returning a ``FusionEngine`` (lazy)."""

    def __init__(self, root: Path, engine: Callable[[], object]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._engine = engine
        self._lock = threading.RLock()

    # --- persistence -------------------------------------------------------------------------------------
    @property
    def _index_path(self) -> Path:
        return self.root / "index.json"

    def _load(self) -> List[Dict]:
        if not self._index_path.is_file():
            return []
        return json.loads(self._index_path.read_text("utf-8"))

    def _save(self, records: List[Dict]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".index-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(records, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, self._index_path)

    # --- queries -----------------------------------------------------------------------------------------
    def list(self, project_id: Optional[str] = None) -> List[Dict]:
        """Every material (of one activity), in creation order."""
        with self._lock:
            return [r for r in self._load() if project_id is None or r["ProjectId"] == str(project_id)]

    def get(self, material_id: str) -> Optional[Dict]:
        """The material whose ``MaterialId`` is ``material_id`` (None when there is none)."""
        return next((r for r in self.list() if r["MaterialId"] == material_id), None)

    def resolve(self, model_id: str) -> Optional[Dict]:
        """The material a FuseFace ``ModelId`` names: its ``MaterialId`` or one of its ``FaceId`` s."""
        records = self.list()
        exact = next((r for r in records if r["MaterialId"] == model_id), None)
        if exact is not None:
            return exact
        return next((r for r in records if any(f["FaceId"] == model_id for f in r["MaterialFaceList"])), None)

    def project_exists(self, project_id: str) -> bool:
        return bool(self.list(project_id))

    def image(self, record: Dict) -> bytes:
        return (self.root / record["Image"]).read_bytes()

    # --- changes -----------------------------------------------------------------------------------------
    def add(self, project_id: str, image_bytes: bytes, *, name: Optional[str] = None, algorithm: str = "redefine",
            material_id: Optional[str] = None, model_id: Optional[str] = None) -> Dict:
        """Review and store a material; returns its record (see the module docstring). ``model_id`` is the older
        name of ``material_id`` (kept for callers written before the current ID format)."""
        material_id = material_id or model_id
        project_id = str(project_id)
        if not _PROJECT_RE.match(project_id):
            raise FuseFaceError("InvalidParameterValue.ParameterValueError", "ProjectId must be [A-Za-z0-9_-]{1,32}.")
        if algorithm not in ALGORITHMS:
            raise FuseFaceError("InvalidParameterValue.ParameterValueError",
                                f"Algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}.")
        if material_id is not None and not _MATERIAL_ID_RE.match(material_id):
            raise FuseFaceError("InvalidParameterValue.ParameterValueError", "MaterialId must be [A-Za-z0-9_-]{1,64}.")
        info, faces = self._review(image_bytes)
        with self._lock:
            records = self._load()
            existing = next((r for r in records if r["MaterialId"] == material_id), None) if material_id else None
            if existing is None and len(records) >= QUOTA:
                raise FuseFaceError("LimitExceeded",
                                    f"The material quota is used up: the account already has {QUOTA} materials; "
                                    "delete one first.")
            material_id = material_id or _new_material_id(records)
            image_name = f"{material_id}.{'jpg' if info.format == 'jpeg' else 'png'}"
            (self.root / image_name).write_bytes(image_bytes)
            now = _now_text()
            degree = DEFAULT_DEGREE[algorithm]
            record = {
                "MaterialId": material_id, "MaterialStatus": APPROVED,
                "CreateTime": existing["CreateTime"] if existing else now, "UpdateTime": now,
                "MaterialFaceList": [
                    {"FaceId": f"{material_id}_{n}", "FaceInfo": {"X": x, "Y": y, "Width": w, "Height": h}}
                    for n, (x, y, w, h) in enumerate(faces, start=1)
                ],
                "MaterialName": name or material_id, "AuditResult": "", "ProjectId": project_id,
                "Algorithm": algorithm, "FuseFaceDegree": degree, "FuseProfileDegree": degree,
                "Image": image_name,
            }
            if existing is not None:
                records[records.index(existing)] = record
            else:
                records.append(record)
            self._save(records)
            return dict(record)

    def set_status(self, material_id: str, status: int) -> None:
        """Change a material's review status (0 under review, 1 approved, 2 rejected, ...)."""
        with self._lock:
            records = self._load()
            for record in records:
                if record["MaterialId"] == material_id:
                    record["MaterialStatus"] = int(status)
                    record["UpdateTime"] = _now_text()
                    self._save(records)
                    return
        raise FuseFaceError("InvalidParameterValue.MaterialIdNotFound", f"No material {material_id!r}.")

    def remove(self, material_id: str) -> None:
        with self._lock:
            records = self._load()
            kept = [r for r in records if r["MaterialId"] != material_id]
            if len(kept) == len(records):
                raise FuseFaceError("InvalidParameterValue.MaterialIdNotFound", f"No material {material_id!r}.")
            self._save(kept)

    # --- review ------------------------------------------------------------------------------------------
    def _review(self, image_bytes: bytes) -> Tuple[ImageInfo, List[tuple]]:
        """The image's header info and its faces as ``(x, y, w, h)``, or the refusal."""
        if len(image_bytes) > limits.MAX_URL_BYTES:
            raise FuseFaceError("FailedOperation.ImageSizeExceed", "A material image must be at most 10 MB.")
        info = sniff(image_bytes)
        check_dimensions(info)
        faces = self._engine().detect(image_bytes)
        if not faces:
            raise FuseFaceError("FailedOperation.NoFaceDetected", "Review refused: no face in the material.")
        usable = [f for f in faces if min(f.width, f.height) > limits.MIN_FACE_SIDE_EXCLUSIVE]
        if not usable:
            raise FuseFaceError("FailedOperation.FaceSizeTooSmall",
                                f"Review refused: every face is smaller than {limits.MIN_FACE_SIDE_EXCLUSIVE} px.")
        # All faces keep the engine's numbering (TemplateFaceID n is the engine's n-th face).
        return info, [(int(f.x), int(f.y), int(f.width), int(f.height)) for f in faces]


def _new_material_id(records: List[Dict]) -> str:
    """A fresh ``mt_<19 digits>`` (the console's IDs are 19-digit numbers, e.g. ``mt_1597542526641664000``)."""
    taken = {r["MaterialId"] for r in records}
    while True:
        candidate = f"mt_{10 ** 18 + secrets.randbelow(9 * 10 ** 18)}"
        if candidate not in taken:
            return candidate
