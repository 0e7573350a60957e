"""Colour transfer, skin and occluder masks and feathered compositing, on small float32 ROI arrays.

All images here are ``(H, W, 3) float32`` CIE Lab (L in 0..100) unless named ``*_bgr``; masks are
``(H, W) float32`` in [0, 1]. Statistics are robust: medians and MADs over skin pixels only, after
rejecting very dark or bright pixels (hair, beard, shadows, specular highlights, sunglasses) and pixels
with too little or too much chroma for skin (grey hair, glasses, lipstick).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import topology
from .types import Algorithm, MouthSource

__all__ = [
    "SkinStats", "to_lab", "to_bgr", "skin_stats", "skin_likelihood", "colour_gain", "apply_gain", "feather",
    "polygon_mask", "blur_normalized", "sunglasses", "smoothstep", "face_alpha_and_gain",
]


@dataclass(frozen=True)
class SkinStats:
    """Robust skin colour: per-channel Lab ``median`` (3,) and ``scale`` (3,) (1.4826 * MAD, floored)."""

    median: np.ndarray
    scale: np.ndarray
    count: int


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at ``e0`` to 1 at ``e1``."""
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def to_lab(img_bgr: np.ndarray) -> np.ndarray:
    """``(H, W, 3) uint8`` BGR -> float32 Lab."""
    return cv2.cvtColor(img_bgr.astype(np.float32) * (1.0 / 255.0), cv2.COLOR_BGR2Lab)


def to_bgr(lab: np.ndarray) -> np.ndarray:
    """float32 Lab -> float32 BGR in 0..255 (not clipped)."""
    return cv2.cvtColor(lab, cv2.COLOR_Lab2BGR) * 255.0


def polygon_mask(shape: tuple, polys: list, offset: tuple = (0, 0), *, dilate: int = 0) -> np.ndarray:
    """Filled polygons (each (N, 2) image coords) as a ``(H, W) uint8`` 0/255 mask; ``offset`` = ROI origin.

    ``dilate`` grows each polygon by that many px (a thick outline: much cheaper than ``cv2.dilate``).
    """
    mask = np.zeros(shape[:2], dtype=np.uint8)
    pts = [np.round((np.asarray(p, np.float64) - offset) * 16).astype(np.int32) for p in polys]
    cv2.fillPoly(mask, pts, 255, lineType=cv2.LINE_AA, shift=4)
    if dilate > 0:
        cv2.polylines(mask, pts, True, 255, thickness=2 * int(dilate) + 1, lineType=cv2.LINE_AA, shift=4)
    return mask


def skin_stats(lab: np.ndarray, weight: np.ndarray) -> SkinStats:
    """Robust Lab skin statistics over pixels with ``weight`` > 0.5, rejecting outliers in two passes."""
    sel = lab[weight > 0.5]
    if len(sel) < 50:
        sel = lab.reshape(-1, 3)
    L = sel[:, 0]
    chroma = np.hypot(sel[:, 1], sel[:, 2])
    lo, hi = np.percentile(L, [8.0, 94.0])
    med_l = float(np.median(L))
    med_c = float(np.median(chroma))
    keep = (L >= max(lo, 0.45 * med_l)) & (L <= min(hi, 1.45 * med_l + 5.0))
    keep &= (chroma >= 0.45 * med_c) & (chroma <= 2.2 * med_c + 3.0)
    if keep.sum() >= 30:
        sel = sel[keep]
    med = np.median(sel, axis=0)
    mad = np.median(np.abs(sel - med), axis=0) * 1.4826
    keep = (np.abs(sel - med) <= 2.5 * np.maximum(mad, 1.0)).all(axis=1)
    if keep.sum() >= 30:
        sel = sel[keep]
        med = np.median(sel, axis=0)
        mad = np.median(np.abs(sel - med), axis=0) * 1.4826
    scale = np.maximum(mad, np.array([4.0, 1.5, 1.5]))
    return SkinStats(med.astype(np.float32), scale.astype(np.float32), int(len(sel)))


def skin_likelihood(lab: np.ndarray, stats: SkinStats, *, tol: float = 3.0, dark: float = 0.55) -> np.ndarray:
    """Soft skin likelihood ``(H, W) float32``: 1 near the skin colour, 0 far from it.

    Chroma (a, b) decides; lightness only rejects what is far darker or brighter than skin (hair, beard,
    sunglasses, white highlights), so shading across the face still counts as skin.
    """
    med, sc = stats.median, stats.scale
    da = (lab[:, :, 1] - med[1]) / max(sc[1], 2.0)
    db = (lab[:, :, 2] - med[2]) / max(sc[2], 2.0)
    d2 = da * da + db * db
    L = lab[:, :, 0]
    too_dark = np.clip((dark * med[0] - L) / (0.15 * med[0] + 1.0), 0.0, None)
    bright = np.clip((L - (med[0] + 28.0)) / 10.0, 0.0, None)
    d2 = d2 / (tol * tol) + too_dark * too_dark + bright * bright
    return np.exp(-d2).astype(np.float32)


