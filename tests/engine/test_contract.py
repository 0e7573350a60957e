"""Issue 2's contract, point by point, where the other engine tests do not already cover it: the Python
``detect`` API, image limits through ``fuse``, degrees' defaults, every merge info landing in its own face,
the CLI's repeated ``--user``/``--user-rect`` and the sweep's levels."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from fuseface_local.engine import FusionError

from ..support.paths import FACES, asset


def _png(img: np.ndarray) -> bytes:
    return cv2.imencode(".png", img)[1].tobytes()


def _changed(a: np.ndarray, b: np.ndarray, landmarks: np.ndarray) -> bool:
    from fuseface_local.engine import topology

    mask = np.zeros(a.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(landmarks[topology.FACE_OVAL]).astype(np.int32)], 255)
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16))[mask > 0].mean()) > 4.0


# --- Python API ------------------------------------------------------------------------------------------
def test_engine_detect_returns_rect_score_and_landmarks(engine):
    faces = engine.detect(asset("group.jpg"))
    assert len(faces) == 5
    for face in faces:
        assert face.rect == (face.x, face.y, face.width, face.height) and face.width > 34
        assert 0.6 <= face.score <= 1.0
        assert face.landmarks.shape == (468, 2)
        x, y = face.landmarks.mean(axis=0)
        assert face.x < x < face.x + face.width and face.y < y < face.y + face.height
    assert [f.centre[0] for f in faces] == sorted(f.centre[0] for f in faces)


def test_engine_detect_applies_exif_orientation(engine):
    upright = engine.detect(asset("obama2.jpg"))
    rotated = engine.detect(asset("obama2_exif6.jpg"))  # stored sideways, EXIF orientation 6
    assert len(upright) == len(rotated) == 1
    assert np.abs(np.subtract(upright[0].rect, rotated[0].rect)).max() <= 6


@pytest.mark.parametrize(
    ("image", "code"),
    [
        (np.full((64, 300, 3), 128, np.uint8), "FailedOperation.ImageResolutionTooSmall"),
        (np.full((300, 64, 3), 128, np.uint8), "FailedOperation.ImageResolutionTooSmall"),
        (np.full((100, 4096, 3), 128, np.uint8), "FailedOperation.ImagePixelExceed"),
        (np.full((4096, 100, 3), 128, np.uint8), "FailedOperation.ImagePixelExceed"),
        ("bmp", "FailedOperation.ImageDecodeFailed"),
        ("webp", "FailedOperation.ImageDecodeFailed"),
    ],
    ids=["h64", "w64", "w4096", "h4096", "bmp", "webp"],
)
@pytest.mark.parametrize("where", ["template", "user"])
def test_image_limits_through_fuse(engine, image, code, where):
    if isinstance(image, str):  # a real image, just not jpg/png
        data = cv2.imencode(f".{image}", np.full((200, 200, 3), 90, np.uint8))[1].tobytes()
    else:
        data = _png(image)
    template, user = (data, asset("biden.jpg")) if where == "template" else (asset("obama.jpg"), data)
    with pytest.raises(FusionError) as info:
        engine.fuse(template, [user])
    assert info.value.code == code


@pytest.mark.parametrize(("algorithm", "default"), [("reinvent", 30), ("redefine", 50)])
def test_none_degrees_are_each_algorithms_default(engine, analyzed, algorithm, default):
    t_img, _ = analyzed("obama.jpg")
    u_img, _ = analyzed("astronaut.jpg")
    implicit = engine.fuse_arrays(t_img, [u_img], algorithm=algorithm)
    assert np.array_equal(implicit, engine.fuse_arrays(t_img, [u_img], algorithm=algorithm,
                                                       face_degree=default, profile_degree=default))
    only_face = engine.fuse_arrays(t_img, [u_img], algorithm=algorithm, face_degree=default)
    assert np.array_equal(implicit, only_face)  # a missing profile degree is the default too
    assert not np.array_equal(implicit, engine.fuse_arrays(t_img, [u_img], algorithm=algorithm,
                                                           face_degree=default, profile_degree=default + 20))


def test_a_30x30_rect_is_accepted():
    from fuseface_local.engine.core import FusionEngine

    assert FusionEngine.validate([b"u"], "redefine", None, None, [(0, 0, 30, 30)], None) == (50, 50)


@pytest.mark.parametrize(("algorithm", "face", "profile", "expected"), [
    ("redefine", None, 70, (50, 70)), ("reinvent", 20, None, (20, 30)), ("faceswap", 90, 10, (0, 0)),
])
def test_validate_names_the_effective_degrees(algorithm, face, profile, expected):
    from fuseface_local.engine.core import FusionEngine

    degrees = FusionEngine.validate([b"u"], algorithm, face, profile, None, None)
    assert (degrees.face, degrees.profile) == expected


def test_the_engine_knows_exactly_the_console_algorithms():
    """The console's three algorithm names (Tencent FuseFace console), each parsed to its own member."""
    from fuseface_local.engine.core import FusionEngine
    from fuseface_local.engine.params import Algorithm

    assert {a.value for a in Algorithm} == {"faceswap", "reinvent", "redefine"}
    with pytest.raises(FusionError) as info:
        FusionEngine.validate([b"u"], "FaceSwap", None, None, None, None)
    assert info.value.code == "InvalidParameterValue.ParameterValueError"


