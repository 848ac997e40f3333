"""Tests for deconv_course.data.shifted_copies, against shifts written out with np.roll."""

import numpy as np
import pytest

from deconv_course import data
from deconv_course.data import shifted_copies


def _shift_reference(images, dy, dx):
    """image[i + dy, j + dx], zero outside: np.roll, then blank the wrapped-around row/column."""
    out = np.roll(images, shift=(-dy, -dx), axis=(-2, -1)).copy()
    if dy:
        out[..., -1 if dy > 0 else 0, :] = 0
    if dx:
        out[..., :, -1 if dx > 0 else 0] = 0
    return out


@pytest.mark.parametrize("shape", [(3, 1, 8, 8), (2, 3, 5, 7)])
def test_shifted_copies_are_the_nine_one_pixel_shifts(shape):
    images = np.random.default_rng(0).random(shape)
    labels = np.arange(shape[0])
    shifted, shifted_labels = shifted_copies(images, labels)
    n = shape[0]
    assert shifted.shape == (9 * n, *shape[1:]) and shifted_labels.shape == (9 * n,)
    for k, (dy, dx) in enumerate((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)):
        np.testing.assert_array_equal(shifted[k * n : (k + 1) * n], _shift_reference(images, dy, dx))
        np.testing.assert_array_equal(shifted_labels[k * n : (k + 1) * n], labels)
    np.testing.assert_array_equal(shifted[4 * n : 5 * n], images)  # the unshifted copy is in the middle


def test_shifted_copies_on_digits_and_bad_input():
    images, labels = data.digits()
    augmented, augmented_labels = shifted_copies(images[:100, None], labels[:100])
    assert augmented.shape == (900, 1, 8, 8) and augmented.dtype == images.dtype
    assert np.bincount(augmented_labels).tolist() == (9 * np.bincount(labels[:100])).tolist()
    assert "shifted_copies" in data.__all__
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        shifted_copies(images[:10], labels[:10])
    with pytest.raises(ValueError, match="one label per image"):
        shifted_copies(images[:10, None], labels[:9])
