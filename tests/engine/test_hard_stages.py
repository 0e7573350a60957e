"""The stages added for issue 11 on their own: the chroma match, the template segmentation's parts, the occluder
mask's moves, side-face correction's start. Expected values are hand-built inputs and the documented rules."""

from __future__ import annotations

import cv2
import numpy as np
import pytest


def _lab_image(l_value: float, a: float, b: float, shape=(40, 40)) -> np.ndarray:
    return np.dstack([np.full(shape, l_value), np.full(shape, a), np.full(shape, b)]).astype(np.float32)


def test_a_grey_template_removes_all_chroma_and_keeps_lightness():
    from fuseface_local.engine.colour import chroma_match

    rng = np.random.default_rng(1)
    grey = _lab_image(60.0, 0.0, 0.0) + rng.normal(0, 0.2, (40, 40, 3)).astype(np.float32)
    user = _lab_image(60.0, 18.0, 20.0) + rng.normal(0, 4.0, (40, 40, 3)).astype(np.float32)
    match = chroma_match(grey, user, np.ones((40, 40), np.float32))
    assert np.all(match.spread < 0.1)
    bgr = np.full((8, 8, 3), (90.0, 120.0, 200.0), np.float32)  # a warm skin colour
    out = match.apply(bgr)
    lab_in = cv2.cvtColor(bgr / 255.0, cv2.COLOR_BGR2Lab)
    lab_out = cv2.cvtColor(np.clip(out, 0, 255) / 255.0, cv2.COLOR_BGR2Lab)
    assert np.abs(lab_out[:, :, 1:]).max() < 2.0
    assert np.abs(lab_out[:, :, 0] - lab_in[:, :, 0]).max() < 1.0


def test_a_colour_template_keeps_most_of_the_users_chroma_spread():
    """A template whose face chroma varies (spread >= 3 Lab units) never compresses the user's below 0.6."""
    from fuseface_local.engine.colour import chroma_match

    rng = np.random.default_rng(2)
    template = _lab_image(60.0, 15.0, 20.0) + rng.normal(0, 3.0, (40, 40, 3)).astype(np.float32)
    user = _lab_image(60.0, 15.0, 20.0) + rng.normal(0, 8.0, (40, 40, 3)).astype(np.float32)
    match = chroma_match(template, user, np.ones((40, 40), np.float32))
    assert np.all(match.spread >= 0.6 - 1e-6)
    same = chroma_match(user, user, np.ones((40, 40), np.float32))
    assert same.is_identity() and not match.is_identity()


def test_the_hair_model_is_dropped_when_the_band_above_the_face_is_skin():
    """A bald head: the band's colour is the skin's, so no pixel of the face can be "hair"."""
    from fuseface_local.engine.segment import ColourModel, hair_model

    rng = np.random.default_rng(3)
    lab = _lab_image(65.0, 14.0, 18.0) + rng.normal(0, 1.0, (40, 40, 3)).astype(np.float32)
    band = np.zeros((40, 40), bool)
    band[:10] = True
    skin = ColourModel(np.array([65.0, 14.0, 18.0], np.float32), np.array([6.0, 2.0, 2.0], np.float32))
    assert hair_model(lab, band, np.zeros((40, 40), np.float32), skin) is None
    lab[:10] = _lab_image(25.0, 4.0, 6.0, (10, 40))  # dark hair above the forehead
    hair = hair_model(lab, band, np.zeros((40, 40), np.float32), skin)
    assert hair is not None and abs(float(hair.median[0]) - 25.0) < 2.0


def test_the_segmentation_finds_no_occluder_in_a_clean_face(analyzed):
    """obama.jpg and biden.jpg have nothing over their faces: inside the inner face (the silhouette shrunk by a
    fifth, where no hair or ear is) less than 2 % is called an occluder."""
    from fuseface_local.engine import topology
    from fuseface_local.engine.segment import template_occluders
    from fuseface_local.engine.shape import TemplateFrame

    for name in ("obama.jpg", "biden.jpg"):
        img, (face,) = analyzed(name)
        lt = face.landmarks.astype(np.float64)
        occ = template_occluders(img, lt, TemplateFrame.measure(lt))
        centre = lt[topology.FACE_OVAL].mean(0)
        inner = np.zeros(img.shape[:2], np.uint8)
        cv2.fillPoly(inner, [np.round(centre + (lt[topology.FACE_OVAL] - centre) * 0.8).astype(np.int32)], 255)
        mask = occ.within(occ.roi)
        region = inner[occ.roi.slices] > 0
        assert float((mask[region] > 0.5).mean()) < 0.02, name


def test_the_occluder_mask_moves_like_the_template():
    """``within`` places the mask unmoved in another ROI; ``warped`` samples it through remap maps."""
    from fuseface_local.engine.segment import Occluders
    from fuseface_local.engine.warp import Roi

    mask = np.zeros((20, 30), np.float32)
    mask[5:10, 10:20] = 1.0
    occ = Occluders(mask, Roi(100, 200, 130, 220))
    moved = occ.within(Roi(90, 195, 140, 230))
    assert moved.shape == (35, 50) and moved.sum() == mask.sum()
    assert moved[10, 20] == 1.0 and moved[9, 20] == 0.0  # (100 + 10, 200 + 5) is at (20, 10) in the new ROI
    ys, xs = np.mgrid[0:4, 0:4].astype(np.float32)
    maps = (xs + 110.0, ys + 205.0)  # a 4x4 window onto the mask's marked block
    assert np.all(occ.warped(maps) == 1.0)
    assert np.all(occ.warped((xs + 1000.0, ys)) == 0.0)  # outside the ROI: no occluder


def test_side_face_correction_starts_later_for_the_other_algorithms(analyzed):
    from fuseface_local.engine.align import hidden_side, side_face_from
    from fuseface_local.engine.params import Algorithm

    lu = analyzed("biden.jpg")[1][0].landmarks.astype(np.float64)
    assert side_face_from(Algorithm.REINVENT) < side_face_from(Algorithm.REDEFINE) == \
        side_face_from(Algorithm.FACESWAP)
    start = side_face_from(Algorithm.REDEFINE)
    assert not hidden_side(lu, start - 1.0, start=start).any()
    assert hidden_side(lu, start + 5.0, start=start).max() == pytest.approx(0.5, abs=0.01)
    assert hidden_side(lu, 40.0, start=start).max() == 1.0
