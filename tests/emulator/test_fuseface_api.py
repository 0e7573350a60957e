"""FuseFace and DescribeMaterialList semantics (fake engine: the API, not the pixels, is under test)."""

from __future__ import annotations

import base64
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.facefusion.v20220927 import facefusion_client, models

from fuseface_local.emulator import QUOTA, EmulatorServer, read_metadata
from fuseface_local.engine import FusionError
from scf_fuseface.errors import FuseFaceError

from ..support.clients import api_client, cos_client
from ..support.fakes import FakeEngine, FakeFace
from ..support.images import png_bytes
from ..support.paths import BUCKET, PROJECT, asset

USER_B64 = base64.b64encode(asset("biden.jpg")).decode()
MATERIAL_ID = "mt_1000000000000000101"


@pytest.fixture
def fresh(tmp_path):
    """A private server (materials count against the account quota, so tests that add many get their own)."""
    engine = FakeEngine()
    with EmulatorServer(tmp_path, engine=engine) as emu:
        emu.test_engine = engine
        yield emu


@pytest.fixture
def material(emulator):
    existing = emulator.materials.get(MATERIAL_ID)
    if existing is None:
        emulator.materials.add(PROJECT, asset("obama.jpg"), material_id=MATERIAL_ID, name="obama")
        existing = emulator.materials.get(MATERIAL_ID)
    return existing


def _params(material, **overrides):
    params = {"ProjectId": PROJECT, "ModelId": material["MaterialId"], "RspImgType": "base64",
              "MergeInfos": [{"Image": USER_B64}]}
    params.update(overrides)
    return params


def _error_code(api, action, params) -> str:
    with pytest.raises(TencentCloudSDKException) as err:
        api.call_json(action, params)
    return err.value.get_code()


# --- happy paths -----------------------------------------------------------------------------------------
def test_fuse_base64_with_typed_sdk_client(emulator, material, fake_engine):
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emulator.endpoint))
    from tencentcloud.common import credential

    client = facefusion_client.FacefusionClient(
        credential.Credential(emulator.secret_id, emulator.secret_key), "ap-guangzhou", profile)
    req = models.FuseFaceRequest()
    req.ProjectId, req.ModelId, req.RspImgType = PROJECT, material["MaterialId"], "base64"
    info = models.MergeInfo()
    info.Image = USER_B64
    req.MergeInfos = [info]
    resp = client.FuseFace(req)
    image = Image.open(io.BytesIO(base64.b64decode(resp.FusedImage)))
    assert image.format == "JPEG"
    assert resp.RequestId
    call = fake_engine.fuse_calls[-1]
    assert call["users"] == [asset("biden.jpg")]
    assert call["template"] == asset("obama.jpg")
    assert (call["algorithm"], call["face_degree"], call["profile_degree"]) == ("redefine", 50, 50)
    assert emulator.calls["FuseFace"] == 1


def test_logo_is_drawn_by_default_and_not_with_logoadd_0(api, material):
    plain = base64.b64decode(api.call_json("FuseFace", _params(material, LogoAdd=0))["Response"]["FusedImage"])
    labelled = base64.b64decode(api.call_json("FuseFace", _params(material))["Response"]["FusedImage"])
    grey = Image.open(io.BytesIO(plain)).convert("L")
    marked = Image.open(io.BytesIO(labelled)).convert("L")
    corner = (200, 230, 256, 256)
    assert grey.crop(corner).getextrema()[1] < 140  # untouched grey
    assert marked.crop(corner).getextrema()[1] > 200  # white text
    assert marked.crop(corner).getextrema()[0] < 80  # dark box
    assert abs(marked.getpixel((20, 20)) - grey.getpixel((20, 20))) < 8  # the rest is unchanged


class _OverlayEngine(FakeEngine):
    """Takes an overlay, as the real and the stamp engines do: draws it on its grey result before encoding."""

    takes_overlay = True

    def fuse(self, template, users, **kwargs):
        import numpy as np

        self.fuse_calls.append({"template": template, "users": users, **kwargs})
        img = np.full((256, 256, 3), 128, np.uint8)
        if kwargs.get("overlay") is not None:
            kwargs["overlay"](img)
        buf = io.BytesIO()
        Image.fromarray(img[:, :, ::-1]).save(buf, "JPEG")
        return buf.getvalue()


