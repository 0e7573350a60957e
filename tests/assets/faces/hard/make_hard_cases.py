"""Make the hard-case quality set (issue 11) from the public-domain faces one folder up (deterministic).

Every image here is derived from ``obama.jpg``, ``obama2.jpg``, ``biden.jpg`` and ``astronaut.jpg`` (public
domain; see ``../PROVENANCE.md``) by crops, colour changes, synthetic drawings and a re-projection through the
468-point mesh's depth. Nothing else goes in: the derived images are public domain too.

* Close-ups: ``crop112_*.jpg`` -- 112x112 aligned face crops (the eyes, nose tip and mouth corners put at the
  usual 112x112 alignment positions, as face-recognition data sets store faces; ``crop112_obama_grey`` also
  greyscale); ``selfie256_*.jpg`` -- the face cropped tight (the mesh's box grown 6 %) and resized to 256x256.
* Colour: ``grey_obama.jpg`` (greyscale, 3 channels), ``sepia_biden.jpg`` (a brown-toned print),
  ``warm_astronaut.jpg`` (the whole photo under warm, orange light), ``blue_obama2.jpg`` (cold blue light).
* Turned faces: ``turned<yaw>_<name>.jpg`` -- the face re-projected through its mesh's depth as if the head
  had turned by ``yaw`` degrees about a vertical axis through the head's centre (orthographic; hidden
  triangles are dropped, the surroundings follow a smooth head ring; the background stays).
* Occluders drawn on a template: ``glasses_obama.jpg`` (dark frames, tinted lenses), ``hand_biden.jpg`` (a
  hand in a different skin tone over the mouth and chin), ``tongue_obama2.jpg`` (a tongue out of the open
  mouth), ``hair_astronaut.jpg`` (a lock of hair over the forehead, a brow and the top of one eye).
* A large photo: ``crowd_2560.jpg`` (2560x1600) -- on a generated background, a greyscale 3/4-turned face
  about 100 px wide and frontal faces about 36, 40, 48 and 64 px wide.

The landmarks that place all of this come from the engine's own ``FaceAnalyzer`` at generation time; the
images are committed, so the tests do not depend on the analyser staying the same. ``layout.json`` records
how each image was made: the 2x3 affine (source px -> image px) of every crop, the yaw of every turned face,
and where each face of ``crowd_2560.jpg`` was put (the tests map independent reference points through these).
Run: ``.venv/bin/python tests/assets/faces/hard/make_hard_cases.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
FACES = HERE.parent
sys.path.insert(0, str(HERE.parents[3] / "src"))

from fuseface_local.engine import topology as topo  # noqa: E402
from fuseface_local.engine.codec import decode  # noqa: E402
from fuseface_local.engine.faces import FaceAnalyzer  # noqa: E402
from fuseface_local.engine.warp import MeshRaster, Roi, remap_roi  # noqa: E402

# The 112x112 alignment positions of eye centres, nose tip and mouth corners (subject's right first).
ALIGN_112 = np.array([[38.29, 51.70], [73.53, 51.50], [56.03, 71.74], [41.55, 92.37], [70.73, 92.20]])
QUALITY = 90


def _load(name: str) -> np.ndarray:
    return decode((FACES / name).read_bytes())


def _save(name: str, img: np.ndarray) -> None:
    ok, buf = cv2.imencode(".jpg", np.clip(img + 0.5, 0, 255).astype(np.uint8) if img.dtype != np.uint8 else img,
                           [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
    assert ok
    (HERE / name).write_bytes(buf.tobytes())


def _face(analyzer: FaceAnalyzer, img: np.ndarray):
    return max(analyzer.analyze(img), key=lambda f: f.area)


def _five(lm: np.ndarray) -> np.ndarray:
    return np.array([lm[topo.RIGHT_EYE].mean(0), lm[topo.LEFT_EYE].mean(0), lm[topo.NOSE_TIP],
                     lm[topo.MOUTH_CORNERS[0]], lm[topo.MOUTH_CORNERS[1]]])


# --- close-ups ---------------------------------------------------------------------------------------------
def crop112(img: np.ndarray, lm: np.ndarray) -> tuple:
    """The aligned crop and its 2x3 affine (source px -> crop px)."""
    m, _ = cv2.estimateAffinePartial2D(_five(lm).astype(np.float32), ALIGN_112.astype(np.float32))
    return cv2.warpAffine(img, m, (112, 112), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE), m


def selfie256(img: np.ndarray, lm: np.ndarray) -> tuple:
    """The tight selfie and its 2x3 affine (source px -> selfie px)."""
    x0, y0 = lm.min(0)
    x1, y1 = lm.max(0)
    side = max(x1 - x0, y1 - y0) * 1.06
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    k = 256.0 / side
    m = np.array([[k, 0, 128 - k * cx], [0, k, 128 - k * cy]])
    return cv2.warpAffine(img, m, (256, 256), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE), m


# --- colour ------------------------------------------------------------------------------------------------
def grey(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)


def toned(img: np.ndarray, dark_bgr, light_bgr) -> np.ndarray:
    """A duotone print: grey levels mapped between two colours."""
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)[:, :, None] / 255.0
    return np.asarray(dark_bgr, np.float32) * (1 - g) + np.asarray(light_bgr, np.float32) * g


def lit(img: np.ndarray, gain_bgr) -> np.ndarray:
    """The photo under coloured light: a per-channel gain."""
    return np.clip(img.astype(np.float32) * np.asarray(gain_bgr, np.float32), 0, 255)


# --- turned faces ------------------------------------------------------------------------------------------
def _ring(centre: np.ndarray, lm: np.ndarray, scale: float) -> np.ndarray:
    return centre + (lm[topo.FACE_OVAL] - centre) * scale


def turned(img: np.ndarray, face, yaw: float) -> np.ndarray:
    """``img`` with the face turned ``yaw`` degrees (> 0: toward the image's right) by re-projection.

    The 468 mesh points carry their depth; a ring around the face (1.3x the silhouette) is the side of the head
    (depth of the head's centre, so it only narrows), a second ring (2.4x) and the image corners stay put.
    Triangles are drawn far to near; a triangle that turns its back to the camera is dropped.
    """
    lm = face.landmarks.astype(np.float64)
    z = face.landmarks_z.astype(np.float64)
    centre = lm[topo.FACE_OVAL].mean(0)
    pivot_z = 0.5 * (z[topo.RIGHT_CHEEK] + z[topo.LEFT_CHEEK]) + 0.1 * face.width
    near = _ring(centre, lm, 1.12)
    head = _ring(centre, lm, 1.3)
    far = _ring(centre, lm, 2.4)
    h, w = img.shape[:2]
    corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], np.float64)
    src = np.vstack([lm, near, head, far, corners])
    # The skull above the forehead still faces the camera: the rings' top points keep part of the forehead's
    # depth, their sides (ears) and bottom (neck) lie at the head's centre.
    rel = lm[topo.FACE_OVAL] - centre
    top = np.clip(-rel[:, 1] / np.linalg.norm(rel, axis=1), 0.0, 1.0)
    oval_z = z[topo.FACE_OVAL]
    ring_z = pivot_z + (oval_z - pivot_z) * (0.8 * top + 0.9 * (1 - top))
    depth = np.concatenate([z, 0.5 * (oval_z + ring_z), ring_z, np.full(len(far) + 4, pivot_z + 1e4)])
    a = np.radians(yaw)
    dst = src.copy()
    n_move = len(lm) + len(near) + len(head)
    dx, dz = src[:n_move, 0] - centre[0], depth[:n_move] - pivot_z
    dst[:n_move, 0] = centre[0] + dx * np.cos(a) - dz * np.sin(a)
    new_z = depth.copy()
    new_z[:n_move] = pivot_z + dx * np.sin(a) + dz * np.cos(a)

    subdiv = cv2.Subdiv2D((-10, -10, w + 20, h + 20))
    for p in src:
        subdiv.insert((float(np.clip(p[0], -9, w + 9)), float(np.clip(p[1], -9, h + 9))))
    keys = {(round(float(p[0]), 2), round(float(p[1]), 2)): i for i, p in enumerate(
        np.column_stack([np.clip(src[:, 0], -9, w + 9), np.clip(src[:, 1], -9, h + 9)]).astype(np.float32))}
    tris = []
    for t in subdiv.getTriangleList().reshape(-1, 3, 2):
        ids = [keys.get((round(float(x), 2), round(float(y), 2))) for x, y in t]
        if None not in ids:
            tris.append(ids)
    tris = np.array(tris)

    def area(p):
        return (p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1]) - (p[:, 1, 1] - p[:, 0, 1]) * (
            p[:, 2, 0] - p[:, 0, 0])

    a_src, a_dst = area(src[tris]), area(dst[tris])
    keep = ((a_src * a_dst > 0) | (tris >= len(lm)).any(axis=1)) & (np.abs(a_dst) > 1e-3)  # only the face turns its back
    tris = tris[keep]
    tris = tris[np.argsort(-new_z[tris].mean(1), kind="stable")]  # far first: nearer triangles win
    raster = MeshRaster(dst, tris, Roi(0, 0, w, h))
    return remap_roi(img, raster.maps(src))


# --- occluders ---------------------------------------------------------------------------------------------
def _overlay(img: np.ndarray, colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha.astype(np.float32)[:, :, None]
    return img.astype(np.float32) * (1 - a) + colour.astype(np.float32) * a


def _pts(p: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(p, np.float64) * 16).astype(np.int32)


def glasses(img: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """Dark frames around both eyes (a bridge and the arms to the silhouette) and lightly tinted lenses."""
    er, el = lm[topo.RIGHT_EYE].mean(0), lm[topo.LEFT_EYE].mean(0)
    ipd = float(np.linalg.norm(el - er))
    ux = (el - er) / ipd
    uy = np.array([-ux[1], ux[0]])
    angle = float(np.degrees(np.arctan2(ux[1], ux[0])))
    h, w = img.shape[:2]
    frames = np.zeros((h, w), np.uint8)
    lenses = np.zeros((h, w), np.uint8)
    t = max(int(0.07 * ipd), 2)
    axes = (int(0.4 * ipd), int(0.29 * ipd))
    centres = [er + 0.06 * ipd * uy, el + 0.06 * ipd * uy]
    for c in centres:
        cv2.ellipse(lenses, (int(c[0]), int(c[1])), axes, angle, 0, 360, 255, -1, cv2.LINE_AA)
        cv2.ellipse(frames, (int(c[0]), int(c[1])), axes, angle, 0, 360, 255, t, cv2.LINE_AA)
    a, b = centres[0] + ux * axes[0] - uy * 0.1 * ipd, centres[1] - ux * axes[0] - uy * 0.1 * ipd
    cv2.line(frames, tuple(_pts(a)), tuple(_pts(b)), 255, t, cv2.LINE_AA, 4)
    for c, side, cheek in ((centres[0], -1, topo.RIGHT_CHEEK), (centres[1], 1, topo.LEFT_CHEEK)):
        start = c + side * ux * axes[0]
        end = np.array([lm[cheek, 0], start[1] - 0.05 * ipd])
        cv2.line(frames, tuple(_pts(start)), tuple(_pts(end)), 255, t, cv2.LINE_AA, 4)
    out = _overlay(img, np.full(3, 90.0), 0.22 * lenses / 255.0)
    out = _overlay(out, np.array([25.0, 25.0, 30.0]), frames / 255.0)
    glint = np.zeros((h, w), np.uint8)
    for c in centres:
        p = c - 0.2 * ipd * ux - 0.12 * ipd * uy
        cv2.ellipse(glint, (int(p[0]), int(p[1])), (max(int(0.08 * ipd), 1), max(int(0.03 * ipd), 1)),
                    angle - 30, 0, 360, 255, -1, cv2.LINE_AA)
    return _overlay(out, np.full(3, 250.0), 0.6 * cv2.GaussianBlur(glint, (0, 0), 1.5) / 255.0)


def hand(img: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """A hand in a darker skin tone: the palm below the chin, four fingers up over the mouth and chin."""
    mw = float(np.linalg.norm(lm[topo.MOUTH_CORNERS[1]] - lm[topo.MOUTH_CORNERS[0]]))
    chin = lm[topo.FACE_OVAL][18]
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    creases = np.zeros((h, w), np.uint8)
    palm = chin + np.array([-0.3 * mw, 0.9 * mw])
    cv2.ellipse(mask, (int(palm[0]), int(palm[1])), (int(0.9 * mw), int(0.75 * mw)), -20, 0, 360, 255, -1,
                cv2.LINE_AA)
    tip_line = lm[topo.MOUTH_CORNERS[1]] + np.array([0.1 * mw, -0.15 * mw])
    base_line = palm + np.array([0.1 * mw, -0.35 * mw])
    finger = max(int(0.3 * mw), 3)
    for i, k in enumerate((-1.2, -0.4, 0.4, 1.1)):
        base = base_line + np.array([0.38 * mw * k, 0.0])
        tip = tip_line + np.array([0.42 * mw * k - 0.5 * mw, 0.2 * mw * abs(k)])
        cv2.line(mask, tuple(_pts(base)), tuple(_pts(tip)), 255, finger, cv2.LINE_AA, 4)
        if i:
            cv2.line(creases, tuple(_pts(base - [0.19 * mw, 0])), tuple(_pts(tip - [0.21 * mw, 0])), 255,
                     max(finger // 8, 1), cv2.LINE_AA, 4)
    yy = np.arange(h, dtype=np.float32)[:, None, None]
    shade = np.clip(1.1 - 0.25 * (yy - chin[1]) / mw, 0.8, 1.15)
    skin = np.array([70.0, 105.0, 150.0]) * shade  # BGR: a tan skin tone, darker toward the wrist
    out = _overlay(img, np.broadcast_to(skin, img.shape), cv2.GaussianBlur(mask, (0, 0), 0.8) / 255.0)
    creases &= mask
    return _overlay(out, np.array([40.0, 60.0, 95.0]), 0.7 * creases / 255.0)


def tongue(img: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """A tongue out of the open mouth, over the lower lip and down toward the chin."""
    mw = float(np.linalg.norm(lm[topo.MOUTH_CORNERS[1]] - lm[topo.MOUTH_CORNERS[0]]))
    top = lm[topo.INNER_LIP_PAIRS[4, 1]]  # the inner lower lip's middle
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    centre = top + np.array([0.0, 0.28 * mw])
    cv2.ellipse(mask, (int(centre[0]), int(centre[1])), (int(0.27 * mw), int(0.42 * mw)), 0, 0, 360, 255, -1,
                cv2.LINE_AA)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot((xx - centre[0]) / (0.27 * mw), (yy - centre[1]) / (0.42 * mw))
    shade = np.clip(1.15 - 0.35 * r, 0.7, 1.15)[:, :, None]
    colour = np.array([95.0, 85.0, 205.0]) * shade
    out = _overlay(img, colour, cv2.GaussianBlur(mask, (0, 0), 1.0) / 255.0)
    groove = np.zeros((h, w), np.uint8)
    cv2.line(groove, tuple(_pts(top + [0, 0.1 * mw])), tuple(_pts(centre + [0, 0.2 * mw])), 255,
             max(int(0.03 * mw), 1), cv2.LINE_AA, 4)
    return _overlay(out, np.array([60.0, 50.0, 140.0]), 0.6 * cv2.GaussianBlur(groove & mask, (0, 0), 1.5) / 255)


def hair_lock(img: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """A lock of the subject's own hair colour from the top of the forehead down over the right brow and eye."""
    rng = np.random.default_rng(11)
    er, el = lm[topo.RIGHT_EYE].mean(0), lm[topo.LEFT_EYE].mean(0)
    ipd = float(np.linalg.norm(el - er))
    top = lm[topo.FACE_OVAL][0]
    x, y = np.round(top + np.array([0.9, -0.3]) * ipd).astype(int)  # her hair, above the forehead's corner
    colour = np.median(img[y - 3: y + 4, x - 3: x + 4].reshape(-1, 3), axis=0).astype(np.float64)
    h, w = img.shape[:2]
    out = img.astype(np.float32)
    for i in range(18):
        f = i / 17
        start = top + np.array([(0.6 + 0.6 * f) * ipd, (-0.25 + 0.15 * rng.random()) * ipd])
        mid = (top + er) / 2 + np.array([(0.6 * f - 0.1) * ipd, (0.2 * f - 0.1) * ipd])
        end = er + np.array([(-0.45 + 0.8 * f) * ipd, (-0.15 + 0.2 * rng.random()) * ipd])
        t = np.linspace(0, 1, 30)[:, None]
        curve = (1 - t) ** 2 * start + 2 * (1 - t) * t * mid + t ** 2 * end
        mask = np.zeros((h, w), np.uint8)
        cv2.polylines(mask, [_pts(curve)], False, 255, max(int(0.07 * ipd), 2), cv2.LINE_AA, 4)
        shade = colour * (0.85 + 0.3 * rng.random())
        out = _overlay(out, shade, cv2.GaussianBlur(mask, (0, 0), 0.7) / 255.0)
    return out


# --- the large photo ---------------------------------------------------------------------------------------
def _background(size: tuple, seed: int) -> np.ndarray:
    w, h = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([120 + 50 * xx / w, 140 + 30 * yy / h, 160 - 40 * xx / w], axis=2)
    small = cv2.resize(rng.normal(0, 12, (h // 40, w // 40, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(base + small, 0, 255)


def _paste(canvas: np.ndarray, src: np.ndarray, face, width: float, cx: float, cy: float) -> None:
    """A head-and-shoulders cut-out of ``src`` around ``face``, scaled so the face box is ``width`` px, its
    centre at (cx, cy), with a feathered elliptical edge."""
    fw, fh = face.width, face.height
    fcx, fcy = face.centre
    sx0, sx1 = int(max(0, fcx - 1.1 * fw)), int(min(src.shape[1], fcx + 1.1 * fw))
    sy0, sy1 = int(max(0, fcy - 1.0 * fh)), int(min(src.shape[0], fcy + 1.4 * fh))
    crop = src[sy0:sy1, sx0:sx1].astype(np.float32)
    ch, cw = crop.shape[:2]
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    ex, ey = fcx - sx0, fcy - sy0
    alpha = np.clip((1.0 - ((xx - ex) / (0.95 * fw)) ** 2 - ((yy - ey - 0.2 * fh) / (1.15 * fh)) ** 2) * 4, 0, 1)
    k = width / fw
    crop = cv2.resize(crop, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(alpha, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR)[:, :, None]
    ox, oy = int(round(cx - ex * k)), int(round(cy - ey * k))
    region = canvas[oy: oy + crop.shape[0], ox: ox + crop.shape[1]]
    region[:] = crop * alpha + region * (1 - alpha)


CROWD = [  # (source, face box width px, face centre x, y) in crowd_2560.jpg
    ("turned45_obama.jpg, greyscale", 100, 700, 700),
    ("biden.jpg", 40, 1300, 500),
    ("astronaut.jpg", 36, 1700, 900),
    ("obama2.jpg", 48, 2100, 400),
    ("obama.jpg", 64, 1200, 1200),
]


def crowd(analyzer: FaceAnalyzer, turned_grey: np.ndarray) -> np.ndarray:
    canvas = _background((2560, 1600), seed=5)
    for name, width, cx, cy in CROWD:
        img = turned_grey if name.startswith("turned") else _load(name)
        _paste(canvas, img, _face(analyzer, img), width, cx, cy)
    return canvas


def main() -> None:
    analyzer = FaceAnalyzer()
    src = {n: _load(f"{n}.jpg") for n in ("obama", "obama2", "biden", "astronaut")}
    faces = {n: _face(analyzer, img) for n, img in src.items()}
    lm = {n: f.landmarks.astype(np.float64) for n, f in faces.items()}
    layout = {"crowd_2560.jpg": [{"source": n, "width": w, "centre": [x, y]} for n, w, x, y in CROWD]}
    for n in ("obama", "biden", "astronaut"):
        for name, (img, m) in ((f"crop112_{n}.jpg", crop112(src[n], lm[n])),
                               (f"selfie256_{n}.jpg", selfie256(src[n], lm[n]))):
            _save(name, img)
            layout[name] = {"source": f"{n}.jpg", "affine": np.round(m, 6).tolist()}
    img, m = crop112(src["obama2"], lm["obama2"])
    _save("crop112_obama_grey.jpg", grey(img))
    layout["crop112_obama_grey.jpg"] = {"source": "obama2.jpg", "affine": np.round(m, 6).tolist()}
    _save("grey_obama.jpg", grey(src["obama"]))
    _save("sepia_biden.jpg", toned(src["biden"][:1300], (20, 35, 60), (200, 230, 250)))
    _save("warm_astronaut.jpg", lit(src["astronaut"], (0.72, 0.93, 1.18)))
    _save("blue_obama2.jpg", lit(src["obama2"], (1.22, 1.0, 0.78)))
    turned45 = turned(src["obama"], faces["obama"], 45)
    _save("turned30_obama.jpg", turned(src["obama"], faces["obama"], 30))
    _save("turned45_obama.jpg", turned45)
    _save("turned35_biden.jpg", turned(src["biden"][:1300], faces["biden"], 35))
    _save("glasses_obama.jpg", glasses(src["obama"], lm["obama"]))
    _save("hand_biden.jpg", hand(src["biden"][:1300], lm["biden"]))
    _save("tongue_obama2.jpg", tongue(src["obama2"], lm["obama2"]))
    _save("hair_astronaut.jpg", hair_lock(src["astronaut"], lm["astronaut"]))
    _save("crowd_2560.jpg", crowd(analyzer, grey(turned45)))
    layout.update({f"turned{y}_{n}.jpg": {"source": f"{n}.jpg", "yaw": y} for y, n in
                   ((30, "obama"), (45, "obama"), (35, "biden"))})
    (HERE / "layout.json").write_text(json.dumps(layout, indent=1) + "\n")


if __name__ == "__main__":
    main()
