"""Make the derived test images from the public-domain faces beside this script (deterministic).

* ``group.jpg`` (1400x950): a synthetic "group photo" -- five head-and-shoulders cut-outs of different sizes
  (face widths about 260, 150, 100, 60 and 46 px) composited with feathered elliptical masks on a smooth,
  slightly noisy background. Faces, left to right: obama2 (60 px), obama (260), astronaut (100),
  biden mirrored (46), biden (150).
* ``obama2_exif6.jpg``: obama2.jpg stored rotated 90 degrees counter-clockwise with EXIF Orientation=6, so it is
  upright only once the orientation is applied (a phone selfie).

Run: ``.venv/bin/python tests/assets/faces/make_group.py`` (needs numpy, opencv and Pillow).
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
SIZE = (1400, 950)  # width, height

# Face boxes (x0, y0, x1, y1) in the source images, measured once with the engine's detector.
FACE_BOXES = {
    "obama.jpg": (351, 127, 635, 411),
    "obama2.jpg": (143, 274, 481, 612),
    "biden.jpg": (434, 234, 752, 552),
    "astronaut.jpg": (173, 68, 280, 175),
}

# (source, target face width px, face centre x, face centre y, mirrored)
PLACEMENTS = [
    ("obama2.jpg", 60, 120, 300, False),
    ("obama.jpg", 260, 400, 420, False),
    ("astronaut.jpg", 100, 720, 330, False),
    ("biden.jpg", 46, 930, 640, True),
    ("biden.jpg", 150, 1160, 400, False),
]


def _background(rng: np.random.Generator) -> np.ndarray:
    w, h = SIZE
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack(
        [150 + 40 * xx / w, 160 + 30 * yy / h, 175 - 35 * xx / w],  # B, G, R: a soft wall-like gradient
        axis=2,
    )
    noise = cv2.GaussianBlur(rng.normal(0, 12, (h, w, 3)).astype(np.float32), (0, 0), 3)
    return np.clip(base + noise, 0, 255)


def _paste(
    canvas: np.ndarray, src: np.ndarray, box: tuple, width: int, cx: int, cy: int, mirror: bool
) -> None:
    x0, y0, x1, y1 = box
    fw, fh = x1 - x0, y1 - y0
    fcx, fcy = (x0 + x1) / 2, (y0 + y1) / 2
    # head and shoulders around the face box, clamped to the source
    sx0, sx1 = int(max(0, fcx - 1.1 * fw)), int(min(src.shape[1], fcx + 1.1 * fw))
    sy0, sy1 = int(max(0, fcy - 1.0 * fh)), int(min(src.shape[0], fcy + 1.4 * fh))
    crop = src[sy0:sy1, sx0:sx1].astype(np.float32)
    ch, cw = crop.shape[:2]
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    ex, ey = fcx - sx0, fcy - sy0 + 0.2 * fh
    mask = ((xx - ex) / (0.95 * fw)) ** 2 + ((yy - ey) / (1.15 * fh)) ** 2
    alpha = np.clip((1.0 - mask) * 4.0, 0, 1)[:, :, None]
    if mirror:
        crop, alpha = crop[:, ::-1], alpha[:, ::-1]
        ex = cw - ex
    k = width / fw
    crop = cv2.resize(crop, None, fx=k, fy=k, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    alpha = cv2.resize(alpha, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR)[:, :, None]
    # place so that the face centre lands on (cx, cy)
    ox, oy = int(round(cx - ex * k)), int(round(cy - (fcy - sy0) * k))
    h, w = canvas.shape[:2]
    tx0, ty0 = max(0, ox), max(0, oy)
    tx1, ty1 = min(w, ox + crop.shape[1]), min(h, oy + crop.shape[0])
    part = crop[ty0 - oy : ty1 - oy, tx0 - ox : tx1 - ox]
    a = alpha[ty0 - oy : ty1 - oy, tx0 - ox : tx1 - ox]
    canvas[ty0:ty1, tx0:tx1] = part * a + canvas[ty0:ty1, tx0:tx1] * (1 - a)


def make_group() -> bytes:
    rng = np.random.default_rng(0)
    canvas = _background(rng)
    for name, width, cx, cy, mirror in sorted(PLACEMENTS, key=lambda p: -p[1]):  # big first, small on top
        src = cv2.imread(str(HERE / name), cv2.IMREAD_COLOR)
        _paste(canvas, src, FACE_BOXES[name], width, cx, cy, mirror)
    ok, buf = cv2.imencode(
        ".jpg", np.clip(canvas + 0.5, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 88]
    )
    assert ok
    return buf.tobytes()


def make_exif_selfie() -> bytes:
    upright = Image.open(HERE / "obama2.jpg").convert("RGB")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # counter-clockwise; Orientation=6 turns it back
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def main() -> None:
    (HERE / "group.jpg").write_bytes(make_group())
    (HERE / "obama2_exif6.jpg").write_bytes(make_exif_selfie())


if __name__ == "__main__":
    main()
