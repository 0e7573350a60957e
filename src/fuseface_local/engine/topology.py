"""Named points and index sets of MediaPipe's 468-point face mesh (facts from MediaPipe's published mesh
topology). Engine code indexes landmarks only through these names, never with bare numbers.

"Left"/"right" are the subject's: ``LEFT_EYE`` is the eye on the image's right in a frontal photo.
Every contour is listed in drawing order (a closed polygon). The dense triangulation is not data: the
fusion code computes a Delaunay triangulation of the fused landmarks at run time (``warp.delaunay``).
Index sets are ``int32`` arrays; single points are ``int``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FACE_OVAL", "LIPS_OUTER", "LIPS_INNER", "LEFT_EYE", "RIGHT_EYE", "LEFT_BROW", "RIGHT_BROW", "NOSE",
    "MIDLINE", "INNER_LIP_PAIRS", "FEATURES", "N_POINTS", "ALIGN_POINTS", "MOUTH_CORNERS", "UPPER_LIP_OUTER",
    "LOWER_LIP_OUTER", "RIGHT_EYE_CORNERS", "LEFT_EYE_CORNERS", "NOSE_TIP", "RIGHT_CHEEK", "LEFT_CHEEK",
]

N_POINTS = 468

# Single points.
NOSE_TIP = 1
RIGHT_CHEEK = 234  # silhouette point at the subject's right cheek (image left in a frontal photo)
LEFT_CHEEK = 454  # ... and at the subject's left cheek: the two span the face's width

# Silhouette, clockwise from the top of the forehead (10) down the subject's left side to the chin (152).
FACE_OVAL = np.array([
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
], dtype=np.int32)

LIPS_OUTER = np.array([
    61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185,
], dtype=np.int32)

LIPS_INNER = np.array([
    78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191,
], dtype=np.int32)

# Inner upper-lip point -> the inner lower-lip point below it (mouth opening is measured on these).
INNER_LIP_PAIRS = np.array([
    (191, 95), (80, 88), (81, 178), (82, 87), (13, 14), (312, 317), (311, 402), (310, 318), (415, 324),
], dtype=np.int32)
MOUTH_CORNERS = np.array([61, 291], dtype=np.int32)
# The outer lip contour between the corners, each from the subject's right to left: upper lip, lower lip.
UPPER_LIP_OUTER = np.array([185, 40, 39, 37, 0, 267, 269, 270, 409], dtype=np.int32)
LOWER_LIP_OUTER = np.array([146, 91, 181, 84, 17, 314, 405, 321, 375], dtype=np.int32)

RIGHT_EYE = np.array([33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246],
                     dtype=np.int32)
LEFT_EYE = np.array([263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466],
                    dtype=np.int32)
# Eye corners (outer, inner): the face mesh's crop is rotated so that the line through their means is level.
RIGHT_EYE_CORNERS = np.array([33, 133], dtype=np.int32)
LEFT_EYE_CORNERS = np.array([263, 362], dtype=np.int32)

# Brows as closed polygons: lower edge outward->inward, then upper edge inward->outward.
RIGHT_BROW = np.array([46, 53, 52, 65, 55, 107, 66, 105, 63, 70], dtype=np.int32)
LEFT_BROW = np.array([276, 283, 282, 295, 285, 336, 296, 334, 293, 300], dtype=np.int32)

# Nose bridge, tip, base and wings (MediaPipe's FACEMESH_NOSE connection set).
NOSE = np.array([
    168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 97, 326, 327, 294, 278, 344, 440, 275, 45, 220, 115, 48, 64,
], dtype=np.int32)
# Points on the vertical symmetry line, forehead to chin.
MIDLINE = np.array([10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 164, 0, 11, 12, 13, 14, 15, 16,
                    17, 18, 200, 199, 175, 152], dtype=np.int32)

FEATURES = np.unique(np.concatenate([LIPS_OUTER, LIPS_INNER, LEFT_EYE, RIGHT_EYE, LEFT_BROW, RIGHT_BROW,
                                     NOSE]))

# Points used for the similarity alignment: everything but the silhouette (the contour is what the
# profile degree morphs, so it must not pull the alignment).
_oval = np.zeros(N_POINTS, dtype=bool)
_oval[FACE_OVAL] = True
ALIGN_POINTS = np.flatnonzero(~_oval).astype(np.int32)
del _oval
