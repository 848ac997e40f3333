"""SSIM: equal to scikit-image with the same parameters, and to its formula computed by hand."""

import ast
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage
from skimage import metrics

from deconv_course import data
from deconv_course import restoration as R


def images():
    camera = data.camera(48)
    rng = np.random.default_rng(0)
    return {
        "camera+noise": (camera, np.clip(R.add_gaussian_noise(camera, 0.05, seed=1), 0, 1)),
        "camera+blur": (camera, R.blur(camera, R.gaussian_psf(7, 1.5), "reflect")),
        "random+offset": (rng.random((30, 40)), np.clip(rng.random((30, 40)) * 0.5 + 0.3, 0, 1)),
    }


@pytest.mark.parametrize("name", sorted(images()))
@pytest.mark.parametrize("win_size, gaussian", [(7, False), (11, True), (3, False)])
@pytest.mark.parametrize("data_range", [None, 2.0])
def test_ssim_equals_skimage_with_the_same_parameters(name, win_size, gaussian, data_range):
    a, b = images()[name]
    expected = metrics.structural_similarity(
        a,
        b,
        data_range=1.0 if data_range is None else data_range,
        win_size=win_size,
        gaussian_weights=gaussian,
    )
    assert R.ssim(a, b, data_range=data_range, win_size=win_size, gaussian_weights=gaussian) == pytest.approx(
        expected, abs=1e-12
    )


@pytest.mark.parametrize("name", sorted(images()))
def test_ssim_is_the_mean_of_luminance_times_contrast_structure_over_windows(name):
    a, b = images()[name]
    c1, c2, win = 0.01**2, 0.03**2, 7
    n = win * win
    mean = lambda v: ndimage.uniform_filter(v, win)  # noqa: E731
    mu_a, mu_b = mean(a), mean(b)
    cov = n / (n - 1)  # sample covariances, as scikit-image
    var_a, var_b = cov * (mean(a * a) - mu_a**2), cov * (mean(b * b) - mu_b**2)
    cov_ab = cov * (mean(a * b) - mu_a * mu_b)
    s = ((2 * mu_a * mu_b + c1) * (2 * cov_ab + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    pad = (win - 1) // 2
    assert R.ssim(a, b) == pytest.approx(s[pad:-pad, pad:-pad].mean(), abs=1e-10)


def test_ssim_colour_and_its_bounds():
    colour = data.astronaut(gray=False, size=32)
    noisy = np.clip(R.add_gaussian_noise(colour, 0.1, seed=2), 0, 1)
    assert R.ssim(colour, noisy) == pytest.approx(
        metrics.structural_similarity(colour, noisy, data_range=1.0, channel_axis=-1)
    )
    assert R.ssim(colour, colour) == pytest.approx(1.0)
    assert R.ssim(colour, noisy) < R.ssim(colour, np.clip(R.add_gaussian_noise(colour, 0.02, seed=2), 0, 1))


@pytest.mark.parametrize(
    "kwargs, error, fragment",
    [
        ({"win_size": 4}, ValueError, "win_size=4 must be an odd"),
        ({"win_size": 1}, ValueError, "win_size=1"),
        ({"win_size": 7.0}, TypeError, "win_size"),
        ({"gaussian_weights": 1}, TypeError, "gaussian_weights"),
        ({"win_size": 99}, ValueError, "99x99"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, fragment):
    a = data.camera(32)
    with pytest.raises(error, match=fragment):
        R.ssim(a, a, **kwargs)


REFERENCES = {
    "parameters.py": ["Morozov", "Golub", "Hansen"],
    "tv.py": ["Rudin", "Boyd", "Chambolle"],
    "blind.py": ["Fish", "Ayers"],
    "metrics.py": ["Wang"],
    "iterative.py": ["Shepp", "Bertero"],
    "boundaries.py": ["Kaipio", "edgetaper"],
    "forward.py": ["Taught in"],
}


@pytest.mark.parametrize("module", sorted(REFERENCES))
def test_new_public_functions_cite_their_papers_and_name_a_notebook(module):
    path = Path(R.__file__).parent / module
    text = path.read_text(encoding="utf-8")
    for author in REFERENCES[module]:
        assert author in text, (module, author)
    tree = ast.parse(text)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            doc = ast.get_docstring(node) or ""
            assert "Taught in notebooks/" in doc, (module, node.name)
            assert "Parameters" in doc or "(" in doc.splitlines()[0], (module, node.name)
