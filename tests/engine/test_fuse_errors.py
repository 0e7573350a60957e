"""Every FuseFace error code the fusion engine raises, asserted on ``FusionError.code``."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fuseface_local.engine import FusionError

from ..support.paths import asset

PARAM = "InvalidParameterValue.ParameterValueError"
RECT = "InvalidParameterValue.FaceRectParameterValueError"


def _jpeg(img: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()


@pytest.fixture(scope="module")
def no_face() -> bytes:
    """A 200x200 smooth gradient: a valid image without a face."""
    ramp = np.linspace(40, 220, 200, dtype=np.float32)
    img = np.dstack([np.add.outer(ramp, ramp) / 2] * 3).astype(np.uint8)
    return _jpeg(img)


@pytest.fixture(scope="module")
def tiny_face() -> bytes:
    """obama.jpg scaled so the detected face box is about 33 px, on a 300x300 canvas."""
    img = cv2.imdecode(np.frombuffer(asset("obama.jpg"), np.uint8), cv2.IMREAD_COLOR)
    small = cv2.resize(img, None, fx=0.12, fy=0.12, interpolation=cv2.INTER_AREA)
    canvas = np.full((300, 300, 3), 200, np.uint8)
    canvas[: small.shape[0], : small.shape[1]] = small
    return _jpeg(canvas)


def _code(engine, *args, **kwargs) -> str:
    with pytest.raises(FusionError) as info:
        engine.fuse(*args, **kwargs)
    return info.value.code


@pytest.mark.parametrize(
    "kwargs",
    [
        {"algorithm": "swapface"},
        {"face_degree": 101},
        {"profile_degree": -1},
        {"face_degree": 50.5},
        {"face_degree": True},
        {"template_face_ids": [1, 1], "users": 2},
        {"users": 7},
        {"users": 0},
        {"user_rects": [None, None]},
    ],
)
def test_parameter_errors(engine, kwargs):
    kwargs = dict(kwargs)
    users = [asset("biden.jpg")] * kwargs.pop("users", 1)
    assert _code(engine, asset("obama.jpg"), users, **kwargs) == PARAM


@pytest.mark.parametrize("rect", [(0, 0, 29, 100), (0, 0, 100, 20), (-5, 0, 100, 100), (1, 2, 3)])
def test_face_rect_errors(engine, rect):
    assert _code(engine, asset("obama.jpg"), [asset("biden.jpg")], user_rects=[rect]) == RECT


def test_parameter_errors_come_before_any_image_work(engine):
    assert _code(engine, b"not an image", [b"nor this"], face_degree=200) == PARAM


def test_rect_overlapping_no_face(engine):
    code = _code(engine, asset("obama.jpg"), [asset("biden.jpg")], user_rects=[(0, 2000, 100, 100)])
    assert code == "FailedOperation.NoFaceDetected"


def test_template_without_face(engine, no_face):
    assert _code(engine, no_face, [asset("biden.jpg")]) == "FailedOperation.NoFaceDetected"


def test_user_without_face(engine, no_face):
    assert _code(engine, asset("obama.jpg"), [no_face]) == "FailedOperation.NoFaceDetected"


def test_user_without_face_is_refused_even_at_100_100(engine, no_face):
    code = _code(engine, asset("obama.jpg"), [no_face], face_degree=100, profile_degree=100)
    assert code == "FailedOperation.NoFaceDetected"


@pytest.mark.parametrize("face_id", [0, 2, 9])
def test_template_face_id_out_of_range(engine, face_id):
    code = _code(engine, asset("obama.jpg"), [asset("biden.jpg")], template_face_ids=[face_id])
    assert code == "FailedOperation.TemplateFaceIDNotExist"


def test_more_users_than_template_faces(engine):
    assert _code(engine, asset("obama.jpg"), [asset("biden.jpg")] * 2) == PARAM


def test_user_face_too_small(engine, tiny_face):
    assert _code(engine, asset("obama.jpg"), [tiny_face]) == "FailedOperation.FaceSizeTooSmall"


def test_template_face_too_small(engine, tiny_face):
    assert _code(engine, tiny_face, [asset("biden.jpg")]) == "FailedOperation.FaceSizeTooSmall"


def test_user_face_too_small_when_the_eyes_are_too_close(engine):
    """group.jpg's leftmost face is a 58 px box (> 34) with about 22 px between the eyes: FuseFace's
    FaceSizeTooSmall, with a message that says why."""
    with pytest.raises(FusionError) as info:
        engine.fuse(asset("obama.jpg"), [asset("group.jpg")], user_rects=[(90, 271, 58, 58)])
    assert info.value.code == "FailedOperation.FaceSizeTooSmall"
    assert "eyes" in info.value.message


def test_user_face_unusable_when_too_turned(engine, monkeypatch):
    """No public-domain test face turns more than ~12 degrees: the limit is lowered instead."""
    from fuseface_local.engine import core

    monkeypatch.setattr(core, "MAX_YAW", 0.1)
    assert _code(engine, asset("obama.jpg"), [asset("biden.jpg")]) == "FailedOperation.FaceUnusable"


def test_user_face_too_blurry(engine):
    img = cv2.imdecode(np.frombuffer(asset("obama.jpg"), np.uint8), cv2.IMREAD_COLOR)
    blurred = _jpeg(cv2.GaussianBlur(img, (0, 0), 9))
    assert _code(engine, asset("biden.jpg"), [blurred]) == "FailedOperation.FaceTooBlurry"


def test_undecodable_images(engine):
    assert _code(engine, b"GIF89a not supported", [asset("biden.jpg")]) == "FailedOperation.ImageDecodeFailed"
    assert _code(engine, asset("obama.jpg"), [b"\x89PNG\r\n\x1a\n broken"]) == "FailedOperation.ImageDecodeFailed"


def test_errors_carry_a_message_and_status(engine):
    with pytest.raises(FusionError) as info:
        engine.fuse(asset("obama.jpg"), [asset("biden.jpg")], template_face_ids=[5])
    assert "5" in info.value.message
    assert info.value.spec.http_status == 400
