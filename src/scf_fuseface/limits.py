"""FuseFace 2022-09-27 input limits, in one place (SDK models.py docstrings; API docs 670/85618, 670/106891)."""

from typing import NamedTuple

MAX_MERGE_INFOS = 6
MIN_SIDE_EXCLUSIVE = 64  # each side must be > 64 px
MAX_SIDE_EXCLUSIVE = 4096  # each side must be < 4096 px
MIN_FACE_SIDE_EXCLUSIVE = 34  # a face must be > 34x34 px
MIN_FACE_RECT = 30  # InputImageFaceRect Width/Height >= 30
MAX_BASE64_BYTES = 5 * 1024 * 1024  # base64 string of Image <= 5 MB
MAX_URL_BYTES = 10 * 1024 * 1024  # object behind Url <= 10 MB
MAX_DEGREE = 100
MAX_RECT_COORD = MAX_SIDE_EXCLUSIVE  # a face rect's X/Y/Width/Height can be no larger than an image side
# What an HTTP request may hold before it is refused unread (ours: hostile-input caps, not FuseFace limits).
MAX_MULTIPART_PARTS = 32
MAX_JSON_FIELDS = 64  # keys per JSON object (a FuseFace request has about a dozen)
MAX_JSON_DEPTH = 16
MAX_MESSAGE_CHARS = 1000  # error messages in replies and log lines
# Header sniffing reads at most this many bytes of an object (HEAD + ranged GET).
SNIFF_BYTES = 64 * 1024

# FuseFaceUltra (SDK FuseFaceUltraRequest docstrings): the template (ModelUrl/ModelImage) may have sides up to
# 8000 px, 10 MB of base64 or 20 MB behind a URL. MergeInfo's docstring gives the user image no upper bound
# (UNCONFIRMED): we apply the template's limits to it too.
ULTRA_MAX_SIDE_EXCLUSIVE = 8000
ULTRA_MAX_BASE64_BYTES = 10 * 1024 * 1024
ULTRA_MAX_URL_BYTES = 20 * 1024 * 1024
MAX_SWAP_MODEL_TYPE = 6  # SwapModelType 1..6


class ImageLimits(NamedTuple):
    """Per-action image limits: each side < ``max_side_exclusive``; base64 text and URL object sizes in bytes."""

    max_side_exclusive: int
    max_base64_bytes: int
    max_url_bytes: int


FUSEFACE_IMAGES = ImageLimits(MAX_SIDE_EXCLUSIVE, MAX_BASE64_BYTES, MAX_URL_BYTES)
ULTRA_IMAGES = ImageLimits(ULTRA_MAX_SIDE_EXCLUSIVE, ULTRA_MAX_BASE64_BYTES, ULTRA_MAX_URL_BYTES)


def base64_len(n_bytes: int) -> int:
    """Length of the base64 text of ``n_bytes`` bytes."""
    return 4 * ((n_bytes + 2) // 3)
