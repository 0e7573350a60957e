"""Contact sheets of an algorithm's recommended degree levels (``fuseface sweep`` and the page's "compare levels").

:func:`sweep_levels` says which fused tiles a sheet holds; :func:`contact_sheet` fuses and lays them out after the
template and the user (labelled tiles cropped around the template's largest face, five per row);
:func:`encode_image` writes it as the file extension asks.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from scf_fuseface.errors import FuseFaceError

from .algorithms import DEFAULT_DEGREE, RECOMMENDED_LEVELS

__all__ = ["IMAGE_EXTENSIONS", "contact_sheet", "encode_image", "sweep_levels"]

TILE_H = 360
PER_ROW = 5
IMAGE_EXTENSIONS = {".png": ".png", ".jpg": ".jpg", ".jpeg": ".jpg"}


def sweep_levels(algorithm: str) -> list:
    """The fused tiles of a sweep after template and user, in order: ``[(degree, label)]`` with both degrees
    equal to ``degree`` -- 0, the algorithm's five recommended levels, 100; ``faceswap`` (no degrees): one."""
    if algorithm == "faceswap":
        return [(None, "faceswap")]
    default = DEFAULT_DEGREE[algorithm]
    return [(level, f"{algorithm} {level}/{level}" + (" (default)" if level == default else ""))
            for level in (0, *RECOMMENDED_LEVELS[algorithm], 100)]


def _tile(img: np.ndarray, label: str, box: Optional[Tuple[int, int, int, int]] = None) -> np.ndarray:
    """A labelled tile of ``img``, cropped to ``box`` (x0, y0, x1, y1) when given."""
    if box is not None:
        img = img[box[1]:box[3], box[0]:box[2]]
    h, w = img.shape[:2]
    scale = TILE_H / h
    tile = cv2.resize(img, (max(int(round(w * scale)), 1), TILE_H), interpolation=cv2.INTER_AREA)
    bar = np.full((34, tile.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2, cv2.LINE_AA)
    return np.vstack([bar, tile])


def _face_box(img: np.ndarray, faces: Sequence) -> Tuple[int, int, int, int]:
    """A square around the largest face (2.4x its box), clipped to the image; the whole image if none."""
    h, w = img.shape[:2]
    if not faces:
        return (0, 0, w, h)
    f = max(faces, key=lambda face: face.area)
    cx, cy = f.centre
    half = 1.2 * max(f.width, f.height)
    return (int(max(cx - half, 0)), int(max(cy - half, 0)), int(min(cx + half, w)), int(min(cy + half, h)))


def _pad(strip: np.ndarray, width: int) -> np.ndarray:
    if strip.shape[1] >= width:
        return strip
    return np.hstack([strip, np.full((strip.shape[0], width - strip.shape[1], 3), 255, np.uint8)])


def contact_sheet(engine, template: bytes, user: bytes, algorithm: str, *, user_rect=None,
                  template_face_id: Optional[int] = None) -> np.ndarray:
    """The sheet (BGR): template, user, then one fused tile per :func:`sweep_levels` entry, five per row."""
    from .engine.codec import decode

    t_img, u_img = decode(template), decode(user)
    t_box = _face_box(t_img, engine.analyzer.analyze(t_img))
    tiles: List[np.ndarray] = [_tile(t_img, "template", t_box),
                               _tile(u_img, "user", _face_box(u_img, engine.analyzer.analyze(u_img)))]
    rects = [user_rect] if user_rect is not None else None
    ids = [template_face_id] if template_face_id is not None else None
    for level, label in sweep_levels(algorithm):
        out = engine.fuse(template, [user], algorithm=algorithm, face_degree=level, profile_degree=level,
                          user_rects=rects, template_face_ids=ids)
        tiles.append(_tile(decode(out), label, t_box))
    width = sum(t.shape[1] for t in tiles[:PER_ROW])
    rows = [_pad(np.hstack(tiles[i: i + PER_ROW]), width) for i in range(0, len(tiles), PER_ROW)]
    width = max(r.shape[1] for r in rows)
    return np.vstack([_pad(r, width) for r in rows])


def encode_image(img: np.ndarray, extension: str) -> bytes:
    """``img`` (BGR) encoded as ``extension`` says (``.png``, ``.jpg``/``.jpeg``); another extension is
    ``InvalidParameterValue.ParameterValueError``."""
    ext = IMAGE_EXTENSIONS.get(extension.lower())
    if ext is None:
        raise FuseFaceError("InvalidParameterValue.ParameterValueError",
                            f"The output must end in .png, .jpg or .jpeg, got {extension or '(none)'!r}.")
    ok, buf = cv2.imencode(ext, img)
    if not ok:  # pragma: no cover - OpenCV encodes any 8-bit BGR image
        raise RuntimeError("could not encode the image")
    return buf.tobytes()
