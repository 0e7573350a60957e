"""The fusion stages on their own: mouth decisions, degree weights, alignment, the warp mesh and box helpers.
Expected values are the documented rules (FuseFaceDegree < 50 keeps the user's mismatched mouth, ...) or
hand-built geometry, not outputs of the code under test."""

from __future__ import annotations

import cv2
import numpy as np
import pytest


def _mouth(gap: float, width: float = 40.0) -> np.ndarray:
    """Synthetic landmarks: a mouth ``width`` px wide whose inner lips are ``gap`` px apart."""
    from fuseface_local.engine import topology

    lm = np.zeros((468, 2))
    lm[topology.MOUTH_CORNERS] = [(100.0, 200.0), (100.0 + width, 200.0)]
    upper, lower = topology.INNER_LIP_PAIRS[:, 0], topology.INNER_LIP_PAIRS[:, 1]
    xs = np.linspace(105.0, 95.0 + width, len(upper))
    lm[upper] = np.column_stack([xs, np.full(len(xs), 200.0 - gap / 2)])
    lm[lower] = np.column_stack([xs, np.full(len(xs), 200.0 + gap / 2)])
    return lm


@pytest.mark.parametrize(("algorithm", "degree", "user_gap", "template_gap", "expected"), [
    ("faceswap", 0, 0.0, 0.0, "USER"),  # faceswap: always the user's mouth
    ("faceswap", 0, 12.0, 0.0, "USER"),
    ("redefine", 49, 12.0, 0.0, "USER"),  # open vs closed below FuseFaceDegree 50: the user's
    ("redefine", 50, 12.0, 0.0, "TEMPLATE"),  # ... from 50: the template's expression
    ("reinvent", 90, 0.0, 12.0, "TEMPLATE"),
    ("redefine", 10, 1.0, 2.0, "USER_LIPS"),  # similar mouths: the user's lips, the template's interior
])
def test_mouth_source(algorithm, degree, user_gap, template_gap, expected):
    from fuseface_local.engine.mouth import MouthSource, plan_mouth
    from fuseface_local.engine.params import Algorithm, Degrees

    plan = plan_mouth(_mouth(user_gap), _mouth(template_gap), Algorithm(algorithm), Degrees(degree, degree))
    assert plan.source is MouthSource[expected]
    assert plan.user_openness == pytest.approx(user_gap / 40.0)


def test_a_slightly_open_user_mouth_is_painted_closed_over_a_closed_template_mouth():
    from fuseface_local.engine.mouth import MouthSource, plan_mouth
    from fuseface_local.engine.params import Algorithm, Degrees

    plan = plan_mouth(_mouth(3.2), _mouth(1.6), Algorithm.REDEFINE, Degrees(50, 50))  # 0.08 vs 0.04
    assert plan.source is MouthSource.USER_LIPS and plan.closes_user_mouth
    assert not plan_mouth(_mouth(3.2), _mouth(1.6), Algorithm.FACESWAP, Degrees(0, 0)).closes_user_mouth


def test_degree_weights_on_a_real_face(analyzed):
    from fuseface_local.engine import topology
    from fuseface_local.engine.params import Degrees
    from fuseface_local.engine.shape import TemplateFrame, degree_weights

    _, (face,) = analyzed("obama.jpg")
    frame = TemplateFrame.measure(face.landmarks.astype(np.float64))
    full = degree_weights(frame, Degrees(100, 100))
    assert np.all(full.shape == 1.0) and np.all(full.texture == 1.0)
    mixed = degree_weights(frame, Degrees(30, 70))
    assert mixed.shape[topology.LIPS_OUTER] == pytest.approx(np.full(len(topology.LIPS_OUTER), 0.3))
    chin = 152  # the bottom of the silhouette (MediaPipe topology)
    assert mixed.shape[chin] == pytest.approx(0.7)
    none = degree_weights(frame, Degrees(0, 0))
    assert np.all(none.shape[topology.LIPS_OUTER] == 0.0)
    forehead_top = 10  # the top of the silhouette: hairline, always the template's shape
    assert none.shape[forehead_top] == pytest.approx(1.0)


def test_umeyama_recovers_a_similarity():
    from fuseface_local.engine.align import umeyama

    rng = np.random.default_rng(1)
    src = rng.uniform(0, 100, (50, 2))
    angle = np.radians(30.0)
    matrix = 1.7 * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = src @ matrix.T + (12.0, -5.0)
    fit = umeyama(src, dst)
    np.testing.assert_allclose(fit.matrix, matrix, atol=1e-9)
    np.testing.assert_allclose(fit.offset, (12.0, -5.0), atol=1e-9)
    np.testing.assert_allclose(fit.apply(src), dst, atol=1e-9)


def test_an_unmoved_shape_gives_an_unfolded_mesh_on_the_template(analyzed):
    from fuseface_local.engine.fusion_mesh import build_mesh, face_region, signed_areas

    _, (face,) = analyzed("obama.jpg")
    lt = face.landmarks.astype(np.float64)
    mesh = build_mesh(lt, lt, ring_scale=1.4, pinned=np.zeros(468, bool))
    assert np.array_equal(mesh.fused, lt) and np.array_equal(mesh.template_points, mesh.points)
    assert np.array_equal(mesh.ring, face_region(lt, scale=1.4))
    areas = signed_areas(mesh.points[mesh.triangles])
    assert (np.abs(areas) > 0).all() and (np.sign(areas) == np.sign(areas[0])).all()


def test_the_ring_shrinks_to_stay_clear_of_a_neighbour(analyzed):
    from fuseface_local.engine import topology
    from fuseface_local.engine.fusion_mesh import face_region, ring_scale_clear_of

    _, (face,) = analyzed("obama.jpg")
    lt = face.landmarks.astype(np.float64)
    width = float(np.ptp(lt[topology.FACE_OVAL][:, 0]))
    assert ring_scale_clear_of(lt, []) == 1.4
    assert ring_scale_clear_of(lt, [lt + (3.0 * width, 0.0)]) == 1.4
    near = lt + (1.1 * width, 0.0)  # its silhouette inside the full-size ring
    scale = ring_scale_clear_of(lt, [near])
    assert scale < 1.4
    ring = face_region(lt, scale=scale).astype(np.float32).reshape(-1, 1, 2)
    assert all(cv2.pointPolygonTest(ring, (float(x), float(y)), False) < 0 for x, y in near[topology.FACE_OVAL])


def test_roi_intersection_and_slices():
    from fuseface_local.engine.warp import Roi

    outer = Roi(10, 20, 110, 220)
    box = Roi(0, 50, 60, 300).intersection(outer)
    assert (box.x0, box.y0, box.x1, box.y1) == (10, 50, 60, 220)
    assert box.slices_in(outer) == (slice(30, 200), slice(0, 50))
    assert box.slices == (slice(50, 220), slice(10, 60))