@pytest.fixture(scope="module")
def six_faces(analyzed):
    """group.jpg (5 faces) with astronaut.jpg pasted to its right: 6 faces, astronaut's the rightmost."""
    group, _ = analyzed("group.jpg")
    astro, _ = analyzed("astronaut.jpg")
    canvas = np.full((group.shape[0], group.shape[1] + astro.shape[1], 3), 235, np.uint8)
    canvas[:, : group.shape[1]] = group
    canvas[200: 200 + astro.shape[0], group.shape[1]:] = astro
    return canvas


def test_six_merge_infos_each_into_its_own_face(engine, six_faces, analyzed):
    faces = engine.analyzer.analyze(six_faces)
    assert len(faces) == 6
    # Faces left to right: obama2, obama, astronaut, biden (small), biden, astronaut; nobody gets themself.
    users = [analyzed(n)[0] for n in ("biden.jpg", "obama.jpg", "obama2.jpg", "biden.jpg", "biden.jpg",
                                      "astronaut.jpg")]
    ids = [6, 5, 4, 3, 2, 1]  # reversed, so a left-to-right default could not pass by accident
    out = engine.fuse_arrays(six_faces, users, template_face_ids=ids, face_degree=0, profile_degree=0)
    assert all(_changed(out, six_faces, f.landmarks) for f in faces)
    # Each face got its own user: fusing only user k into its face gives the same pixels there.
    for k in (0, 3):
        alone = engine.fuse_arrays(six_faces, [users[k]], template_face_ids=[ids[k]], face_degree=0,
                                   profile_degree=0)
        lm = faces[ids[k] - 1].landmarks
        assert not _changed(out, alone, lm)
    with pytest.raises(FusionError) as info:
        engine.fuse_arrays(six_faces, users + [users[0]])
    assert info.value.code == "InvalidParameterValue.ParameterValueError"


