"""Every emulator answer against the official SDK's response models (the contract a real answer meets).

Success: the SDK's own ``<Action>Response._deserialize`` reads the body; it warns about any field its model does
not define ("... fileds are useless"), which fails here, and afterwards every field of every (nested) model must
be filled: no field the SDK does not know, every documented field present. Errors: exactly the documented API 3.0
envelope ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``. Always HTTP 200 and ``application/json``.
"""

from __future__ import annotations

import base64
import warnings
from typing import Any, Dict, List, Tuple

import pytest
from tencentcloud.common.abstract_model import AbstractModel
from tencentcloud.facefusion.v20220927 import models

from fuseface_local.emulator.fuseface_api import ACTIONS

from ..support.clients import signed_api_request
from ..support.paths import PROJECT, asset

MATERIAL = "mt_1000000000000000301"
USER_B64 = base64.b64encode(asset("biden.jpg")).decode()
TEMPLATE_B64 = base64.b64encode(asset("obama.jpg")).decode()
NO_EFFECTS = {"EnhanceRadio": 0, "MpRadio": 0, "TeethEnhanceRadio": 0}  # the fake engine's faces have no landmarks


def _fuse(**change) -> Dict[str, Any]:
    params = {"ProjectId": PROJECT, "ModelId": f"{MATERIAL}_1", "RspImgType": "base64",
              "MergeInfos": [{"Image": USER_B64}]}
    params.update(change)
    return params


def _ultra(**change) -> Dict[str, Any]:
    params = {"RspImgType": "base64", "ModelImage": TEMPLATE_B64, "MergeInfos": [{"Image": USER_B64}],
              "FusionUltraParam": NO_EFFECTS}
    params.update(change)
    return {k: v for k, v in params.items() if v is not None}


# action -> requests whose answers are checked: successes first, then refusals of every layer (auth, gateway,
# parameter schema, action logic).
SAMPLES: Dict[str, List[Tuple[str, Dict[str, Any], Dict[str, Any]]]] = {
    "FuseFace": [
        ("ok", _fuse(), {}),
        ("ok", _fuse(RspImgType="url", LogoAdd=0), {}),
        ("error", _fuse(ModelId="mt_404_1"), {}),
        ("error", _fuse(Unknown=1), {}),
        ("error", _fuse(FuseFaceDegree=True), {}),
        ("error", _fuse(), {"region": "eu-frankfurt"}),
        ("error", _fuse(), {"authorization": "Bearer x"}),
        ("error", _fuse(MergeInfos=[{"Image": "!!"}]), {}),
    ],
    "FuseFaceUltra": [
        ("ok", _ultra(), {}),
        ("ok", _ultra(RspImgType="url", SwapModelType=4, LogoAdd=0,
                      FusionUltraParam={**NO_EFFECTS, "WarpRadio": 0.2, "MakeupTransferRadio": 1, "BlurRadio": 0}), {}),
        ("ok", _ultra(LogoParam={"LogoRect": {"X": 0, "Y": 0, "Width": 40, "Height": 20}, "LogoImage": USER_B64}), {}),
        ("error", _ultra(ModelImage=None), {}),
        ("error", _ultra(ProjectId="at_1"), {}),
        ("error", _ultra(SwapModelType=True), {}),
        ("error", _ultra(SwapModelType=7), {}),
        ("error", _ultra(), {"region": None}),
        ("error", _ultra(), {"authorization": "Bearer x"}),
        ("error", _ultra(MergeInfos=[{"Image": "!!"}]), {}),
    ],
    "DescribeMaterialList": [
        ("ok", {"ActivityId": PROJECT}, {}),
        ("ok", {"ActivityId": PROJECT, "MaterialId": MATERIAL, "Limit": 1, "Offset": 0}, {}),
        ("error", {"ActivityId": "at_404"}, {}),
        ("error", {"ActivityId": PROJECT, "Limit": 21}, {}),
        ("error", {}, {}),
        ("error", {"ActivityId": PROJECT}, {"version": "2018-12-01"}),
    ],
}


def _filled(obj: AbstractModel, path: str) -> List[str]:
    """Paths of fields left ``None`` anywhere in ``obj`` (nested models and lists of models included)."""
    empty = []
    for name, value in vars(obj).items():
        field = f"{path}.{name.lstrip('_')}"
        if value is None:
            empty.append(field)
        elif isinstance(value, AbstractModel):
            empty += _filled(value, field)
        elif isinstance(value, list):
            for n, item in enumerate(value):
                if isinstance(item, AbstractModel):
                    empty += _filled(item, f"{field}.{n}")
    return empty


@pytest.fixture
def material(emulator):
    if emulator.materials.get(MATERIAL) is None:
        emulator.materials.add(PROJECT, asset("obama.jpg"), material_id=MATERIAL)
    return MATERIAL


def test_every_action_has_samples():
    assert set(SAMPLES) == set(ACTIONS), "add samples for every action the emulator serves"


@pytest.mark.parametrize("action, kind, params, options", [
    (action, kind, params, options) for action, cases in SAMPLES.items() for kind, params, options in cases
], ids=lambda v: v if isinstance(v, str) else None)
def test_answer_matches_the_sdk_response_model(emulator, material, action, kind, params, options):
    response = signed_api_request(emulator, action, params, **options)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"Response"}
    answer = body["Response"]
    if kind == "error":
        assert set(answer) == {"Error", "RequestId"}, answer
        assert set(answer["Error"]) == {"Code", "Message"}
        assert all(isinstance(v, str) and v for v in (answer["Error"]["Code"], answer["Error"]["Message"],
                                                      answer["RequestId"]))
        return
    assert "Error" not in answer, answer["Error"] if "Error" in answer else None
    model = getattr(models, f"{action}Response")()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the SDK warns about every field its model does not define
        model._deserialize(answer)
    assert _filled(model, action) == []
