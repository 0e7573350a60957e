"""Face detection through ``tencentcloud-sdk-python-iai`` (iai ``DetectFace``, API version 2020-03-03).

The slim iai package only (not the whole ``tencentcloud-sdk-python``). It answers ``POST /detect``: the faces of
a photo, so that a caller can pick one of several and send it to FuseFace as ``InputImageFaceRect``. Boxes are
returned as the service reports them; ``scf_fuseface.detect`` clamps them to the image. SDK exceptions become
``FuseFaceError`` with iai's own code (e.g. ``InvalidParameterValue.NoFaceInPhoto``), as in ``facefusion.py``.
Endpoint ``FUSEFACE_IAI_ENDPOINT`` (default ``iai.tencentcloudapi.com``); region and scheme as FuseFace's.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ..config import Credentials, Settings
from ..errors import FuseFaceError
from .base import FaceBox, FacesFound
from .sdk import SdkClient

__all__ = ["IaiDetector", "MAX_FACE_NUM"]

MAX_FACE_NUM = 120  # DetectFaceRequest.MaxFaceNum: default 1 (the largest face), at most 120


class IaiDetector(SdkClient):
    """One configured iai client (implements :class:`~scf_fuseface.adapters.base.FaceDetector`); the class is the
    production ``DetectorFactory``."""

    def __init__(self, settings: Settings, creds: Credentials, *, timeout: Optional[float] = None) -> None:
        from tencentcloud.iai.v20200303 import iai_client, models

        super().__init__(settings, creds, client_cls=iai_client.IaiClient, models=models,
                         endpoint=settings.iai_endpoint, timeout=timeout)

    def detect_faces(self, *, image: Optional[str] = None, url: Optional[str] = None,
                     max_faces: int = 10) -> FacesFound:
        """``DetectFace`` on a base64 ``image`` or a ``url``; raises ``FuseFaceError``."""
        if not image and not url:
            raise FuseFaceError("MissingParameter", "DetectFace needs Image or Url.")
        params: Dict[str, Any] = {"MaxFaceNum": max(1, min(int(max_faces), MAX_FACE_NUM)), "NeedFaceAttributes": 0,
                                  "NeedQualityDetection": 0}
        if url:
            params["Url"] = url
        else:
            params["Image"] = image
        resp = self.call("DetectFace", params)
        faces = tuple(FaceBox(int(f.X or 0), int(f.Y or 0), int(f.Width or 0), int(f.Height or 0))
                      for f in resp.FaceInfos or [])
        return FacesFound(int(resp.ImageWidth or 0), int(resp.ImageHeight or 0), faces, resp.RequestId)
