"""The routes of the HTTP API (each ``(req, run, request_id) -> reply payload``; errors are raised).

* ``POST /fuse`` -- FuseFace's own request (see ``body.py``), ProjectId/ModelId/LogoAdd/degrees defaulting from
  the configuration; a body with a template (``ModelUrl``/``ModelImage``, or a multipart ``template`` part) is a
  FuseFaceUltra request, its SwapModelType/radios/LogoAdd defaulting from the ``FUSEFACE_ULTRA_*`` configuration
  (``ultra_defaults``). Reply: ``{"Response": {"FusedImage", "RequestId"}}``; when that would pass
  ``FUSEFACE_HTTP_MAX_RESPONSE_BYTES`` (SCF: 6 MB) the image is stored in COS (``outputs.store_http_result``) and
  the reply carries ``FusedImage`` = ``FusedImageUrl`` = a presigned GET URL and ``RspImgType: "url"``.
* ``GET /materials`` -- ``DescribeMaterialList`` (``ActivityId``/``ProjectId``, ``MaterialId``, ``Limit``, ``Offset``).
* ``GET /healthz`` -- liveness (the dispatcher answers it before any API key check).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, Union

from .. import __version__, limits
from ..errors import FuseFaceError
from ..fuse import decode_fused, fuse_request, fuse_with_retry
from ..imageprep import check_base64_image
from ..log import Timer
from ..models.fusion import FuseRequest, parse_fuse_request
from ..models.http_event import HttpRequest
from ..models.ultra import FuseUltraRequest, is_ultra_request, parse_ultra_request
from ..outputs import store_http_result
from ..routing import resolve_project
from ..run import Run
from ..ultra import ultra_defaults
from .body import read_request

__all__ = ["fuse", "health", "materials"]

log = logging.getLogger(__name__)


def health() -> Dict[str, Any]:
    return {"status": "ok", "version": __version__}


def _with_defaults(req: FuseRequest, run: Run) -> FuseRequest:
    """``req`` with what it leaves out taken from the configuration, and its base64 images checked (upright)."""
    s = run.settings
    update: Dict[str, Any] = {}
    model_id = req.model_id or s.model_id
    if not model_id:
        raise FuseFaceError("MissingParameter", "ModelId is required (or set FUSEFACE_MODEL_ID).")
    update["model_id"] = model_id
    update["project_id"] = resolve_project(s, model_id, req.project_id, explicit_name="ProjectId",
                                           missing_code="MissingParameter", mismatch_code="InvalidParameterValue")
    if req.logo_add is None:
        update["logo_add"] = s.logo_add
    if req.fuse_face_degree is None and s.face_degree is not None:
        update["fuse_face_degree"] = s.face_degree
    if req.fuse_profile_degree is None and s.profile_degree is not None:
        update["fuse_profile_degree"] = s.profile_degree
    merged = req.model_copy(update=update)
    infos = [m.model_copy(update={"image": check_base64_image(m.image)}) if m.image and not m.url else m
             for m in merged.merge_infos]
    return merged.model_copy(update={"merge_infos": infos})


def _ultra_with_defaults(req: FuseUltraRequest, run: Run) -> FuseUltraRequest:
    """``req`` with SwapModelType, radios and LogoAdd it leaves out taken from the configuration, and its base64
    images checked against FuseFaceUltra's limits (made upright when EXIF says rotated)."""
    s = run.settings
    defaults = ultra_defaults(s)
    given = req.fusion_ultra_param.model_dump(by_alias=True, exclude_none=True) if req.fusion_ultra_param else {}
    radios = {**defaults.get("FusionUltraParam", {}), **given}
    update: Dict[str, Any] = {"logo_add": s.logo_add if req.logo_add is None else req.logo_add}
    if req.swap_model_type is None and defaults.get("SwapModelType") is not None:
        update["swap_model_type"] = defaults["SwapModelType"]
    if req.model_image and not req.model_url:
        update["model_image"] = check_base64_image(req.model_image, limits.ULTRA_IMAGES)
    update["merge_infos"] = [m.model_copy(update={"image": check_base64_image(m.image, limits.ULTRA_IMAGES)})
                             if m.image and not m.url else m for m in req.merge_infos]
    data = {**req.model_copy(update=update).to_api()}
    if radios:
        data["FusionUltraParam"] = radios
    return parse_ultra_request(data)


def _parse(req: HttpRequest, run: Run) -> Union[FuseRequest, FuseUltraRequest]:
    data = read_request(req)
    if is_ultra_request(data):
        return _ultra_with_defaults(parse_ultra_request(data), run)
    return _with_defaults(parse_fuse_request(data), run)


def fuse(req: HttpRequest, run: Run, request_id: str) -> Dict[str, Any]:
    completed = _parse(req, run)
    fuse_req = fuse_request(run.settings, completed.to_api(), produce_id=request_id)
    timer = Timer()
    request_ids: list = []
    with timer("fuse"):
        result = fuse_with_retry(run, fuse_req, request_ids)
    reply = {"Response": {"FusedImage": result.fused_image, "RequestId": result.request_id}}
    stored = fuse_req.rsp_img_type == "base64" and len(json.dumps(reply)) + 512 > run.settings.http_max_response_bytes
    if stored:
        with timer("store"):
            url = store_http_result(run, decode_fused(result.fused_image), result.request_id or request_id)
        reply = {"Response": {"FusedImage": url, "FusedImageUrl": url, "RspImgType": "url",
                              "RequestId": result.request_id}}
    log.info("fused", extra={"params": fuse_req.summary(), "fuseface_request_id": result.request_id,
                             "phases_ms": timer.phases, "stored_in_cos": stored})
    return reply


def materials(req: HttpRequest, run: Run, request_id: str) -> Dict[str, Any]:
    q = req.query
    activity = q.get("ActivityId") or q.get("ProjectId") or run.settings.project_id
    if not activity:
        raise FuseFaceError("MissingParameter", "ActivityId (ProjectId) is required (or set FUSEFACE_PROJECT_ID).")
    try:
        limit = int(q.get("Limit") or 20)
        offset = int(q.get("Offset") or 0)
    except ValueError:
        raise FuseFaceError("InvalidParameterValue", "Limit and Offset must be integers.") from None
    client = run.fusion(run.budget.remaining_s())
    result = client.describe_materials(activity, material_id=q.get("MaterialId") or None,
                                       limit=max(1, min(limit, 20)), offset=max(0, offset))
    return {"Response": result}
