"""The fast statistics helpers of ``colour`` against numpy's own functions (the reference we did not write): they
must agree bit for bit, as the engine's output depends on them."""

from __future__ import annotations

import numpy as np
import pytest

from fuseface_local.engine.colour import channel_rows, median, percentile


def _samples():
    rng = np.random.default_rng(11)
    yield rng.random(1).astype(np.float32)
    yield rng.integers(0, 4, 257).astype(np.float32)  # many ties
    yield (rng.normal(size=5999) * 30.0).astype(np.float32)
    yield rng.random(1000) * 255.0  # float64
    yield rng.random(12).astype(np.float32)


@pytest.mark.parametrize("q", [[8.0, 94.0], [10.0, 92.0], [0.0, 100.0], [50.0], [99.99]])
def test_percentile_is_numpys_bit_for_bit(q):
    for a in _samples():
        got, want = percentile(a, q), np.percentile(a, q)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes(), (len(a), q, got, want)


def test_median_is_numpys_bit_for_bit_along_either_axis():
    rng = np.random.default_rng(5)
    for n, dtype in ((1, np.float32), (2, np.float32), (7, np.float64), (600, np.float32), (601, np.float64),
                     (8, np.int32)):
        a = (rng.normal(size=(n, 3)) * 20.0).astype(dtype)
        assert median(a, axis=0).tobytes() == np.median(a, axis=0).tobytes()
        assert median(a.T, axis=1).tobytes() == np.median(a.T, axis=1).tobytes()
        assert median(a[:, 0]).tobytes() == np.median(a[:, 0]).tobytes()


def test_channel_rows_are_the_masked_pixels_in_raster_order():
    img = np.arange(4 * 5 * 3, dtype=np.float32).reshape(4, 5, 3)
    mask = np.zeros((4, 5), bool)
    mask[1, 3] = mask[2, 0] = mask[3, 4] = True
    rows = channel_rows(img, mask, at_least=2)
    assert rows.shape == (3, 3)
    assert rows.tolist() == [[24.0, 30.0, 57.0], [25.0, 31.0, 58.0], [26.0, 32.0, 59.0]]
    assert rows.flags.c_contiguous


def test_channel_rows_fall_back_to_every_pixel_when_too_few_are_set():
    img = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)
    rows = channel_rows(img, np.eye(2, 3, dtype=bool), at_least=3)
    assert rows.tolist() == [[0.0, 2.0, 4.0, 6.0, 8.0, 10.0], [1.0, 3.0, 5.0, 7.0, 9.0, 11.0]]
