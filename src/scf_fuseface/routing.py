"""How an upload is routed to a FuseFace material or a FuseFaceUltra template: the parameters of its fusion.

First match wins:

1. object metadata ``x-cos-meta-fuseface-template-key`` -> FuseFaceUltra with that template (with
   ``x-cos-meta-fuseface-model-id`` as well the upload is ambiguous: ``InvalidParameterValue``);
2. object metadata ``x-cos-meta-fuseface-model-id`` -> FuseFace;
3. the key convention ``{trigger prefix}{ModelId}/...`` (the segment must look like a ModelId: by default the current
   ``mt_<digits>_<n>`` / ``mt_<digits>`` or the legacy ``qc_<digits>_<digits>_<digits>``, see
   ``FUSEFACE_MODEL_ID_PATTERN`` and ``ids.py``) -> FuseFace;
4. ``FUSEFACE_ULTRA_TEMPLATE_KEY`` -> FuseFaceUltra;
5. ``FUSEFACE_MODEL_ID`` -> FuseFace.

FuseFace: ProjectId from metadata, else the activity a legacy ``qc_<project>_...`` ModelId names, else
``FUSEFACE_PROJECT_ID`` (:func:`resolve_project`). A ModelId without a usable activity is a configuration error raised
here, before any paid call (the pipeline writes a failure record). Degrees: metadata, config, or omitted.
FuseFaceUltra needs no activity or material: see ``ultra.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Dict, Mapping, Optional, Tuple

from . import ids
from .config import Settings
from .errors import FuseFaceError
from .outputs import META_FACE_DEGREE, META_MODEL_ID, META_PROFILE_DEGREE, META_PROJECT_ID, META_TEMPLATE_KEY
from .ultra import parse_template_ref, ultra_params

__all__ = ["FuseParams", "UltraParams", "resolve_project", "route"]


class FuseParams(dict):
    """ProjectId, ModelId, FuseFaceDegree, FuseProfileDegree, LogoAdd (None = left to the material)."""

    action = "FuseFace"

    def fingerprint(self) -> str:
        """A short stable hash of the parameters (stored on outputs to recognise a redelivery)."""
        text = json.dumps({k: self.get(k) for k in sorted(self)}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def api_params(self) -> Dict[str, Any]:
        """The request parameters among these (wire names)."""
        return dict(self)


class UltraParams(FuseParams):
    """TemplateBucket, TemplateKey, TemplateETag (set once the template is HEADed), SwapModelType,
    FusionUltraParam, LogoAdd (None = the cloud's recommended value). All of them are in the fingerprint."""

    action = "FuseFaceUltra"
    _LOCAL = ("TemplateBucket", "TemplateKey", "TemplateETag")

    def api_params(self) -> Dict[str, Any]:
        return {k: v for k, v in self.items() if k not in self._LOCAL}


def _ultra(settings: Settings, bucket: str, template: str, metadata: Mapping[str, str]) -> UltraParams:
    t_bucket, t_key = parse_template_ref(template, bucket)
    return UltraParams(TemplateBucket=t_bucket, TemplateKey=t_key, **ultra_params(settings, metadata))


def _degree(value: Optional[str], name: str) -> Optional[int]:
    if value is None or str(value).strip() == "":
        return None
    try:
        degree = int(str(value).strip())
    except ValueError:
        degree = -1
    if not 0 <= degree <= 100:
        raise FuseFaceError("InvalidParameterValue", f"Object metadata {name}={value!r} must be an integer 0..100.")
    return degree


def resolve_project(settings: Settings, model_id: str, explicit: Optional[str], *, explicit_name: str,
                    missing_code: str = "InvalidParameterValue.Configuration",
                    mismatch_code: str = "InvalidParameterValue.Configuration") -> str:
    """The activity for ``model_id``: ``explicit`` (metadata or request), else the one a legacy ``qc_<project>_...``
    ModelId names, else ``FUSEFACE_PROJECT_ID``.

    Raises ``missing_code`` when there is none (a current ``mt_`` ModelId does not name its activity) and
    ``mismatch_code`` when the two IDs cannot belong together (see :func:`ids.project_problem`).
    """
    project_id = explicit or ids.project_of(model_id) or settings.project_id
    if not project_id:
        raise FuseFaceError(
            missing_code,
            f"ModelId {model_id} needs its activity (ProjectId, at_...): set FUSEFACE_PROJECT_ID or {explicit_name}; "
            "only a legacy qc_<project>_... ModelId names its own activity.",
        )
    problem = ids.project_problem(project_id, model_id)
    if problem:
        raise FuseFaceError(mismatch_code, f"ProjectId {project_id} does not fit ModelId {model_id}: {problem}.")
    return project_id


def route(settings: Settings, key: str, metadata: Mapping[str, str], *, bucket: str = "") -> Tuple[FuseParams, str]:
    """The parameters for an upload in ``bucket`` (``UltraParams`` for FuseFaceUltra) and where the ModelId or the
    template came from (metadata | key | config)."""
    template = metadata.get(META_TEMPLATE_KEY, "").strip()
    model_id, source = metadata.get(META_MODEL_ID, "").strip() or None, "metadata"
    if template and model_id:
        raise FuseFaceError("InvalidParameterValue", f"The upload names both a template ({META_TEMPLATE_KEY}) and a "
                                                     f"material ({META_MODEL_ID}); keep one.")
    if template:
        return _ultra(settings, bucket, template, metadata), "metadata"
    if model_id is None and key.startswith(settings.trigger_prefix):
        first, sep, _rest = key[len(settings.trigger_prefix):].partition("/")
        if sep and re.match(settings.model_id_pattern, first):
            model_id, source = first, "key"
    if model_id is None and settings.ultra_template_key:
        return _ultra(settings, bucket, settings.ultra_template_key, metadata), "config"
    if model_id is None:
        model_id, source = settings.model_id, "config"
    if not model_id:
        raise FuseFaceError(
            "MissingParameter",
            "No ModelId: use the key uploads/{ModelId}/..., object metadata x-cos-meta-fuseface-model-id, "
            "or FUSEFACE_MODEL_ID (or a FuseFaceUltra template: x-cos-meta-fuseface-template-key or "
            "FUSEFACE_ULTRA_TEMPLATE_KEY).",
        )
    project_id = resolve_project(settings, model_id, metadata.get(META_PROJECT_ID, "").strip() or None,
                                 explicit_name=META_PROJECT_ID)
    face = _degree(metadata.get(META_FACE_DEGREE), META_FACE_DEGREE)
    profile = _degree(metadata.get(META_PROFILE_DEGREE), META_PROFILE_DEGREE)
    params = FuseParams(
        ProjectId=project_id,
        ModelId=model_id,
        FuseFaceDegree=face if face is not None else settings.face_degree,
        FuseProfileDegree=profile if profile is not None else settings.profile_degree,
        LogoAdd=settings.logo_add,
    )
    return params, source
