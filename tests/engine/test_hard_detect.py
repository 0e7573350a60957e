"""Detection on the hard-case quality set (issue 11): close-ups that fill the frame, a face cut by the frame on
every side, small and turned faces in a large photo, and the plan of views that covers every face size."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from ..support.paths import FACES

HARD = FACES / "hard"
LAYOUT = json.loads((HARD / "layout.json").read_text())
# Eye centres (subject's right, left) measured with dlib's 68-point predictor on the source images
# (test_detect.DLIB_REFERENCE; obama2.jpg measured the same way).
DLIB_EYES = {
    "obama.jpg": [(443.8, 215.2), (548.2, 214.8)],
    "biden.jpg": [(534.5, 323.8), (652.0, 350.8)],
    "astronaut.jpg": [(203.3, 101.7), (246.5, 104.0)],
}
CLOSE_UPS = sorted(p.name for p in HARD.glob("crop112_*.jpg")) + sorted(p.name for p in HARD.glob("selfie256_*.jpg"))


def _eyes(face) -> np.ndarray:
    from fuseface_local.engine import topology

    return np.array([face.landmarks[topology.RIGHT_EYE].mean(0), face.landmarks[topology.LEFT_EYE].mean(0)])


def _mapped(points, affine) -> np.ndarray:
    m = np.asarray(affine, np.float64)
    return np.asarray(points, np.float64) @ m[:, :2].T + m[:, 2]


@pytest.mark.parametrize("name", CLOSE_UPS)
def test_a_close_up_that_fills_the_frame_is_found(analyzed, name):
    img, faces = analyzed(f"hard/{name}")
    assert len(faces) == 1
    face = faces[0]
    assert face.width >= 0.7 * img.shape[1]
    source = LAYOUT[name]["source"]
    if source in DLIB_EYES:  # the eyes land where the crop put dlib's eye centres
        expected = _mapped(DLIB_EYES[source], LAYOUT[name]["affine"])
        assert np.abs(_eyes(face) - expected).max() < 0.08 * img.shape[1]


def test_a_face_cut_by_the_frame_on_every_side_is_found_by_pad_and_retry(analyzer, analyzed):
    img, _ = analyzed("hard/selfie256_biden.jpg")
    inner = cv2.resize(img[51:205, 51:205], (256, 256), interpolation=cv2.INTER_CUBIC)  # the middle 60 %
    rgb = cv2.cvtColor(inner, cv2.COLOR_BGR2RGB)
    plain = analyzer.detector.detect(inner)
    assert not plain, "precondition: without the padded view nothing is found"
    faces = analyzer.analyze(inner)
    assert len(faces) == 1
    affine = np.asarray(LAYOUT["selfie256_biden.jpg"]["affine"]) * (256 / 154)
    affine[:, 2] -= 51 * 256 / 154
    assert np.abs(_eyes(faces[0]) - _mapped(DLIB_EYES["biden.jpg"], affine)).max() < 0.08 * 256
    assert analyzer.detector.retry(rgb), "the padded view sees it"


def test_small_and_turned_faces_in_a_large_photo(analyzed):
    """crowd_2560.jpg: a grey 3/4-turned face (100 px) and frontal faces of 36..64 px in 2560x1600."""
    img, faces = analyzed("hard/crowd_2560.jpg")
    placed = LAYOUT["crowd_2560.jpg"]
    assert len(faces) == len(placed)
    for spot in placed:
        cx, cy = spot["centre"]
        near = [f for f in faces if np.hypot(f.centre[0] - cx, f.centre[1] - cy) < 0.4 * spot["width"]]
        assert len(near) == 1, spot
        assert 0.7 * spot["width"] < near[0].width < 1.3 * spot["width"]
        if spot["source"].startswith("turned"):
            assert abs(near[0].yaw_degrees) > 20


@pytest.mark.parametrize(("name", "least"), [("turned30_obama.jpg", 15), ("turned45_obama.jpg", 25),
                                             ("turned35_biden.jpg", 25)])
def test_turned_faces_are_found_with_their_turn(analyzed, name, least):
    _, faces = analyzed(f"hard/{name}")
    assert len(faces) == 1 and abs(faces[0].yaw_degrees) > least


@pytest.mark.parametrize("size", [(112, 112), (256, 256), (512, 512), (768, 1024), (1137, 910), (970, 2204),
                                  (1600, 2560), (4095, 3000)])
def test_the_views_cover_every_face_size_once(analyzer, size):
    """Each full-range level finds faces from MIN_VIEW_FACE to FULL_MAX of its view; the finest reaches
    min_face (unless the view budget coarsened it), neighbouring levels' ranges meet, the coarsest meets the
    close view's smallest face, and each level's tiles overlap by the largest face no coarser view finds."""
    from fuseface_local.engine import detector as d

    h, w = size
    det = analyzer.detector
    levels = det.plan(h, w)  # coarsest first
    side = max(h, w)
    assert sum(v.views for v in levels) <= det.max_views
    finest = levels[-1]
    if len(levels) > 1 or finest.views > 1:
        assert d.MIN_VIEW_FACE / finest.scale <= det.min_face * (1.0 if side <= 2600 else 1.7)
    ranges = [(d.MIN_VIEW_FACE / v.scale, d.FULL_MAX * 192 / v.scale) for v in levels]
    for (lo_coarse, _), (_, hi_fine) in zip(ranges, ranges[1:]):
        assert hi_fine >= lo_coarse
    assert ranges[0][1] >= d.CLOSE_MIN * side or levels[0].views == 1
    for i, v in enumerate(levels):
        lw, lh = round(w * v.scale), round(h * v.scale)
        for starts, length in ((v.xs, lw), (v.ys, lh)):
            assert starts[0] == 0 and starts[-1] + 192 >= length
            assert all(b - a <= 192 - v.overlap for a, b in zip(starts, starts[1:]))
        coarser_min = d.MIN_VIEW_FACE / levels[i - 1].scale if i else d.CLOSE_MIN * side
        if v.views > 1:
            assert v.overlap >= min(coarser_min * v.scale, 96)


def test_a_1024_px_photo_needs_few_views(analyzer):
    """The speed budget of a template: a 1024x768 photo is covered by at most 7 model views."""
    levels = analyzer.detector.plan(768, 1024)
    assert sum(v.views for v in levels) <= 7


def test_the_short_range_anchor_layout_matches_the_model():
    """896 anchors at 128 px (2 per cell of 16x16, then 6 per cell of 8x8), and as many as the model's output
    rows at a resized 256 px input."""
    from fuseface_local.engine.blazeface import SHORT_RANGE, BlazeFace, anchors

    a = anchors(SHORT_RANGE, 128)
    assert a.shape == (896, 2)
    assert a[:2].tolist() == [[4.0, 4.0], [4.0, 4.0]] and a[2].tolist() == [12.0, 4.0]
    assert a[512:518].tolist() == [[8.0, 8.0]] * 6 and a[-1].tolist() == [120.0, 120.0]
    big = BlazeFace(SHORT_RANGE, threads=1, size=256)
    rows = big._interp.get_output_details()[0]["shape"][1]
    assert len(anchors(SHORT_RANGE, 256)) == rows == 3584
