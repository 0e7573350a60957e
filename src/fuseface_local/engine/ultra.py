"""FuseFaceUltra on the local engine: a template that comes with the call, ``FusionUltraParam`` effects after.

Mapping onto the engine (only its public API: ``FusionEngine.detect`` / ``fuse``, ``codec``):

* Fusion: algorithm ``reinvent`` (with side-face correction) at FuseFaceDegree 0 -- the features are the user's,
  as a face swap -- and ``FuseProfileDegree = round(100 * (1 - WarpRadio))``: the larger WarpRadio, the more the
  contour is the user's (the engine moves a contour inward freely, outward only a little).
* ``EnhanceRadio`` / ``MpRadio`` / ``TeethEnhanceRadio``: ``effects.apply_effects`` on each fused face, located by
  running the detector again on the result (the template's landmarks when it finds none there).
* Not honoured, documented: ``MakeupTransferRadio`` (the engine already recolours the user's skin to the
  template's; it has no makeup model), ``BlurRadio`` (FuseFace itself: "not supported yet").
* ``SwapModelType`` 1..6 is recorded, not modelled: the engine has one model. For 6 the radios are ignored and the
  recommended values used, as the SDK documents ("only effective for SwapModelType 1-5").
* Template faces: ``TemplateFaceRect`` picks the detected face overlapping it most (none -> NoFaceDetected);
  without it, the largest face not taken yet, handed out left to right (the engine's own rule).
* Speed: the template's faces are remembered per engine (by content hash, ``_TEMPLATE_CACHE`` entries) and the
  engine caches its own analysis of a template it has fused, so a template used again and again (a COS trigger with
  ``FUSEFACE_ULTRA_TEMPLATE_KEY``) is analysed once. The fused face is found again on the result (on a crop around
  it) only when an effect is on.
* Sizes: the engine decodes sides < 4096 only; FuseFaceUltra allows < 8000. A larger template is fused at a
  scale that fits and the fused face region is put back, scaled up, into the full-size template (pixels outside
  what the fusion changed stay the original's); a larger user image is scaled down first. The result always has
  the template's size.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import List, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np

from scf_fuseface import limits
from scf_fuseface.errors import FuseFaceError
from scf_fuseface.imageinfo import check_dimensions, sniff

from . import codec, effects
from . import topology as topo
from .errors import FusionError
from .fusion_mesh import RING_SCALE

__all__ = ["ALGORITHM", "DEFAULTS", "NOT_HONOURED", "UltraOptions", "fuse_ultra", "profile_degree"]

ALGORITHM = "reinvent"
DEFAULTS = {"WarpRadio": 0.7, "EnhanceRadio": 0.5, "MpRadio": 0.5, "TeethEnhanceRadio": 1.0,
            "MakeupTransferRadio": 0.0}  # the SDK's documented recommended values
NOT_HONOURED = ("MakeupTransferRadio", "BlurRadio")
_ENGINE_MAX_SIDE = limits.MAX_SIDE_EXCLUSIVE - 1
_TEMPLATE_CACHE = 8
_RING = RING_SCALE + 0.1  # the engine rewrites at most the silhouette scaled by RING_SCALE about its centre
_faces_cache: OrderedDict = OrderedDict()
_faces_lock = threading.Lock()


def profile_degree(warp: float) -> int:
    """``FuseProfileDegree`` for a ``WarpRadio``: 1 -> 0 (the user's contour), 0 -> 100 (the template's)."""
    return int(round(100.0 * (1.0 - min(max(float(warp), 0.0), 1.0))))


@dataclass(frozen=True)
class UltraOptions:
    """The effective FuseFaceUltra parameters (the recommended values where the request left them out)."""

    swap_model_type: int = 1
    warp: float = DEFAULTS["WarpRadio"]
    enhance: float = DEFAULTS["EnhanceRadio"]
    mp: float = DEFAULTS["MpRadio"]
    teeth: float = DEFAULTS["TeethEnhanceRadio"]
    makeup: float = DEFAULTS["MakeupTransferRadio"]

    @classmethod
    def from_request(cls, swap_model_type: Optional[int], radios: Optional[Mapping[str, float]]) -> UltraOptions:
        model = 1 if swap_model_type is None else int(swap_model_type)
        given = {} if model == 6 else dict(radios or {})  # model 6 ignores FusionUltraParam
        value = {**DEFAULTS, **{k: float(v) for k, v in given.items() if v is not None}}
        return cls(model, value["WarpRadio"], value["EnhanceRadio"], value["MpRadio"], value["TeethEnhanceRadio"],
                   value["MakeupTransferRadio"])

    def describe(self) -> str:
        """``SwapModelType=1,WarpRadio=0.70,...`` (what the emulator records in the result)."""
        return (f"SwapModelType={self.swap_model_type},WarpRadio={self.warp:.2f},EnhanceRadio={self.enhance:.2f},"
                f"MpRadio={self.mp:.2f},TeethEnhanceRadio={self.teeth:.2f}")


def _decode(data: bytes, what: str) -> np.ndarray:
    """BGR of a jpg/png with sides 64 < side < 8000 (the engine's own decoder below 4096)."""
    try:
        info = sniff(bytes(data))
        check_dimensions(info, max_side=limits.ULTRA_MAX_SIDE_EXCLUSIVE)
    except FuseFaceError as exc:
        raise FusionError(exc.code, f"{what}: {exc.message}") from exc
    if max(info.width, info.height) < limits.MAX_SIDE_EXCLUSIVE:
        return codec.decode(data)
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)  # applies the EXIF orientation
    if img is None:
        raise FusionError("FailedOperation.ImageDecodeFailed", f"{what} could not be decoded.")
    return img


