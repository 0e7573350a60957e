"""Fuse one user face into one template face (pure ndarray functions; no I/O, no detection).

Pipeline (``fuse_face``):

1. Umeyama similarity alignment of the user's 468 landmarks onto the template's (silhouette excluded), in
   3D with the mesh depth when given, so a frontal user is turned to a turned template's pose.
2. Per-vertex weights toward the template: ``face_degree`` on the features (brows, eyes, nose, mouth),
   ``profile_degree`` on the silhouette, blended by "contour-ness" in between; the forehead/hairline stays
   the template's. The fused shape is ``w * template + (1 - w) * user``.
3. Mouths are never cross-faded: with similar mouths the user's lips surround the template's interior;
   an open/closed mismatch takes the whole mouth (shape, lips, teeth) from one side -- the user's for
   ``faceswap`` and FuseFaceDegree < 50, the template's (its expression) otherwise. No ghost teeth.
4. The silhouette may move inward freely but outward only a little (the fused jaw stays inside the
   template head) and never far enough to fold the background mesh.
5. One raster of one Delaunay mesh over the 468 points plus a fixed outer ring (the silhouette scaled up):
   it warps the template (face and surroundings, continuously) and the user texture.
6. The user texture is recoloured to the template's skin (robust global + low-frequency transfer), masked
   by user skin (the user's own hands/hair/beard are not pasted) and template non-occluders (template
   hair, glasses, hands of a different colour stay in front), mixed by the texture weight and composited
   with a feathered alpha. Pixels outside the outer ring are never written.

``reinvent`` adds side-face correction: with a strongly yawed user, the hidden half of the user's face
(shape and texture) is replaced by the mirror image of the visible half (a second landmark pass on the
horizontally flipped user image supplies it).
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from . import blend
from . import topology as topo
from .blend import smoothstep
from .types import Algorithm, Degrees, MirrorView, MouthSource, UserFace
from .warp import MeshRaster, Roi, delaunay, remap_roi

__all__ = ["umeyama", "fuse_face", "face_region", "RING_SCALE", "SIDE_FACE_FROM_YAW"]

RING_SCALE = 1.4  # outer ring (the "dilated face region") = silhouette scaled about the face centre
# Side-face correction (reinvent) starts for a user turned more than this many degrees and is complete at
# SIDE_FACE_FULL_YAW.
SIDE_FACE_FROM_YAW = 12.0
SIDE_FACE_FULL_YAW = 30.0


def umeyama(src: np.ndarray, dst: np.ndarray) -> tuple:
    """Least-squares similarity ``dst ~ src @ A.T + t`` (rotation, uniform scale, translation): ``(A, t)``."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    ms, md = src.mean(axis=0), dst.mean(axis=0)
    s0, d0 = src - ms, dst - md
    cov = d0.T @ s0 / len(src)
    u, d, vt = np.linalg.svd(cov)
    sign = np.ones(src.shape[1])
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1.0
    rot = u @ np.diag(sign) @ vt
    var = (s0 ** 2).sum() / len(src)
    scale = float((d * sign).sum() / max(var, 1e-12))
    a = scale * rot
    return a, md - ms @ a.T


def _align(src_lm: np.ndarray, dst_lm: np.ndarray, src_z=None, dst_z=None) -> np.ndarray:
    """``src_lm`` moved onto ``dst_lm`` by a similarity; in 3D (mesh depth) when both depths are given, so
    a frontal user is turned to a turned template's pose (and back) before the shapes are mixed."""
    idx = topo.ALIGN_POINTS
    if src_z is not None and dst_z is not None:
        s3 = np.column_stack([src_lm, np.asarray(src_z, np.float64)])
        d3 = np.column_stack([dst_lm, np.asarray(dst_z, np.float64)])
        a, t = umeyama(s3[idx], d3[idx])
        return (s3 @ a.T + t)[:, :2]
    a, t = umeyama(src_lm[idx], dst_lm[idx])
    return src_lm @ a.T + t


def _centre(lm: np.ndarray) -> np.ndarray:
    return lm[topo.FACE_OVAL].mean(axis=0)


def face_region(landmarks: np.ndarray, *, scale: float = RING_SCALE) -> np.ndarray:
    """The outer ring (the dilated face region) of a template face: ``(36, 2)`` polygon, image coords."""
    c = _centre(landmarks)
    return c + (landmarks[topo.FACE_OVAL] - c) * scale