# --- CLI ------------------------------------------------------------------------------------------------
def test_cli_fuse_several_users_and_rects(tmp_path, capsys, engine, analyzed):
    from fuseface_local.cli import main
    from fuseface_local.engine.codec import decode

    group, faces = analyzed("group.jpg")
    out = tmp_path / "two.jpg"
    rect = ",".join(str(v) for v in faces[4].rect)  # the user's biden face in group.jpg, not its largest
    rc = main(["fuse", "--template", str(FACES / "group.jpg"), "--user", str(FACES / "astronaut.jpg"),
               "--user", str(FACES / "group.jpg"), "--user-rect", "-", "--user-rect", rect,
               "--template-face-id", "2", "--template-face-id", "3",
               "--face-degree", "0", "--profile-degree", "0", "--output", str(out)])
    assert rc == 0
    assert not [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    got = decode(out.read_bytes())
    expected = engine.fuse_arrays(group, [analyzed("astronaut.jpg")[0], group], user_rects=[None, faces[4].rect],
                                  template_face_ids=[2, 3], face_degree=0, profile_degree=0)
    assert float(np.abs(got.astype(np.int16) - expected.astype(np.int16)).mean()) < 1.0  # JPEG noise only
    assert _changed(got, group, faces[1].landmarks) and _changed(got, group, faces[2].landmarks)
    assert not _changed(got, group, faces[0].landmarks) and not _changed(got, group, faces[4].landmarks)
    # The rect really chose group.jpg's biden: the largest face (obama) would fuse differently.
    by_largest = engine.fuse_arrays(group, [analyzed("astronaut.jpg")[0], group], template_face_ids=[2, 3],
                                    face_degree=0, profile_degree=0)
    assert _changed(got, by_largest, faces[2].landmarks)


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (["--user-rect", "-", "--user-rect", "-"], "InvalidParameterValue.ParameterValueError"),
        (["--user", str(FACES / "biden.jpg")] * 6, "InvalidParameterValue.ParameterValueError"),
        (["--template-face-id", "1", "--user", str(FACES / "obama.jpg"), "--template-face-id", "1"],
         "InvalidParameterValue.ParameterValueError"),
        (["--algorithm", "faceswap", "--user-rect", "10,10,29,29"], "InvalidParameterValue.FaceRectParameterValueError"),
    ],
    ids=["more-rects-than-users", "7-users", "same-face-twice", "rect-29"],
)
def test_cli_fuse_multi_user_errors(tmp_path, capsys, extra, code):
    from fuseface_local.cli import main

    out = tmp_path / "o.jpg"
    rc = main(["fuse", "--template", str(FACES / "group.jpg"), "--user", str(FACES / "biden.jpg"),
               "--output", str(out), *extra])
    assert rc == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and json.loads(lines[0])["Code"] == code
    assert not out.exists()


@pytest.mark.parametrize(
    ("algorithm", "levels"),
    [("redefine", [0, 30, 40, 50, 60, 70, 100]), ("reinvent", [0, 10, 20, 30, 50, 70, 100]),
     ("faceswap", [None])],
)
def test_sweep_levels(algorithm, levels):
    from fuseface_local.algorithms import DEFAULT_DEGREE
    from fuseface_local.cli.fusion_cmds import sweep_levels

    got = sweep_levels(algorithm)
    assert [level for level, _ in got] == levels
    defaults = [label for level, label in got if "(default)" in label]
    assert len(defaults) == (0 if algorithm == "faceswap" else 1)
    if defaults:
        assert defaults[0].startswith(f"{algorithm} {DEFAULT_DEGREE[algorithm]}/")


def test_sweep_sheet_holds_template_user_and_levels_in_order(tmp_path, engine, analyzed):
    """reinvent: row 1 = template, user, 0, 10, 20; row 2 = 30, 50, 70, 100. The 100/100 tile is the
    template tile pixel for pixel; the 0/0 tile is not."""
    from fuseface_local.cli import main
    from fuseface_local.sweep import _face_box, _tile

    out = tmp_path / "sheet.png"
    assert main(["sweep", "--template", str(FACES / "obama.jpg"), "--user", str(FACES / "astronaut.jpg"),
                 "--algorithm", "reinvent", "--output", str(out)]) == 0
    sheet = cv2.imdecode(np.frombuffer(out.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    t_img, t_faces = analyzed("obama.jpg")
    tile = _tile(t_img, "x", _face_box(t_img, t_faces))
    th, tw = tile.shape[:2]
    u_w = _tile(analyzed("astronaut.jpg")[0], "x", _face_box(*analyzed("astronaut.jpg"))).shape[1]
    assert sheet.shape[0] == 2 * th and sheet.shape[1] == 4 * tw + u_w
    body = slice(34, th)  # below the label bar
    template_tile = sheet[body, 0:tw]
    last = sheet[th + 34: 2 * th, 3 * tw: 4 * tw]
    assert np.array_equal(last, template_tile)
    zero = sheet[body, tw + u_w: 2 * tw + u_w]
    assert float(np.abs(zero.astype(np.int16) - template_tile.astype(np.int16)).mean()) > 3.0


def test_cli_faceswap_sweep_has_three_tiles(tmp_path):
    from fuseface_local.cli import main

    out = tmp_path / "fs.png"
    assert main(["sweep", "--template", str(FACES / "obama.jpg"), "--user", str(FACES / "biden.jpg"),
                 "--algorithm", "faceswap", "--output", str(out)]) == 0
    sheet = cv2.imdecode(np.frombuffer(out.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert sheet.shape[0] == 360 + 34  # one row: template, user, faceswap
