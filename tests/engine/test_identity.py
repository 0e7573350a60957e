"""The identity metric (dlib 128-D on our detector's boxes), and identity moving with the fusion degrees."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from ..support.paths import asset


@pytest.fixture(scope="session")
def metric(analyzer):
    from fuseface_local.engine.identity import IdentityMetric

    return IdentityMetric(analyzer=analyzer)


@pytest.fixture(scope="session")
def descriptors(metric):
    return {
        name: metric.embed_largest(asset(f"{name}.jpg")) for name in ("obama", "obama2", "biden", "astronaut")
    }


def _d(a, b) -> float:
    return float(np.linalg.norm(a - b))


def test_same_person_is_close_and_different_people_are_far(descriptors):
    same = _d(descriptors["obama"], descriptors["obama2"])
    assert same < 0.45
    for other in ("biden", "astronaut"):
        assert _d(descriptors["obama"], descriptors[other]) > 0.65
        assert _d(descriptors["obama2"], descriptors[other]) > same + 0.2
    assert _d(descriptors["biden"], descriptors["astronaut"]) > 0.65


def test_descriptor_is_128_d_and_stable(metric, descriptors):
    again = metric.embed_largest(asset("obama.jpg"))
    assert again.shape == (128,)
    assert _d(again, descriptors["obama"]) < 1e-6


def test_group_faces_are_recognised_per_face(metric, descriptors):
    faces = metric.embed_faces(asset("group.jpg"))
    # make_group.py: obama2, obama, astronaut, biden (mirrored, 46 px), biden -- left to right
    expected = ["obama2", "obama", "astronaut", "biden", "biden"]
    assert len(faces) == len(expected)
    for embedding, name in zip(faces, expected):
        nearest = min(descriptors, key=lambda n: _d(embedding.descriptor, descriptors[n]))
        if name.startswith("obama"):
            assert nearest.startswith("obama")
        else:
            assert nearest == name


def test_distance_accepts_bytes_and_arrays(metric):
    from fuseface_local.engine.codec import decode

    d_bytes = metric.distance(asset("obama.jpg"), asset("biden.jpg"))
    d_array = metric.distance(decode(asset("obama.jpg")), asset("biden.jpg"))
    assert d_bytes == pytest.approx(d_array) and d_bytes > 0.65


def test_no_face_is_an_error(metric):
    from fuseface_local.engine.errors import FusionError

    with pytest.raises(FusionError) as err:
        metric.embed_largest(np.full((300, 300, 3), 90, np.uint8))
    assert err.value.code == "FailedOperation.NoFaceDetected"


def test_models_located_without_importing_face_recognition_models():
    code = (
        "import sys; from fuseface_local.engine.identity import metric_model_path as p; "
        "p('shape_predictor_5_face_landmarks.dat'); p('dlib_face_recognition_resnet_model_v1.dat'); "
        "print('face_recognition_models' in sys.modules, 'pkg_resources' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --- identity across the fusion degrees (template obama <- user biden, a clean frontal pair) -------------
TOLERANCE = 0.02  # metric noise allowed between neighbouring degrees


@pytest.fixture(scope="session")
def fused(analyzer, metric, descriptors):
    """``fused(face_degree, profile_degree) -> (out_bytes, d(out,user), d(out,template))``, cached."""
    from fuseface_local.engine import FusionEngine

    engine = FusionEngine(analyzer=analyzer)
    template, user = asset("obama.jpg"), asset("biden.jpg")
    cache = {}

    def get(face_degree: int, profile_degree: int):
        key = (face_degree, profile_degree)
        if key not in cache:
            out = engine.fuse(template, [user], face_degree=face_degree, profile_degree=profile_degree)
            e = metric.embed_largest(out)
            cache[key] = (out, _d(e, descriptors["biden"]), _d(e, descriptors["obama"]))
        return cache[key]

    return get


def _non_decreasing(values: list) -> bool:
    return all(b >= a - TOLERANCE for a, b in zip(values, values[1:]))


def test_at_zero_the_output_looks_like_the_user(fused):
    _, d_user, d_template = fused(0, 0)
    assert d_user < d_template
    assert d_user < 0.6


def _non_increasing(values: list) -> bool:
    return all(b <= a + TOLERANCE for a, b in zip(values, values[1:]))


@pytest.mark.parametrize("profile_degree", [0, 50])
def test_identity_moves_with_the_face_degree_alone(fused, profile_degree):
    rows = [fused(degree, profile_degree) for degree in (0, 30, 60, 100)]
    d_user, d_template = [r[1] for r in rows], [r[2] for r in rows]
    assert _non_decreasing(d_user), d_user
    assert _non_increasing(d_template), d_template
    assert d_user[-1] > d_user[0] + 0.2 and d_template[-1] < d_template[0] - 0.2, (d_user, d_template)


def test_identity_moves_with_the_profile_degree_alone(fused):
    """The contour alone moves identity less than the features, but in the same direction at every step
    (measured: d(out,template) 0.43 -> 0.35 and d(out,user) 0.64 -> 0.68 over profile 0..100 at face 50)."""
    rows = [fused(50, degree) for degree in (0, 30, 60, 100)]
    d_user, d_template = [r[1] for r in rows], [r[2] for r in rows]
    assert _non_decreasing(d_user), d_user
    assert _non_increasing(d_template), d_template
    assert d_template[-1] < d_template[0] - 0.04, d_template
    assert d_user[-1] > d_user[0] + 0.015, d_user


def test_profile_degree_alone_at_face_degree_0_keeps_the_user(fused):
    rows = [fused(0, degree) for degree in (0, 50, 100)]
    d_user, d_template = [r[1] for r in rows], [r[2] for r in rows]
    assert _non_decreasing(d_user) and _non_increasing(d_template), (d_user, d_template)
    assert all(u < t for u, t in zip(d_user, d_template))  # features decide who it is


def test_identity_moves_with_both_degrees(fused):
    rows = [fused(degree, degree) for degree in (0, 30, 60, 100)]
    d_user = [row[1] for row in rows]
    d_template = [row[2] for row in rows]
    assert _non_decreasing(d_user), d_user
    assert all(b <= a + TOLERANCE for a, b in zip(d_template, d_template[1:])), d_template


def test_at_100_100_the_output_is_the_template(fused):
    from fuseface_local.engine.codec import decode

    out, _, d_template = fused(100, 100)
    assert np.array_equal(decode(out), decode(asset("obama.jpg")))
    assert d_template < 0.05