@pytest.mark.parametrize("extra, overlay", [({}, True), ({"LogoAdd": 0}, False),
                                            ({"LogoParam": {"LogoRect": {"X": 0, "Y": 0, "Width": 40, "Height": 40},
                                                            "LogoImage": base64.b64encode(png_bytes(40, 40)).decode()}},
                                             False)])
def test_an_engine_taking_an_overlay_draws_the_label_itself_once(tmp_path, extra, overlay):
    engine = _OverlayEngine()
    with EmulatorServer(tmp_path, engine=engine) as emu:
        emu.materials.add(PROJECT, asset("obama.jpg"), material_id=MATERIAL_ID)
        jpeg = base64.b64decode(api_client(emu).call_json("FuseFace", _params({"MaterialId": MATERIAL_ID}, **extra))
                                ["Response"]["FusedImage"])
    assert (engine.fuse_calls[-1].get("overlay") is not None) is overlay
    corner = Image.open(io.BytesIO(jpeg)).convert("L").crop((200, 230, 256, 256))
    labelled = corner.getextrema()[1] > 200 and corner.getextrema()[0] < 80  # white text on a dark box
    assert labelled is ("LogoAdd" not in extra and "LogoParam" not in extra)
    if overlay:  # drawn once: the label's dark box is 0.35 x grey, not darkened twice
        import numpy as np

        assert 35 <= np.percentile(np.asarray(corner), 25) <= 55


def test_codec_metadata_is_written_as_a_jpeg_comment(api, material):
    meta = {"ImageCodecParam": {"MetaData": [{"MetaKey": "AIGC", "MetaValue": "本图片为AI合成图片"}]}}
    jpeg = base64.b64decode(api.call_json("FuseFace", _params(material, FuseParam=meta))["Response"]["FusedImage"])
    assert read_metadata(jpeg) == {"AIGC": "本图片为AI合成图片"}
    assert Image.open(io.BytesIO(jpeg)).info["comment"] == "AIGC=本图片为AI合成图片".encode()


@pytest.mark.parametrize("meta", [
    [{"MetaKey": "a", "MetaValue": "1"}, {"MetaKey": "b", "MetaValue": "2"}],
    [{"MetaKey": "k" * 33, "MetaValue": "1"}],
    [{"MetaKey": "k", "MetaValue": "v" * 257}],
])
def test_codec_metadata_limits(api, material, meta):
    params = _params(material, FuseParam={"ImageCodecParam": {"MetaData": meta}})
    assert _error_code(api, "FuseFace", params) == "InvalidParameterValue.ParameterValueError"


def test_url_result_is_a_presigned_emulator_url_valid_seven_days(api, emulator, material):
    url = api.call_json("FuseFace", _params(material, RspImgType="url"))["Response"]["FusedImage"]
    parts = urlsplit(url)
    assert parts.netloc == emulator.endpoint
    start, end = (int(v) for v in parse_qs(parts.query)["q-sign-time"][0].split(";"))
    assert end - start == 7 * 24 * 3600 + 60
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content.startswith(b"\xff\xd8")
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403


def test_url_input_from_emulated_cos_wins_over_image(api, emulator, material, fake_engine):
    cos = cos_client(emulator)
    cos.put_object(Bucket=BUCKET, Key="uploads/u.jpg", Body=asset("obama2.jpg"))
    url = cos.get_presigned_download_url(Bucket=BUCKET, Key="uploads/u.jpg")
    params = _params(material, MergeInfos=[{"Url": url, "Image": "not base64 at all"}])
    assert api.call_json("FuseFace", params)["Response"]["FusedImage"]
    assert fake_engine.fuse_calls[-1]["users"] == [asset("obama2.jpg")]
    # The virtual-hosted COS URL (what a CosConfig without IP= presigns) is served from the store too.
    hosted = CosHostedUrl(emulator, "uploads/u.jpg")
    assert api.call_json("FuseFace", _params(material, MergeInfos=[{"Url": hosted}]))["Response"]["FusedImage"]