def _signed_areas(tri: np.ndarray) -> np.ndarray:
    """Twice the signed area of each triangle in ``tri`` (K, 3, 2)."""
    u, v = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]


def _vertex_weights(lt: np.ndarray, fd: float, pd: float) -> tuple:
    """Per-vertex template weights (shape, texture) from the two degrees, on the template's geometry."""
    oval, feat = lt[topo.FACE_OVAL], lt[topo.FEATURES]
    d_oval = np.sqrt(((lt[:, None, :] - oval[None]) ** 2).sum(-1)).min(axis=1)
    d_feat = np.sqrt(((lt[:, None, :] - feat[None]) ** 2).sum(-1)).min(axis=1)
    c = d_feat / np.maximum(d_feat + d_oval, 1e-6)  # 0 on features, 1 on the silhouette
    c[topo.FACE_OVAL] = 1.0
    c[topo.FEATURES] = 0.0
    w = fd * (1.0 - c) + pd * c
    # Forehead and hairline belong to the template (hair is part of the material).
    er, el = lt[topo.RIGHT_EYE].mean(axis=0), lt[topo.LEFT_EYE].mean(axis=0)
    eyes = (er + el) / 2
    ipd = max(float(np.linalg.norm(el - er)), 1.0)
    up = eyes - lt[topo.LIPS_OUTER].mean(axis=0)
    up /= max(float(np.linalg.norm(up)), 1e-6)
    height = (lt - eyes) @ up / ipd
    forehead = smoothstep(0.45, 0.8, height)
    w_shape = w + (1.0 - w) * forehead
    w_tex = w + (1.0 - w) * forehead * c * 0.6
    return w_shape, w_tex, ipd, up, height


def _mouth_width(lm: np.ndarray) -> float:
    """Distance between the mouth corners (at least 1 px)."""
    a, b = lm[topo.MOUTH_CORNERS]
    return max(float(np.linalg.norm(a - b)), 1.0)


