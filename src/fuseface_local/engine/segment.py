"""Fusion stage 5c, the template's occluders: a segmentation of the template's face region into face and what
covers it (glasses, a hand, a tongue, hair), so that those stay in front of the user's face.

Colour alone cannot say what is an occluder (brows, lips and eyes are not skin either), so the face mesh says
what each place should look like, and an occluder is what contradicts it:

1. seeds: pixels inside the silhouette that are not the template's skin where the mesh expects skin (away from
   the eyes, brows, nose and lips), in connected regions larger than a speck (a thin glasses frame is long
   enough; a pore or a wrinkle is not). Hair over the face is seen by its likeness to the template's own hair
   (sampled above the forehead, ``hair_model``), as a lock may be close to the skin's colour. Dark, grey pixels
   below the nose are facial hair, part of the face;
2. growth: each seed region grows into the neighbouring pixels of its own colour, also over the features,
   for at most ``GROW`` inter-ocular distances (a frame crossing the corner of an eye, a hand or a tongue over
   the lips);
3. visibility: an eye or the lips mostly covered by the grown regions is hidden whole (the mesh still places
   it; what shows there is the occluder); an eye only reached at its edge stays the face's.

It runs on the template in its own geometry (its own silhouette, so a wider user face does not bring the
template's hair into the region), on a coarse grid (``masks.CoarseGrid``): Lab ``(h, w, 3) float32``, masks
``(h, w)``; the mask is then warped like the template (``Occluders.warped``).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import cv2
import numpy as np

from . import topology as topo
from .colour import SkinStats, channel_rows, median, median_mad, skin_likelihood, skin_stats, to_lab
from .fusion_mesh import face_region
from .masks import CoarseGrid, feather, polygon_mask, rows3
from .occlusion import FeatureMasks, sunglasses
from .shape import TemplateFrame
from .warp import Roi

__all__ = ["GROW", "ColourModel", "FaceGrid", "Occluders", "hair_model", "template_occluders"]

GROW = 0.35  # inter-ocular distances a seed region may grow over pixels of its own colour
MIN_AREA = 0.0015  # the smallest seed region, as a share of the silhouette's area
COLOUR_TOL = 9.0  # Lab distance (lightness counted half) within which a pixel has a seed region's colour
COVERED = 0.5  # an eye or the lips with more than this share grown over is hidden whole
BEARD_BELOW = -0.55  # height (inter-ocular units above the eyes) below which dark grey pixels are facial hair
MAX_REGIONS = 8
SEGMENT_FACE_PX = 80  # the segmentation runs on a grid where the face is about this wide
SKIN_TOL = 4.0  # skin-likelihood tolerance (``colour.skin_likelihood``): a seed is below 0.2
HAIR_NEAR = 2.0  # a pixel within this many scale units of the hair model, and twice nearer it than the skin, is hair
SEED_DARK = 0.4  # only pixels darker than this share of the skin's lightness are non-skin by darkness alone
HAIR_RING = (1.25, 1.5)  # the hair is sampled between these scales of the silhouette, above the eyes
HAIR_APART = 2.5  # the hair colour must be at least this far from the skin's (scale units) to be used


_LIGHTNESS_HALF = np.array([0.5, 1.0, 1.0], np.float32)  # Lab distances count lightness half


class ColourModel(NamedTuple):
    """A robust Lab colour model: ``median`` (3,) and ``scale`` (3,) (1.4826 * MAD, floored)."""

    median: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, pixels: np.ndarray, floor=(4.0, 2.0, 2.0)) -> ColourModel:
        """The model of ``pixels`` given as L, a and b rows (3, N) (``colour.channel_rows``)."""
        med, mad, _ = median_mad(pixels)
        return cls(med.astype(np.float32), np.maximum(mad, floor).astype(np.float32))

    def distance(self, lab: np.ndarray) -> np.ndarray:
        """(h, w) float32: distance in scale units, lightness counted half."""
        w = lab.shape[1]  # per-channel values as (w, 3) rows: whole-row numpy loops (``masks.rows3``)
        d = (lab - rows3(self.median, w)) / rows3(self.scale, w) * rows3(_LIGHTNESS_HALF, w)
        d *= d
        return np.sqrt(d[:, :, 0] + d[:, :, 1] + d[:, :, 2])  # the channel sum, in the order of ``sum(axis=2)``

    def row_distance(self, pixels: np.ndarray) -> np.ndarray:
        """``distance`` of pixels given as rows (3, N): (N,) float32, the same arithmetic per pixel."""
        d = (pixels - self.median[:, None]) / self.scale[:, None] * _LIGHTNESS_HALF[:, None]
        d *= d
        return np.sqrt(d[0] + d[1] + d[2])


def hair_model(lab: np.ndarray, band: np.ndarray, skin: np.ndarray, skin_model: ColourModel) -> ColourModel | None:
    """The colour of the template's hair: the main colour of the pixels of ``band`` (just above the forehead,
    outside the silhouette) that are not clearly skin (``skin`` likelihood < 0.5), refitted twice on the pixels
    within 2 scale units (the background behind a short haircut drops out). ``None`` with too few of them, or
    when that colour is within ``HAIR_APART`` scale units of the skin's (a bald head: the band is skin)."""
    pixels = channel_rows(lab, band & (skin < 0.5), at_least=0)  # (3, N)
    if pixels.shape[1] < 30:
        return None
    model = ColourModel.fit(pixels)
    for _ in range(2):
        near = pixels[:, model.row_distance(pixels) < 2.0]
        if near.shape[1] < 30:
            return None
        model = ColourModel.fit(near)
    if float(skin_model.row_distance(model.median[:, None])[0]) < HAIR_APART:
        return None
    return model


