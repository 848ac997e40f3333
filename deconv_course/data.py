"""Offline images and data sets for the course; nothing is ever downloaded.

Every image comes from files that ship inside the scikit-image wheel
(``skimage.data.camera()`` and friends read a PNG/JPEG next to the module,
they do not fetch), the digits come from scikit-learn's wheel
(``sklearn.datasets.load_digits``), and :func:`test_pattern` is drawn here.
Images that scikit-image would download (eagle, cells3d, brain, kidney, ...)
and ``scipy.datasets`` are never used.

All images are float64 arrays scaled to [0, 1]. Loaded images are cached, and
every call returns a fresh copy, so changing a returned array in place never
changes what the next caller gets.

Taught in notebooks/00_start_here.ipynb (where the data comes from) and used
throughout the notebooks.
"""

from __future__ import annotations

import functools

import numpy as np

from ._checks import IntOrPair, check_choice, check_flag, check_pair

__all__ = [
    "camera",
    "astronaut",
    "shepp_logan",
    "test_pattern",
    "training_images",
    "TRAINING_IMAGE_NAMES",
    "digits",
    "source_example",
]

#: The bundled scikit-image images used by :func:`training_images`. ``camera``
#: is deliberately absent: it is the held-out test image of the course.
TRAINING_IMAGE_NAMES = (
    "astronaut",
    "brick",
    "cell",
    "chelsea",
    "clock",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "hubble_deep_field",
    "moon",
    "page",
    "rocket",
    "text",
)


def _resize(image: np.ndarray, size) -> np.ndarray:
    """Resize the first two axes of ``image`` to ``size`` (anti-aliased, range kept)."""
    from skimage.transform import resize

    shape = check_pair(size, "size", minimum=1)
    out_shape = shape + image.shape[2:]
    if out_shape == image.shape:
        return image.copy()
    return resize(image, out_shape, order=1, mode="reflect", anti_aliasing=True, preserve_range=True).astype(
        np.float64
    )


