"""Fuse one user face into one template face (pure ndarray functions; no I/O, no detection).

``fuse_face`` runs the stages in order; each lives in its own module:

1. ``align``: the user's 468 landmarks moved onto the template's by a similarity (silhouette excluded), in
   3D with the mesh depth, so a frontal user is turned to a turned template's pose. ``reinvent`` adds
   side-face correction: for a strongly turned user the hidden half of the face (shape and texture) is the
   mirror image of the visible half (a second landmark pass on the flipped user image supplies it).
2. ``shape``: per-vertex template weights from FuseFaceDegree (features) and FuseProfileDegree
   (silhouette); the fused shape ``w * template + (1 - w) * user``; the silhouette may move inward freely
   but outward only a little (the fused jaw stays inside the template head).
3. ``mouth``: the mouth moves with the degree like every feature; its interior comes from the side whose mouth
   is open, warped into the fused opening (an open and a closed mouth are never cross-faded: no ghost teeth).
4. ``fusion_mesh`` + ``warp``: one Delaunay mesh over the 468 fused points plus a fixed outer ring (the
   silhouette scaled up) warps the template (face and surroundings, continuously) and the user texture.
5. ``blend`` (with ``colour`` and ``occlusion``): the user texture is recoloured to the template's skin
   colour statistics (the template's occluders left out of them), masked by user skin (the user's own
   hands/hair/beard are not pasted), mixed by the texture weight and composited with a feathered alpha.
6. The template's occluders (``segment``: glasses, hands, a tongue, hair over the face) go back on top,
   unwarped. Pixels outside the outer ring are never written.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from . import topology as topo
from .align import UserFace, align_user, shrink_large_user, zoom
from .blend import user_layer
from .fusion_mesh import RING_SCALE, FusionMesh, build_mesh
from .masks import planes3
from .mouth import pinned_lips, plan_mouth
from .params import Algorithm, Degrees
from .segment import FaceGrid, Occluders, template_occluders
from .shape import TemplateFrame, degree_weights, limit_silhouette, mix_shapes
from .warp import MeshRaster, Roi, remap_roi

__all__ = ["fuse_face"]

USER_HAIR_FACE_PX = 48  # the user's hair colour is read on a grid where the user's face is about this wide
SHARPEN_ABOVE_ZOOM = 1.3  # a user face blown up more than this is sharpened a little (unsharp mask)


def fuse_face(
    out: np.ndarray,
    template_landmarks: np.ndarray,
    user: UserFace,
    *,
    degrees: Degrees,
    algorithm: Algorithm,
    ring_scale: float = RING_SCALE,
    template_depth: Optional[np.ndarray] = None,
    occluders: Optional[Occluders] = None,
) -> Roi:
    """Fuse ``user`` into the template face with landmarks ``template_landmarks`` (468, 2) of ``out``
    ((H, W, 3) uint8 BGR, modified in place); ``template_depth`` (468,) enables the 3D alignment;
    ``occluders``: the template face's (``segment.template_occluders``; found on ``out`` when not given).

    Returns the ROI that was rewritten; only pixels inside the outer ring (``fusion_mesh.face_region`` at
    ``ring_scale``) change.
    """
    lt = np.asarray(template_landmarks, np.float64)
    frame = TemplateFrame.measure(lt)
    weights = degree_weights(frame, degrees)

    user = shrink_large_user(user, lt)
    lu = np.asarray(user.landmarks, np.float64)
    aligned = align_user(user, lt, template_depth)
    mouth = plan_mouth(lu, lt)

    fused = mix_shapes(weights, lt, aligned.landmarks)
    fused = limit_silhouette(fused, lt, frame, algorithm=algorithm, ring_scale=ring_scale)
    mesh = build_mesh(fused, lt, ring_scale=ring_scale, pinned=pinned_lips(fused))

    if occluders is None:  # in the template's own geometry, before it is warped
        occluders = template_occluders(out, lt, frame)
    roi = Roi.around(mesh.ring, out.shape, pad=1)
    raster = MeshRaster(mesh.points, mesh.triangles, roi)
    maps = raster.maps(mesh.template_points)
    warped = remap_roi(out, maps)
    # Heavy per-pixel work only on the box around the fused face; masks on a coarser grid.
    box = Roi.around(mesh.fused[topo.FACE_OVAL], out.shape, pad=0.04 * frame.width).intersection(roi)
    sub = raster.crop(box)
    user_bgr = _user_texture(user, lu, lt, mesh, sub, aligned.hidden)
    in_box = box.slices_in(roi)
    template_bgr = warped[in_box].astype(np.float32)
    occluder = occluders.warped((maps[0][in_box], maps[1][in_box]))
    ring = mesh.ring
    # Per-vertex values as per-pixel fields; the ring counts as far above the eyes and all template.
    height = sub.interp(np.concatenate([frame.height, np.full(len(ring), 2.0)]), outside=2.0)
    texture = sub.interp(np.concatenate([weights.texture, np.ones(len(ring))]), outside=1.0)
    texture = np.clip(texture, 0.0, 1.0)
    layer = user_layer(mesh.fused, box, user_bgr, template_bgr, face_width=frame.width,
                       inter_ocular=frame.inter_ocular, height=height, texture=texture, mouth=mouth,
                       occluders=occluder, algorithm=algorithm,
                       user_face=FaceGrid.measure(user.image, lu, TemplateFrame.measure(lu, contour=False),
                                                  face_px=USER_HAIR_FACE_PX),
                       template_yaw=_yaw(lt, template_depth))
    warped[in_box] = layer.composite(template_bgr, user_bgr, face_width=frame.width)
    # The template's occluders go back on top where they are in the template: a hand or a lock of hair does
    # not bend with the face's new shape, and nothing of the user shows through them.
    front = occluders.within(roi)
    x, y, w, h = cv2.boundingRect((front > 1e-3).view(np.uint8))  # the box of the occluders' pixels
    if w > 0:
        part = (slice(y, y + h), slice(x, x + w))
        a = planes3(front[part])
        fused_px = warped[part].astype(np.float32)
        warped[part] = (fused_px + a * (out[roi.slices][part] - fused_px) + 0.5).astype(np.uint8)
    cv2.copyTo(warped, raster.covered.view(np.uint8), out[roi.slices])  # into the view; faster than np.copyto
    return roi


def _yaw(landmarks: np.ndarray, depth: Optional[np.ndarray]) -> float:
    """Degrees the face turns (cheek to cheek in x and depth); 0 without a depth."""
    if depth is None:
        return 0.0
    a, b = topo.RIGHT_CHEEK, topo.LEFT_CHEEK
    z = np.asarray(depth, np.float64)
    return float(np.degrees(np.arctan2(z[b] - z[a], landmarks[b, 0] - landmarks[a, 0])))


def _user_texture(
    user: UserFace,
    lu: np.ndarray,
    lt: np.ndarray,
    mesh: FusionMesh,
    sub: MeshRaster,
    hidden: np.ndarray,
) -> np.ndarray:
    """The user's face warped onto the fused shape over ``sub``'s box: ``(h, w, 3) float32`` BGR.

    A face blown up a lot is sharpened; with side-face correction the hidden half comes from the mirror image.
    """
    image = user.image
    ring = mesh.ring
    src_all = np.vstack([lu, ring])  # ring entries are never sampled for the user (alpha is 0 there)
    user_bgr = remap_roi(image, sub.maps(src_all)).astype(np.float32)
    scale = zoom(lu, lt)
    if scale > SHARPEN_ABOVE_ZOOM:  # a small user face blown up: restore some crispness (unsharp mask)
        detail = np.subtract(user_bgr, cv2.GaussianBlur(user_bgr, (0, 0), 0.6 * scale))
        detail *= 0.6  # user + 0.6 * (user - soft), clipped, in place
        detail += user_bgr
        user_bgr = np.clip(detail, 0.0, 255.0, out=detail)
    if hidden.any():
        mirror_src = np.vstack([np.asarray(user.mirror.landmarks, np.float64), ring])
        mirror = remap_roi(user.mirror.image, sub.maps(mirror_src))
        hidden_px = planes3(sub.interp(np.concatenate([hidden, np.zeros(len(ring))])))
        user_bgr = user_bgr * (1.0 - hidden_px) + mirror.astype(np.float32) * hidden_px
    return user_bgr

