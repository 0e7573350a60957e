"""FuseFaceUltra on the local engine (``engine/ultra.py``): WarpRadio drives the contour, the effects act on the
fused face only, TemplateFaceRect picks the template face, templates up to 8000 px keep their size."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fuseface_local.engine import FusionError, effects
from fuseface_local.engine import topology as topo
from fuseface_local.engine.codec import decode, encode_jpeg
from fuseface_local.engine.ultra import UltraOptions, fuse_ultra, profile_degree

from ..support.paths import asset

QUIET = dict(enhance=0.0, mp=0.0, teeth=0.0)


class Recording:
    """The real engine, with the arguments of every ``fuse`` call and the number of ``detect`` calls recorded."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.calls = []
        self.detections = 0

    def detect(self, image):
        self.detections += 1
        return self.engine.detect(image)

    def fuse(self, template, users, **kwargs):
        self.calls.append(kwargs)
        return self.engine.fuse(template, users, **kwargs)


def test_warp_radio_maps_to_the_profile_degree():
    # WarpRadio: "the larger, the more like the user"; FuseProfileDegree: 100 = the template's contour.
    assert [profile_degree(w) for w in (0.0, 0.3, 0.7, 1.0)] == [100, 70, 30, 0]


def test_options_default_to_the_documented_recommended_values():
    o = UltraOptions.from_request(None, None)
    assert (o.swap_model_type, o.warp, o.enhance, o.mp, o.teeth, o.makeup) == (1, 0.7, 0.5, 0.5, 1.0, 0.0)
    given = UltraOptions.from_request(3, {"WarpRadio": 0.1, "MpRadio": 1})
    assert (given.swap_model_type, given.warp, given.mp, given.enhance) == (3, 0.1, 1.0, 0.5)


def test_swap_model_type_6_ignores_fusion_ultra_param():
    # SDK: "该参数仅对SwapModelType（模型类型）取值1-5生效"
    o = UltraOptions.from_request(6, {"WarpRadio": 0.0, "EnhanceRadio": 1.0, "MpRadio": 0.0})
    assert (o.swap_model_type, o.warp, o.enhance, o.mp) == (6, 0.7, 0.5, 0.5)
    assert o.describe() == "SwapModelType=6,WarpRadio=0.70,EnhanceRadio=0.50,MpRadio=0.50,TeethEnhanceRadio=1.00"


def test_engine_gets_the_users_features_and_the_warp_contour(engine):
    rec = Recording(engine)
    out = fuse_ultra(rec, asset("obama.jpg"), [asset("biden.jpg")], options=UltraOptions(warp=0.2, **QUIET))
    (call,) = rec.calls
    assert call["algorithm"] == "reinvent" and call["face_degree"] == 0 and call["profile_degree"] == 80
    assert call["template_face_ids"] == [1]
    assert decode(out).shape == decode(asset("obama.jpg")).shape
    assert rec.detections == 1  # the template (no effect on: the result is not looked at again)


def test_a_template_used_again_is_not_detected_again(engine):
    rec = Recording(engine)
    for _ in range(2):
        fuse_ultra(rec, asset("obama2.jpg"), [asset("biden.jpg")], options=UltraOptions(**QUIET))
    assert rec.detections == 1 and len(rec.calls) == 2


def _green_outside_face(engine):
    """obama.jpg with everything outside the face silhouette painted pure green."""
    img = decode(asset("obama.jpg"))
    (face,) = engine.detect(asset("obama.jpg"))
    inside = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(inside, [face.landmarks[topo.FACE_OVAL].astype(np.int32)], 1)
    img[inside == 0] = (0, 255, 0)
    return encode_jpeg(img), inside.astype(bool)


