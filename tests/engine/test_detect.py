"""Detection + face mesh on the public-domain faces: counts, plausible boxes, accurate landmarks, order."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from fuseface_local.cli import main as cli_main
from fuseface_local.engine.faces import DetectedFace, sort_faces

from ..support.paths import FACES, asset

RIGHT_EYE_RING = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246]
LEFT_EYE_RING = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466]

# Independent reference points measured with dlib's 68-point predictor (x, y):
# right-eye centre, left-eye centre, nose tip, mouth corner (image left), mouth corner (image right), chin.
DLIB_REFERENCE = {
    "obama.jpg": [(443.8, 215.2), (548.2, 214.8), (497, 273), (433, 323), (555, 319), (495, 428)],
    "biden.jpg": [(534.5, 323.8), (652.0, 350.8), (596, 400), (519, 459), (627, 480), (562, 564)],
    "astronaut.jpg": [(203.3, 101.7), (246.5, 104.0), (225, 127), (200, 139), (246, 141), (220, 178)],
}
# Where make_group.py put each face: (centre x, centre y, face width), left to right.
GROUP_LAYOUT = [(120, 300, 60), (400, 420, 260), (720, 330, 100), (930, 640, 46), (1160, 400, 150)]


def _eyes(face: DetectedFace) -> tuple:
    return face.landmarks[RIGHT_EYE_RING].mean(0), face.landmarks[LEFT_EYE_RING].mean(0)


def _roll(face: DetectedFace) -> float:
    right, left = _eyes(face)
    return float(np.degrees(np.arctan2(left[1] - right[1], left[0] - right[0])))


@pytest.mark.parametrize(
    "name,count",
    [("obama.jpg", 1), ("obama2.jpg", 1), ("biden.jpg", 1), ("astronaut.jpg", 1), ("group.jpg", 5)],
)
def test_face_counts(analyzed, name, count):
    _, faces = analyzed(name)
    assert len(faces) == count


def test_group_faces_are_where_the_script_put_them(analyzed):
    _, faces = analyzed("group.jpg")
    for face, (cx, cy, width) in zip(faces, GROUP_LAYOUT):
        fx, fy = face.centre
        assert abs(fx - cx) < 0.25 * width and abs(fy - cy) < 0.35 * width
        assert 0.7 * width < face.width < 1.3 * width
    assert min(f.width for f in faces) < 60  # the small faces really are small


@pytest.mark.parametrize("name", ["obama.jpg", "obama2.jpg", "biden.jpg", "astronaut.jpg", "group.jpg"])
def test_boxes_keypoints_and_landmarks_are_consistent(analyzed, name):
    img, faces = analyzed(name)
    h, w = img.shape[:2]
    for f in faces:
        assert isinstance(f.x, int) and isinstance(f.width, int)
        assert 0 <= f.x and 0 <= f.y and f.x + f.width <= w and f.y + f.height <= h
        assert 0.6 <= f.score <= 1.0 and f.presence >= 0.5
        assert f.keypoints.shape == (6, 2) and f.landmarks.shape == (468, 2) and f.landmarks_z.shape == (468,)
        assert f.landmarks.dtype == np.float32
        r_eye, l_eye = _eyes(f)
        for p in (r_eye, l_eye, f.landmarks[4], f.landmarks[13]):  # eyes, nose tip, mouth inside the box
            assert f.x <= p[0] <= f.x + f.width and f.y <= p[1] <= f.y + f.height
        assert r_eye[0] < l_eye[0]  # the subject's right eye is on the image's left
        io = f.inter_ocular
        assert abs(io - float(np.hypot(*(l_eye - r_eye)))) < 0.1 * io
        assert 0.25 * f.width < io < 0.6 * f.width
        # the mesh agrees with the detector's own keypoints (a few px of slack for the tiny faces)
        tol = max(0.2 * io, 5.0)
        assert np.hypot(*(r_eye - f.keypoints[0])) < tol
        assert np.hypot(*(l_eye - f.keypoints[1])) < tol
        assert np.hypot(*(f.landmarks[4] - f.keypoints[2])) < tol


@pytest.mark.parametrize("name", sorted(DLIB_REFERENCE))
def test_landmarks_match_an_independent_reference(analyzed, name):
    _, (face,) = analyzed(name)
    ref = np.array(DLIB_REFERENCE[name])
    r_eye, l_eye = _eyes(face)
    ours = np.array(
        [r_eye, l_eye, face.landmarks[4], face.landmarks[61], face.landmarks[291], face.landmarks[152]]
    )
    io = float(np.hypot(*(ref[1] - ref[0])))
    err = np.hypot(*(ours - ref).T) / io
    assert err[:2].max() < 0.08, err  # eye centres
    assert err.max() < 0.15, err  # nose, mouth corners, chin (definitions differ slightly between models)


def test_faces_come_in_the_stable_order(analyzed):
    _, faces = analyzed("group.jpg")
    centres = [f.centre[0] for f in faces]
    assert centres == sorted(centres)
    assert sort_faces(list(reversed(faces))) == faces


def test_sort_ties_are_broken_by_y():
    z = np.zeros((1, 2), np.float32)

    def face(x, y, w):
        return DetectedFace(x, y, w, w, 0.9, z, z, z[0])

    faces = [face(100, 300, 50), face(100, 50, 50), face(90, 400, 70), face(10, 10, 40)]
    assert [(f.x, f.y) for f in sort_faces(faces)] == [(10, 10), (100, 50), (100, 300), (90, 400)]


def test_yaw_is_small_for_frontal_faces_and_flips_in_a_mirror(analyzer, analyzed):
    _, (obama,) = analyzed("obama.jpg")
    assert abs(obama.yaw_degrees) < 8
    img, (biden,) = analyzed("biden.jpg")
    (mirrored,) = analyzer.analyze(np.ascontiguousarray(img[:, ::-1]))
    assert abs(biden.yaw_degrees) > 5
    assert abs(biden.yaw_degrees + mirrored.yaw_degrees) < 3
    assert abs((img.shape[1] - biden.centre[0]) - mirrored.centre[0]) < 0.05 * biden.width


def test_exif_rotated_selfie_is_upright_only_thanks_to_orientation(analyzer, analyzed):
    data = asset("obama2_exif6.jpg")
    img, faces = analyzed("obama2_exif6.jpg")
    _, (reference,) = analyzed("obama2.jpg")
    assert img.shape[:2] == (1200, 626)
    (face,) = faces
    assert abs(_roll(face)) < 15
    assert abs(face.centre[0] - reference.centre[0]) < 10 and abs(face.centre[1] - reference.centre[1]) < 10
    stored = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    assert stored.shape[:2] == (626, 1200)
    sideways = analyzer.analyze(stored)
    assert all(abs(_roll(f)) > 60 for f in sideways)  # without EXIF nothing is upright


def test_no_face_images_give_an_empty_list(analyzer):
    rng = np.random.default_rng(0)
    gradient = np.dstack([np.tile(np.linspace(0, 255, 900), (700, 1))] * 3).astype(np.uint8)
    noise = rng.integers(0, 256, (700, 900, 3), dtype=np.uint8)
    blobs = cv2.GaussianBlur(rng.integers(0, 256, (600, 800, 3), dtype=np.uint8), (0, 0), 6)
    for img in (gradient, noise, blobs):
        assert analyzer.analyze(img) == []


def test_mesh_presence_rejects_a_detector_false_positive():
    from fuseface_local.engine.faces import FaceAnalyzer

    loose = FaceAnalyzer(min_score=0.3)
    noise = np.random.default_rng(0).integers(0, 256, (800, 1000, 3), dtype=np.uint8)
    assert loose.detector.detect(noise), "expected the loose detector to fire on this noise"
    assert loose.analyze(noise) == []


def test_analyze_rejects_wrong_arrays(analyzer):
    with pytest.raises(ValueError):
        analyzer.analyze(np.zeros((100, 100), np.uint8))


def test_detect_cli_prints_json_faces(capsys):
    assert cli_main(["detect", str(FACES / "group.jpg")]) == 0
    faces = json.loads(capsys.readouterr().out)
    assert len(faces) == 5
    assert all(set(f) == {"X", "Y", "Width", "Height", "Score"} for f in faces)
    assert all(isinstance(f[k], int) for f in faces for k in ("X", "Y", "Width", "Height"))
    assert [f["X"] for f in faces] == sorted(f["X"] for f in faces)


@pytest.mark.parametrize(
    "content,code",
    [
        (b"GIF89a not really", "FailedOperation.ImageDecodeFailed"),
        (None, "InvalidParameterValue.ParameterValueError"),
    ],
)
def test_detect_cli_input_errors_exit_2_with_json(tmp_path, capsys, content, code):
    path = tmp_path / "input.bin"
    if content is not None:
        path.write_bytes(content)
    assert cli_main(["detect", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(captured.err.strip().splitlines()[-1])["Code"] == code


def test_detect_cli_too_small_image(tmp_path, capsys):
    path = tmp_path / "tiny.png"
    cv2.imwrite(str(path), np.zeros((40, 300, 3), np.uint8))
    assert cli_main(["detect", str(path)]) == 2
    assert json.loads(capsys.readouterr().err.strip())["Code"] == "FailedOperation.ImageResolutionTooSmall"


def test_small_group_faces_need_the_tiled_level(analyzed):
    from fuseface_local.engine.detector import FaceDetector

    img, faces = analyzed("group.jpg")
    single_view = FaceDetector(min_face=100000)  # no finer level: one 192x192 view of the whole image
    assert len(single_view.detect(img)) < len(faces) == 5


def test_weighted_nms_averages_overlaps_and_drops_fragments():
    from fuseface_local.engine.detector import weighted_nms

    boxes = np.array(
        [[0, 0, 100, 100], [10, 0, 110, 100], [300, 300, 400, 400], [320, 320, 350, 350]], np.float32
    )
    scores = np.array([0.9, 0.9, 0.8, 0.95], np.float32)
    kps = np.zeros((4, 6, 2), np.float32)
    kps[1] += 10
    out = weighted_nms(boxes, scores, kps)
    assert len(out) == 2  # the two overlapping boxes merge; the fragment inside the third box is dropped
    merged = next(d for d in out if d.box.x0 < 50)
    np.testing.assert_allclose(merged.box, [5, 0, 105, 100])
    assert {round(d.score, 2) for d in out} == {0.9, 0.8}
    np.testing.assert_allclose(merged.keypoints, 5.0)
    np.testing.assert_allclose(merged.right_eye, 5.0)


def test_detect_command_line_entry_point(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 not a real jpeg")
    run = subprocess.run(
        [sys.executable, "-m", "fuseface_local.cli", "detect", str(bad)], capture_output=True, text=True
    )
    assert run.returncode == 2 and run.stdout == ""
    assert json.loads(run.stderr.strip().splitlines()[-1])["Code"] == "FailedOperation.ImageDecodeFailed"


def test_analyze_is_safe_from_several_threads(analyzer, analyzed):
    from concurrent.futures import ThreadPoolExecutor

    names = ["obama.jpg", "astronaut.jpg", "group.jpg", "biden.jpg"] * 2
    expected = {name: analyzed(name) for name in set(names)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: analyzer.analyze(expected[n][0]), names))
    for name, faces in zip(names, results):
        assert [f.rect for f in faces] == [f.rect for f in expected[name][1]]
        for got, want in zip(faces, expected[name][1]):
            np.testing.assert_allclose(got.landmarks, want.landmarks, atol=1e-3)
