"""Hard cases of issue 2's quality checklist that can be asserted on geometry: a much wider user face must
not push the cheek points past the fused silhouette (that drags the template's cheek edge and ear outward
in shards), while ordinary pairs are left as they were."""

from __future__ import annotations

import cv2
import numpy as np
import pytest


@pytest.fixture()
def meshes(monkeypatch):
    """Records the destination vertices of every fusion's mesh (the fused landmarks + the outer ring)."""
    import fuseface_local.engine.fuse as fm

    seen = []
    real = fm.MeshRaster

    def recording(dst, tris, roi):
        seen.append(np.array(dst[:468]))
        return real(dst, tris, roi)

    monkeypatch.setattr(fm, "MeshRaster", recording)
    return seen


def _inside(f: np.ndarray) -> np.ndarray:
    """Signed distance (px, > 0 inside) of every non-silhouette vertex to the silhouette polygon of ``f``."""
    from fuseface_local.engine import topology

    poly = f[topology.FACE_OVAL].astype(np.float32).reshape(-1, 1, 2)
    inner = np.setdiff1d(np.arange(468), topology.FACE_OVAL)
    return np.array([cv2.pointPolygonTest(poly, (float(f[i, 0]), float(f[i, 1])), True) for i in inner])


def _outside(f: np.ndarray) -> bool:
    return bool((_inside(f) < -1.0).any())


@pytest.mark.parametrize("algorithm", ["faceswap", "redefine"])
def test_a_much_wider_user_stays_inside_the_template_silhouette(engine, analyzed, meshes, algorithm):
    """A vertex may not end up further outside the fused silhouette than it was outside the template's own
    (on a turned face the mesh silhouette cuts the far cheek, so a few template vertices lie past it)."""
    t_img, t_faces = analyzed("biden.jpg")  # turned ~12 degrees: its far cheek is narrow
    astro, _ = analyzed("astronaut.jpg")
    wide = cv2.resize(astro, None, fx=1.4, fy=1.0, interpolation=cv2.INTER_AREA)  # a 40 % wider face
    engine.fuse_arrays(t_img, [wide], algorithm=algorithm, face_degree=0, profile_degree=0)
    assert len(meshes) == 1
    own = np.minimum(_inside(t_faces[0].landmarks.astype(np.float64)), 0.0)
    worse = own - _inside(meshes[0])
    assert worse.max() < 4.0, np.sort(worse)[-5:]  # without the fix: up to ~10 px further out


def test_keep_inside_leaves_vertices_inside_alone():
    from fuseface_local.engine import topology
    from fuseface_local.engine.shape import keep_inside

    # A synthetic face: the silhouette on a circle of radius 100, the other vertices on smaller circles.
    rng = np.random.default_rng(3)
    lt = np.zeros((468, 2))
    angles = np.linspace(0, 2 * np.pi, len(topology.FACE_OVAL), endpoint=False)
    lt[topology.FACE_OVAL] = 200 + 100 * np.column_stack([np.cos(angles), np.sin(angles)])
    inner = np.setdiff1d(np.arange(468), topology.FACE_OVAL)
    a, r = rng.uniform(0, 2 * np.pi, len(inner)), rng.uniform(0, 85, len(inner))
    lt[inner] = 200 + r[:, None] * np.column_stack([np.cos(a), np.sin(a)])
    assert np.array_equal(keep_inside(lt.copy(), lt, 200.0), lt)
    pushed = lt.copy()
    pushed[inner] = 200 + (lt[inner] - 200) * 1.3  # inner points up to 110 px out: past the silhouette
    kept = keep_inside(pushed, lt, 200.0)
    assert _outside(pushed) and not _outside(kept)
    assert not _outside(lt)
    moved = np.linalg.norm(kept - pushed, axis=1)
    assert moved[inner[r < 50]].max() < 1e-9  # deep inside: untouched


def _teeth_pixels(img: np.ndarray, mask: np.ndarray) -> int:
    """Bright, unsaturated pixels (teeth) inside ``mask``."""
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
    return int(((hsv[..., 2] > 120) & (hsv[..., 1] < 100) & mask).sum())


@pytest.fixture(scope="module")
def open_mouth_template(analyzed):
    """obama2.jpg talks (mouth open, teeth showing); the area around its lips."""
    from fuseface_local.engine import topology

    img, faces = analyzed("obama2.jpg")
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(faces[0].landmarks[topology.LIPS_OUTER]).astype(np.int32)], 255)
    return img, cv2.dilate(mask, np.ones((15, 15), np.uint8)) > 0


@pytest.mark.parametrize(("algorithm", "degree"), [("redefine", 40), ("redefine", 49), ("reinvent", None)])
def test_closed_user_mouth_into_an_open_template_mouth_has_no_ghost_teeth(engine, analyzed, open_mouth_template,
                                                                           algorithm, degree):
    """Below FuseFaceDegree 50 the mouth is the user's (closed, biden.jpg) -- all of it: a cross-fade showed
    the template's teeth through the user's lips (about 200 teeth pixels at 40 before the fix)."""
    t_img, mouth = open_mouth_template
    assert _teeth_pixels(t_img, mouth) > 500
    out = engine.fuse_arrays(t_img, [analyzed("biden.jpg")[0]], algorithm=algorithm, face_degree=degree,
                             profile_degree=degree)
    assert _teeth_pixels(out, mouth) < 20


def test_from_face_degree_50_the_open_template_mouth_is_kept_whole(engine, analyzed, open_mouth_template):
    t_img, mouth = open_mouth_template
    out = engine.fuse_arrays(t_img, [analyzed("biden.jpg")[0]], face_degree=60, profile_degree=60)
    assert _teeth_pixels(out, mouth) > 0.5 * _teeth_pixels(t_img, mouth)
