"""Faces found in an image: the detector's box and keypoints plus the 468-point mesh, in one value.

``FaceAnalyzer().analyze(img_bgr)`` returns ``DetectedFace`` values in the engine's documented stable order:
left to right by the centre x of the face box, ties broken by the centre y (top first). FuseFace's
``TemplateFaceID`` / the emulator's ``f"{ModelId}_{n}"`` number faces 1-based in this order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from . import topology
from .detector import MIN_VIEW_FACE, Detection, FaceDetector
from .mesh import FaceMesh, MeshResult

__all__ = ["DetectedFace", "FaceAnalyzer", "sort_faces"]

# Detections whose mesh says "no face" (a false positive of the detector) are dropped.
MIN_PRESENCE = 0.5
# ``quick_face`` trusts the coarse view only for a face this many times the smallest size it can see.
QUICK_MARGIN = 1.5


@dataclass(frozen=True)
class DetectedFace:
    """One face in image pixel coordinates.

    ``x, y, width, height``: the detector's box as ints, clamped to the image. ``score``: detector confidence.
    ``keypoints``: (6, 2) float32 -- subject's right eye, left eye, nose tip, mouth centre, right ear, left ear.
    ``landmarks``: (468, 2) float32 MediaPipe face-mesh points; ``landmarks_z``: (468,) float32 depth in px
    (smaller = nearer). ``presence``: the mesh's face probability. ``yaw_degrees``: > 0 when the face turns
    toward the image's right. ``inter_ocular``: distance between the eye centres in px.
    """

    x: int
    y: int
    width: int
    height: int
    score: float
    keypoints: np.ndarray = field(repr=False, compare=False)
    landmarks: np.ndarray = field(repr=False, compare=False)
    landmarks_z: np.ndarray = field(repr=False, compare=False)
    presence: float = 1.0
    yaw_degrees: float = 0.0
    inter_ocular: float = 0.0

    @property
    def rect(self) -> tuple:
        """``(x, y, width, height)``."""
        return (self.x, self.y, self.width, self.height)

    @property
    def centre(self) -> tuple:
        return (self.x + self.width / 2.0, self.y + self.height / 2.0)

    @property
    def area(self) -> int:
        return self.width * self.height

    def to_json(self) -> dict:
        """FuseFace-style ``{"X", "Y", "Width", "Height", "Score"}``."""
        return {
            "X": self.x,
            "Y": self.y,
            "Width": self.width,
            "Height": self.height,
            "Score": round(self.score, 4),
        }


def sort_faces(faces: list) -> list:
    """The stable order: by box centre x, ties by centre y."""
    return sorted(faces, key=lambda f: (f.x + f.width / 2.0, f.y + f.height / 2.0))


class FaceAnalyzer:
    """Loads the detector and the mesh once; ``analyze(img_bgr) -> list[DetectedFace]`` (stable order).

    Keyword-only options: ``threads`` (LiteRT threads per interpreter), ``min_score`` (detector),
    ``min_face`` (smallest face side in px the detector's tiles are sized for), ``refine`` (extra mesh
    passes re-centred on the landmarks).
    """

    def __init__(
        self, *, threads: int = 2, min_score: float = 0.6, min_face: int = 34, refine: int = 1
    ) -> None:
        self.detector = FaceDetector(threads=threads, min_score=min_score, min_face=min_face)
        self.mesh = FaceMesh(threads=threads, refine=refine)

    def analyze(self, img_bgr: np.ndarray) -> list:
        """Every face in ``img_bgr`` ((H, W, 3) uint8 BGR) with its landmarks, in the stable order."""
        if img_bgr.ndim != 3 or img_bgr.shape[2] != 3 or img_bgr.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 BGR image, got {img_bgr.shape} {img_bgr.dtype}")
        rgb = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB)
        detections = self.detector.detect(img_bgr, rgb=rgb)
        if not detections:
            return []
        h, w = img_bgr.shape[:2]
        faces = []
        for det in detections:
            mesh = self.mesh.landmarks(rgb, det.box, det.right_eye, det.left_eye)
            if mesh.presence < MIN_PRESENCE:
                continue
            faces.append(_make_face(det, mesh, w, h))
        return sort_faces(faces)

    def quick_face(self, img_bgr: np.ndarray, rect: tuple | None = None) -> DetectedFace | None:
        """Fast path for a user image, where only one face matters: the largest, or the one overlapping
        ``rect`` (x, y, w, h) most. Runs only the coarse whole-image view and meshes only that face.

        Returns ``None`` (run ``analyze``) unless the answer cannot differ from ``analyze``'s: a face the
        coarse view misses for its size is under ``MIN_VIEW_FACE`` px there, i.e. smaller than
        ``m = MIN_VIEW_FACE / scale`` image px a side. So the pick must have sides of at least
        ``QUICK_MARGIN * m`` and a score (area, or intersection with ``rect``) of at least
        ``(QUICK_MARGIN * m) ** 2``, more than any missed face could reach; its mesh must also confirm it.
        """
        h, w = img_bgr.shape[:2]
        levels = self.detector.plan(h, w)
        if len(levels) == 1:  # the coarse view is all there is: nothing to save
            return None
        rgb = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB)
        detections = self.detector.detect(img_bgr, rgb=rgb, coarse_only=True)
        if not detections:
            return None
        side = QUICK_MARGIN * MIN_VIEW_FACE / levels[0].scale

        def score(det: Detection) -> float:
            x0, y0, x1, y1 = det.box
            if rect is None:
                return (x1 - x0) * (y1 - y0)
            rx, ry, rw, rh = rect
            ix = max(0.0, min(x1, rx + rw) - max(x0, rx))
            iy = max(0.0, min(y1, ry + rh) - max(y0, ry))
            return ix * iy

        best = max(detections, key=score)
        x0, y0, x1, y1 = best.box
        if min(x1 - x0, y1 - y0) < side or score(best) < side * side:
            return None
        mesh = self.mesh.landmarks(rgb, best.box, best.right_eye, best.left_eye)
        if mesh.presence < MIN_PRESENCE:
            return None
        return _make_face(best, mesh, w, h)


def _make_face(det: Detection, mesh: MeshResult, w: int, h: int) -> DetectedFace:
    """The ``DetectedFace`` of one detection and its mesh; the box rounded and clamped to a ``w`` x ``h``
    image."""
    x0, y0, x1, y1 = det.box
    ix0, iy0 = int(np.clip(round(x0), 0, w - 1)), int(np.clip(round(y0), 0, h - 1))
    ix1, iy1 = int(np.clip(round(x1), ix0 + 1, w)), int(np.clip(round(y1), iy0 + 1, h))
    r_eye = mesh.points[topology.RIGHT_EYE_CORNERS].mean(0)
    l_eye = mesh.points[topology.LEFT_EYE_CORNERS].mean(0)
    return DetectedFace(
        x=ix0,
        y=iy0,
        width=ix1 - ix0,
        height=iy1 - iy0,
        score=float(det.score),
        keypoints=det.keypoints.astype(np.float32),
        landmarks=mesh.points,
        landmarks_z=mesh.z,
        presence=mesh.presence,
        yaw_degrees=mesh.yaw_degrees,
        inter_ocular=float(np.hypot(*(l_eye - r_eye))),
    )
