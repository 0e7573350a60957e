"""The named points of ``topology`` are where their names say, on real faces (expected positions come from
the dlib reference measurements in ``test_detect``, not from the mesh)."""

from __future__ import annotations

import numpy as np
import pytest

from .test_detect import DLIB_REFERENCE

FRONTAL = sorted(DLIB_REFERENCE)


@pytest.mark.parametrize("name", FRONTAL)
def test_nose_tip_and_cheeks(analyzed, name):
    from fuseface_local.engine import topology

    _, (face,) = analyzed(name)
    lm = face.landmarks
    ref = np.array(DLIB_REFERENCE[name])
    io = float(np.hypot(*(ref[1] - ref[0])))
    assert np.hypot(*(lm[topology.NOSE_TIP] - ref[2])) < 0.15 * io
    # The subject's right cheek is on the image's left, outside the right eye; the left cheek mirrors it.
    assert lm[topology.RIGHT_CHEEK][0] < ref[0][0] < ref[1][0] < lm[topology.LEFT_CHEEK][0]
    assert topology.RIGHT_CHEEK in topology.FACE_OVAL and topology.LEFT_CHEEK in topology.FACE_OVAL


@pytest.mark.parametrize("name", FRONTAL)
def test_eye_corners_are_the_ends_of_each_eye(analyzed, name):
    from fuseface_local.engine import topology

    _, (face,) = analyzed(name)
    lm = face.landmarks
    ref = np.array(DLIB_REFERENCE[name])
    for corners, contour, centre in ((topology.RIGHT_EYE_CORNERS, topology.RIGHT_EYE, ref[0]),
                                     (topology.LEFT_EYE_CORNERS, topology.LEFT_EYE, ref[1])):
        xs = lm[contour][:, 0]
        assert sorted(lm[corners][:, 0]) == pytest.approx([xs.min(), xs.max()])
        assert np.hypot(*(lm[corners].mean(0) - centre)) < 0.1 * float(np.hypot(*(ref[1] - ref[0])))
    # Outer corners lie away from the nose: the right eye's outer corner is the image-left end.
    assert lm[topology.RIGHT_EYE_CORNERS[0]][0] < lm[topology.RIGHT_EYE_CORNERS[1]][0]
    assert lm[topology.LEFT_EYE_CORNERS[0]][0] > lm[topology.LEFT_EYE_CORNERS[1]][0]


@pytest.mark.parametrize("name", FRONTAL)
def test_upper_and_lower_outer_lip(analyzed, name):
    from fuseface_local.engine import topology

    _, (face,) = analyzed(name)
    lm = face.landmarks
    upper, lower = lm[topology.UPPER_LIP_OUTER], lm[topology.LOWER_LIP_OUTER]
    assert upper[:, 1].mean() < lm[topology.LIPS_INNER][:, 1].mean() < lower[:, 1].mean()
    # Both run from the subject's right (image left) to the left, between the mouth corners.
    right, left = lm[topology.MOUTH_CORNERS]
    for part in (upper, lower):
        assert right[0] < part[0, 0] < part[-1, 0] < left[0]
    assert len(set(topology.UPPER_LIP_OUTER) | set(topology.LOWER_LIP_OUTER) | set(topology.MOUTH_CORNERS)) == len(
        topology.LIPS_OUTER)
    assert set(topology.UPPER_LIP_OUTER) | set(topology.LOWER_LIP_OUTER) < set(topology.LIPS_OUTER)
