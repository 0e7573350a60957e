"""Colour: robust skin statistics and the recolouring of the user's face to the template's skin and light.

Images here are ``(H, W, 3) float32`` CIE Lab (L in 0..100) unless named ``*_bgr`` (float32 BGR in
0..255); weights are ``(H, W) float32`` in [0, 1]. Statistics are robust: medians and MADs over skin pixels
only, after rejecting very dark or bright pixels (hair, beard, shadows, specular highlights, sunglasses)
and pixels with too little or too much chroma for skin (grey hair, glasses, lipstick).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Optional

import cv2
import numpy as np

from .masks import planes3, rows3

__all__ = [
    "ChromaMatch", "ColourGain", "SkinStats", "apply_gain", "blur_normalized", "channel_rows", "chroma_match",
    "colour_gain", "median", "median_mad", "percentile", "skin_likelihood", "skin_stats", "to_lab",
]


STATS_SAMPLE = 6000


@dataclass(frozen=True)
class SkinStats:
    """Robust skin colour: per-channel Lab ``median`` (3,) and ``scale`` (3,) (1.4826 * MAD, floored)."""

    median: np.ndarray
    scale: np.ndarray
    count: int


class ColourGain(NamedTuple):
    """``gain`` (H, W, 3) float32: per-pixel, per-channel factor that recolours the user's BGR texture to the
    template's skin and light; ``user_median`` (3,) float32: the user's robust skin colour (BGR, + 1)."""

    gain: np.ndarray
    user_median: np.ndarray


def median(a: np.ndarray, axis: Optional[int] = None):
    """``np.median(a, axis)`` of finite data, bit for bit (the same partition, the same ``np.mean`` of the middle
    one or two values) without its generic wrapping and NaN check, which cost more than the partition itself on
    the few thousand values the colour statistics look at. Data with NaNs must use ``np.median``."""
    a = np.asarray(a)
    if axis is None:
        a, axis = a.ravel(), 0
    n = a.shape[axis]
    if n == 0:
        return np.median(a, axis=axis)
    k = n // 2
    kth = [k] if n % 2 else [k - 1, k]
    part = np.partition(a, kth, axis=axis)
    middle = [slice(None)] * part.ndim
    middle[axis] = slice(kth[0], k + 1)
    mid = part[tuple(middle)]
    if mid.dtype not in (np.float32, np.float64):
        return np.mean(mid, axis=axis)
    # ``np.mean``'s own two steps for float data (the sum in the data's dtype, then the division by the count)
    total = np.add.reduce(mid, axis=axis)
    count = np.intp(mid.shape[axis])
    if isinstance(total, np.ndarray):
        return np.true_divide(total, count, out=total, casting="unsafe")
    return total.dtype.type(total / count)


def percentile(a: np.ndarray, q: list) -> np.ndarray:
    """``np.percentile(a, q)`` (the default linear method) of 1-D finite data, bit for bit: the same order
    statistics, the same float64 weights and the same two-sided interpolation, without the generic wrapping that
    costs several times the partition on the few thousand values the colour statistics look at."""
    a = np.asarray(a).ravel()
    n = len(a)
    if n == 0:
        return np.percentile(a, q)
    virtual = (n - 1) * np.true_divide(q, 100)  # float64, as numpy computes it
    below = np.floor(virtual)
    above = below + 1
    past_end = virtual >= n - 1  # the last value itself
    below[past_end] = -1
    above[past_end] = -1
    below, above = below.astype(np.intp), above.astype(np.intp)
    part = np.partition(a, np.unique(np.concatenate((below, above))))
    lo, hi = part[below], part[above]
    t = virtual - below
    step = hi - lo
    out = np.add(lo, step * t)
    np.subtract(hi, step * (1 - t), out=out, where=t >= 0.5, casting="unsafe", dtype=type(out.dtype))
    return out


def to_lab(img_bgr: np.ndarray) -> np.ndarray:
    """``(H, W, 3) uint8`` BGR -> float32 Lab."""
    return cv2.cvtColor(np.multiply(img_bgr, np.float32(1.0 / 255.0), dtype=np.float32), cv2.COLOR_BGR2Lab)


def skin_stats(lab: np.ndarray, weight: np.ndarray) -> SkinStats:
    """Robust Lab skin statistics over pixels with ``weight`` > 0.5, rejecting outliers in two passes (at most
    ``STATS_SAMPLE`` pixels, an even stride of them: medians need no more)."""
    sel = channel_rows(lab, weight > 0.5)  # L, a and b as rows (3, N)
    if sel.shape[1] > STATS_SAMPLE:
        sel = sel[:, :: sel.shape[1] // STATS_SAMPLE]
    L = sel[0]
    chroma = np.hypot(sel[1], sel[2])
    lo, hi = percentile(L, [8.0, 94.0])
    med_l = float(median(L))
    med_c = float(median(chroma))
    keep = (L >= max(lo, 0.45 * med_l)) & (L <= min(hi, 1.45 * med_l + 5.0))
    keep &= (chroma >= 0.45 * med_c) & (chroma <= 2.2 * med_c + 3.0)
    if np.count_nonzero(keep) >= 30:
        sel = sel[:, keep]
    med, mad, dev = median_mad(sel)
    limit = 2.5 * np.maximum(mad, 1.0)
    keep = (dev[0] <= limit[0]) & (dev[1] <= limit[1]) & (dev[2] <= limit[2])
    if np.count_nonzero(keep) >= 30:
        sel = sel[:, keep]
        med, mad, _ = median_mad(sel)
    scale = np.maximum(mad, np.array([4.0, 1.5, 1.5]))
    return SkinStats(med.astype(np.float32), scale.astype(np.float32), int(sel.shape[1]))


def channel_rows(img: np.ndarray, mask: np.ndarray, *, at_least: int = 50) -> np.ndarray:
    """The pixels of ``img`` (H, W, C) where ``mask`` (H, W) bool is set, as C contiguous rows (C, N) in raster
    order (all pixels when fewer than ``at_least`` are set). Picked channel by channel: numpy's loops then run
    along the pixels (an (N, C) selection runs them in C-element steps, several times slower)."""
    if np.count_nonzero(mask) < at_least:
        mask = np.ones(mask.shape, bool)
    return np.stack([img[:, :, c][mask] for c in range(img.shape[2])])


def median_mad(rows: np.ndarray) -> tuple:
    """Per row of ``rows`` (C, N): the median and 1.4826 * the median absolute deviation from it, (C,) each, and
    the absolute deviations (C, N)."""
    med = median(rows, axis=1)
    dev = np.abs(rows - med[:, None])
    return med, median(dev, axis=1) * 1.4826, dev


def skin_likelihood(lab: np.ndarray, stats: SkinStats, *, tol: float = 3.0, dark: float = 0.55) -> np.ndarray:
    """Soft skin likelihood ``(H, W) float32``: 1 near the skin colour, 0 far from it.

    Chroma (a, b) decides; lightness only rejects what is far darker or brighter than skin (hair, beard,
    sunglasses, white highlights), so shading across the face still counts as skin.
    """
    med, sc = stats.median, stats.scale
    L, a, b = cv2.split(lab)  # contiguous planes: faster elementwise work than strided channel views
    # d2 = da * da + db * db, then d2 / tol^2 + too_dark^2 + bright^2, in place (the same operations in order)
    a -= med[1]
    a /= max(sc[1], 2.0)
    b -= med[2]
    b /= max(sc[2], 2.0)
    a *= a
    b *= b
    d2 = a
    d2 += b
    d2 /= tol * tol
    too_dark = np.subtract(dark * med[0], L)
    too_dark /= 0.15 * med[0] + 1.0
    np.maximum(too_dark, 0.0, out=too_dark)  # = np.clip(..., 0.0, None)
    too_dark *= too_dark
    d2 += too_dark
    bright = L - (med[0] + 28.0)
    bright /= 10.0
    np.maximum(bright, 0.0, out=bright)
    bright *= bright
    d2 += bright
    np.negative(d2, out=d2)
    return np.exp(d2, out=d2).astype(np.float32, copy=False)


def blur_normalized(
    values: np.ndarray, weight: np.ndarray, sigma: float, *, prior: np.ndarray, factor: int = 4
) -> np.ndarray:
    """Weighted low-pass (Gaussian ``sigma`` px) of ``values`` (H, W, C); pixels weigh ``weight`` (H, W).

    Where few weighted pixels are near, the result falls back smoothly to ``prior`` (C,), so the field has
    no spikes at the edge of the data. Computed on a ``factor``-times smaller grid.
    """
    h, w = weight.shape
    sh, sw = max(h // factor, 2), max(w // factor, 2)
    wv = values * (planes3(weight) if values.ndim == 3 else weight)
    small_v = cv2.resize(wv, (sw, sh), interpolation=cv2.INTER_AREA)
    small_w = cv2.resize(weight, (sw, sh), interpolation=cv2.INTER_AREA)
    s = max(sigma / factor, 0.5)
    small_v = cv2.GaussianBlur(small_v, (0, 0), s)
    small_w = cv2.GaussianBlur(small_w, (0, 0), s)
    eps = 0.08
    out = (small_v + rows3(eps * np.asarray(prior, np.float32), sw)) / planes3(small_w + eps)
    return cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)


def colour_gain(
    user_bgr: np.ndarray,
    user_w: np.ndarray,
    tmpl_bgr: np.ndarray,
    tmpl_w: np.ndarray,
    *,
    sigma: float,
    shading: float = 1.0,
) -> ColourGain:
    """The gain that recolours the user's face (float BGR) to the template's skin (``user_bgr * gain``
    matches; see ``apply_gain``), and the user's skin median.

    Skin colours differ mostly by albedo and light, both multiplicative, so the transfer is a gain: global
    (ratio of robust skin medians; ``user_w``/``tmpl_w`` weigh skin pixels, extreme pixels rejected) times
    a low-frequency field (ratio of skin-weighted low-pass images, clipped) that lays the template's
    lighting (direction, dim light, tint) over the user's features. ``shading`` scales the local part.
    """
    def medians(img: np.ndarray, w: np.ndarray) -> np.ndarray:
        sel = channel_rows(img, w > 0.5)  # B, G and R as rows (3, N)
        lum = (sel[0] + sel[1] + sel[2]) / 3  # the channel mean, in the order of ``mean(axis=1)``
        lo, hi = percentile(lum, [10.0, 92.0])
        keep = (lum >= lo) & (lum <= hi)
        return median(sel[:, keep] if keep.sum() >= 30 else sel, axis=1) + 1.0

    mu, mt = medians(user_bgr, user_w), medians(tmpl_bgr, tmpl_w)
    gain = np.clip(mt / mu, 0.35, 2.8).astype(np.float32)
    low_t = blur_normalized(tmpl_bgr + 1.0, tmpl_w, sigma, prior=mt)
    low_u = blur_normalized(user_bgr * rows3(gain, user_bgr.shape[1]) + 1.0, user_w, sigma, prior=mt)
    ratio = np.clip(low_t / np.maximum(low_u, 1.0), 0.78, 1.28).astype(np.float32)
    if shading != 1.0:
        ratio = 1.0 + (ratio - 1.0) * shading
    return ColourGain(ratio * rows3(gain, ratio.shape[1]), mu.astype(np.float32))


def apply_gain(
    user_bgr: np.ndarray, gain: np.ndarray, skin: np.ndarray, skin_median: np.ndarray, *, dot: int = 2
) -> np.ndarray:
    """``user_bgr * gain`` without the side effects of a plain per-channel gain.

    Pixels that are not skin (``skin`` (H, W) in 0..1: brows, eyes, stubble) get only the gain's lightness,
    not its tint (no blue brows); regions far darker than the skin and larger than ``dot`` px keep their
    darkness; above the skin median (``skin_median`` (3,) BGR) the tone curve bends so that 255 stays 255:
    highlights and white hair are never blown into white patches.
    """
    # Per-pixel planes and per-channel values go in as full (H, W, 3) planes and (W, 3) rows (``planes3``,
    # ``rows3``): numpy runs the same arithmetic, in whole-row loops instead of 3-element ones.
    third = np.full((1, 3), 1.0 / 3.0, np.float32)  # cv2.transform with it: the channel mean, fast
    g_lum = cv2.transform(gain, third)
    g = gain * planes3(skin)
    g += planes3(g_lum * (1.0 - skin))
    lum = cv2.transform(user_bgr, third)
    if dot > 0:  # dots smaller than ``dot`` px (stubble, pores) count as skin: closed away before the test
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dot + 1, 2 * dot + 1))
        lum = cv2.morphologyEx(lum, cv2.MORPH_CLOSE, k)
    # rel = lum / mean skin; t = smoothstep of (rel - 0.15) / 0.35
    inv = np.float32(1.0 / (0.35 * max(float(np.mean(skin_median)), 1.0)))
    t = np.clip(lum * inv - np.float32(0.15 / 0.35), 0.0, 1.0)
    g -= 1.0  # g = 1 + (g - 1) * smoothstep(t)
    g *= planes3(t * t * (3.0 - 2.0 * t))
    g += 1.0
    mu_c = np.minimum(np.asarray(skin_median, np.float32), 250.0)
    mu = rows3(mu_c, g.shape[1])
    top = mu * g  # where the skin median lands
    slope = np.maximum(255.0 - top, rows3(np.zeros(3, np.float32), g.shape[1]))  # a zero row: 4x faster than 0.0
    slope *= rows3(1.0 / (255.0 - mu_c), g.shape[1])
    np.minimum(g, slope, out=slope)  # = g unless that would clip
    out = user_bgr - mu  # above the median: top + (user_bgr - mu) * slope
    out *= slope
    out += top
    return np.where(user_bgr <= mu, user_bgr * g, out)  # faster than a masked ``np.multiply(..., where=)``



@dataclass(frozen=True)
class ChromaMatch:
    """How the recoloured user face's chroma (Lab a, b) is brought to the template's statistics inside the face:
    ``ab' = template + (ab - user) * spread``. ``template`` and ``user`` (2,): robust centres; ``spread`` (2,):
    the ratio of the template's robust spread to the user's per channel (0 for a grey template)."""

    template: np.ndarray
    user: np.ndarray
    spread: np.ndarray

    def is_identity(self, *, tol: float = 0.05) -> bool:
        """True when the match would change no chroma by more than about a Lab unit (a colour template whose
        face statistics the gain already matched)."""
        return bool(np.all(np.abs(self.spread - 1.0) < tol) and np.all(np.abs(self.template - self.user) < 1.0))

    def apply(self, bgr: np.ndarray) -> np.ndarray:
        """``bgr`` ((H, W, 3) float32 in 0..255) with its chroma mapped; lightness unchanged."""
        lab = cv2.cvtColor(np.clip(bgr, 0.0, 255.0) * np.float32(1.0 / 255.0), cv2.COLOR_BGR2Lab)
        for c in (0, 1):  # channel by channel: numpy broadcasts (2,) over (h, w, 2) in 2-element loops
            ab = lab[:, :, 1 + c]
            ab -= self.user[c]
            ab *= self.spread[c]
            ab += self.template[c]
        return cv2.cvtColor(lab, cv2.COLOR_Lab2BGR) * np.float32(255.0)


def chroma_match(lab_t: np.ndarray, lab_u: np.ndarray, weight: np.ndarray, *, max_spread: float = 1.2) -> ChromaMatch:
    """The ``ChromaMatch`` from the template's face ``lab_t`` to the (recoloured) user's ``lab_u``, both Lab over
    the same pixels, weighed by ``weight`` (> 0.5 counts: the face, occluders left out). Centres are medians,
    spreads 1.4826 * MAD (floored at 0.5 Lab units for the user, so a flat face is not blown up). The spread
    ratio goes down to 0 only for a template whose face chroma hardly varies (grey, a duotone print: spread
    under 1 Lab unit); from 3 units up (a colour photo) it stays above 0.6, so a vivid face is not washed out."""
    sel = weight > 0.5
    t, u = (channel_rows(lab[:, :, 1:], sel) for lab in (lab_t, lab_u))  # a and b as rows (2, N)
    (mt, st, _), (mu, su, _) = median_mad(t), median_mad(u)
    su = np.maximum(su, 0.5)
    floor = 0.6 * np.clip((st - 1.0) / 2.0, 0.0, 1.0)
    spread = np.clip(st / su, floor, max_spread)
    return ChromaMatch(mt.astype(np.float32), mu.astype(np.float32), spread.astype(np.float32))