def blur_normalized(
    values: np.ndarray, weight: np.ndarray, sigma: float, *, prior: np.ndarray, factor: int = 4
) -> np.ndarray:
    """Weighted low-pass (Gaussian ``sigma`` px) of ``values`` (H, W, C); pixels weigh ``weight`` (H, W).

    Where few weighted pixels are near, the result falls back smoothly to ``prior`` (C,), so the field has
    no spikes at the edge of the data. Computed on a ``factor``-times smaller grid.
    """
    h, w = weight.shape
    sh, sw = max(h // factor, 2), max(w // factor, 2)
    wv = values * (weight[:, :, None] if values.ndim == 3 else weight)
    small_v = cv2.resize(wv, (sw, sh), interpolation=cv2.INTER_AREA)
    small_w = cv2.resize(weight, (sw, sh), interpolation=cv2.INTER_AREA)
    s = max(sigma / factor, 0.5)
    small_v = cv2.GaussianBlur(small_v, (0, 0), s)
    small_w = cv2.GaussianBlur(small_w, (0, 0), s)
    eps = 0.08
    out = (small_v + eps * np.asarray(prior, np.float32)) / (small_w + eps)[:, :, None]
    return cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)


def colour_gain(
    user_bgr: np.ndarray,
    user_w: np.ndarray,
    tmpl_bgr: np.ndarray,
    tmpl_w: np.ndarray,
    *,
    sigma: float,
    shading: float = 1.0,
) -> np.ndarray:
    """Per-pixel, per-channel gain ``(H, W, 3) float32`` that recolours the user's face (float BGR) to the
    template's skin (``user_bgr * gain`` matches; see ``apply_gain``), and the user's skin median (3,) BGR.

    Skin colours differ mostly by albedo and light, both multiplicative, so the transfer is a gain: global
    (ratio of robust skin medians; ``user_w``/``tmpl_w`` weigh skin pixels, extreme pixels rejected) times
    a low-frequency field (ratio of skin-weighted low-pass images, clipped) that lays the template's
    lighting (direction, dim light, tint) over the user's features. ``shading`` scales the local part.
    """
    def medians(img: np.ndarray, w: np.ndarray) -> np.ndarray:
        sel = img[w > 0.5]
        if len(sel) < 50:
            sel = img.reshape(-1, 3)
        lum = sel.mean(axis=1)
        lo, hi = np.percentile(lum, [10.0, 92.0])
        keep = (lum >= lo) & (lum <= hi)
        return np.median(sel[keep] if keep.sum() >= 30 else sel, axis=0) + 1.0

    mu, mt = medians(user_bgr, user_w), medians(tmpl_bgr, tmpl_w)
    gain = np.clip(mt / mu, 0.35, 2.8).astype(np.float32)
    low_t = blur_normalized(tmpl_bgr + 1.0, tmpl_w, sigma, prior=mt)
    low_u = blur_normalized(user_bgr * gain + 1.0, user_w, sigma, prior=mt)
    ratio = np.clip(low_t / np.maximum(low_u, 1.0), 0.78, 1.28).astype(np.float32)
    if shading != 1.0:
        ratio = 1.0 + (ratio - 1.0) * shading
    return ratio * gain, mu.astype(np.float32)


