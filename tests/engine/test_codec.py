"""engine.codec: header checks before decoding, EXIF orientation, alpha/grey handling, JPEG encoding."""

from __future__ import annotations

import io
import struct
import time
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from fuseface_local.engine import codec
from fuseface_local.engine.errors import FusionError

from ..support.paths import asset


def _png(arr: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", arr)
    assert ok
    return buf.tobytes()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG signature + a valid IHDR chunk claiming ``width`` x ``height`` and one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 64)
    body += struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    return b"\x89PNG\r\n\x1a\n" + body


@pytest.fixture()
def no_decode(monkeypatch):
    """Fail the test if anything reaches the pixel decoder."""

    def boom(*_a, **_k):
        raise AssertionError("cv2.imdecode must not be called")

    monkeypatch.setattr(codec.cv2, "imdecode", boom)


def test_decode_jpeg_returns_bgr_uint8():
    img = codec.decode(asset("obama.jpg"))
    assert img.shape == (1137, 910, 3)
    assert img.dtype == np.uint8
    assert img.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize("side", [100000, 65535])
def test_png_bomb_header_refused_before_decoding(no_decode, side):
    data = _png_header_only(side, side)
    start = time.perf_counter()
    with pytest.raises(FusionError) as err:
        codec.decode(data)
    assert err.value.code == "FailedOperation.ImagePixelExceed"
    assert time.perf_counter() - start < 0.5


def test_jpeg_claiming_huge_frame_refused_before_decoding(no_decode):
    data = bytearray(asset("astronaut.jpg"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60000, 60000)
    with pytest.raises(FusionError) as err:
        codec.decode(bytes(data))
    assert err.value.code == "FailedOperation.ImagePixelExceed"


@pytest.mark.parametrize("size", [(4096, 100), (100, 4096)])
def test_side_of_4096_is_pixel_exceed(no_decode, size):
    with pytest.raises(FusionError) as err:
        codec.decode(_png_header_only(*size))
    assert err.value.code == "FailedOperation.ImagePixelExceed"


@pytest.mark.parametrize("size", [(64, 200), (200, 64), (10, 10)])
def test_side_of_64_or_less_is_too_small(size):
    w, h = size
    with pytest.raises(FusionError) as err:
        codec.decode(_png(np.full((h, w, 3), 128, np.uint8)))
    assert err.value.code == "FailedOperation.ImageResolutionTooSmall"


def test_side_of_65_is_accepted():
    assert codec.decode(_png(np.full((65, 65, 3), 7, np.uint8))).shape == (65, 65, 3)


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 100), (255, 0, 0)).save(out, format="GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world, not an image", bytes(range(256)) * 8, _gif(), b"\x89PNG\r\n\x1a\n\x00\x00"],
    ids=["empty", "text", "garbage", "gif", "truncated-png"],
)
def test_not_jpg_or_png_is_decode_failed(data):
    with pytest.raises(FusionError) as err:
        codec.decode(data)
    assert err.value.code == "FailedOperation.ImageDecodeFailed"


def test_corrupt_body_with_valid_header_is_decode_failed():
    data = _png_header_only(300, 200)  # IDAT far too short for 300x200
    with pytest.raises(FusionError) as err:
        codec.decode(data)
    assert err.value.code == "FailedOperation.ImageDecodeFailed"


def test_rgba_png_is_composited_on_white():
    rgba = np.zeros((80, 100, 4), np.uint8)
    rgba[:, :50] = (0, 0, 255, 255)  # opaque red (BGRA) on the left, fully transparent on the right
    img = codec.decode(_png(rgba))
    assert img.shape == (80, 100, 3)
    assert (img[:, :50] == (0, 0, 255)).all()
    assert (img[:, 50:] == 255).all()


def test_grey_and_16bit_png_become_bgr_uint8():
    grey = np.tile(np.arange(100, dtype=np.uint8), (70, 1))
    img = codec.decode(_png(grey))
    assert img.shape == (70, 100, 3) and img.dtype == np.uint8
    assert (img[:, :, 0] == grey).all() and (img[:, :, 2] == grey).all()
    deep = (grey.astype(np.uint16) * 257)[:, :, None].repeat(3, axis=2)
    assert (codec.decode(_png(deep))[:, :, 1] == grey).all()


def _oriented_jpeg(upright: Image.Image, orientation: int) -> bytes:
    """A JPEG whose stored pixels need ``orientation`` to look like ``upright``."""
    inverse = {
        1: None,
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    stored = upright.transpose(inverse) if inverse is not None else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    stored.save(out, format="JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(orientation):
    upright = np.zeros((120, 200, 3), np.uint8)
    upright[:40, :60] = (255, 0, 0)  # a red block top-left, a green bar at the bottom: no symmetry
    upright[100:, :] = (0, 255, 0)
    pil = Image.fromarray(upright)
    data = _oriented_jpeg(pil, orientation)
    # Pillow's own transpose is the reference for what each orientation means
    reference = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))[:, :, ::-1]
    img = codec.decode(data)
    assert img.shape == (120, 200, 3)
    assert np.abs(img.astype(int) - reference.astype(int)).mean() < 3
    assert np.abs(img.astype(int) - upright[:, :, ::-1].astype(int)).mean() < 3


def test_encode_jpeg_round_trip():
    img = codec.decode(asset("astronaut.jpg"))
    data = codec.encode_jpeg(img)
    assert data[:2] == b"\xff\xd8"
    again = codec.decode(data)
    assert again.shape == img.shape
    assert np.abs(again.astype(int) - img.astype(int)).mean() < 2.0


def test_encode_jpeg_rejects_wrong_arrays():
    with pytest.raises(ValueError):
        codec.encode_jpeg(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError):
        codec.encode_jpeg(np.zeros((10, 10, 3), np.float32))