def CosHostedUrl(emulator, key):  # noqa: N802 - reads like a constructor
    from qcloud_cos import CosConfig, CosS3Client

    client = CosS3Client(CosConfig(Region="ap-guangzhou", SecretId=emulator.secret_id,
                                   SecretKey=emulator.secret_key, Scheme="https"))
    url = client.get_presigned_download_url(Bucket=BUCKET, Key=key)
    assert url.startswith(f"https://{BUCKET}.cos.ap-guangzhou.myqcloud.com/")
    return url


@pytest.mark.parametrize("url", [
    "https://example.com/face.jpg",
    "http://127.0.0.1:1/uploads/u.jpg",
    f"http://{BUCKET}.cos.ap-guangzhou.myqcloud.com/uploads/u.jpg",  # unsigned: the bucket is private
    "ftp://x/y.jpg",
])
def test_other_urls_fail_to_download(api, emulator, material, url):
    emulator.store.put(BUCKET, "uploads/u.jpg", asset("obama2.jpg"))
    params = _params(material, MergeInfos=[{"Url": url}])
    assert _error_code(api, "FuseFace", params) == "FailedOperation.ImageDownloadError"


def test_url_object_over_10_mb_is_image_size_exceed(api, emulator, material):
    emulator.store.put(BUCKET, "huge.jpg", asset("obama.jpg") + b"\0" * (10 * 1024 * 1024))
    url = cos_client(emulator).get_presigned_download_url(Bucket=BUCKET, Key="huge.jpg")
    params = _params(material, MergeInfos=[{"Url": url}])
    assert _error_code(api, "FuseFace", params) == "FailedOperation.ImageSizeExceed"


# --- validation -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("change, code", [
    ({"ProjectId": "999999"}, "InvalidParameterValue.ActivityIdNotFound"),
    ({"ModelId": "mt_1000000000000009999_1"}, "InvalidParameterValue.MaterialIdNotFound"),
    ({"ModelId": f"{MATERIAL_ID}_9"}, "InvalidParameterValue.MaterialIdNotFound"),  # no face 9
    ({"RspImgType": "jpeg"}, "InvalidParameterValue.ParameterValueError"),
    ({"MergeInfos": []}, "InvalidParameterValue.ParameterValueError"),
    ({"RspImgType": None}, "MissingParameter"),
    ({"MergeInfos": [{"Image": USER_B64}] * 7}, "InvalidParameterValue.ParameterValueError"),
    ({"MergeInfos": [{}]}, "InvalidParameterValue.ParameterValueError"),
    ({"MergeInfos": [{"Image": "data:image/jpeg;base64," + USER_B64}]}, "FailedOperation.ImageDecodeFailed"),
    ({"MergeInfos": [{"Image": "!!!notbase64"}]}, "FailedOperation.ImageDecodeFailed"),
    ({"MergeInfos": [{"Image": base64.b64encode(b"GIF89a....").decode()}]}, "FailedOperation.ImageDecodeFailed"),
    ({"MergeInfos": [{"Image": "A" * (5 * 1024 * 1024 + 4)}]}, "FailedOperation.ImageSizeExceed"),
    ({"MergeInfos": [{"Image": base64.b64encode(png_bytes(40, 40)).decode()}]},
     "FailedOperation.ImageResolutionTooSmall"),
    ({"MergeInfos": [{"Image": USER_B64, "TemplateFaceID": f"{MATERIAL_ID}_9"}]},
     "FailedOperation.TemplateFaceIDNotExist"),
    ({"MergeInfos": [{"Image": USER_B64, "InputImageFaceRect": {"X": 0, "Y": 0, "Width": 20, "Height": 80}}]},
     "InvalidParameterValue.FaceRectParameterValueError"),
    ({"FuseFaceDegree": 101}, "InvalidParameterValue.ParameterValueError"),
    ({"FuseProfileDegree": -1}, "InvalidParameterValue.ParameterValueError"),
])
def test_fuseface_validation_codes(api, material, fake_engine, change, code):
    assert _error_code(api, "FuseFace", _params(material, **change)) == code
    assert fake_engine.fuse_calls == []


def test_material_not_approved(fresh):
    model = fresh.materials.add(PROJECT, asset("obama.jpg"))["MaterialId"]
    fresh.materials.set_status(model, 0)
    params = {"ProjectId": PROJECT, "ModelId": model, "RspImgType": "base64", "MergeInfos": [{"Image": USER_B64}]}
    assert _error_code(api_client(fresh), "FuseFace", params) == "FailedOperation.FuseMaterialNotAuth"


