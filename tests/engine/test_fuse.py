"""FusionEngine.fuse / fuse_arrays: FuseFace semantics, face mapping and pixel-exact guarantees."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from ..support.paths import asset


def _ring_mask(shape: tuple, landmarks: np.ndarray, *, grow: int = 2) -> np.ndarray:
    """The (dilated) face region the engine may touch for one template face, grown by ``grow`` px."""
    from fuseface_local.engine.fusion_mesh import RING_SCALE, face_region

    mask = np.zeros(shape[:2], np.uint8)
    poly = np.round(face_region(np.asarray(landmarks, np.float64), scale=RING_SCALE)).astype(np.int32)
    cv2.fillPoly(mask, [poly], 255)
    return cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)) > 0


def _oval_mask(shape: tuple, landmarks: np.ndarray) -> np.ndarray:
    from fuseface_local.engine import topology

    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(landmarks[topology.FACE_OVAL]).astype(np.int32)], 255)
    return mask > 0


@pytest.fixture(scope="module")
def obama_biden(engine, analyzed):
    t_img, t_faces = analyzed("obama.jpg")
    u_img, _ = analyzed("biden.jpg")
    out = engine.fuse_arrays(t_img, [u_img], face_degree=0, profile_degree=0)
    return t_img, t_faces, u_img, out


def test_only_the_dilated_face_region_changes(obama_biden):
    t_img, t_faces, _, out = obama_biden
    assert out.shape == t_img.shape and out.dtype == np.uint8
    region = _ring_mask(t_img.shape, t_faces[0].landmarks)
    assert np.array_equal(out[~region], t_img[~region])


def test_the_face_itself_changes(obama_biden):
    t_img, t_faces, _, out = obama_biden
    oval = _oval_mask(t_img.shape, t_faces[0].landmarks)
    diff = np.abs(out.astype(np.int16) - t_img.astype(np.int16)).mean(axis=2)
    assert diff[oval].mean() > 8.0


def test_fused_output_still_has_one_face_in_place(engine, obama_biden):
    t_img, t_faces, _, out = obama_biden
    faces = engine.analyzer.analyze(out)
    assert len(faces) == 1
    t = t_faces[0]
    assert abs(faces[0].centre[0] - t.centre[0]) < 0.1 * t.width
    assert abs(faces[0].centre[1] - t.centre[1]) < 0.1 * t.height


@pytest.mark.parametrize("algorithm", ["redefine", "reinvent"])
def test_100_100_returns_the_template_bytes(engine, algorithm):
    template = asset("obama.jpg")
    out = engine.fuse(template, [asset("biden.jpg")], algorithm=algorithm, face_degree=100, profile_degree=100)
    assert out == template


@pytest.mark.parametrize("degree", [50, 100])
def test_an_overlay_is_drawn_on_the_result_before_it_is_encoded(engine, degree):
    from fuseface_local.engine.codec import decode

    template = asset("obama.jpg")
    seen = []

    def overlay(img):
        seen.append(img.shape)
        img[:30, :30] = (255, 0, 0)  # BGR blue, top-left (outside the face)

    out = decode(engine.fuse(template, [asset("biden.jpg")], face_degree=degree, profile_degree=degree,
                             overlay=overlay))
    reference = decode(template)
    assert seen == [reference.shape] and out.shape == reference.shape
    b, g, r = out[15, 15].astype(int)
    assert b > 220 and g < 40 and r < 40
    assert np.abs(out[200:, 200:].astype(int) - reference[200:, 200:]).mean() < 20  # the rest is the result


def test_fuse_returns_a_jpeg_of_the_template_size(engine):
    from fuseface_local.engine.codec import decode

    out = engine.fuse(asset("obama.jpg"), [asset("astronaut.jpg")])
    assert out[:2] == b"\xff\xd8"
    assert decode(out).shape == decode(asset("obama.jpg")).shape


def test_faceswap_ignores_the_degrees(engine, analyzed):
    t_img, _ = analyzed("obama.jpg")
    u_img, _ = analyzed("astronaut.jpg")
    a = engine.fuse_arrays(t_img, [u_img], algorithm="faceswap")
    b = engine.fuse_arrays(t_img, [u_img], algorithm="faceswap", face_degree=100, profile_degree=100)
    c = engine.fuse_arrays(t_img, [u_img], algorithm="faceswap", face_degree=30, profile_degree=70)
    assert np.array_equal(a, b) and np.array_equal(a, c)
    assert not np.array_equal(a, t_img)


def test_none_degrees_mean_the_algorithm_default(engine, analyzed):
    t_img, _ = analyzed("obama.jpg")
    u_img, _ = analyzed("biden.jpg")
    default = engine.fuse_arrays(t_img, [u_img], algorithm="redefine")
    explicit = engine.fuse_arrays(t_img, [u_img], algorithm="redefine", face_degree=50, profile_degree=50)
    other = engine.fuse_arrays(t_img, [u_img], algorithm="redefine", face_degree=20, profile_degree=50)
    assert np.array_equal(default, explicit)
    assert not np.array_equal(default, other)


def test_face_degree_moves_the_result_toward_the_template(obama_biden, engine):
    t_img, t_faces, u_img, out0 = obama_biden
    oval = _oval_mask(t_img.shape, t_faces[0].landmarks)
    dist = []
    for degree in (0, 50, 90):
        out = out0 if degree == 0 else engine.fuse_arrays(t_img, [u_img], face_degree=degree, profile_degree=degree)
        dist.append(float(np.abs(out.astype(np.int16) - t_img.astype(np.int16))[oval].mean()))
    assert dist[0] > dist[1] > dist[2]


# --- several faces -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def group(analyzed):
    img, faces = analyzed("group.jpg")
    assert len(faces) == 5  # obama2, obama, astronaut, biden (mirrored, small), biden: left to right
    return img, faces


def _changed(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> bool:
    return not np.array_equal(a[mask], b[mask])


def test_two_users_go_to_the_two_largest_faces_left_to_right(engine, group, analyzed):
    img, faces = group
    biden, _ = analyzed("biden.jpg")
    astro, _ = analyzed("astronaut.jpg")
    out = engine.fuse_arrays(img, [biden, astro], face_degree=0, profile_degree=0)
    regions = [_ring_mask(img.shape, f.landmarks) for f in faces]
    assert [_changed(out, img, r) for r in regions] == [False, True, False, False, True]
    # User 1 lands in face 2 (obama) and user 2 in face 5: swapping user 2 leaves face 2 untouched.
    out2 = engine.fuse_arrays(img, [biden, biden], face_degree=0, profile_degree=0)
    assert np.array_equal(out[regions[1]], out2[regions[1]])
    assert _changed(out, out2, regions[4])
    anywhere = np.logical_or.reduce(regions)
    assert np.array_equal(out[~anywhere], img[~anywhere])


def test_template_face_ids_pick_the_faces(engine, group, analyzed):
    img, faces = group
    obama, _ = analyzed("obama.jpg")
    out = engine.fuse_arrays(img, [obama], template_face_ids=[3], face_degree=0, profile_degree=0)
    region = _ring_mask(img.shape, faces[2].landmarks)
    assert _changed(out, img, region)
    assert np.array_equal(out[~region], img[~region])


def test_user_rect_selects_the_overlapping_face(engine, group, analyzed):
    t_img, _ = analyzed("obama.jpg")
    img, faces = group
    largest = engine.fuse_arrays(t_img, [img], face_degree=0, profile_degree=0)
    by_rect_obama = engine.fuse_arrays(t_img, [img], user_rects=[faces[1].rect], face_degree=0, profile_degree=0)
    by_rect_biden = engine.fuse_arrays(t_img, [img], user_rects=[faces[4].rect], face_degree=0, profile_degree=0)
    assert np.array_equal(largest, by_rect_obama)  # no rect: the largest face, which is obama's
    assert not np.array_equal(by_rect_obama, by_rect_biden)
    # A rect that only touches the biden face still picks it (max overlap).
    x, y, w, h = faces[4].rect
    touching = engine.fuse_arrays(t_img, [img], user_rects=[(x + w - 10, y + h - 10, 60, 60)],
                                  face_degree=0, profile_degree=0)
    assert np.array_equal(touching, by_rect_biden)


def test_side_face_correction_mirrors_the_hidden_half(engine, analyzed):
    """reinvent with a strongly turned user: the hidden half comes from the mirrored image (yaw forced here,
    as no test face turns more than ~12 degrees)."""
    from fuseface_local.engine.align import MirrorView, UserFace, hidden_side
    from fuseface_local.engine.fuse import fuse_face
    from fuseface_local.engine.params import Algorithm, Degrees

    t_img, t_faces = analyzed("obama.jpg")
    u_img, u_faces = analyzed("biden.jpg")
    flipped = np.ascontiguousarray(u_img[:, ::-1])
    mirror = max(engine.analyzer.analyze(flipped), key=lambda f: f.area)
    lu = u_faces[0].landmarks.astype(np.float64)
    hidden = hidden_side(lu, 40.0)
    assert hidden.min() == 0.0 and hidden.max() == 1.0  # one half mirrored, the other kept
    assert not hidden_side(lu, 5.0).any()
    outs = []
    for yaw in (0.0, 40.0):
        out = t_img.copy()
        user = UserFace(u_img, lu, yaw, mirror=MirrorView(flipped, mirror.landmarks))
        fuse_face(out, t_faces[0].landmarks, user, degrees=Degrees(0, 0), algorithm=Algorithm.REINVENT)
        outs.append(out)
    region = _ring_mask(t_img.shape, t_faces[0].landmarks)
    assert _changed(outs[0], outs[1], region)
    assert np.array_equal(outs[1][~region], t_img[~region])


# --- CLI -----------------------------------------------------------------------------------------------
def test_cli_fuse_writes_a_jpeg(tmp_path):
    from fuseface_local.cli import main
    from fuseface_local.engine.codec import decode

    out = tmp_path / "out.jpg"
    faces = "tests/assets/faces/"
    rc = main(["fuse", "--template", faces + "obama.jpg", "--user", faces + "astronaut.jpg",
               "--algorithm", "reinvent", "--face-degree", "20", "--profile-degree", "40", "--output", str(out)])
    assert rc == 0
    assert decode(out.read_bytes()).shape == decode(asset("obama.jpg")).shape


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (["--face-degree", "101"], "InvalidParameterValue.ParameterValueError"),
        (["--user-rect", "0,0,20,20"], "InvalidParameterValue.FaceRectParameterValueError"),
        (["--user-rect", "1,2,3"], "InvalidParameterValue.FaceRectParameterValueError"),
        (["--template-face-id", "4"], "FailedOperation.TemplateFaceIDNotExist"),
    ],
)
def test_cli_fuse_input_error_is_exit_2_with_one_json_line(tmp_path, capsys, extra, code):
    from fuseface_local.cli import main

    faces = "tests/assets/faces/"
    rc = main(["fuse", "--template", faces + "obama.jpg", "--user", faces + "biden.jpg", "--output",
               str(tmp_path / "o.jpg"), *extra])
    assert rc == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    assert json.loads(lines[0])["Code"] == code
    assert not (tmp_path / "o.jpg").exists()


def test_cli_sweep_writes_a_labelled_sheet(tmp_path):
    from fuseface_local.cli import main

    out = tmp_path / "sheet.png"
    faces = "tests/assets/faces/"
    assert main(["sweep", "--template", faces + "obama.jpg", "--user", faces + "biden.jpg", "--output", str(out)]) == 0
    sheet = cv2.imdecode(np.frombuffer(out.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert sheet is not None and sheet.shape[0] == 2 * (360 + 34)  # 9 tiles: two rows of five


# --- occluders -----------------------------------------------------------------------------------------
def test_template_occluders_stay_in_front_and_user_occluders_are_not_pasted(engine, analyzed):
    t_img, t_faces = analyzed("obama.jpg")
    u_img, u_faces = analyzed("biden.jpg")
    lt, lu = t_faces[0].landmarks, u_faces[0].landmarks
    template = t_img.copy()
    hand = (200, 170, 150)  # a bluish "hand" over the template's cheek (BGR)
    centre = tuple(int(v) for v in lt[410] + (30, 10))
    cv2.ellipse(template, centre, (40, 25), 30, 0, 360, hand, -1)
    user = u_img.copy()
    green = (90, 140, 110)  # a green "hand" over the user's cheek
    cv2.ellipse(user, tuple(int(v) for v in lu[50]), (45, 30), -20, 0, 360, green, -1)
    out = engine.fuse_arrays(template, [user], face_degree=0, profile_degree=0)
    patch = np.zeros(template.shape[:2], np.uint8)
    cv2.ellipse(patch, centre, (28, 14), 30, 0, 360, 255, -1)
    kept = out[patch > 0].astype(np.float32).mean(axis=0)
    assert np.abs(kept - hand).max() < 25, kept
    face = _oval_mask(template.shape, lt)
    greenish = np.abs(out.astype(np.int16) - green).max(axis=2) < 18
    assert int((greenish & face).sum()) < 30


def test_cli_image_error_stderr_is_exactly_one_json_line(tmp_path):
    """Through a real process, so native (LiteRT) writes to fd 2 during model loading would show up."""
    import subprocess
    import sys

    from PIL import Image

    blank = tmp_path / "blank.jpg"
    Image.new("RGB", (300, 300), (120, 130, 140)).save(blank)
    proc = subprocess.run(
        [sys.executable, "-m", "fuseface_local.cli", "fuse", "--template", "tests/assets/faces/obama.jpg",
         "--user", str(blank), "--output", str(tmp_path / "o.jpg")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert json.loads(proc.stderr)["Code"] == "FailedOperation.NoFaceDetected"
    assert not (tmp_path / "o.jpg").exists()
