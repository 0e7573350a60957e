"""Which faces a ``MergeInfos`` entry means: the user's (``InputImageFaceRect``) and the template's
(``TemplateFaceID`` or ``TemplateFaceRect``).

* ``InputImageFaceRect`` / ``TemplateFaceRect``: ``FaceRect`` ``{X, Y, Width, Height}`` (integers; the JSON types
  are checked by ``sdk_schema``), ``X, Y >= 0``, ``Width, Height >= 30`` (SDK MergeInfo docstring), else
  ``InvalidParameterValue.FaceRectParameterValueError`` ("人脸框参数有误或者人脸框太小").
* Template face: ``TemplateFaceID`` (a ``FaceId`` of the material, else ``FailedOperation.TemplateFaceIDNotExist``)
  wins; else ``TemplateFaceRect`` picks the material face its rect overlaps most (intersection area; none ->
  ``FaceRectParameterValueError``); else the engine takes the largest free face (the doc's "默认取最大脸").
  The SDK says ``TemplateFaceRect`` "only applies to the custom-template scenario" (FuseFaceUltra's ModelUrl); whether
  FuseFace with a console material honours it, and how it matches a rect to a face, is UNCONFIRMED.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

from scf_fuseface import limits
from scf_fuseface.errors import FuseFaceError

__all__ = ["Rect", "face_rect", "template_face"]

Rect = Tuple[int, int, int, int]
_RECT_ERROR = "InvalidParameterValue.FaceRectParameterValueError"


def face_rect(info: Mapping[str, Any], name: str) -> Optional[Rect]:
    """The rect ``info[name]`` as ``(x, y, w, h)``, validated; None when absent."""
    rect = info.get(name)
    if not rect:
        return None
    x, y, w, h = (rect.get(k, 0) for k in ("X", "Y", "Width", "Height"))
    if w < limits.MIN_FACE_RECT or h < limits.MIN_FACE_RECT or x < 0 or y < 0:
        raise FuseFaceError(_RECT_ERROR, f"{name} must be at least {limits.MIN_FACE_RECT}x{limits.MIN_FACE_RECT} at a "
                                         f"non-negative position, got {(x, y, w, h)}.")
    return x, y, w, h


def _overlap(a: Rect, b: Rect) -> int:
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, width) * max(0, height)


def template_face(info: Mapping[str, Any], material: Dict[str, Any]) -> Optional[int]:
    """The template face (1-based, the engine's numbering) one ``MergeInfos`` entry asks for; None: the default."""
    faces = material["MaterialFaceList"]
    face_id = info.get("TemplateFaceID")
    if face_id:
        ids = [f["FaceId"] for f in faces]
        if face_id not in ids:
            raise FuseFaceError("FailedOperation.TemplateFaceIDNotExist", f"The material has no face {face_id!r}.")
        return ids.index(face_id) + 1
    rect = face_rect(info, "TemplateFaceRect")
    if rect is None:
        return None
    scored = [(_overlap(rect, tuple(f["FaceInfo"][k] for k in ("X", "Y", "Width", "Height"))), n)
              for n, f in enumerate(faces, start=1)]
    best, number = max(scored, default=(0, 0))
    if best <= 0:
        raise FuseFaceError(_RECT_ERROR, f"TemplateFaceRect {rect} overlaps no face of the material.")
    return number