def apply_gain(
    user_bgr: np.ndarray, gain: np.ndarray, skin: np.ndarray, skin_median: np.ndarray, *, dot: int = 2
) -> np.ndarray:
    """``user_bgr * gain`` without the side effects of a plain per-channel gain.

    Pixels that are not skin (``skin`` (H, W) in 0..1: brows, eyes, stubble) get only the gain's lightness,
    not its tint (no blue brows); regions far darker than the skin and larger than ``dot`` px keep their
    darkness; above the skin median (``skin_median`` (3,) BGR) the tone curve bends so that 255 stays 255:
    highlights and white hair are never blown into white patches.
    """
    third = np.full((1, 3), 1.0 / 3.0, np.float32)  # cv2.transform with it: the channel mean, fast
    g_lum = cv2.transform(gain, third)
    g = gain * skin[:, :, None] + (g_lum * (1.0 - skin))[:, :, None]
    lum = cv2.transform(user_bgr, third)
    if dot > 0:  # dots smaller than ``dot`` px (stubble, pores) count as skin: closed away before the test
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dot + 1, 2 * dot + 1))
        lum = cv2.morphologyEx(lum, cv2.MORPH_CLOSE, k)
    # rel = lum / mean skin; t = smoothstep of (rel - 0.15) / 0.35
    inv = np.float32(1.0 / (0.35 * max(float(np.mean(skin_median)), 1.0)))
    t = np.clip(lum * inv - np.float32(0.15 / 0.35), 0.0, 1.0)
    g = 1.0 + (g - 1.0) * (t * t * (3.0 - 2.0 * t))[:, :, None]
    mu = np.minimum(np.asarray(skin_median, np.float32), 250.0)
    top = mu * g  # where the skin median lands
    slope = np.minimum(g, np.maximum(255.0 - top, 0.0) * (1.0 / (255.0 - mu)))  # = g unless that would clip
    above = top + (user_bgr - mu) * slope
    return np.where(user_bgr <= mu, user_bgr * g, above)