def test_template_face_ids_rects_and_explicit_degrees_reach_the_engine(fresh):
    fresh.test_engine.faces = [FakeFace(10, 10, 100, 100), FakeFace(300, 10, 100, 100)]
    model = fresh.materials.add(PROJECT, asset("obama.jpg"), algorithm="reinvent")["MaterialId"]
    infos = [{"Image": USER_B64, "TemplateFaceID": f"{model}_2",
              "InputImageFaceRect": {"X": 1, "Y": 2, "Width": 40, "Height": 50}}, {"Image": USER_B64}]
    params = {"ProjectId": PROJECT, "ModelId": model, "RspImgType": "base64", "MergeInfos": infos}
    api_client(fresh).call_json("FuseFace", params)
    call = fresh.test_engine.fuse_calls[-1]
    assert call["template_face_ids"] == [2, None]
    assert call["user_rects"] == [(1, 2, 40, 50), None]
    assert (call["algorithm"], call["face_degree"], call["profile_degree"]) == ("reinvent", 30, 30)
    api_client(fresh).call_json("FuseFace", {**params, "FuseFaceDegree": 70, "FuseProfileDegree": 0})
    assert (fresh.test_engine.fuse_calls[-1]["face_degree"], fresh.test_engine.fuse_calls[-1]["profile_degree"]) \
        == (70, 0)


def test_engine_errors_map_one_to_one(fresh):
    class NoFace(FakeEngine):
        def fuse(self, template, users, **kwargs):
            raise FusionError("FailedOperation.NoFaceDetected", "no face in the user image")

    fresh._engine = NoFace()
    model = fresh.materials.add(PROJECT, asset("obama.jpg"))["MaterialId"]
    params = {"ProjectId": PROJECT, "ModelId": model, "RspImgType": "base64", "MergeInfos": [{"Image": USER_B64}]}
    with pytest.raises(TencentCloudSDKException) as err:
        api_client(fresh).call_json("FuseFace", params)
    assert (err.value.get_code(), err.value.get_message()) == ("FailedOperation.NoFaceDetected",
                                                               "no face in the user image")


# --- injection ----------------------------------------------------------------------------------------------
def test_injected_error_applies_before_work_then_clears(api, emulator, material, fake_engine):
    emulator.inject_error("FuseFace", "RequestLimitExceeded", times=2, message="slow down")
    for _ in range(2):
        with pytest.raises(TencentCloudSDKException) as err:
            api.call_json("FuseFace", _params(material))
        assert (err.value.get_code(), err.value.get_message()) == ("RequestLimitExceeded", "slow down")
    assert fake_engine.fuse_calls == []
    assert api.call_json("FuseFace", _params(material))["Response"]["FusedImage"]
    assert emulator.calls["FuseFace"] == 3


def test_injected_delay_provokes_a_client_timeout(emulator, material):
    emulator.inject_delay("FuseFace", seconds=2.0, times=1)
    # The same call also takes an injected error, so the abandoned request does no work after its delay.
    emulator.inject_error("FuseFace", "InternalError", times=1)
    with pytest.raises(TencentCloudSDKException) as err:
        api_client(emulator, timeout=1).call_json("FuseFace", _params(material))
    assert err.value.get_code() == "ClientNetworkError"


def test_reset_clears_counters_and_injections(api, emulator, material):
    emulator.inject_error("FuseFace", "InternalError", times=5)
    emulator.reset()
    assert api.call_json("FuseFace", _params(material))["Response"]["FusedImage"]
    assert emulator.calls == {"FuseFace": 1}


