"""The fusion stages on their own: the mouth's interior, degree weights, alignment, the warp mesh and box helpers.
Expected values are the documented rules (the interior follows each side's share of the fused gap, ...) or
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


def test_openness_is_the_inner_lip_gap_in_mouth_widths():
    from fuseface_local.engine.mouth import openness, plan_mouth

    assert openness(_mouth(12.0)) == pytest.approx(12.0 / 40.0)
    assert openness(_mouth(0.0)) == 0.0
    plan = plan_mouth(_mouth(2.0), _mouth(10.0))
    assert (plan.user_openness, plan.template_openness) == pytest.approx((0.05, 0.25))


@pytest.mark.parametrize(("user_gap", "template_gap"), [(0.4, 10.0), (10.0, 0.4), (0.0, 12.0)])
def test_an_open_and_a_closed_mouth_are_practically_never_cross_faded(user_gap, template_gap):
    """The interior comes from the side that opens the fused mouth: over the whole texture-weight range the
    two interiors are mixed (a share between 0.1 and 0.9) on less than a tenth of it (ghost teeth)."""
    from fuseface_local.engine.mouth import plan_mouth

    plan = plan_mouth(_mouth(user_gap), _mouth(template_gap))
    share = plan.interior_user(np.linspace(0.0, 1.0, 101))
    assert share[0] == pytest.approx(1.0) and share[-1] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.diff(share) <= 1e-9)  # the user's share only falls as the degree rises
    assert int(((share > 0.1) & (share < 0.9)).sum()) <= 10
    if user_gap < template_gap:  # a closed user: the template's teeth take over early
        assert share[20] < 0.1
    else:  # an open user: its teeth stay until the template's closed mouth dominates
        assert share[80] > 0.9


def test_two_open_mouths_are_cross_faded_by_the_texture_weight():
    from fuseface_local.engine.mouth import plan_mouth

    plan = plan_mouth(_mouth(10.0), _mouth(10.0))
    assert plan.interior_user(np.array([0.0, 0.25, 0.5, 0.75])) == pytest.approx([1.0, 0.9, 0.5, 0.1], abs=0.01)


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