def test_warp_radio_moves_the_contour_toward_a_narrower_user(engine):
    template, inside = _green_outside_face(engine)
    user = decode(asset("biden.jpg"))[:1120]
    narrow = encode_jpeg(cv2.resize(user, (int(user.shape[1] * 0.72), user.shape[0])))  # a much narrower face

    def green_inside(warp: float) -> int:
        out = decode(fuse_ultra(engine, template, [narrow], options=UltraOptions(warp=warp, **QUIET)))
        green = (out[:, :, 1] > 200) & (out[:, :, 0] < 80) & (out[:, :, 2] < 80)
        return int((green & inside).sum())

    # the green surroundings are pulled inside the template's silhouette as the contour follows the user's
    template_contour, user_contour = green_inside(0.0), green_inside(1.0)
    assert user_contour > 1.3 * template_contour


@pytest.fixture(scope="module")
def smiling(engine):
    """obama.jpg fused with obama2.jpg (an open mouth, so the teeth show) at several settings."""
    cache = {}

    def get(**kw):
        key = tuple(sorted(kw.items()))
        if key not in cache:
            out = fuse_ultra(engine, asset("obama.jpg"), [asset("obama2.jpg")], options=UltraOptions(**kw))
            cache[key] = decode(out)
        return cache[key]

    (face,) = engine.detect(asset("obama.jpg"))
    return get, face


def _face_and_outside(face, shape, grow=0.3):
    oval = face.landmarks[topo.FACE_OVAL].astype(np.float64)
    centre = oval.mean(axis=0)
    near = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(near, [np.round(centre + (oval - centre) * (1 + grow)).astype(np.int32)], 1)
    inner = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(inner, [np.round(centre + (oval - centre) * 0.8).astype(np.int32)], 1)
    return inner.astype(bool), near == 0


def _hf(img, mask):
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float((cv2.Laplacian(grey, cv2.CV_32F) ** 2)[mask].mean())


def test_mp_radio_smooths_the_fused_skin_and_nothing_else(smiling, engine):
    get, face = smiling
    rough, smooth = get(mp=0.0, enhance=0.0), get(mp=1.0, enhance=0.0)
    (fused_face,) = engine.detect(encode_jpeg(rough))
    h, w = rough.shape[:2]
    skin = effects.skin_mask(rough.shape, fused_face.landmarks, (0, 0, w, h)) > 0.95
    _, outside = _face_and_outside(face, rough.shape)
    assert _hf(smooth, skin) < 0.7 * _hf(rough, skin)
    assert np.array_equal(smooth[outside], rough[outside])


def test_enhance_radio_sharpens_the_fused_face_and_nothing_else(smiling):
    get, face = smiling
    soft, sharp = get(mp=0.0, enhance=0.0), get(mp=0.0, enhance=1.0)
    inner, outside = _face_and_outside(face, soft.shape)
    assert _hf(sharp, inner) > 1.3 * _hf(soft, inner)
    assert np.array_equal(sharp[outside], soft[outside])


def test_teeth_enhance_radio_brightens_the_fused_mouth_only(smiling, engine):
    get, _ = smiling
    off, on = get(teeth=0.0), get(teeth=1.0)
    (fused_face,) = engine.detect(encode_jpeg(off))
    mouth = np.zeros(off.shape[:2], np.uint8)
    cv2.fillPoly(mouth, [fused_face.landmarks[topo.LIPS_INNER].astype(np.int32)], 1)
    lightness = [cv2.cvtColor(x, cv2.COLOR_BGR2LAB)[:, :, 0].astype(float) for x in (off, on)]
    assert lightness[1][mouth == 1].mean() > lightness[0][mouth == 1].mean() + 2
    around = cv2.dilate(mouth, np.ones((41, 41), np.uint8)) == 0  # beyond the mouth (and its JPEG blocks)
    assert np.array_equal(on[around], off[around])


def test_template_face_rect_picks_the_face_in_a_group(engine):
    group = asset("group.jpg")
    faces = engine.detect(group)
    target = max(faces, key=lambda f: f.area)  # obama, 260 px
    other = sorted(faces, key=lambda f: -f.area)[1]  # biden, 150 px
    rect = (other.x, other.y, other.width, other.height)
    out = decode(fuse_ultra(engine, group, [asset("astronaut.jpg")], options=UltraOptions(**QUIET),
                            template_rects=[rect]))
    before = decode(group)
    changed = np.abs(out.astype(int) - before.astype(int)).max(axis=2) > 20

    def share(f) -> float:
        return float(changed[f.y:f.y + f.height, f.x:f.x + f.width].mean())

    assert share(other) > 0.15 and share(target) < 0.01


