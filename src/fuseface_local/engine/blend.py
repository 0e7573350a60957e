"""Fusion stage 5, blending: the warped user texture composited over the warped template, in the box around
the fused face.

The user layer's alpha = feathered face mask x user skin (no user hands/hair/beard) x template non-occluder
(template hair/glasses/hands stay in front) x (1 - texture weight) x (1 - template mouth) x hairline fade;
its colour is the user texture recoloured to the template's skin and light (``colour``). Masks and colour
statistics are computed on a coarser grid (``masks.CoarseGrid``) and brought back to the box.

Box-sized images are ``(h, w, 3) float32`` BGR in 0..255 unless stated otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .colour import apply_gain, colour_gain, skin_likelihood, skin_stats, to_lab
from .masks import CoarseGrid, feather, smoothstep
from .mouth import MouthSource, template_mouth_mask
from .occlusion import FeatureMasks, template_keep, user_keep
from .params import Algorithm
from .warp import Roi

__all__ = ["UserLayer", "user_layer"]


@dataclass(frozen=True)
class UserLayer:
    """How the user texture goes over the template in the box: ``alpha`` (h, w) float32 in [0, 1], the colour
    ``gain`` (h, w, 3) float32, the user's ``skin`` likelihood (h, w) float32 and ``skin_median`` (3,) BGR."""

    alpha: np.ndarray
    gain: np.ndarray
    skin: np.ndarray
    skin_median: np.ndarray

    def composite(self, template_bgr: np.ndarray, user_bgr: np.ndarray, *, face_width: float) -> np.ndarray:
        """The recoloured user texture over the template by ``alpha``: ``(h, w, 3) uint8``. Dark dots smaller
        than 1.2 % of ``face_width`` (image px; stubble, pores) are recoloured as skin."""
        dot = max(int(0.012 * face_width), 1)
        recoloured = apply_gain(user_bgr, self.gain, self.skin, self.skin_median, dot=dot)
        mixed = template_bgr + self.alpha[:, :, None] * (recoloured - template_bgr)
        return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


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
    mouth: MouthSource,
    algorithm: Algorithm,
) -> UserLayer:
    """The user layer over ``box``.

    ``fused``: (468, 2) fused landmarks (image px); ``user_bgr`` and ``template_bgr``: the user texture and
    the template, both already warped to ``fused``; ``face_width`` and ``inter_ocular``: the template face's, in
    image px; ``height``: (h, w) float32 height above the eyes in inter-ocular units; ``texture``: (h, w)
    float32 template texture weight in [0, 1]; ``mouth``: where the mouth comes from. ``redefine`` lays the
    template's local lighting over the user's features at 85 % (the other algorithms at 100 %).
    """
    grid = CoarseGrid(box, face_width)
    fw, pdist = face_width * grid.sx, inter_ocular * grid.sx
    tmpl_s, user_s = grid.down(template_bgr), grid.down(user_bgr)
    lab_t = to_lab(np.clip(tmpl_s, 0, 255).astype(np.uint8))
    lab_u = to_lab(np.clip(user_s, 0, 255).astype(np.uint8))
    hp = grid.down(height)

    masks = FeatureMasks.draw(fused, grid, pdist)
    # Skin statistics come from inside the silhouette, away from the features.
    skin_area = feather(masks.oval, erode=0.06 * fw, sigma=0) * (1.0 - masks.features)
    stats_t = skin_stats(lab_t, skin_area)
    stats_u = skin_stats(lab_u, skin_area)
    skin_t = skin_likelihood(lab_t, stats_t)
    skin_u = skin_likelihood(lab_u, stats_u)
    user_ok = user_keep(lab_u, stats_u, skin_u, hp, masks, fw)
    tmpl_ok = template_keep(lab_t, stats_t, skin_t, masks, fused, grid, fw)

    shading = 1.0 if algorithm is not Algorithm.REDEFINE else 0.85
    gain = colour_gain(user_s, skin_area * skin_u, tmpl_s, skin_area * skin_t, sigma=0.22 * fw,
                       shading=shading)

    face_a = feather(masks.oval, erode=0.075 * fw, sigma=0.04 * fw)
    template_mouth = template_mouth_mask(mouth, fused, grid, pdist)
    hairline = 1.0 - smoothstep(0.42, 0.9, hp)  # the top of the forehead is always the template's
    alpha = face_a * user_ok * tmpl_ok * (1.0 - grid.down(texture)) * (1.0 - template_mouth) * hairline
    soft = 0.02 * fw
    skin = cv2.GaussianBlur(np.clip(skin_u * 4.0, 0.0, 1.0), (0, 0), 2.0 * soft)
    return UserLayer(np.clip(grid.up(alpha), 0.0, 1.0), grid.up(gain.gain), grid.up(skin), gain.user_median)