# --- materials and DescribeMaterialList ----------------------------------------------------------------------
def test_describe_material_list_paging(fresh):
    ids = [fresh.materials.add("300100", asset("obama.jpg"), name=f"m{i}")["MaterialId"] for i in range(3)]
    fresh.materials.add("300200", asset("obama.jpg"))
    api = api_client(fresh)
    first = api.call_json("DescribeMaterialList", {"ActivityId": "300100", "Limit": 2, "Offset": 0})["Response"]
    assert first["Count"] == 3
    assert [m["MaterialId"] for m in first["MaterialInfos"]] == ids[:2]
    rest = api.call_json("DescribeMaterialList", {"ActivityId": "300100", "Limit": 2, "Offset": 2})["Response"]
    assert [m["MaterialId"] for m in rest["MaterialInfos"]] == ids[2:]
    info = first["MaterialInfos"][0]
    assert set(info) == {"MaterialId", "MaterialStatus", "CreateTime", "UpdateTime", "MaterialFaceList",
                         "MaterialName", "AuditResult"}
    assert info["MaterialStatus"] == 1
    assert info["MaterialFaceList"] == [{"FaceId": f"{ids[0]}_1",
                                         "FaceInfo": {"X": 100, "Y": 120, "Width": 200, "Height": 200}}]
    one = api.call_json("DescribeMaterialList", {"ActivityId": "300100", "MaterialId": ids[1]})["Response"]
    assert (one["Count"], one["MaterialInfos"][0]["MaterialName"]) == (1, "m1")
    assert _error_code(api, "DescribeMaterialList", {"ActivityId": "300100", "Limit": 21}) == \
        "InvalidParameterValue.ParameterValueError"
    assert _error_code(api, "DescribeMaterialList", {"ActivityId": "404"}) == \
        "InvalidParameterValue.ActivityIdNotFound"
    assert fresh.calls["DescribeMaterialList"] == 5


def test_material_quota_is_ten_per_account(fresh):
    for i in range(QUOTA):
        fresh.materials.add(str(300000 + i % 2), asset("obama.jpg"))
    with pytest.raises(FuseFaceError) as err:
        fresh.materials.add("300000", asset("obama.jpg"))
    assert err.value.code == "LimitExceeded"  # the common code "超过配额限制": the console quota has none of its own
    assert "quota" in err.value.message
    replaced = fresh.materials.list("300000")[0]["MaterialId"]
    assert fresh.materials.add("300000", asset("obama2.jpg"), model_id=replaced)["MaterialId"] == replaced
    assert len(fresh.materials.list()) == QUOTA


@pytest.mark.parametrize("faces, image, code", [
    ([], asset("obama.jpg"), "FailedOperation.NoFaceDetected"),
    ([FakeFace(0, 0, 30, 30)], asset("obama.jpg"), "FailedOperation.FaceSizeTooSmall"),
    ([FakeFace(0, 0, 100, 100)], png_bytes(4096, 80), "FailedOperation.ImagePixelExceed"),
    ([FakeFace(0, 0, 100, 100)], png_bytes(60, 200), "FailedOperation.ImageResolutionTooSmall"),
    ([FakeFace(0, 0, 100, 100)], b"not an image", "FailedOperation.ImageDecodeFailed"),
])
def test_material_review_refusals(fresh, faces, image, code):
    fresh.test_engine.faces = faces
    with pytest.raises(FuseFaceError) as err:
        fresh.materials.add(PROJECT, image)
    assert err.value.code == code
    assert fresh.materials.list() == []


def test_materials_persist_and_number_faces(tmp_path):
    engine = FakeEngine()
    engine.faces = [FakeFace(10, 10, 100, 100), FakeFace(300, 10, 90, 90)]
    with EmulatorServer(tmp_path, engine=engine) as emu:
        record = emu.materials.add(PROJECT, asset("obama.jpg"), name="two", algorithm="faceswap")
    material = record["MaterialId"]
    assert re.fullmatch(r"mt_\d{19}", material)
    assert [f["FaceId"] for f in record["MaterialFaceList"]] == [f"{material}_1", f"{material}_2"]
    with EmulatorServer(tmp_path, engine=engine) as emu:
        (again,) = emu.materials.list(PROJECT)
        assert (again["MaterialName"], again["Algorithm"], again["FuseFaceDegree"]) == ("two", "faceswap", 0)
        assert emu.materials.image(again) == asset("obama.jpg")
        assert (tmp_path / "materials" / "index.json").is_file()


def test_concurrent_calls_are_served(emulator, material, fake_engine):
    from concurrent.futures import ThreadPoolExecutor

    def call(_):
        return api_client(emulator).call_json("FuseFace", _params(material))["Response"]["FusedImage"]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(call, range(8)))
    assert all(results)
    assert emulator.calls["FuseFace"] == 8
    assert len(fake_engine.fuse_calls) == 8