def test_template_face_rect_overlapping_no_face_is_no_face_detected(engine):
    with pytest.raises(FusionError) as err:
        fuse_ultra(engine, asset("obama.jpg"), [asset("biden.jpg")], options=UltraOptions(),
                   template_rects=[(0, 0, 40, 40)])
    assert err.value.code == "FailedOperation.NoFaceDetected"


def test_a_template_over_4096_px_keeps_its_size_and_its_pixels_away_from_the_face(engine):
    small = decode(asset("obama.jpg"))  # 910 x 1137, the face in the middle
    big = cv2.copyMakeBorder(small, 0, 0, 1700, 1700, cv2.BORDER_REPLICATE)  # 4310 px wide: over FuseFace's 4096
    template = encode_jpeg(big)
    out = cv2.imdecode(np.frombuffer(fuse_ultra(engine, template, [asset("biden.jpg")], options=UltraOptions()),
                                     np.uint8), cv2.IMREAD_COLOR)
    assert out.shape == big.shape
    (face,) = engine.detect(asset("obama.jpg"))
    near = np.zeros(big.shape[:2], bool)
    near[max(face.y - 150, 0):face.y + face.height + 150, 1700 + face.x - 150:1700 + face.x + face.width + 150] = True
    reference = cv2.imdecode(np.frombuffer(template, np.uint8), cv2.IMREAD_COLOR)
    away = np.abs(out[~near].astype(int) - reference[~near].astype(int)).max(axis=1)
    assert away.mean() < 1.0 and (away > 8).mean() < 0.001  # only JPEG re-encoding noise away from the face
    assert np.abs(out[near].astype(int) - reference[near].astype(int)).mean() > 3.0  # the face was fused


def test_effects_follow_the_fused_face(smiling, engine):
    get, _ = smiling
    fused = get(enhance=0.0, mp=0.0, teeth=0.0)
    (found,) = engine.detect(encode_jpeg(fused))
    again = effects.apply_effects(fused, found.landmarks, enhance=0.0, mp=0.0, teeth=0.0)
    assert np.array_equal(again, fused)


def test_cli_fuse_ultra_writes_what_the_engine_makes(engine, tmp_path, capsys):
    from fuseface_local.cli import main

    from ..support.paths import FACES

    out = tmp_path / "ultra.jpg"
    rc = main(["fuse", "--template", str(FACES / "obama.jpg"), "--user", str(FACES / "obama2.jpg"), "--ultra",
               "--swap-model-type", "2", "--warp", "1", "--enhance", "0", "--mp", "0.8", "--teeth", "0.5",
               "--output", str(out)])
    assert rc == 0
    expected = fuse_ultra(engine, asset("obama.jpg"), [asset("obama2.jpg")],
                          options=UltraOptions(swap_model_type=2, warp=1.0, enhance=0.0, mp=0.8, teeth=0.5))
    assert out.read_bytes() == expected
    assert "SwapModelType=2,WarpRadio=1.00" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [
    ["--ultra", "--swap-model-type", "7"], ["--ultra", "--warp", "1.5"], ["--ultra", "--face-degree", "30"],
    ["--ultra", "--algorithm", "faceswap"], ["--mp", "0.3"],
])
def test_cli_fuse_ultra_refusals_exit_2_with_a_code(tmp_path, capsys, extra):
    import json

    from fuseface_local.cli import main

    from ..support.paths import FACES

    rc = main(["fuse", "--template", str(FACES / "obama.jpg"), "--user", str(FACES / "biden.jpg"), *extra,
               "--output", str(tmp_path / "x.jpg")])
    assert rc == 2 and not (tmp_path / "x.jpg").exists()
    assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["Code"].endswith("ParameterValueError")
