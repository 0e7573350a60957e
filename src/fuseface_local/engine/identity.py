"""Identity metric for tests and benchmarks: dlib's 128-D ResNet face encoder (not used by the engine itself).

Faces are found with the engine's own detector (``FaceAnalyzer``); dlib's public-domain 5-point shape
predictor aligns each face inside that box, and the public-domain ResNet model encodes it. The distance is
Euclidean: the same person usually scores below ~0.45, different people above ~0.6 (less reliable for
East-Asian faces, so tests use relative criteria).

The ``.dat`` files come from the ``face_recognition_models`` package, located with ``importlib.util.find_spec``
without importing it (its ``__init__`` needs ``pkg_resources``, which new setuptools no longer ships).
Needs the ``metric`` extra (``dlib-bin``, ``face_recognition_models``).
"""

from __future__ import annotations

import importlib.util
import os
from typing import List, NamedTuple, Optional, Union

import cv2
import numpy as np

from .codec import decode
from .errors import FusionError
from .faces import DetectedFace, FaceAnalyzer

__all__ = ["FaceEmbedding", "IdentityMetric", "metric_model_path"]

_SHAPE_5 = "shape_predictor_5_face_landmarks.dat"
_ENCODER = "dlib_face_recognition_resnet_model_v1.dat"
# dlib's HOG boxes (what the 5-point predictor was trained on) are ~0.9x the BlazeFace box, same centre.
_BOX_SCALE = 0.9

ImageLike = Union[bytes, bytearray, np.ndarray]


class FaceEmbedding(NamedTuple):
    """A face and its 128-D descriptor ((128,) float64)."""

    face: DetectedFace
    descriptor: np.ndarray


def metric_model_path(name: str) -> str:
    """Path of a ``face_recognition_models`` data file, found without importing the package."""
    spec = importlib.util.find_spec("face_recognition_models")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    path = os.path.join(locations[0], "models", name) if locations else ""
    if not path or not os.path.isfile(path):
        raise RuntimeError(
            f"The identity-metric model {name} is missing; install the metric extra "
            "(`.venv/bin/pip install -e '.[metric]'`, or `make setup`)."
        )
    return path


class IdentityMetric:
    """``embed(img_bgr, face) -> (128,) float64``; ``distance(a, b)`` between the largest faces of two images.

    ``analyzer`` lets callers share an already loaded ``FaceAnalyzer``.
    """

    def __init__(self, *, analyzer: Optional[FaceAnalyzer] = None, jitters: int = 0) -> None:
        import dlib

        self._dlib = dlib
        self._shape = dlib.shape_predictor(metric_model_path(_SHAPE_5))
        self._encoder = dlib.face_recognition_model_v1(metric_model_path(_ENCODER))
        self.analyzer = analyzer if analyzer is not None else FaceAnalyzer()
        self.jitters = jitters

    @staticmethod
    def _image(image: ImageLike) -> np.ndarray:
        if isinstance(image, np.ndarray):
            return image
        return decode(bytes(image))

    def embed(self, img_bgr: np.ndarray, face: DetectedFace) -> np.ndarray:
        """The 128-D descriptor of ``face`` (found in ``img_bgr``, (H, W, 3) uint8 BGR)."""
        rgb = np.ascontiguousarray(cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB))
        cx, cy = face.centre
        half = max(face.width, face.height) * _BOX_SCALE / 2
        rect = self._dlib.rectangle(
            int(round(cx - half)), int(round(cy - half)), int(round(cx + half)), int(round(cy + half))
        )
        shape = self._shape(rgb, rect)
        return np.asarray(self._encoder.compute_face_descriptor(rgb, shape, self.jitters), dtype=np.float64)

    def embed_faces(self, image: ImageLike) -> List[FaceEmbedding]:
        """Every face with its descriptor, in the engine's stable order."""
        img = self._image(image)
        return [FaceEmbedding(face, self.embed(img, face)) for face in self.analyzer.analyze(img)]

    def embed_largest(self, image: ImageLike) -> np.ndarray:
        """Descriptor of the largest face; ``FusionError(FailedOperation.NoFaceDetected)`` when none."""
        img = self._image(image)
        faces = self.analyzer.analyze(img)
        if not faces:
            raise FusionError("FailedOperation.NoFaceDetected", "No face was found for the identity metric.")
        return self.embed(img, max(faces, key=lambda f: f.area))

    def distance(self, a: ImageLike, b: ImageLike) -> float:
        """Euclidean distance between the largest faces of ``a`` and ``b`` (bytes or BGR arrays)."""
        return float(np.linalg.norm(self.embed_largest(a) - self.embed_largest(b)))

