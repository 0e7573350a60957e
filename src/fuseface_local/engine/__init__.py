"""Local face-fusion engine: FuseFace semantics offline on CPU (local extra only; never imported by the
cloud path).

Public names (a contract; scripts depend on them):

* ``FusionEngine()`` -- loads the models once. ``.fuse(template, users, *, algorithm="redefine",
  face_degree=None, profile_degree=None, user_rects=None, template_face_ids=None) -> bytes`` (JPEG) and
  ``.detect(image) -> list[DetectedFace]``.
* ``FusionError`` -- raised for every input problem, with FuseFace's ``.code`` and ``.message``.

Heavy modules (numpy, cv2, LiteRT) load on first use of ``FusionEngine``.

Modules, by concern:

* finding faces: ``codec`` (bytes <-> BGR), ``blazeface`` (the two BlazeFace models, one view each),
  ``detector`` (the views of an image: close-ups to 34 px faces), ``mesh`` (468-point face mesh),
  ``faces`` (``FaceAnalyzer``: both, in the stable order), ``topology`` (named landmark points and sets),
  ``modelfiles`` (pinned model files), ``allocator`` (the C allocator settings the engine's process runs with);
* a request: ``core`` (``FusionEngine``: face selection, FuseFace's error codes), ``params`` (``Algorithm``,
  ``Degrees`` and the parameter checks);
* the fusion stages, run in order by ``fuse.fuse_face``: ``align``, ``shape``, ``mouth``, ``fusion_mesh``
  (on ``warp``), ``blend`` (with ``colour``, ``occlusion`` and ``masks``);
* ``identity``: the dlib identity metric of the tests and benchmarks (not used by the engine).
"""

from __future__ import annotations

from typing import Any

from .errors import FusionError

__all__ = ["FusionEngine", "FusionError"]


def __getattr__(name: str) -> Any:
    if name == "FusionEngine":
        from .core import FusionEngine

        return FusionEngine
    raise AttributeError(name)
