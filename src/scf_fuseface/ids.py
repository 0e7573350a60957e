"""FuseFace's activity and material IDs, in both the current and the legacy format (the one owner of their grammar).

Current console (API 2022-09-27 doc examples, https://cloud.tencent.com/document/api/670/85618 and 670/85633):

* activity (``ProjectId`` / ``ActivityId``): ``at_1603326187690926080``;
* material (``MaterialId``): ``mt_1597542526641664000``; its faces (``FaceId``): ``mt_1597542526641664000_1``;
* FuseFace's ``ModelId`` example is ``mt_1603586676924403712_1``: the face-level form. Whether FuseFace also takes
  the bare ``MaterialId`` as a ``ModelId`` is UNCONFIRMED, so both forms are accepted wherever an ID is routed.

Legacy (API 2018-12-01 doc 670/37736): ``ProjectId`` ``300029``, ``ModelId`` ``qc_300029_453345_1``. Only this
format names its activity, so a ProjectId is derived from a ``qc_<project>_...`` ModelId and never from an ``mt_``
one (``mt_1603586676924403712_1`` does not contain its ``at_`` activity).

The exact grammar (digit counts, face-index range) is not documented: UNCONFIRMED. The patterns below accept any
number of digits.
"""

from __future__ import annotations

import re
from typing import Optional

__all__ = [
    "ACTIVITY_ID", "DEFAULT_MODEL_ID_PATTERN", "LEGACY_MODEL_ID", "LEGACY_PROJECT_ID", "MATERIAL_MODEL_ID",
    "is_activity_id", "is_model_id", "project_of", "project_problem",
]

LEGACY_MODEL_ID = re.compile(r"^qc_(?P<project>\d+)_\d+_\d+$")
MATERIAL_MODEL_ID = re.compile(r"^mt_\d+(?:_\d+)?$")  # MaterialId, or MaterialId_<face index>
ACTIVITY_ID = re.compile(r"^at_\d+$")
LEGACY_PROJECT_ID = re.compile(r"^\d+$")

# FUSEFACE_MODEL_ID_PATTERN's default: a key segment uploads/<segment>/... is a ModelId in either format.
DEFAULT_MODEL_ID_PATTERN = r"^(?:qc_\d+_\d+_\d+|mt_\d+(?:_\d+)?)$"


def is_model_id(text: str) -> bool:
    """True for ``qc_<project>_<n>_<n>``, ``mt_<digits>`` and ``mt_<digits>_<n>``."""
    return bool(LEGACY_MODEL_ID.match(text) or MATERIAL_MODEL_ID.match(text))


def is_activity_id(text: str) -> bool:
    """True for ``at_<digits>`` and the legacy all-digit activity IDs."""
    return bool(ACTIVITY_ID.match(text) or LEGACY_PROJECT_ID.match(text))


def project_of(model_id: str) -> Optional[str]:
    """The activity a legacy ``qc_<project>_<n>_<n>`` ModelId names; None for every other format."""
    match = LEGACY_MODEL_ID.match(model_id)
    return match.group("project") if match else None


def project_problem(project_id: str, model_id: str) -> Optional[str]:
    """Why ``project_id`` cannot be the activity of ``model_id`` (None when it can, or when we cannot tell).

    Only combinations the two documented formats rule out are refused: a current ``mt_`` material with a legacy
    all-digit activity, and a legacy ``qc_<p>_...`` material with an activity other than ``p``.
    """
    legacy_project = project_of(model_id)
    if legacy_project is not None and project_id != legacy_project:
        return f"the legacy ModelId {model_id} belongs to activity {legacy_project}, not {project_id}"
    if MATERIAL_MODEL_ID.match(model_id) and LEGACY_PROJECT_ID.match(project_id):
        return (f"the material {model_id} is a current-format (mt_) material, but {project_id} is a legacy activity "
                f"ID; current materials belong to an at_... activity")
    return None
