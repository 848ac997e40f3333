"""deconv_course.data: offline images, checked against scikit-image / scikit-learn themselves."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy import signal
from skimage import color
from skimage import data as skdata
from sklearn.datasets import load_digits

from deconv_course import data


def test_camera_is_skimage_camera_scaled_to_unit_range():
    image = data.camera()
    assert image.shape == (512, 512) and image.dtype == np.float64
    np.testing.assert_allclose(image, skdata.camera() / 255.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize("size, shape", [(128, (128, 128)), ((100, 60), (100, 60)), (512, (512, 512))])
def test_camera_resized(size, shape):
    image = data.camera(size)
    assert image.shape == shape and image.dtype == np.float64
    assert image.min() >= 0.0 and image.max() <= 1.0
    # resizing (anti-aliased, bilinear) keeps the mean brightness
    assert abs(image.mean() - skdata.camera().mean() / 255.0) < 0.01


def test_returned_arrays_are_copies_of_the_cache():
    first = data.camera(64)
    first[:] = -1.0
    assert data.camera(64).min() >= 0.0
    images = data.training_images(32)
    images[0][:] = 7.0
    assert data.training_images(32)[0].max() <= 1.0
    digits, labels = data.digits()
    digits[:] = 5.0
    labels[:] = 11
    assert data.digits()[0].max() <= 1.0 and data.digits()[1].max() == 9


def test_astronaut_grey_and_colour():
    np.testing.assert_allclose(data.astronaut(), color.rgb2gray(skdata.astronaut()), atol=1e-12)
    rgb = data.astronaut(gray=False)
    assert rgb.shape == (512, 512, 3)
    np.testing.assert_allclose(rgb, skdata.astronaut() / 255.0, rtol=0, atol=1e-15)
    assert data.astronaut(gray=False, size=64).shape == (64, 64, 3)
    assert data.astronaut(size=(32, 48)).shape == (32, 48)


def test_shepp_logan_is_skimage_phantom():
    np.testing.assert_allclose(data.shepp_logan(), skdata.shepp_logan_phantom(), rtol=0, atol=1e-15)
    small = data.shepp_logan(128)
    assert small.shape == (128, 128) and small.dtype == np.float64
    assert small.min() >= 0.0 and small.max() <= 1.0
    assert abs(small.mean() - skdata.shepp_logan_phantom().mean()) < 0.01
    assert data.shepp_logan((64, 32)).shape == (64, 32)
    with pytest.raises(TypeError, match="size"):
        data.shepp_logan(2.5)
    with pytest.raises(ValueError, match="size"):
        data.shepp_logan(0)


def test_test_pattern_is_deterministic_and_in_range():
    for size in (8, 64, (40, 96)):
        image = data.test_pattern(size)
        expected = (size, size) if isinstance(size, int) else size
        assert image.shape == expected and image.dtype == np.float64
        assert image.min() >= 0.0 and image.max() <= 1.0
        np.testing.assert_array_equal(image, data.test_pattern(size))
    image = data.test_pattern(64)
    # bars (0.9), disc (1.0), square (0.6), ramp and background (0.1) are all there
    for level in (0.1, 0.6, 0.9, 1.0):
        assert np.any(np.isclose(image, level))
    assert len(np.unique(image)) > 10  # the ramp


def test_test_pattern_is_not_collected_by_pytest():
    assert data.test_pattern.__test__ is False


def test_training_images_hold_out_camera():
    images = data.training_images(48)
    assert len(images) == len(data.TRAINING_IMAGE_NAMES) >= 8
    assert "camera" not in data.TRAINING_IMAGE_NAMES
    held_out = data.camera(48)
    for image in images:
        assert image.shape == (48, 48) and image.dtype == np.float64
        assert image.min() >= 0.0 and image.max() <= 1.0
        assert image.std() > 0.01  # not blank
        assert np.abs(image - held_out).mean() > 0.02
    assert data.training_images((24, 40))[0].shape == (24, 40)


def test_digits_match_sklearn():
    images, labels = data.digits()
    reference = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int64
    np.testing.assert_allclose(images, reference.images / 16.0, rtol=1e-6)
    np.testing.assert_array_equal(labels, reference.target)
    assert images.min() == 0.0 and images.max() == 1.0


def test_source_example_and_its_correct_results():
    image, kernel = data.source_example()
    np.testing.assert_array_equal(image, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    np.testing.assert_array_equal(kernel, [[1, 0, -1]] * 3)
    assert image.dtype.kind == "i" and kernel.dtype.kind == "i"
    # FACTS.md: 'same' cross-correlation with zero padding, and convolution is its negative
    expected = np.array([[-7, -4, 7], [-15, -6, 15], [-13, -4, 13]])
    np.testing.assert_array_equal(signal.correlate2d(image, kernel, mode="same"), expected)
    np.testing.assert_array_equal(signal.convolve2d(image, kernel, mode="same"), -expected)


@pytest.mark.parametrize(
    "bad, error",
    [
        (0, ValueError),
        (-3, ValueError),
        (2.5, TypeError),
        ("64", TypeError),
        ((1, 2, 3), TypeError),
        (True, TypeError),
    ],
)
def test_bad_sizes(bad, error):
    with pytest.raises(error, match="size"):
        data.camera(bad)
    with pytest.raises(error, match="size"):
        data.training_images(bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match="size"):
        data.test_pattern(4)
    with pytest.raises(TypeError, match="gray"):
        data.astronaut(gray="yes")


def test_everything_loads_without_network():
    code = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise RuntimeError("network access attempted")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from deconv_course import data
        data.camera(); data.astronaut(gray=False); data.training_images(16)
        data.digits(); data.test_pattern(); data.source_example(); data.shepp_logan()
        print("offline ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "offline ok" in result.stdout