def _fit(img: np.ndarray) -> Tuple[np.ndarray, float]:
    """``img`` scaled down to sides the engine decodes, and the scale (1.0 when it already fits)."""
    scale = min(1.0, _ENGINE_MAX_SIDE / max(img.shape[:2]))
    if scale >= 1.0:
        return img, 1.0
    size = (max(int(img.shape[1] * scale), 65), max(int(img.shape[0] * scale), 65))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA), scale


def _template_faces_of(engine, template: bytes) -> list:
    """``engine.detect(template)``, remembered per engine and template content."""
    key = (id(engine), hashlib.sha256(template).hexdigest())
    with _faces_lock:
        if key in _faces_cache:
            _faces_cache.move_to_end(key)
            return _faces_cache[key]
    faces = engine.detect(template)
    with _faces_lock:
        _faces_cache[key] = faces
        while len(_faces_cache) > _TEMPLATE_CACHE:
            _faces_cache.popitem(last=False)
    return faces


def _overlap(face, rect) -> float:
    x, y, w, h = rect
    ix = max(0, min(face.x + face.width, x + w) - max(face.x, x))
    iy = max(0, min(face.y + face.height, y + h) - max(face.y, y))
    return float(ix * iy)


def _template_faces(faces: list, rects: Sequence[Optional[tuple]]) -> List[int]:
    """0-based template face per user: the best overlap with its rect, else the largest free (left to right)."""
    if not faces:
        raise FusionError("FailedOperation.NoFaceDetected", "No face was detected in the template image.")
    chosen: List[Optional[int]] = [None] * len(rects)
    for u, rect in enumerate(rects):
        if rect is None:
            continue
        best = max(range(len(faces)), key=lambda j: _overlap(faces[j], rect))
        if _overlap(faces[best], rect) <= 0:
            raise FusionError("FailedOperation.NoFaceDetected", f"No template face overlaps TemplateFaceRect {rect}.")
        chosen[u] = best
    if len(set(c for c in chosen if c is not None)) != len([c for c in chosen if c is not None]):
        raise FusionError("InvalidParameterValue.ParameterValueError", "Two MergeInfos chose the same template face.")
    free = [j for j in sorted(range(len(faces)), key=lambda j: -faces[j].area) if j not in chosen]
    need = [u for u, c in enumerate(chosen) if c is None]
    if len(need) > len(free):
        raise FusionError("InvalidParameterValue.ParameterValueError",
                          f"{len(rects)} users but the template has only {len(faces)} faces.")
    for u, j in zip(need, sorted(free[: len(need)])):
        chosen[u] = j
    return [int(c) for c in chosen]  # type: ignore[arg-type]


def _scaled(rect: Optional[tuple], scale: float) -> Optional[tuple]:
    return None if rect is None else tuple(int(round(v * scale)) for v in rect)


