"""The local-only routes of ``fuseface serve`` under ``/local/``: what the console shows about a material but the
FuseFace API has no field for, and the page's level sweep. They are answered from the embedded emulator and the
engine, never by the function (``GET /materials`` stays the function's faithful ``DescribeMaterialList``).

* ``GET /local/materials`` -> ``{"ActivityId", "DefaultModelId", "Ultra", "Materials": {MaterialId: {"Algorithm",
  "AlgorithmName", "FuseFaceDegree", "FuseProfileDegree", "RecommendedLevels", "Image"}}}``: the console's
  algorithm, its default degrees and recommended levels, and where the template image is. ``Ultra`` says whether
  the function's ``POST /fuse`` with a ``template`` part (FuseFaceUltra) can be answered here.
* ``GET /local/materials/<MaterialId>/image`` -> the template image (for thumbnails).
* ``POST /local/sweep?ModelId=...[&TemplateFaceID=...][&X=&Y=&Width=&Height=]`` with a raw jpg/png body -> a PNG
  contact sheet: template, selfie, and the fusion at 0, the five recommended levels and 100 (``sweep``).

Errors use the function's envelope (``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Callable, Dict, Optional

from werkzeug.wrappers import Request, Response

from scf_fuseface.errors import FuseFaceError

from ..algorithms import CONSOLE_NAMES, RECOMMENDED_LEVELS

__all__ = ["PREFIX", "LocalRoutes", "ultra_available"]

PREFIX = "/local/"
_IMAGE_RE = re.compile(r"^/local/materials/(?P<id>[A-Za-z0-9_-]{1,64})/image$")
_MAX_SWEEP_BODY = 10 * 1024 * 1024


def ultra_available() -> bool:
    """Whether the emulator answers FuseFaceUltra (the function's multipart ``template`` + ``image`` shape)."""
    from ..emulator import fuseface_api

    return "FuseFaceUltra" in fuseface_api.ACTIONS


def _json(payload: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json",
                    headers=headers)


def _error(err: FuseFaceError, headers: Optional[Dict[str, str]] = None) -> Response:
    body = {"Response": {"Error": err.to_error(), "RequestId": str(uuid.uuid4())}}
    return _json(body, err.http_status, headers)


class LocalRoutes:
    """``answer(request)`` for paths under ``/local/``; ``emulator`` is a zero-argument callable returning the
    running ``EmulatorServer`` and ``activity``/``default_model`` the function's ProjectId/ModelId."""

    def __init__(self, emulator: Callable[[], Any], *, activity: Optional[str], default_model: Optional[str]) -> None:
        self._emulator = emulator
        self.activity = activity
        self.default_model = default_model

    def answer(self, request: Request) -> Response:
        path = request.path
        routes = {"/local/materials": ("GET", self._materials), "/local/sweep": ("POST", self._sweep)}
        match = _IMAGE_RE.match(path)
        method, view = routes.get(path, ("GET", self._image) if match else (None, None))
        if view is None:
            return _error(FuseFaceError("ResourceNotFound.Route", f"No local route {path}."))
        allowed = "GET, HEAD" if method == "GET" else method
        if request.method not in allowed.split(", "):
            return _error(FuseFaceError("UnsupportedOperation.MethodNotAllowed",
                                        f"{request.method} is not allowed on {path}: use {allowed}."),
                          {"Allow": allowed})
        try:
            return view(request, match["id"] if match else None)
        except FuseFaceError as err:
            return _error(err)

    # --- views ---------------------------------------------------------------------------------------------
    def _record(self, model_id: Optional[str]) -> Dict[str, Any]:
        record = self._emulator().materials.resolve(model_id) if model_id else None
        if record is None:
            raise FuseFaceError("InvalidParameterValue.MaterialIdNotFound", f"No material {model_id!r}.")
        return record

    def _materials(self, request: Request, _id: Optional[str]) -> Response:
        records = self._emulator().materials.list(self.activity)
        materials = {
            r["MaterialId"]: {
                "Algorithm": r["Algorithm"], "AlgorithmName": CONSOLE_NAMES.get(r["Algorithm"], r["Algorithm"]),
                "FuseFaceDegree": r["FuseFaceDegree"], "FuseProfileDegree": r["FuseProfileDegree"],
                "RecommendedLevels": list(RECOMMENDED_LEVELS.get(r["Algorithm"], ())),
                "Image": f"/local/materials/{r['MaterialId']}/image",
            } for r in records
        }
        return _json({"ActivityId": self.activity, "DefaultModelId": self.default_model, "Ultra": ultra_available(),
                      "Materials": materials})

    def _image(self, request: Request, model_id: Optional[str]) -> Response:
        record = self._record(model_id)
        data = self._emulator().materials.image(record)
        ctype = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
        return Response(data, content_type=ctype, headers={"Cache-Control": "max-age=60"})

    def _sweep(self, request: Request, _id: Optional[str]) -> Response:
        from ..sweep import contact_sheet, encode_image

        q = request.args
        record = self._record(q.get("ModelId") or self.default_model)
        if (request.content_length or 0) > _MAX_SWEEP_BODY:
            raise FuseFaceError("FailedOperation.ImageSizeExceed", "The selfie exceeds 10 MB.")
        selfie = request.get_data(cache=False)
        if not selfie:
            raise FuseFaceError("MissingParameter", "The request body is empty: send the selfie (jpg or png).")
        rect = None
        if q.get("Width"):
            try:
                rect = tuple(int(q.get(k, "")) for k in ("X", "Y", "Width", "Height"))
            except ValueError:
                raise FuseFaceError("InvalidParameterValue.FaceRectParameterValueError",
                                    "X, Y, Width and Height must be integers.") from None
        face_id = None
        if q.get("TemplateFaceID"):
            ids = [f["FaceId"] for f in record["MaterialFaceList"]]
            if q["TemplateFaceID"] not in ids:
                raise FuseFaceError("FailedOperation.TemplateFaceIDNotExist", "The material has no such face.")
            face_id = ids.index(q["TemplateFaceID"]) + 1
        emulator = self._emulator()
        sheet = contact_sheet(emulator.get_engine(), emulator.materials.image(record), selfie, record["Algorithm"],
                              user_rect=rect, template_face_id=face_id)
        return Response(encode_image(sheet, ".png"), content_type="image/png")