def _crop_to_aspect(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Central crop of ``image`` with the aspect ratio of ``shape`` (no distortion on resize)."""
    h, w = image.shape[:2]
    target = shape[1] / shape[0]
    if w / h > target:  # too wide: crop columns
        new_w = max(1, round(h * target))
        left = (w - new_w) // 2
        return image[:, left : left + new_w]
    new_h = max(1, round(w / target))
    top = (h - new_h) // 2
    return image[top : top + new_h]


@functools.cache
def _load_skimage(name: str, gray: bool) -> np.ndarray:
    """Load one bundled scikit-image image as float64 in [0, 1] (cached; do not modify)."""
    from skimage import color, data, util

    check_choice(name, "name", ("camera", "shepp_logan_phantom", *TRAINING_IMAGE_NAMES))
    image = util.img_as_float64(getattr(data, name)())
    if gray and image.ndim == 3:
        if image.shape[2] == 4:  # drop alpha
            image = color.rgba2rgb(image)
        image = color.rgb2gray(image)
    image = np.clip(image, 0.0, 1.0)
    image.flags.writeable = False  # the cached master copy
    return image


@functools.cache
def _load_resized(name: str, gray: bool, shape) -> np.ndarray:
    image = _load_skimage(name, gray)
    if shape is not None:
        image = np.clip(_resize(image, shape), 0.0, 1.0)
        image.flags.writeable = False
    return image


def camera(size: IntOrPair | None = None) -> np.ndarray:
    """The 512×512 "cameraman" test image, grey, float64 in [0, 1].

    Parameters
    ----------
    size : int or (int, int), optional
        Resize to ``(size, size)`` (or the given pair) with
        ``skimage.transform.resize`` (bilinear, anti-aliased). ``None`` keeps 512×512.

    Returns
    -------
    image : (H, W) ndarray of float64, values in [0, 1]

    Notes
    -----
    Ships inside scikit-image (``skimage.data.camera``); no download. The course
    holds it out from :func:`training_images` so it can serve as a test image.
    Used from notebooks/01_background.ipynb onwards.

    Examples
    --------
    >>> camera().shape, camera(128).shape
    ((512, 512), (128, 128))
    """
    shape = None if size is None else check_pair(size, "size", minimum=1)
    return _load_resized("camera", True, shape).copy()


def astronaut(gray: bool = True, size: IntOrPair | None = None) -> np.ndarray:
    """The astronaut (Eileen Collins) photograph, float64 in [0, 1].

    Parameters
    ----------
    gray : bool, default True
        ``True`` gives a (H, W) grey image (``skimage.color.rgb2gray``),
        ``False`` the (H, W, 3) colour image.
    size : int or (int, int), optional
        Resize the first two axes; ``None`` keeps 512×512.

    Returns
    -------
    image : (H, W) or (H, W, 3) ndarray of float64, values in [0, 1]

    Notes
    -----
    Ships inside scikit-image (``skimage.data.astronaut``); no download.
    Used in notebooks/05_trends_and_challenges.ipynb (a held-out image) and notebooks/05b_upsampling_and_checkerboards.ipynb.
    """
    gray = check_flag(gray, "gray")
    shape = None if size is None else check_pair(size, "size", minimum=1)
    return _load_resized("astronaut", gray, shape).copy()


def shepp_logan(size: IntOrPair | None = None) -> np.ndarray:
    """The Shepp-Logan phantom: a piecewise-constant test image, grey, float64 in [0, 1].

    Parameters
    ----------
    size : int or (int, int), optional
        Resize to ``(size, size)`` (or the given pair) with
        ``skimage.transform.resize`` (bilinear, anti-aliased). ``None`` keeps 400×400.

    Returns
    -------
    image : (H, W) ndarray of float64, values in [0, 1]

    Notes
    -----
    Ships inside scikit-image (``skimage.data.shepp_logan_phantom``); no download.
    Ellipses of constant intensity on a black background (Shepp & Logan 1974):
    the image total-variation regularisation is made for.
    Used in notebooks/03b_restoration_algorithms.ipynb for TV deconvolution.

    References
    ----------
    .. [1] L. A. Shepp and B. F. Logan, "The Fourier reconstruction of a head
       section", IEEE Trans. Nucl. Sci. 21(3):21-43 (1974).

    Examples
    --------
    >>> shepp_logan().shape, shepp_logan(128).shape
    ((400, 400), (128, 128))
    """
    shape = None if size is None else check_pair(size, "size", minimum=1)
    return _load_resized("shepp_logan_phantom", True, shape).copy()


def test_pattern(size: IntOrPair = 64) -> np.ndarray:
    """A synthetic grey test chart: bars, a disc, a square, a ramp and two points.

    Parameters
    ----------
    size : int or (int, int), default 64
        Height and width; at least 8 in each dimension.

    Returns
    -------
    image : (H, W) ndarray of float64, values in [0, 1]

    Notes
    -----
    Drawn on a grid of normalised coordinates ``(u, v)`` in [0, 1), so every
    size shows the same picture. Top left: vertical bars getting narrower
    (what blur destroys first); top right: a bright disc (a round edge);
    bottom left: a grey square (straight edges); bottom right: a horizontal
    ramp (smooth region, where ringing shows) with two single bright pixels
    (point sources: their blurred copies *are* the PSF). Background 0.1.
    Deterministic, no randomness. Used in notebooks/03b_restoration_algorithms.ipynb.

    Examples
    --------
    >>> img = test_pattern(32)
    >>> img.shape, float(img.min()) >= 0.0, float(img.max()) <= 1.0
    ((32, 32), True, True)
    """
    h, w = check_pair(size, "size", minimum=8)
    v, u = np.meshgrid((np.arange(h) + 0.5) / h, (np.arange(w) + 0.5) / w, indexing="ij")
    image = np.full((h, w), 0.1)

    # top left: bars whose period shrinks from left to right (a chirp)
    top_left = (v < 0.45) & (u < 0.45) & (v > 0.05) & (u > 0.05)
    phase = 2 * np.pi * (3 * u + 12 * u**2)
    image[top_left & (np.cos(phase) > 0)] = 0.9

    # top right: a disc
    disc = (v - 0.25) ** 2 + (u - 0.75) ** 2 < 0.18**2
    image[disc] = 1.0

    # bottom left: a grey square
    square = (v > 0.6) & (v < 0.9) & (u > 0.1) & (u < 0.4)
    image[square] = 0.6

    # bottom right: a horizontal ramp from 0.2 to 0.8
    ramp = (v > 0.55) & (v < 0.95) & (u > 0.55) & (u < 0.95)
    image[ramp] = 0.2 + 0.6 * (u[ramp] - 0.55) / 0.4

    # two point sources just above the ramp
    image[int(0.5 * h), int(0.6 * w)] = 1.0
    image[int(0.5 * h), int(0.85 * w)] = 1.0
    return image


def training_images(size: IntOrPair = 128) -> list[np.ndarray]:
    """Grey training images from scikit-image's bundled set (camera held out).

    Parameters
    ----------
    size : int or (int, int), default 128
        Each image is cropped centrally to this aspect ratio, then resized
        (anti-aliased) to this size.

    Returns
    -------
    images : list of (H, W) ndarrays of float64, values in [0, 1]
        One per name in :data:`TRAINING_IMAGE_NAMES`, in that order.

    Notes
    -----
    All ship inside the scikit-image wheel; no download. ``camera`` is never
    among them, so a model trained on these can be tested fairly on
    :func:`camera`. Used in notebooks/04_code_examples.ipynb.
    """
    shape = check_pair(size, "size", minimum=1)
    return [_training_image(name, shape).copy() for name in TRAINING_IMAGE_NAMES]


@functools.cache
def _training_image(name: str, shape: tuple[int, int]) -> np.ndarray:
    image = _crop_to_aspect(_load_skimage(name, True), shape)
    image = np.clip(_resize(image, shape), 0.0, 1.0)
    image.flags.writeable = False
    return image


@functools.lru_cache(maxsize=1)
def _load_digits():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)  # pixel values are 0..16
    labels = bunch.target.astype(np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's handwritten digits: 1797 images of 8×8 pixels and their labels.

    Returns
    -------
    images : (1797, 8, 8) ndarray of float32, values in [0, 1]
        The original 0..16 grey levels divided by 16.
    labels : (1797,) ndarray of int64, values 0..9

    Notes
    -----
    Ships inside scikit-learn (``sklearn.datasets.load_digits``); no download.
    Small enough to train the source document's CNN on a CPU in seconds.
    Used in notebooks/01b_deconvnet_2014.ipynb, notebooks/02_core_concepts.ipynb and notebooks/04_code_examples.ipynb.

    Examples
    --------
    >>> images, labels = digits()
    >>> images.shape, images.dtype, labels[:5]
    ((1797, 8, 8), dtype('float32'), array([0, 1, 2, 3, 4]))
    """
    images, labels = _load_digits()
    return images.copy(), labels.copy()


def source_example() -> tuple[np.ndarray, np.ndarray]:
    """The source document's arrays: the 3×3 image 1..9 and the kernel ``[[1, 0, -1]] * 3``.

    Returns
    -------
    image : (3, 3) ndarray of int64
        ``[[1, 2, 3], [4, 5, 6], [7, 8, 9]]``
    kernel : (3, 3) ndarray of int64
        ``[[1, 0, -1], [1, 0, -1], [1, 0, -1]]``, a vertical-edge kernel.

    Notes
    -----
    With zero padding 1, cross-correlation ('same', what ``F.conv2d(padding=1)``
    computes) gives ``[[-7, -4, 7], [-15, -6, 15], [-13, -4, 13]]``; true
    convolution gives the negatives. Integer arrays, as in the document.
    Taught in notebooks/02_core_concepts.ipynb and notebooks/04_code_examples.ipynb.
    """
    image = np.arange(1, 10, dtype=np.int64).reshape(3, 3)
    kernel = np.array([[1, 0, -1]] * 3, dtype=np.int64)
    return image, kernel


# pytest collects any imported function named ``test_*``; this one is data, not a test.
test_pattern.__test__ = False


def shifted_copies(images, labels) -> tuple[np.ndarray, np.ndarray]:
    """Data augmentation: the nine one-pixel shifts (including no shift) of every image.

    A handwritten 3 shifted by one pixel is still a 3, so each image comes back nine
    times: ``shifted[k N + n, :, i, j] = images[n, :, i + dy, j + dx]`` for every
    ``dy, dx`` in {-1, 0, +1}, with zeros where ``i + dy`` or ``j + dx`` leaves the image.

    Parameters
    ----------
    images : (N, C, H, W) array_like
        A batch of images (the digits as ``images[:, None]``).
    labels : (N,) array_like
        One label per image.

    Returns
    -------
    shifted : (9 N, C, H, W) ndarray
        Shift ``(dy, dx)`` number ``3 (dy + 1) + (dx + 1)`` is block ``[k N : (k + 1) N]``,
        so the unshifted copy is block 4, in the middle.
    labels : (9 N,) ndarray
        ``labels`` repeated nine times in the same order.

    Taught in notebooks/05_trends_and_challenges.ipynb and notebooks/06_faq.ipynb.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 4:
        raise ValueError(f"images of shape {images.shape} must be (N, C, H, W)")
    if labels.shape != images.shape[:1]:
        raise ValueError(f"labels of shape {labels.shape} must be ({images.shape[0]},), one label per image")
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
    h, w = images.shape[-2:]
    shifted = [
        padded[..., 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1)
    ]
    return np.concatenate(shifted), np.tile(labels, 9)


__all__.append("shifted_copies")
