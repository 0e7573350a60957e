"""Several template faces are fused concurrently when their regions are apart, with the pixels of fusing them
one after the other; faces whose regions touch are fused one after the other."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from fuseface_local.engine import core
from fuseface_local.engine.warp import Roi


def _head(analyzed, name: str, side: int, room: float) -> np.ndarray:
    """A square crop around ``name``'s largest face, ``room`` face widths a side, resized to ``side`` px."""
    img, faces = analyzed(name)
    f = max(faces, key=lambda face: face.area)
    cx, cy, half = f.x + f.width // 2, f.y + f.height // 2, int(f.width * room / 2)
    crop = img[max(cy - half, 0): cy + half, max(cx - half, 0): cx + half]
    return cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)


def _row(analyzed, names, side: int, gap: int, room: float = 2.2) -> np.ndarray:
    """Head crops of ``names`` (``_head``), ``side`` px each, left to right with ``gap`` px of grey between."""
    canvas = np.full((side, len(names) * side + (len(names) - 1) * gap, 3), 128, np.uint8)
    for i, name in enumerate(names):
        canvas[:, i * (side + gap): i * (side + gap) + side] = _head(analyzed, name, side, room)
    return canvas


def _threads_of(monkeypatch, name: str) -> list:
    """The names of the threads ``core.<name>`` runs on from now on, call by call."""
    names = []
    real = getattr(core, name)

    def recording(*args, **kwargs):
        names.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(core, name, recording)
    return names


@pytest.fixture
def fuse_threads(monkeypatch):
    """The names of the threads ``fuse_face`` ran on, call by call."""
    return _threads_of(monkeypatch, "fuse_face")


def test_faces_apart_are_fused_at_once_with_the_one_after_the_other_pixels(engine, analyzed, fuse_threads,
                                                                           monkeypatch):
    template = _row(analyzed, ("obama.jpg", "biden.jpg", "astronaut.jpg"), 300, 120)
    assert len(engine.analyzer.analyze(template)) == 3
    users = [analyzed(n)[0] for n in ("biden.jpg", "astronaut.jpg", "obama2.jpg")]
    together = engine.fuse_arrays(template, users, face_degree=0, profile_degree=0)
    assert len(fuse_threads) == 3
    assert any(name.startswith("fuseface-face") for name in fuse_threads)

    fuse_threads.clear()
    monkeypatch.setattr(core, "_apart", lambda boxes: False)  # one after the other, on the calling thread
    in_turn = engine.fuse_arrays(template, users, face_degree=0, profile_degree=0)
    assert fuse_threads == [threading.current_thread().name] * 3
    assert np.array_equal(together, in_turn)
    assert float(np.abs(together.astype(np.int16) - template.astype(np.int16)).mean()) > 1.0  # faces changed


def test_faces_whose_regions_touch_are_fused_one_after_the_other(engine, analyzed, fuse_threads):
    # Faces a fifth of a face width apart: each face's ring (1.06 to 1.4 face widths) reaches the other's.
    template = _row(analyzed, ("obama.jpg", "biden.jpg"), 300, 0, room=1.2)
    assert len(engine.analyzer.analyze(template)) == 2
    users = [analyzed(n)[0] for n in ("astronaut.jpg", "obama2.jpg")]
    engine.fuse_arrays(template, users, face_degree=0, profile_degree=0)
    assert fuse_threads == [threading.current_thread().name] * 2


def test_one_face_is_fused_on_the_calling_thread(engine, analyzed, fuse_threads):
    template, _ = analyzed("obama.jpg")
    engine.fuse_arrays(template, [analyzed("biden.jpg")[0]], face_degree=0, profile_degree=0)
    assert fuse_threads == [threading.current_thread().name]


@pytest.mark.parametrize("boxes, apart", [
    ([Roi(0, 0, 10, 10), Roi(10, 0, 20, 10)], True),  # side by side: x1 is exclusive
    ([Roi(0, 0, 10, 10), Roi(9, 0, 20, 10)], False),  # one shared column
    ([Roi(0, 0, 10, 10), Roi(0, 10, 10, 20)], True),
    ([Roi(0, 0, 10, 10), Roi(5, 5, 6, 6)], False),  # one inside the other
    ([Roi(0, 0, 10, 10), Roi(20, 0, 30, 10), Roi(5, 9, 25, 12)], False),  # the third touches both
    ([Roi(0, 0, 10, 10), Roi(9, 9, 20, 20)], False),  # corners share a pixel
])
def test_apart_means_no_shared_pixel(boxes, apart):
    assert core._apart(boxes) is apart


def test_the_template_occluders_are_found_beside_the_user_analysis_once_per_face(engine, analyzed, monkeypatch):
    from fuseface_local.engine.codec import encode_jpeg

    calls = _threads_of(monkeypatch, "template_occluders")
    template = encode_jpeg(_row(analyzed, ("obama.jpg", "astronaut.jpg"), 300, 120))
    user = encode_jpeg(analyzed("biden.jpg")[0])
    engine.fuse(template, [user], face_degree=100, profile_degree=100)
    assert calls == []  # the template itself comes back: no occluders needed
    engine.fuse(template, [user, user], face_degree=0, profile_degree=0)
    assert len(calls) == 2 and all(name.startswith("fuseface-face") for name in calls)
    engine.fuse(template, [user, user], face_degree=30, profile_degree=30)
    assert len(calls) == 2  # cached with the template analysis