def _landmarks_in(engine, img: np.ndarray, face) -> np.ndarray:
    """The landmarks of the fused face near ``face`` (a template face) in ``img``: detected again on a crop around
    it; the template's own landmarks when the detector finds nothing there."""
    h, w = img.shape[:2]
    pad = max(face.width, face.height) * 0.6
    x0, y0 = int(max(face.x - pad, 0)), int(max(face.y - pad, 0))
    x1, y1 = int(min(face.x + face.width + pad, w)), int(min(face.y + face.height + pad, h))
    if min(x1 - x0, y1 - y0) <= limits.MIN_SIDE_EXCLUSIVE:
        return face.landmarks
    found = engine.detect(codec.encode_jpeg(np.ascontiguousarray(img[y0:y1, x0:x1])))
    box = (face.x - x0, face.y - y0, face.width, face.height)
    scored = [(_overlap(f, box), f) for f in found]
    if not scored or max(s for s, _ in scored) <= 0:
        return face.landmarks
    best = max(scored, key=lambda s: s[0])[1]
    return np.asarray(best.landmarks, np.float64) + (x0, y0)


def _put_back(original: np.ndarray, fused: np.ndarray, faces: list) -> np.ndarray:
    """Paste the fused ``faces`` of the scaled result back into the full-size ``original``: inside each face's
    outer ring (the silhouette scaled by ``_RING``, beyond the engine's own ring), feathered; every other pixel
    stays the original's."""
    h, w = original.shape[:2]
    sx, sy = w / fused.shape[1], h / fused.shape[0]
    out = original.copy()
    for face in faces:
        oval = np.asarray(face.landmarks, np.float64)[topo.FACE_OVAL]
        centre = oval.mean(axis=0)
        ring = (centre + (oval - centre) * _RING) * (sx, sy)
        x0, y0 = np.maximum(np.floor(ring.min(axis=0)).astype(int) - 4, 0)
        x1, y1 = np.minimum(np.ceil(ring.max(axis=0)).astype(int) + 5, (w, h))
        if x1 <= x0 or y1 <= y0:
            continue
        mask = np.zeros((y1 - y0, x1 - x0), np.float32)
        cv2.fillPoly(mask, [np.round(ring - (x0, y0)).astype(np.int32)], 1.0)
        hard = mask > 0
        mask = cv2.GaussianBlur(mask, (0, 0), max(2.0, 0.01 * (x1 - x0))) * hard
        map_x = np.tile(((np.arange(x0, x1) + 0.5) / sx - 0.5).astype(np.float32), (y1 - y0, 1))
        map_y = np.tile(((np.arange(y0, y1) + 0.5) / sy - 0.5).astype(np.float32)[:, None], (1, x1 - x0))
        up = cv2.remap(fused, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        base = out[y0:y1, x0:x1].astype(np.float32)
        mixed = np.clip(base + mask[:, :, None] * (up - base) + 0.5, 0, 255).astype(np.uint8)
        out[y0:y1, x0:x1][hard] = mixed[hard]
    return out


def fuse_ultra(engine, template: bytes, users: Sequence[bytes], *, options: UltraOptions,
               user_rects: Optional[Sequence[Optional[tuple]]] = None,
               template_rects: Optional[Sequence[Optional[tuple]]] = None) -> bytes:
    """Fuse each user image into the template, FuseFaceUltra-style; returns a JPEG of the template's size.

    ``user_rects``/``template_rects``: per user, ``(X, Y, Width, Height)`` or None (``InputImageFaceRect`` /
    ``TemplateFaceRect``). Raises ``FusionError`` with FuseFace's codes.
    """
    n = len(users)
    user_rects = list(user_rects or [None] * n)
    template_rects = list(template_rects or [None] * n)
    original = _decode(template, "The template")
    work, t_scale = _fit(original)
    work_bytes = bytes(template) if t_scale == 1.0 else codec.encode_jpeg(work)
    faces = _template_faces_of(engine, work_bytes)
    targets = _template_faces(faces, [_scaled(r, t_scale) for r in template_rects])
    user_bytes, rects = [], []
    for i, data in enumerate(users):
        img, scale = _fit(_decode(data, f"User image {i + 1}"))
        user_bytes.append(bytes(data) if scale == 1.0 else codec.encode_jpeg(img))
        rects.append(_scaled(user_rects[i], scale))
    fused = codec.decode(engine.fuse(work_bytes, user_bytes, algorithm=ALGORITHM, face_degree=0,
                                     profile_degree=profile_degree(options.warp), user_rects=rects,
                                     template_face_ids=[j + 1 for j in targets]))
    if max(options.enhance, options.mp, options.teeth) > 0:
        for j in targets:
            lm = _landmarks_in(engine, fused, faces[j])
            fused = effects.apply_effects(fused, lm, enhance=options.enhance, mp=options.mp, teeth=options.teeth)
    if t_scale != 1.0:
        fused = _put_back(original, fused, [faces[j] for j in targets])
    return codec.encode_jpeg(fused)
