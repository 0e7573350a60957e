"""The user-image fast path (``FaceAnalyzer.quick_face``): the two coarse views (the close view and the whole
image in one full-range view), used only when they cannot change which face is picked; otherwise ``None`` and
the full tiled analysis runs."""

from __future__ import annotations

import cv2
import numpy as np
import pytest


@pytest.fixture()
def views(analyzer, monkeypatch):
    """Counts the detector's model runs (either model)."""
    calls = []
    for model in (analyzer.detector.full, analyzer.detector.short):
        def counting(tensor, min_score, real=model.infer):
            calls.append(1)
            return real(tensor, min_score)

        monkeypatch.setattr(model, "infer", counting)
    return calls


def _scaled(img: np.ndarray, long_side: int) -> np.ndarray:
    s = long_side / max(img.shape[:2])
    return cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("name", ["biden.jpg", "obama.jpg", "group.jpg"])
def test_quick_face_is_the_full_analysis_largest_face_from_the_coarse_views(analyzer, analyzed, views, name):
    img, faces = analyzed(name)
    img = _scaled(img, 1024) if name == "biden.jpg" else img
    full = max(analyzer.analyze(img), key=lambda f: f.area)
    views.clear()
    quick = analyzer.quick_face(img)
    assert quick is not None and len(views) == 2
    assert np.abs(np.subtract(quick.rect, full.rect)).max() <= max(4.0, 0.03 * full.width)
    ipd = full.inter_ocular
    assert float(np.abs(quick.landmarks - full.landmarks).max()) < 0.05 * ipd


def test_quick_face_follows_the_rect(analyzer, analyzed):
    img, faces = analyzed("group.jpg")
    obama = faces[1]
    quick = analyzer.quick_face(img, obama.rect)
    assert quick is not None and np.abs(np.subtract(quick.rect, obama.rect)).max() <= 4


@pytest.mark.parametrize("index", [0, 2, 3, 4])
def test_quick_face_defers_when_the_rect_points_at_a_face_the_coarse_view_may_miss(analyzer, analyzed, index):
    """group.jpg's faces other than obama are 46..150 px in a 1400 px wide image: below the 1.5 x 14 px a
    coarse-view face must reach (153 px here) to be trusted, so the full analysis decides."""
    img, faces = analyzed("group.jpg")
    assert analyzer.quick_face(img, faces[index].rect) is None


def test_quick_face_defers_when_the_only_face_is_small_for_the_view(analyzer, analyzed, views):
    img, _ = analyzed("obama.jpg")
    canvas = np.full((1600, 1600, 3), 200, np.uint8)
    small = _scaled(img, 380)  # a face of about 120 px in a 1600 px image: 14 px in the coarse view
    canvas[600: 600 + small.shape[0], 900: 900 + small.shape[1]] = small
    views.clear()
    assert analyzer.quick_face(canvas) is None
    assert len(views) == 2  # it looked at the two coarse views, then gave up (the full analysis finds the face)
    assert len(analyzer.analyze(canvas)) == 1


def test_quick_face_skips_images_with_a_single_view(analyzer, analyzed, views):
    img, _ = analyzed("astronaut.jpg")  # 512 px: the coarse view is the only level
    assert len(analyzer.detector.plan(*img.shape[:2])) == 1
    views.clear()
    assert analyzer.quick_face(img) is None and views == []


def test_fuse_uses_the_fast_path_for_users_but_not_for_templates(engine, analyzed, monkeypatch):
    t_img, _ = analyzed("obama.jpg")
    u_img = _scaled(analyzed("biden.jpg")[0], 1024)
    full_runs = []
    real = engine.analyzer.analyze
    monkeypatch.setattr(engine.analyzer, "analyze", lambda img: full_runs.append(img.shape) or real(img))
    fast = engine.fuse_arrays(t_img, [u_img], face_degree=0, profile_degree=0)
    assert full_runs == [t_img.shape]  # the template only
    monkeypatch.setattr(engine.analyzer, "quick_face", lambda img, rect=None: None)
    slow = engine.fuse_arrays(t_img, [u_img], face_degree=0, profile_degree=0)
    assert full_runs == [t_img.shape, t_img.shape, u_img.shape]
    diff = np.abs(fast.astype(np.int16) - slow.astype(np.int16))
    assert float(diff.mean()) < 0.5 and np.percentile(diff, 99.9) < 24  # the same fusion, within landmark noise
