"""Fusion stage 5, blending: the warped user texture composited over the warped template, in the box around
the fused face.

The user layer's alpha = feathered face mask x user skin (no user hands/hair/beard) x (1 - texture weight) x
hairline fade (the template's occluders go back on top afterwards, ``fuse``); in the mouth's opening,
the user's share of the interior (``mouth.MouthPlan.interior_user``) instead;
its colour is the user texture recoloured to the template's skin and light (``colour``). Masks and colour
statistics are computed on a coarser grid (``masks.CoarseGrid``) and brought back to the box.

Box-sized images are ``(h, w, 3) float32`` BGR in 0..255 unless stated otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from .colour import apply_gain, chroma_match, colour_gain, skin_likelihood, skin_stats, to_lab
from .masks import CoarseGrid, feather, planes3, smoothstep
from .mouth import MouthPlan, interior_mask
from .occlusion import FeatureMasks, user_keep
from .params import Algorithm
from .segment import FaceGrid
from .warp import Roi

__all__ = ["UserLayer", "user_layer"]


@dataclass(frozen=True)
class UserLayer:
    """How the user texture goes over the template in the box: ``alpha`` (h, w) float32 in [0, 1], the colour
    ``gain`` (h, w, 3) float32, the user's ``skin`` likelihood (h, w) float32, ``skin_median`` (3,) BGR and
    ``chroma_shift`` (h, w, 3) float32 BGR (the chroma match to the template's face colour statistics, computed
    on the coarse grid) or ``None`` when that match changes nothing."""

    alpha: np.ndarray
    gain: np.ndarray
    skin: np.ndarray
    skin_median: np.ndarray
    chroma_shift: Optional[np.ndarray]

    def composite(self, template_bgr: np.ndarray, user_bgr: np.ndarray, *, face_width: float) -> np.ndarray:
        """The recoloured user texture over the template by ``alpha``: ``(h, w, 3) uint8``. Dark dots smaller
        than 1.2 % of ``face_width`` (image px; stubble, pores) are recoloured as skin."""
        dot = max(int(0.012 * face_width), 1)
        recoloured = apply_gain(user_bgr, self.gain, self.skin, self.skin_median, dot=dot)
        if self.chroma_shift is not None:
            recoloured += self.chroma_shift
        # template + alpha * (recoloured - template), in place where the dtypes allow (box-sized temporaries cost;
        # a float64 alpha makes the product and the rest float64, as before)
        recoloured -= template_bgr
        alpha = planes3(self.alpha)
        mixed = np.multiply(alpha, recoloured, out=recoloured if alpha.dtype == recoloured.dtype else None)
        mixed += template_bgr
        mixed += 0.5
        return np.clip(mixed, 0, 255, out=mixed).astype(np.uint8)


def user_layer(
    fused: np.ndarray,
    box: Roi,
    user_bgr: np.ndarray,
    template_bgr: np.ndarray,
    *,
    face_width: float,
    inter_ocular: float,
    height: np.ndarray,
    texture: np.ndarray,
    mouth: MouthPlan,
    occluders: np.ndarray,
    algorithm: Algorithm,
    user_face: Optional[FaceGrid] = None,
    template_yaw: float = 0.0,
) -> UserLayer:
    """The user layer over ``box``.

    ``fused``: (468, 2) fused landmarks (image px); ``user_bgr`` and ``template_bgr``: the user texture and
    the template, both already warped to ``fused``; ``face_width`` and ``inter_ocular``: the template face's, in
    image px; ``height``: (h, w) float32 height above the eyes in inter-ocular units; ``texture``: (h, w)
    float32 template texture weight in [0, 1]; ``mouth``: the two mouths' openness; ``occluders``: (h, w) float32,
    the template's occluders (``segment``) warped to ``fused`` (left out of the template's colour statistics;
    they go back on top afterwards, ``fuse``); ``user_face``: the user's face in its own image (its hair
    colour keeps the user's hair out); ``template_yaw``: degrees (from 15 on, the user's silhouette band must
    pass the strict skin test: a turned template stretches it over its near cheek). ``redefine`` lays the
    template's local lighting over the user's features at 85 % (the other algorithms at 100 %).
    """
    grid = CoarseGrid(box, face_width)
    fw, pdist = face_width * grid.sx, inter_ocular * grid.sx
    tmpl_s, user_s = grid.down(template_bgr), grid.down(user_bgr)
    lab_t = to_lab(np.clip(tmpl_s, 0, 255).astype(np.uint8))
    lab_u = to_lab(np.clip(user_s, 0, 255).astype(np.uint8))
    hp = grid.down(height)

    masks = FeatureMasks.draw(fused, grid, pdist)
    tmpl_ok = 1.0 - grid.down(occluders)
    # Skin statistics come from inside the silhouette, away from the features (and the template's occluders).
    skin_area = feather(masks.oval, erode=0.06 * fw, sigma=0) * (1.0 - masks.features)
    stats_t = skin_stats(lab_t, skin_area * tmpl_ok)
    stats_u = skin_stats(lab_u, skin_area)
    skin_t = skin_likelihood(lab_t, stats_t)
    skin_u = skin_likelihood(lab_u, stats_u)
    user_ok = user_keep(lab_u, stats_u, skin_u, hp, masks, fw,
                        hair=None if user_face is None else user_face.hairy(lab_u),
                        strict_edge=float(np.clip((abs(template_yaw) - 15.0) / 15.0, 0.0, 1.0)))

    shading = 1.0 if algorithm is not Algorithm.REDEFINE else 0.85
    gain = colour_gain(user_s, skin_area * skin_u, tmpl_s, skin_area * skin_t * tmpl_ok, sigma=0.22 * fw,
                       shading=shading)

    inside = feather(masks.oval, erode=0.04 * fw, sigma=0) * user_ok * tmpl_ok
    recoloured = to_lab(np.clip(user_s * gain.gain, 0, 255).astype(np.uint8))
    chroma = chroma_match(lab_t, recoloured, inside)

    face_a = feather(masks.oval, erode=0.025 * fw, sigma=0.025 * fw)
    opening = interior_mask(fused, grid)
    hairline = 1.0 - smoothstep(0.42, 0.9, hp)  # the top of the forehead is always the template's
    tex = grid.down(texture)
    alpha = face_a * user_ok * (1.0 - tex) * hairline
    alpha = alpha * (1.0 - opening) + mouth.interior_user(tex) * opening
    soft = 0.02 * fw
    skin = cv2.GaussianBlur(np.clip(skin_u * 4.0, 0.0, 1.0), (0, 0), 2.0 * soft)
    shift = None
    if not chroma.is_identity():
        small = apply_gain(user_s, gain.gain, skin, gain.user_median, dot=max(int(0.012 * fw), 1))
        shift = grid.up(chroma.apply(small) - small)
    return UserLayer(np.clip(grid.up(alpha), 0.0, 1.0), grid.up(gain.gain), grid.up(skin), gain.user_median, shift)