def _seed_regions(seeds: np.ndarray, min_area: float) -> tuple:
    """The connected seed regions of at least ``min_area`` px (the ``MAX_REGIONS`` largest): (labels (h, w)
    int32, kept label ids, their ``cv2.connectedComponentsWithStats`` rows)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(seeds.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    ids = 1 + np.flatnonzero(areas >= min_area)
    ids = ids[np.argsort(-areas[ids - 1])][:MAX_REGIONS]
    return labels, ids, stats[ids]


def _grow(lab: np.ndarray, labels: np.ndarray, ids: np.ndarray, boxes: np.ndarray, inside: np.ndarray,
          steps: int) -> np.ndarray:
    """The seed regions ``ids`` (bounding ``boxes``) grown by up to ``steps`` px through pixels of their own
    colour (Lab distance under ``COLOUR_TOL``, lightness counted half): (h, w) bool."""
    grown = np.isin(labels, ids)
    if not grown.any():
        return grown
    h, w = grown.shape
    similar = np.zeros(grown.shape, bool)
    for i, (x, y, bw, bh, _) in zip(ids, boxes):
        x0, y0, x1, y1 = max(x - steps, 0), max(y - steps, 0), min(x + bw + steps, w), min(y + bh + steps, h)
        own = (slice(y, y + bh), slice(x, x + bw))  # the region lies in its box; its median ignores the order
        colour = median(channel_rows(lab[own], labels[own] == i, at_least=0), axis=1)
        n = x1 - x0  # per-channel values as (n, 3) rows: whole-row numpy loops (``masks.rows3``)
        d = (lab[y0:y1, x0:x1] - rows3(colour, n)) * rows3(_LIGHTNESS_HALF, n)
        d *= d
        similar[y0:y1, x0:x1] |= d[:, :, 0] + d[:, :, 1] + d[:, :, 2] < COLOUR_TOL * COLOUR_TOL  # ``sum(axis=2)``
    similar &= inside
    kernel = np.ones((3, 3), np.uint8)
    g = grown.astype(np.uint8)
    for _ in range(steps):
        step = cv2.dilate(g, kernel) & similar.view(np.uint8) | g
        if np.array_equal(step, g):  # nothing more to grow into: the remaining steps would change nothing
            break
        g = step
    return g > 0


class Occluders(NamedTuple):
    """The template's occluders around one face: ``mask`` (h, w) float32 in [0, 1] over ``roi`` of the template
    image (1: an occluder, keep the template)."""

    mask: np.ndarray
    roi: Roi

    def within(self, roi: Roi) -> np.ndarray:
        """The mask over ``roi`` of the same image, unmoved: ``(h, w) float32`` (0 outside this ROI)."""
        out = np.zeros(roi.shape, np.float32)
        part = self.roi.intersection(roi)
        if part.x1 > part.x0 and part.y1 > part.y0:
            out[part.slices_in(roi)] = self.mask[part.slices_in(self.roi)]
        return out

    def warped(self, maps: tuple) -> np.ndarray:
        """The mask moved like the template: ``maps`` are ``cv2.remap`` maps (destination px -> template image
        px); outside the ROI there is no occluder."""
        mx = maps[0] - np.float32(self.roi.x0)
        my = maps[1] - np.float32(self.roi.y0)
        return cv2.remap(self.mask, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)


class FaceGrid(NamedTuple):
    """One face on a coarse grid, in its image's own geometry: ``roi`` (up to the hair ring), ``grid``, ``lab``,
    the feature ``masks``, the robust skin ``stats``, per-pixel ``height`` above the eyes (inter-ocular units),
    ``ipd`` (grid px) and the ``hair`` colour (``None`` when it cannot be told from the skin)."""

    roi: Roi
    grid: CoarseGrid
    lab: np.ndarray
    masks: FeatureMasks
    stats: SkinStats
    height: np.ndarray
    ipd: float
    hair: Optional[ColourModel]

    @classmethod
    def measure(cls, image: np.ndarray, landmarks: np.ndarray, frame: TemplateFrame, *,
                face_px: float = SEGMENT_FACE_PX) -> FaceGrid:
        """The face with ``landmarks`` in ``image`` on a grid where it is about ``face_px`` wide."""
        lt = landmarks
        roi = Roi.around(face_region(lt, scale=HAIR_RING[1]), image.shape, pad=2)
        grid = CoarseGrid(roi, frame.width, step=max(int(round(frame.width / face_px)), 1))
        lab = to_lab(grid.down(image[roi.slices]))
        ipd = frame.inter_ocular * grid.sx
        masks = FeatureMasks.draw(lt, grid, ipd)
        skin_area = feather(masks.oval, erode=0.06 * frame.width * grid.sx, sigma=0) * (1 - masks.features)
        stats = skin_stats(lab, skin_area)
        h, w = grid.shape
        xy = np.stack(np.meshgrid(np.arange(w), np.arange(h)), axis=2).astype(np.float32)
        eyes = (lt[topo.RIGHT_EYE].mean(0) + lt[topo.LEFT_EYE].mean(0)) / 2
        height = ((xy - grid.poly(eyes[None])[0]) @ frame.up.astype(np.float32)) / max(ipd, 1.0)
        band = ((polygon_mask(grid.shape, [grid.poly(face_region(lt, scale=HAIR_RING[1]))]) > 127)
                & (polygon_mask(grid.shape, [grid.poly(face_region(lt, scale=HAIR_RING[0]))]) < 128)
                & (height > 0.0))
        hair = hair_model(lab, band, skin_likelihood(lab, stats, tol=2.5), ColourModel(stats.median, stats.scale))
        return cls(roi, grid, lab, masks, stats, height, ipd, hair)

    def hairy(self, lab: np.ndarray) -> np.ndarray:
        """(h, w) bool: pixels of ``lab`` (any Lab image) nearer this face's hair colour than its skin's."""
        if self.hair is None:
            return np.zeros(lab.shape[:2], bool)
        d_hair = self.hair.distance(lab)
        return (d_hair < HAIR_NEAR) & (d_hair < 0.5 * ColourModel(self.stats.median, self.stats.scale).distance(lab))


def template_occluders(image: np.ndarray, landmarks: np.ndarray, frame: TemplateFrame) -> Occluders:
    """The occluders of the template face with ``landmarks`` (468, 2) in ``image`` ((H, W, 3) uint8 BGR), found
    in the template's own geometry (its own silhouette and features; see the module docstring). Of ``frame`` only
    the face's size and axes are used (it may be measured with ``contour=False``)."""
    lt = landmarks
    face = FaceGrid.measure(image, lt, frame)
    grid, lab, masks, stats, height, ipd = face.grid, face.lab, face.masks, face.stats, face.height, face.ipd
    inside = masks.oval > 127
    expected = masks.features
    if sunglasses(lab, masks.eyes, masks.eye_surround, stats):  # dark lenses: seeds over the eyes too
        both = np.vstack([lt[topo.LEFT_EYE], lt[topo.RIGHT_EYE]]).astype(np.float32)
        band = polygon_mask(grid.shape, [grid.poly(cv2.convexHull(both)[:, 0, :])], dilate=int(1.5 * masks.reach))
        expected = expected * (1.0 - band.astype(np.float32) / 255.0)
    not_skin = skin_likelihood(lab, stats, tol=SKIN_TOL, dark=SEED_DARK) < 0.2
    not_skin |= face.hairy(lab) & (height > -0.3)  # hair over the face, in the upper face
    L, chroma = lab[:, :, 0], np.hypot(lab[:, :, 1], lab[:, :, 2])
    med_chroma = float(np.hypot(stats.median[1], stats.median[2]))
    beard = (height < BEARD_BELOW) & (L < 0.8 * stats.median[0]) & (chroma < 0.8 * med_chroma + 2.0)
    seeds = inside & not_skin & (expected < 0.5) & ~beard
    labels, ids, boxes = _seed_regions(seeds, MIN_AREA * max(float(inside.sum()), 1.0))
    grown = _grow(lab, labels, ids, boxes, inside & ~beard, max(int(np.ceil(GROW * ipd)), 1))
    for idx in (topo.LEFT_EYE, topo.RIGHT_EYE, topo.LIPS_OUTER):  # a feature mostly covered is hidden whole
        part = polygon_mask(grid.shape, [grid.poly(lt[idx])]) > 127
        if part.any() and (grown & part).sum() > COVERED * part.sum():
            grown |= polygon_mask(grid.shape, [grid.poly(lt[idx])], dilate=max(int(0.1 * ipd), 1)) > 0
        elif idx is not topo.LIPS_OUTER:  # an eye partly reached (dark lashes by a frame) stays the face's
            grown &= ~part
    occluder = cv2.GaussianBlur(cv2.dilate(grown.astype(np.float32), np.ones((3, 3), np.uint8)), (0, 0), 0.8)
    return Occluders(grid.up(occluder), face.roi)