def _mouth_from_template(f: np.ndarray, lt: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Give the fused shape the template's mouth opening (the expression is the template's)."""
    f = f.copy()
    ui, li = topo.INNER_LIP_PAIRS[:, 0], topo.INNER_LIP_PAIRS[:, 1]
    opening = lt[li] - lt[ui]
    mid = (f[ui] + f[li]) / 2
    new_u, new_l = mid - opening / 2, mid + opening / 2
    du, dl = (new_u - f[ui]).mean(axis=0), (new_l - f[li]).mean(axis=0)
    mouth_c = f[topo.LIPS_OUTER].mean(axis=0)
    mouth_w = _mouth_width(f)
    rel = f - mouth_c
    fall = np.exp(-((np.sqrt((rel ** 2).sum(-1)) / (0.7 * mouth_w)) ** 2))
    below = (rel @ up) < 0
    shift = np.where(below[:, None], dl[None] * fall[:, None], du[None] * fall[:, None])
    shift[topo.UPPER_LIP_OUTER] = du
    shift[topo.LOWER_LIP_OUTER] = dl
    f += shift
    f[ui], f[li] = new_u, new_l
    return f


def _clamp_contour(
    f: np.ndarray, lt: np.ndarray, face_w: float, max_out: float, height: np.ndarray, *, reach: float = 1.0
) -> np.ndarray:
    """Smooth the silhouette's move and clamp it: outward only a little (the jaw stays inside the head),
    inward more at the jaw than at the ears/temples (no torn ear lobes), never enough to fold the mesh."""
    f = f.copy()
    idx = topo.FACE_OVAL
    d = f[idx] - lt[idx]
    for _ in range(3):  # circular [1, 2, 1] / 4 smoothing: no wavy cheek edge
        d = (np.roll(d, 1, axis=0) + 2.0 * d + np.roll(d, -1, axis=0)) / 4.0
    c = _centre(lt)
    normal = lt[idx] - c
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-6)
    out = (d * normal).sum(axis=1)
    tang = d - out[:, None] * normal
    max_in = (0.025 + 0.075 * (1.0 - smoothstep(-1.45, -0.9, height[idx]))) * face_w * reach
    out = np.clip(out, -max_in, max_out * face_w)
    tl = np.linalg.norm(tang, axis=1, keepdims=True)
    tang *= np.minimum(1.0, 0.03 * face_w / np.maximum(tl, 1e-6))
    f[idx] = lt[idx] + out[:, None] * normal + tang
    return f


def _keep_inside(f: np.ndarray, lt: np.ndarray, face_w: float) -> np.ndarray:
    """Inner vertices may not overtake the (clamped) silhouette outward.

    With a much wider user the cheek points next to the silhouette would land outside it and drag the
    template's cheek edge and ear outward in shards. A vertex at distance ``d`` inside the template's
    silhouette may move outward (from the face centre) at most as far as the silhouette near it does
    (Gaussian mean of their radial moves), plus ``0.6 d``; a vertex already outside it in the template
    (the mesh's silhouette cuts the far cheek of a turned face) only as far as the silhouette.
    """
    idx = topo.FACE_OVAL
    radial = lt - _centre(lt)
    radial /= np.maximum(np.linalg.norm(radial, axis=1, keepdims=True), 1e-6)
    r = ((f - lt) * radial).sum(axis=1)
    d = np.sqrt(((lt[:, None, :] - lt[idx][None]) ** 2).sum(-1))  # (468, 36)
    w = np.exp(-((d / (0.06 * face_w)) ** 2)) + 1e-12
    local = (w @ r[idx]) / w.sum(axis=1)  # how far the silhouette near each vertex moved outward
    excess = np.zeros(len(f))
    poly = lt[idx].astype(np.float32).reshape(-1, 1, 2)
    for i in np.flatnonzero(r > local):  # only these can exceed their limit
        inside = cv2.pointPolygonTest(poly, (float(lt[i, 0]), float(lt[i, 1])), True)
        excess[i] = max(r[i] - local[i] - 0.6 * max(inside, 0.0), 0.0)
    excess[idx] = 0.0
    return f - excess[:, None] * radial


def _hidden_side(lu: np.ndarray, yaw: float) -> np.ndarray:
    """Per-vertex weight (0..1) of the mirrored texture for a yawed user: 1 on the hidden half."""
    strength = float(np.clip((abs(yaw) - SIDE_FACE_FROM_YAW) / (SIDE_FACE_FULL_YAW - SIDE_FACE_FROM_YAW), 0.0, 1.0))
    if strength <= 0.0:
        return np.zeros(len(lu))
    mid = lu[topo.MIDLINE]
    mc = mid.mean(axis=0)
    _, _, vt = np.linalg.svd(mid - mc)
    axis = vt[0]
    normal = np.array([-axis[1], axis[0]])
    if (lu[topo.LEFT_CHEEK] - mc) @ normal < 0:
        normal = -normal  # positive towards the subject's left
    side = (lu - mc) @ normal
    half = max(float(np.abs(side[topo.FACE_OVAL]).max()), 1.0)
    nose = lu[topo.NOSE_TIP]
    left_hidden = np.linalg.norm(lu[topo.LEFT_CHEEK] - nose) < np.linalg.norm(lu[topo.RIGHT_CHEEK] - nose)
    hidden = 1.0 if left_hidden else -1.0
    return strength * smoothstep(-0.08, 0.25, hidden * side / half)


def _scale(lu: np.ndarray, lt: np.ndarray) -> float:
    """How much the user face must grow to match the template face (similarity scale)."""
    idx = topo.ALIGN_POINTS
    a, _ = umeyama(lu[idx], lt[idx])
    return float(np.sqrt(abs(np.linalg.det(a))))


def _prescale(user: UserFace, lt: np.ndarray) -> UserFace:
    """A user face much larger than the template face is first shrunk (area-averaged) around the face, so
    the bilinear warp does not alias (no speckle, no dotted edges)."""
    scale = _scale(np.asarray(user.landmarks, np.float64), lt)
    if scale >= 0.8:
        return user

    def shrink(img: np.ndarray, lm: np.ndarray) -> tuple:
        roi = Roi.around(np.asarray(lm, np.float64), img.shape, pad=0.35 * float(np.ptp(lm[:, 0])))
        crop = img[roi.slices]
        size = (max(int(round(crop.shape[1] * scale)), 8), max(int(round(crop.shape[0] * scale)), 8))
        small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        fx, fy = size[0] / crop.shape[1], size[1] / crop.shape[0]
        return small, (np.asarray(lm, np.float64) - (roi.x0, roi.y0)) * (fx, fy)

    img, lm = shrink(user.image, user.landmarks)
    depth = None if user.depth is None else np.asarray(user.depth, np.float64) * scale
    mirror = None if user.mirror is None else MirrorView(*shrink(user.mirror.image, user.mirror.landmarks))
    return UserFace(img, lm, user.yaw, depth=depth, mirror=mirror)


def _close_user_mouth(img: np.ndarray, lu: np.ndarray) -> np.ndarray:
    """A copy of the user's mouth area with the open mouth's interior painted lip-coloured."""
    inner = lu[topo.LIPS_INNER]
    roi = Roi.around(lu[topo.LIPS_OUTER], img.shape, pad=4)
    crop = img[roi.slices].copy()
    m_in = blend.polygon_mask(crop.shape, [inner], (roi.x0, roi.y0))
    m_out = blend.polygon_mask(crop.shape, [lu[topo.LIPS_OUTER]], (roi.x0, roi.y0))
    lips = (m_out > 127) & (m_in < 128)
    if lips.sum() < 10:
        return img
    colour = np.median(crop[lips], axis=0)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    fill = cv2.dilate(m_in, k) > 64
    crop[fill] = colour.astype(np.uint8)
    out = img.copy()
    out[roi.slices] = cv2.GaussianBlur(crop, (3, 3), 0)
    return out


def _mouth_open(lm: np.ndarray) -> float:
    gap = np.linalg.norm(lm[topo.INNER_LIP_PAIRS[:, 1]] - lm[topo.INNER_LIP_PAIRS[:, 0]], axis=1).mean()
    return float(gap / _mouth_width(lm))


def fuse_face(
    out: np.ndarray,
    lt: np.ndarray,
    user: UserFace,
    *,
    degrees: Degrees,
    algorithm: Algorithm,
    ring_scale: float = RING_SCALE,
    template_depth: Optional[np.ndarray] = None,
) -> Roi:
    """Fuse ``user`` into the template face with landmarks ``lt`` (468, 2) of ``out`` (modified in place).

    Returns the ROI that was rewritten; only pixels inside the outer ring (``face_region``) change.
    """
    lt = np.asarray(lt, np.float64)
    lu = np.asarray(user.landmarks, np.float64)
    fd, pd = degrees.face / 100.0, degrees.profile / 100.0
    w_shape, w_tex, ipd, up, height = _vertex_weights(lt, fd, pd)
    face_w = max(float(np.linalg.norm(lt[topo.LEFT_CHEEK] - lt[topo.RIGHT_CHEEK])), 2.0 * ipd)

    user = _prescale(user, lt)
    lu = np.asarray(user.landmarks, np.float64)
    au = _align(lu, lt, user.depth, template_depth)
    hidden = np.zeros(len(lu))
    if user.mirror is not None:
        hidden = _hidden_side(lu, user.yaw)
        if hidden.any():
            am = _align(np.asarray(user.mirror.landmarks, np.float64), lt)
            au = au * (1.0 - hidden[:, None]) + am * hidden[:, None]
    # Open vs closed mouths are never cross-faded (ghost teeth): the whole mouth (shape, lips, interior)
    # comes from one side -- the user's for faceswap and below FuseFaceDegree 50 (identity), else the
    # template's (its expression). Similar mouths: the user's lips around the template's interior.
    open_u, open_t = _mouth_open(lu), _mouth_open(lt)
    differ = abs(open_u - open_t) > 0.05
    user_mouth = algorithm is Algorithm.FACESWAP or (differ and fd < 0.5)
    mismatch = differ and not user_mouth
    if differ:
        mc = lt[topo.LIPS_OUTER].mean(axis=0)
        near = 1.0 - smoothstep(0.55, 1.05, np.linalg.norm(lt - mc, axis=1) / _mouth_width(lt))
        if mismatch:
            # Open vs closed mouth: the lips take the template's expression (shape); texture stays per
            # degree. A smooth region around the mouth follows too, or the user's cheek points would fold
            # over the lips.
            w_shape = np.maximum(w_shape, 0.85 * near)
        else:
            # ... and the other way round: the user's whole mouth, shape and texture, opaque -- a cross-fade
            # would stretch the closed lips over the template's open mouth and let its teeth show through.
            w_shape = w_shape * (1.0 - near)
            w_tex = w_tex * (1.0 - near)
    f = w_shape[:, None] * lt + (1.0 - w_shape[:, None]) * au
    if not user_mouth:
        f = _mouth_from_template(f, lt, up)
    faceswap = algorithm is Algorithm.FACESWAP
    max_out = min(0.045 if faceswap else 0.025, (ring_scale - 1.0) * 0.2)
    f = _clamp_contour(f, lt, face_w, max_out, height, reach=1.4 if faceswap else 1.0)
    f = _keep_inside(f, lt, face_w)

    # Mesh: the 468 points inside, a fixed ring (silhouette scaled by ring_scale) around them.
    c = _centre(lt)
    ring = c + (lt[topo.FACE_OVAL] - c) * ring_scale
    dst = np.vstack([f, ring])
    src_t = np.vstack([lt, ring])
    # One triangulation of everything, so the warp is continuous (two meshes disagree along concave parts
    # of the silhouette and tear there). The ring is far outside, so it links (almost) only to the silhouette.
    tris = delaunay(dst)
    # With the user's mouth the template's (covered) mouth may fold freely; elsewhere folds are relaxed.
    lip_vertex = np.zeros(len(f), dtype=bool)
    if user_mouth:
        mc = f[topo.LIPS_OUTER].mean(axis=0)
        lip_vertex = np.linalg.norm(f - mc, axis=1) < 0.9 * _mouth_width(f)
    for _ in range(4):  # a triangle folded in the template (source) shows as a dotted tear: relax it
        a_src, a_dst = _signed_areas(src_t[tris]), _signed_areas(dst[tris])
        bad = (a_src * a_dst) <= 0.05 * a_dst * a_dst
        if not bad.any():
            break
        v = np.unique(tris[bad])
        v = v[(v < len(f)) & ~lip_vertex[np.minimum(v, len(f) - 1)]]
        if len(v) == 0:
            break
        f[v] = lt[v] + (f[v] - lt[v]) * 0.5
        dst[: len(f)] = f
        tris = delaunay(dst)
    roi = Roi.around(ring, out.shape, pad=1)
    raster = MeshRaster(dst, tris, roi)
    warped_t = remap_roi(out, raster.maps(src_t))

    # Heavy per-pixel work only on the box around the fused face; masks on a coarser grid.
    box = Roi.around(f[topo.FACE_OVAL], out.shape, pad=0.04 * face_w)
    box = Roi(max(box.x0, roi.x0), max(box.y0, roi.y0), min(box.x1, roi.x1), min(box.y1, roi.y1))
    by, bx = slice(box.y0 - roi.y0, box.y1 - roi.y0), slice(box.x0 - roi.x0, box.x1 - roi.x0)
    sub = raster.crop(box)

    img_u = user.image
    if not user_mouth and open_u > 0.06 and open_t < 0.06:
        img_u = _close_user_mouth(img_u, lu)
    src_all = np.vstack([lu, ring])  # ring entries are never sampled for the user (alpha is 0 there)
    src_u = remap_roi(img_u, sub.maps(src_all)).astype(np.float32)
    zoom = _scale(lu, lt)
    if zoom > 1.3:  # a small user face blown up: restore some crispness (unsharp mask)
        soft_u = cv2.GaussianBlur(src_u, (0, 0), 0.6 * zoom)
        src_u = np.clip(src_u + 0.6 * (src_u - soft_u), 0.0, 255.0)
    hidden_all = np.concatenate([hidden, np.zeros(len(ring))])
    if hidden.any():
        mirror_src = np.vstack([np.asarray(user.mirror.landmarks, np.float64), ring])
        mirror = remap_roi(user.mirror.image, sub.maps(mirror_src))
        hpix = sub.interp(hidden_all)[:, :, None]
        src_u = src_u * (1.0 - hpix) + mirror.astype(np.float32) * hpix
    tmpl_bgr = warped_t[by, bx].astype(np.float32)
    height_all = np.concatenate([height, np.full(len(ring), 2.0)])
    tex_all = np.concatenate([w_tex, np.ones(len(ring))])
    alpha, gain, skin, skin_median = blend.face_alpha_and_gain(
        f, box, src_u, tmpl_bgr, face_w=face_w, ipd=ipd, algorithm=algorithm,
        mouth=MouthSource.USER if user_mouth else (MouthSource.TEMPLATE if mismatch else MouthSource.USER_LIPS),
        hpix=sub.interp(height_all, outside=2.0), tex=np.clip(sub.interp(tex_all, outside=1.0), 0.0, 1.0),
    )
    a3 = alpha[:, :, None]
    mixed = tmpl_bgr + a3 * (blend.apply_gain(src_u, gain, skin, skin_median, dot=max(int(0.012 * face_w), 1)) - tmpl_bgr)
    warped_t[by, bx] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)

    np.copyto(out[roi.slices], warped_t, where=raster.covered[:, :, None])
    return roi