def feather(mask: np.ndarray, *, erode: float, sigma: float) -> np.ndarray:
    """A hard ``uint8`` mask eroded by ``erode`` px (dilated if negative), softened by a Gaussian -> float32."""
    m = mask
    r = int(round(abs(erode)))
    if r > 0:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        m = cv2.erode(m, k) if erode > 0 else cv2.dilate(m, k)
    f = m.astype(np.float32) * (1.0 / 255.0)
    if sigma > 0.3:
        h, w = f.shape
        factor = 2 if sigma > 6 else 1
        if factor > 1:
            small = cv2.resize(f, (max(w // factor, 1), max(h // factor, 1)), interpolation=cv2.INTER_AREA)
            small = cv2.GaussianBlur(small, (0, 0), sigma / factor)
            f = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        else:
            f = cv2.GaussianBlur(f, (0, 0), sigma)
    return f


def sunglasses(lab: np.ndarray, eye_mask: np.ndarray, surround: np.ndarray, stats: SkinStats) -> bool:
    """True when the skin around an eye (``surround``, a uint8 mask) is mostly very dark: glasses cover it."""
    ring = (surround > 127) & (eye_mask < 128)
    if ring.sum() < 20:
        return False
    L = lab[:, :, 0][ring]
    return float(np.mean(L < 0.5 * stats.median[0])) > 0.45


def face_alpha_and_gain(f, box, src_u, tmpl_bgr, *, face_w, ipd, mouth: MouthSource, algorithm: Algorithm, hpix,
                        tex) -> tuple:
    """The user's per-pixel alpha, colour gain field and skinness over ``box`` (computed on a coarse grid),
    and the user's skin median (BGR).

    alpha = feathered face mask x user skin (no user hands/hair/beard) x template non-occluder (template
    hair/glasses/hands stay in front) x (1 - texture weight) x (1 - mouth) x hairline fade.

    ``f``: (468, 2) fused landmarks (image coords); ``box``: the ``warp.Roi`` worked on; ``src_u`` and
    ``tmpl_bgr``: box-sized float32 BGR (user texture and template, both already warped to ``f``);
    ``hpix``: per-pixel height above the eyes in inter-ocular units; ``tex``: per-pixel template texture
    weight; ``mouth``: where the mouth comes from.
    """
    h, w = box.shape
    step = 2 if face_w > 160 else 1
    sh, sw = max(h // step, 2), max(w // step, 2)
    sx, sy = sw / w, sh / h
    small = (sh, sw)

    def down(img):
        return cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA) if step > 1 else img

    def up(img):
        return cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR) if step > 1 else img

    def poly(points):
        return (np.asarray(points, np.float64) - (box.x0, box.y0)) * (sx, sy)

    fw, pdist = face_w * sx, ipd * sx
    tmpl_s, user_s = down(tmpl_bgr), down(src_u)
    lab_t = to_lab(np.clip(tmpl_s, 0, 255).astype(np.uint8))
    lab_u = to_lab(np.clip(user_s, 0, 255).astype(np.uint8))
    hp = down(hpix)

    oval = polygon_mask(small, [poly(f[topology.FACE_OVAL])])
    r = max(int(0.16 * pdist), 1)
    feat_polys = [poly(f[i]) for i in (topology.LEFT_EYE, topology.RIGHT_EYE, topology.LEFT_BROW, topology.RIGHT_BROW,
                                          topology.LIPS_OUTER)]
    feat_polys.append(poly(cv2.convexHull(f[topology.NOSE].astype(np.float32))[:, 0, :]))
    feat = polygon_mask(small, feat_polys, dilate=r)
    # The user's own features are always pasted: a tighter outline, so a fringe touching the brows is not.
    feat_user = np.maximum(polygon_mask(small, feat_polys, dilate=max(int(0.05 * pdist), 1)),
                           polygon_mask(small, [poly(f[topology.LIPS_OUTER])], dilate=max(int(0.22 * pdist), 1)))
    feat_user = feat_user.astype(np.float32) / 255.0
    eye_polys = [poly(f[topology.LEFT_EYE]), poly(f[topology.RIGHT_EYE])]
    eyes = polygon_mask(small, eye_polys)
    surround = polygon_mask(small, eye_polys, dilate=int(1.5 * r))
    inner = feather(oval, erode=0.06 * fw, sigma=0)
    featf = feat.astype(np.float32) * (1.0 / 255.0)
    stat_w = inner * (1.0 - featf)

    stats_t = skin_stats(lab_t, stat_w)
    stats_u = skin_stats(lab_u, stat_w)
    skin_t = skin_likelihood(lab_t, stats_t)
    skin_u = skin_likelihood(lab_u, stats_u)
    big = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * max(int(0.03 * fw), 1) + 1,) * 2)
    # Non-skin regions count only when large (hair, hands, glasses), not wrinkles, shadows or pores.
    fore = smoothstep(0.38, 0.55, hp)  # above the brows: fringes and bangs are darker than skin
    strict = skin_likelihood(lab_u, stats_u, tol=2.0, dark=0.85)
    user_bad = 1.0 - np.clip(skin_u * 2.5, 0.0, 1.0)
    user_bad = np.maximum(user_bad, fore * (1.0 - strict))
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * max(int(0.025 * fw), 1) + 1,) * 2)
    # Opened (only large regions count), then grown so the soft edge of a rejected region is covered too.
    user_bad = cv2.dilate(cv2.morphologyEx(user_bad, cv2.MORPH_OPEN, big), grow)
    user_ok = 1.0 - user_bad * (1.0 - feat_user)
    glasses = sunglasses(lab_t, eyes, surround, stats_t)
    keep_feat = featf
    if glasses:  # the glasses (frames, lenses, bridge) may be tested as occluders too
        both = np.vstack([f[topology.LEFT_EYE], f[topology.RIGHT_EYE]]).astype(np.float32)
        band = polygon_mask(small, [poly(cv2.convexHull(both)[:, 0, :])], dilate=int(1.5 * r))
        keep_feat = featf * (1.0 - band.astype(np.float32) / 255.0)
    tmpl_bad = cv2.dilate(cv2.morphologyEx(1.0 - np.clip(skin_t * 2.5, 0.0, 1.0), cv2.MORPH_OPEN, big), grow)
    tmpl_ok = 1.0 - tmpl_bad * (1.0 - keep_feat)
    soft = 0.02 * fw
    user_ok = cv2.GaussianBlur(user_ok, (0, 0), soft)
    tmpl_ok = cv2.GaussianBlur(tmpl_ok, (0, 0), soft)

    shading = 1.0 if algorithm is not Algorithm.REDEFINE else 0.85
    gain, skin_median = colour_gain(user_s, stat_w * skin_u, tmpl_s, stat_w * skin_t, sigma=0.22 * fw, shading=shading)

    face_a = feather(oval, erode=0.075 * fw, sigma=0.04 * fw)
    if mouth is MouthSource.USER:  # the user's lips and mouth interior, consistently
        template_mouth = np.zeros(small, np.float32)
    elif mouth is MouthSource.TEMPLATE:  # open vs closed: the whole mouth is the template's (no ghost teeth)
        template_mouth = feather(polygon_mask(small, [poly(f[topology.LIPS_OUTER])], dilate=int(0.2 * pdist)),
                                 erode=0, sigma=0.07 * pdist)
    else:  # the user's lips around the template's mouth interior
        template_mouth = feather(polygon_mask(small, [poly(f[topology.LIPS_INNER])]), erode=0, sigma=0.6)
    hairline = 1.0 - smoothstep(0.42, 0.9, hp)  # the top of the forehead is always the template's
    alpha = face_a * user_ok * tmpl_ok * (1.0 - down(tex)) * (1.0 - template_mouth) * hairline
    return np.clip(up(alpha), 0.0, 1.0), up(gain), up(cv2.GaussianBlur(np.clip(skin_u * 4.0, 0.0, 1.0), (0, 0), 2.0 * soft)), skin_median
