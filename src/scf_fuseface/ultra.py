"""FuseFaceUltra for COS uploads and HTTP defaults: which template, which parameters, and the template's checks
before the paid call.

* **Template.** ``x-cos-meta-fuseface-template-key`` on the upload, else ``FUSEFACE_ULTRA_TEMPLATE_KEY`` (the
  precedence against ModelId routing is in ``routing.route``). The value is an object key in the upload's bucket,
  or ``{bucket-appid}/{key}`` for another bucket (a first segment shaped like ``name-1250000000`` is a bucket; a
  leading ``/`` forces a key in the upload's bucket). The other bucket is read in the upload's COS region.
* **Parameters.** ``SwapModelType`` and the ``FusionUltraParam`` radios from the upload's metadata
  (``x-cos-meta-fuseface-swap-model-type``, ``-warp-radio``, ``-enhance-radio``, ``-mp-radio``,
  ``-teeth-enhance-radio``, ``-makeup-transfer-radio``), else ``FUSEFACE_ULTRA_*``, else left out (the cloud's
  recommended values). ``LogoAdd`` from ``FUSEFACE_LOGO_ADD``.
* **Template checks** (``limits.ULTRA_IMAGES``): a HEAD (missing -> ``ResourceNotFound.CosObject``; its ETag goes
  into the parameters' fingerprint, so a changed template re-fuses), size <= 20 MB, then a 64 KB ranged GET: jpg or
  png, 64 < side < 8000. It goes to FuseFaceUltra as a presigned URL (``ModelUrl``), or, when EXIF says it is
  rotated, fetched, turned upright and sent as ``ModelImage`` (<= 10 MB of base64), as uploads are.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple

from . import limits
from .adapters.base import ObjectHead, Storage
from .config import Settings
from .errors import FuseFaceError
from .imageinfo import check_dimensions, sniff
from .imageprep import upright_base64
from .outputs import META_SWAP_MODEL_TYPE, ULTRA_RADIO_META

if TYPE_CHECKING:
    from .routing import UltraParams
    from .run import Run

__all__ = ["parse_template_ref", "template_head", "template_source", "ultra_defaults", "ultra_params"]

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]*-\d+$")
_SETTINGS_RADIOS = {"WarpRadio": "ultra_warp_radio", "EnhanceRadio": "ultra_enhance_radio",
                    "MpRadio": "ultra_mp_radio", "TeethEnhanceRadio": "ultra_teeth_enhance_radio",
                    "MakeupTransferRadio": "ultra_makeup_transfer_radio"}


def parse_template_ref(value: str, upload_bucket: str) -> Tuple[str, str]:
    """``(bucket, key)`` of a template reference (see the module docstring)."""
    text = value.strip()
    if text.startswith("/"):
        bucket, key = upload_bucket, text.lstrip("/")
    else:
        first, sep, rest = text.partition("/")
        bucket, key = (first, rest) if sep and _BUCKET.match(first) else (upload_bucket, text)
    if not key or key.endswith("/"):
        raise FuseFaceError("InvalidParameterValue", f"The FuseFaceUltra template {value!r} names no object.")
    return bucket, key


def ultra_defaults(settings: Settings) -> Dict[str, Any]:
    """``SwapModelType`` and ``FusionUltraParam`` from ``FUSEFACE_ULTRA_*`` (unset ones left out)."""
    radios = {name: getattr(settings, attr) for name, attr in _SETTINGS_RADIOS.items()
              if getattr(settings, attr) is not None}
    out: Dict[str, Any] = {}
    if settings.ultra_swap_model_type is not None:
        out["SwapModelType"] = settings.ultra_swap_model_type
    if radios:
        out["FusionUltraParam"] = radios
    return out


def _number(metadata: Mapping[str, str], name: str, *, integer: bool, low: float, high: float) -> Optional[float]:
    raw = str(metadata.get(name, "")).strip()
    if raw == "":
        return None
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        kind = f"an integer {low:.0f}..{high:.0f}" if integer else f"a number in [{low:.0f}, {high:.0f}]"
        raise FuseFaceError("InvalidParameterValue", f"Object metadata {name}={raw!r} must be {kind}.")
    return value


def ultra_params(settings: Settings, metadata: Mapping[str, str]) -> Dict[str, Any]:
    """``SwapModelType``, ``FusionUltraParam`` and ``LogoAdd`` of one upload: its metadata, else the configuration."""
    defaults = ultra_defaults(settings)
    swap = _number(metadata, META_SWAP_MODEL_TYPE, integer=True, low=1, high=limits.MAX_SWAP_MODEL_TYPE)
    radios = dict(defaults.get("FusionUltraParam", {}))
    for field, header in ULTRA_RADIO_META.items():
        value = _number(metadata, header, integer=False, low=0, high=1)
        if value is not None:
            radios[field] = value
    return {"SwapModelType": int(swap) if swap is not None else defaults.get("SwapModelType"),
            "FusionUltraParam": radios or None, "LogoAdd": settings.logo_add}


def template_head(storage: Storage, params: UltraParams) -> ObjectHead:
    """The template's HEAD; a missing template is ``ResourceNotFound.CosObject`` (a failure record)."""
    bucket, key = params["TemplateBucket"], params["TemplateKey"]
    head = storage.head(bucket, key)
    if head is None:
        raise FuseFaceError("ResourceNotFound.CosObject",
                            f"The FuseFaceUltra template {bucket}/{key} does not exist.")
    return head


def template_source(run: Run, storage: Storage, params: UltraParams, head: ObjectHead) -> Dict[str, str]:
    """``{"ModelUrl": presigned URL}`` (or ``{"ModelImage": upright base64}`` when EXIF-rotated), checked first."""
    bucket, key = params["TemplateBucket"], params["TemplateKey"]
    if head.size > limits.ULTRA_MAX_URL_BYTES:
        raise FuseFaceError("FailedOperation.ImageSizeExceed",
                            f"The template is {head.size} bytes; FuseFaceUltra accepts at most 20 MB by URL.")
    info = sniff(storage.get(bucket, key, first_bytes=limits.SNIFF_BYTES))
    check_dimensions(info, max_side=limits.ULTRA_MAX_SIDE_EXCLUSIVE)
    if info.rotated:
        return {"ModelImage": upright_base64(storage.get(bucket, key), max_base64=limits.ULTRA_MAX_BASE64_BYTES)}
    expires = max(300, min(3600, run.settings.presign_expires))
    return {"ModelUrl": storage.presign_get(bucket, key, expires=expires)}
