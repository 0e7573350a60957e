"""The FuseFaceUltra effects (``engine/effects.py``) on a real face and its real landmarks: each changes its own
region only, in the documented direction (high-frequency energy, brightness)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fuseface_local.engine import effects
from fuseface_local.engine import topology as topo


@pytest.fixture(scope="module")
def face(analyzed):
    img, faces = analyzed("obama.jpg")  # a frontal smile with the teeth showing
    return img, faces[0].landmarks.astype(np.float64)


def _polygon(shape, points) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


def _shrunk(points, scale):
    centre = points.mean(axis=0)
    return centre + (points - centre) * scale


def _hf_energy(img, mask) -> float:
    """Mean squared Laplacian of the grey image inside ``mask`` (high-frequency energy)."""
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float((cv2.Laplacian(grey, cv2.CV_32F) ** 2)[mask].mean())


def _cheeks(img, lm):
    """Skin well inside the face, away from the eyes, brows, nose and mouth: the two cheeks."""
    mask = np.zeros(img.shape[:2], bool)
    eye_r, eye_l, mouth = lm[topo.RIGHT_EYE].mean(0), lm[topo.LEFT_EYE].mean(0), lm[topo.LIPS_OUTER].mean(0)
    r = 0.09 * effects.face_width(lm)
    for eye in (eye_r, eye_l):
        centre = (eye + np.array([0.0, mouth[1] - eye[1]]) * 0.55).astype(int)
        cv2.circle(mask.view(np.uint8), tuple(int(v) for v in centre), int(r), 1, -1)
    return mask


@pytest.mark.parametrize("effect", [effects.smooth_skin, effects.enhance_face, effects.whiten_teeth])
def test_strength_zero_changes_nothing(face, effect):
    img, lm = face
    assert np.array_equal(effect(img, lm, 0.0), img)


@pytest.mark.parametrize(("effect", "region"), [
    (effects.smooth_skin, topo.FACE_OVAL), (effects.enhance_face, topo.FACE_OVAL),
    (effects.whiten_teeth, topo.LIPS_INNER),
])
def test_pixels_outside_the_region_are_untouched(face, effect, region):
    img, lm = face
    out = effect(img, lm, 1.0)
    inside = _polygon(img.shape, lm[region])
    changed = np.abs(out.astype(int) - img.astype(int)).max(axis=2) > 0
    assert changed.sum() > 200  # it did something
    assert not (changed & ~inside).any()


def test_mp_radio_lowers_high_frequency_energy_on_the_skin(face):
    img, lm = face
    cheeks = _cheeks(img, lm)
    energies = [_hf_energy(effects.smooth_skin(img, lm, s), cheeks) for s in (0.0, 0.5, 1.0)]
    assert energies[0] > energies[1] > energies[2]
    assert energies[2] < 0.75 * energies[0]


def test_mp_radio_keeps_the_eyes_sharp(face):
    img, lm = face
    eyes = _polygon(img.shape, lm[topo.RIGHT_EYE]) | _polygon(img.shape, lm[topo.LEFT_EYE])
    before, after = _hf_energy(img, eyes), _hf_energy(effects.smooth_skin(img, lm, 1.0), eyes)
    assert after > 0.9 * before


def test_enhance_radio_raises_high_frequency_energy_in_the_face(face):
    img, lm = face
    inner = _polygon(img.shape, _shrunk(lm[topo.FACE_OVAL], 0.85))
    energies = [_hf_energy(effects.enhance_face(img, lm, s), inner) for s in (0.0, 0.5, 1.0)]
    assert energies[0] < energies[1] < energies[2]
    assert energies[2] > 1.5 * energies[0]


def test_teeth_enhance_radio_brightens_the_mouth_only(face):
    img, lm = face
    mouth = _polygon(img.shape, lm[topo.LIPS_INNER])

    def lightness(x):
        return cv2.cvtColor(x, cv2.COLOR_BGR2LAB)[:, :, 0].astype(float)

    teeth = mouth & (lightness(img) > np.median(lightness(img)[mouth]))  # the bright half of the opening
    base = lightness(img)[teeth].mean()
    half, full = (lightness(effects.whiten_teeth(img, lm, s))[teeth].mean() for s in (0.5, 1.0))
    assert base + 3 < half < full
    out = effects.whiten_teeth(img, lm, 1.0)
    yellow_before = cv2.cvtColor(img, cv2.COLOR_BGR2LAB)[:, :, 2][mouth].astype(float).mean()
    yellow_after = cv2.cvtColor(out, cv2.COLOR_BGR2LAB)[:, :, 2][mouth].astype(float).mean()
    assert yellow_after < yellow_before  # less yellow


def test_a_closed_mouth_is_left_alone(face):
    img, lm = face
    closed = lm.copy()
    closed[topo.LIPS_INNER, 1] = closed[topo.LIPS_INNER, 1].mean()  # the inner lips on one line
    assert np.array_equal(effects.whiten_teeth(img, closed, 1.0), img)


def test_apply_effects_is_the_three_in_order(face):
    img, lm = face
    expected = effects.whiten_teeth(effects.smooth_skin(effects.enhance_face(img, lm, 0.4), lm, 0.6), lm, 0.8)
    assert np.array_equal(effects.apply_effects(img, lm, enhance=0.4, mp=0.6, teeth=0.8), expected)
