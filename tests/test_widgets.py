"""Drive each explorer without a browser: set control values (ipywidgets runs observers
synchronously) and check what the explorer now shows against PyTorch, SciPy and
scikit-image."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import skimage.metrics
import skimage.restoration
import torch
import torch.nn.functional as F

ipywidgets = pytest.importorskip("ipywidgets")

from deconv_course import widgets  # noqa: E402

SOURCE_IMAGE = np.arange(1, 10, dtype=float).reshape(3, 3)
SOURCE_KERNEL = np.array([[1, 0, -1]] * 3, dtype=float)


def _torch_shape(i, k, s=1, p=0, d=1, op=0, transposed=False):
    x, w = torch.zeros(1, 1, i, i), torch.zeros(1, 1, k, k)
    try:
        if transposed:
            return tuple(
                F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d).shape[2:]
            )
        return tuple(F.conv2d(x, w, stride=s, padding=p, dilation=d).shape[2:])
    except RuntimeError:
        return None


def _plain(explorer):
    return explorer.state["text"]


# ------------------------------------------------------------------ arithmetic explorer


@pytest.fixture(scope="module")
def arithmetic():
    return widgets.arithmetic_explorer()


def test_arithmetic_explorer_is_a_widget_with_named_controls(arithmetic):
    assert isinstance(arithmetic, ipywidgets.VBox)
    assert {
        "transposed",
        "input_size",
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "output_padding",
        "step",
    } <= set(arithmetic.controls)
    assert arithmetic.last_result is arithmetic.state


def test_arithmetic_explorer_follows_torch_when_controls_change(arithmetic):
    arithmetic.set_values(
        transposed=False,
        input_size=4,
        kernel_size=3,
        stride=1,
        padding=0,
        dilation=1,
        output_padding=0,
        step=0,
    )
    assert arithmetic.state["output_shape"] == _torch_shape(4, 3) == (2, 2)
    png_before, updates = arithmetic.figure.value, arithmetic.num_updates
    arithmetic.controls["stride"].value = 2
    assert arithmetic.num_updates == updates + 1
    assert arithmetic.state["output_shape"] == _torch_shape(4, 3, 2) == (1, 1)
    assert "output shape (arithmetic): 1x1" in _plain(arithmetic)
    assert "output shape (PyTorch):    1x1" in _plain(arithmetic)
    assert "1x1" in arithmetic.text.value
    assert arithmetic.figure.value != png_before
    assert arithmetic.controls["step"].max == 0


@pytest.mark.parametrize("transposed", [False, True])
def test_arithmetic_explorer_grid_matches_torch(arithmetic, transposed):
    # A few legal and illegal corners; the full grid is tested on the pure functions
    # in test_plotting.py.
    for i, k, s, p, d in [
        (5, 3, 2, 0, 1),
        (2, 3, 1, 0, 1),
        (5, 3, 3, 2, 2),
        (2, 1, 2, 0, 1),
        (5, 3, 1, 0, 2),
        (2, 3, 3, 2, 1),
    ]:
        op = 1 if transposed and s > 1 else 0
        arithmetic.set_values(
            transposed=transposed,
            input_size=i,
            kernel_size=k,
            stride=s,
            padding=p,
            dilation=d,
            output_padding=op,
            step=0,
        )
        expected = _torch_shape(i, k, s, p, d, op, transposed)
        state = arithmetic.state
        if expected is None:
            assert state["error"] is not None and state["torch_error"] is not None
            assert arithmetic.figure.layout.display == "none"
        else:
            assert state["error"] is None, state["text"]
            assert state["output_shape"] == expected
            assert state["torch_shape"][2:] == expected
            assert arithmetic.controls["step"].max == expected[0] * expected[1] - 1
            assert arithmetic.figure.layout.display is None


def test_arithmetic_explorer_shows_error_messages_not_tracebacks(arithmetic):
    arithmetic.set_values(
        transposed=True,
        input_size=4,
        kernel_size=3,
        stride=2,
        padding=0,
        dilation=1,
        output_padding=1,
        step=0,
    )
    assert arithmetic.state["error"] is None
    arithmetic.controls["output_padding"].value = 2  # illegal: must be < stride or dilation
    state = arithmetic.state
    assert _torch_shape(4, 3, 2, 0, 1, 2, True) is None
    assert "output_padding" in state["error"] and "stride" in state["error"]
    assert "error (PyTorch): RuntimeError" in state["text"]
    assert "deconv-error" in arithmetic.text.value and "Traceback" not in arithmetic.text.value
    assert arithmetic.figure.layout.display == "none"
    arithmetic.controls["output_padding"].value = 1  # back to legal: the figure returns
    assert arithmetic.state["error"] is None and arithmetic.figure.layout.display is None
    arithmetic.set_values(
        transposed=False, input_size=2, kernel_size=5, stride=1, padding=0, dilation=1, output_padding=0
    )
    assert arithmetic.state["output_shape"] is None
    assert "ValueError" in arithmetic.state["text"]


def test_arithmetic_step_moves_the_drawn_footprint(arithmetic):
    arithmetic.set_values(
        transposed=False,
        input_size=5,
        kernel_size=3,
        stride=1,
        padding=0,
        dilation=1,
        output_padding=0,
        step=0,
    )
    first = arithmetic.state["layout"]["footprint"]
    arithmetic.controls["step"].value = 4  # output pixel (1, 1) of 3x3
    assert arithmetic.state["layout"]["output_index"] == (1, 1)
    assert arithmetic.state["layout"]["footprint"] == [(r + 1, c + 1) for r, c in first]


def test_arithmetic_demo_pure_function_reports_both_errors():
    state = widgets.arithmetic_demo(3, 5)
    assert state["output_shape"] is None and state["torch_shape"] is None
    assert "kernel" in state["error"].lower() or "output size" in state["error"].lower()
    ok = widgets.arithmetic_demo(16, 5, stride=3, padding=2, transposed=True, output_padding=0)
    assert ok["output_shape"] == _torch_shape(16, 5, 3, 2, 1, 0, True)


# ------------------------------------------------------------------ kernel explorer


@pytest.fixture
def kernel():
    return widgets.kernel_explorer()


def test_kernel_explorer_starts_with_the_source_document_example(kernel):
    ref = F.conv2d(
        torch.tensor(SOURCE_IMAGE)[None, None], torch.tensor(SOURCE_KERNEL)[None, None], padding=1
    )[0, 0].numpy()
    np.testing.assert_allclose(ref, [[-7, -4, 7], [-15, -6, 15], [-13, -4, 13]])
    np.testing.assert_allclose(kernel.state["small_correlation"], ref)
    np.testing.assert_allclose(kernel.state["small_convolution"], -ref)
    np.testing.assert_allclose(kernel.kernel, SOURCE_KERNEL)
    assert kernel.state["differ"] is True
    assert "-7.00" in _plain(kernel) and "-15.00" in _plain(kernel)


def test_kernel_explorer_toggle_applies_true_convolution(kernel):
    kernel.controls["mode"].value = "convolve"
    image = kernel.state["image"]
    np.testing.assert_allclose(
        kernel.state["image_result"], scipy.signal.convolve2d(image, SOURCE_KERNEL, mode="same"), atol=1e-12
    )
    np.testing.assert_allclose(
        kernel.state["small_result"], scipy.signal.convolve2d(SOURCE_IMAGE, SOURCE_KERNEL, mode="same")
    )
    # ... which is cross-correlation with the flipped kernel.
    np.testing.assert_allclose(
        kernel.state["image_result"],
        scipy.signal.correlate2d(image, SOURCE_KERNEL[::-1, ::-1], mode="same"),
        atol=1e-12,
    )
    assert kernel.state["flip_gap"] < 1e-12
    kernel.controls["mode"].value = "correlate"
    np.testing.assert_allclose(
        kernel.state["image_result"], scipy.signal.correlate2d(image, SOURCE_KERNEL, mode="same"), atol=1e-12
    )


def test_typing_in_a_cell_changes_the_result_and_marks_custom(kernel):
    before = kernel.figure.value
    kernel.cells[0][0].value = 5.0
    expected_kernel = SOURCE_KERNEL.copy()
    expected_kernel[0, 0] = 5.0
    np.testing.assert_allclose(kernel.state["kernel"], expected_kernel)
    np.testing.assert_allclose(
        kernel.state["small_correlation"],
        scipy.signal.correlate2d(SOURCE_IMAGE, expected_kernel, mode="same"),
    )
    assert kernel.state["small_correlation"][1, 1] == pytest.approx(-2.0)
    assert kernel.controls["preset"].value == "custom"
    assert kernel.figure.value != before


def test_symmetric_presets_make_the_two_operations_agree(kernel):
    for name in ("identity", "box blur", "Gaussian", "Laplacian", "sharpen"):
        kernel.controls["preset"].value = name
        assert kernel.state["differ"] is False, name
        np.testing.assert_allclose(kernel.state["small_correlation"], kernel.state["small_convolution"])
    for name in ("Sobel x", "Sobel y", "source [[1,0,-1]]x3"):
        kernel.controls["preset"].value = name
        assert kernel.state["differ"] is True, name


@pytest.mark.parametrize("name, axis", [("Sobel x", 1), ("Sobel y", 0)])
def test_sobel_presets_match_scipy_ndimage(name, axis):
    image = np.random.default_rng(0).random((12, 12))
    ours = scipy.signal.correlate2d(image, widgets.kernel_preset(name), mode="valid")
    ref = scipy.ndimage.sobel(image, axis=axis)[1:-1, 1:-1]
    np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_presets_closed_forms():
    np.testing.assert_allclose(
        widgets.kernel_preset("Gaussian", 5), np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256
    )
    np.testing.assert_allclose(widgets.kernel_preset("box blur", 5), np.full((5, 5), 1 / 25))
    lap = widgets.kernel_preset("Laplacian")
    image = np.random.default_rng(1).random((9, 9))
    np.testing.assert_allclose(
        scipy.signal.correlate2d(image, lap, mode="valid"),
        scipy.ndimage.laplace(image)[1:-1, 1:-1],
        atol=1e-12,
    )
    with pytest.raises(ValueError, match="name='emboss'"):
        widgets.kernel_preset("emboss")
    with pytest.raises(ValueError, match="size=4"):
        widgets.kernel_preset("identity", 4)


def test_kernel_explorer_5x5(kernel):
    kernel.controls["preset"].value = "Gaussian"
    kernel.controls["size"].value = 5
    assert len(kernel.cells) == 5 and len(kernel.cells[0]) == 5
    np.testing.assert_allclose(kernel.state["kernel"], widgets.kernel_preset("Gaussian", 5), atol=1e-4)
    np.testing.assert_allclose(
        kernel.state["small_correlation"],
        scipy.signal.correlate2d(SOURCE_IMAGE, kernel.state["kernel"], mode="same"),
        atol=1e-12,
    )
    assert kernel.state["image_result"].shape == kernel.state["image"].shape


# ------------------------------------------------------------------ checkerboard explorer


def _torch_transposed_ones(k, s, n, layers):
    x = torch.ones(1, 1, n, n, dtype=torch.float64)
    for _ in range(layers):
        x = F.conv_transpose2d(x, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s)
    return x[0, 0].numpy()


def test_checkerboard_explorer_uneven_then_even():
    ex = widgets.checkerboard_explorer()
    n = ex.controls["input_size"].value
    np.testing.assert_allclose(ex.state["counts"], _torch_transposed_ones(3, 2, n, 1))
    assert ex.state["uniform"] is False
    assert (ex.state["interior_min"], ex.state["interior_max"]) == (1.0, 4.0)
    assert "UNEVEN" in _plain(ex)
    before = ex.figure.value
    ex.controls["kernel_size"].value = 4
    np.testing.assert_allclose(ex.state["counts"], _torch_transposed_ones(4, 2, n, 1))
    assert ex.state["uniform"] is True and ex.state["ratio"] == 1.0
    assert "no checkerboard" in _plain(ex)
    assert ex.figure.value != before
    interior = ex.state["normalized"][
        ex.state["margin"] : -ex.state["margin"], ex.state["margin"] : -ex.state["margin"]
    ]
    np.testing.assert_allclose(interior, 1.0)


def test_checkerboard_explorer_layers_and_methods():
    ex = widgets.checkerboard_explorer()
    ex.controls["num_layers"].value = 2
    n = ex.controls["input_size"].value
    np.testing.assert_allclose(ex.state["counts"], _torch_transposed_ones(3, 2, n, 2))
    ratio_two_layers = ex.state["ratio"]
    assert ratio_two_layers > 4.0  # stacking compounds the imbalance
    for method in ("resize_conv", "pixel_shuffle"):
        ex.controls["method"].value = method
        assert ex.state["uniform"] is True, method
    ex.set_values(method="resize_conv", num_layers=1, kernel_size=3, stride=2)
    x = torch.ones(1, 1, n, n, dtype=torch.float64)
    ref = F.conv2d(
        F.interpolate(x, scale_factor=2, mode="nearest"),
        torch.ones(1, 1, 3, 3, dtype=torch.float64),
        padding=1,
    )[0, 0].numpy()
    np.testing.assert_allclose(ex.state["counts"], ref)


# ------------------------------------------------------------------ restoration explorer


@pytest.fixture(scope="module")
def restoration_ex():
    return widgets.restoration_explorer()


def _crop_psnr(state, margin):
    ref, est = state["image"], state["restored"]
    return skimage.metrics.peak_signal_noise_ratio(
        ref[margin:-margin, margin:-margin], est[margin:-margin, margin:-margin], data_range=1.0
    )


def test_restoration_explorer_psnr_is_skimage_psnr(restoration_ex):
    ex = restoration_ex
    ex.set_values(psf="gaussian", psf_size=7, noise_sigma=0.01, method="wiener", balance=0.01)
    assert ex.state["psnr_restored"] == pytest.approx(_crop_psnr(ex.state, 7), abs=1e-9)
    assert f"{ex.state['psnr_restored']:.2f} dB" in _plain(ex)
    assert ex.state["psnr_restored"] > ex.state["psnr_degraded"]
    assert ex.controls["balance"].layout.display is None
    assert ex.controls["num_iter"].layout.display == "none"


def test_inverse_filter_amplifies_noise(restoration_ex):
    ex = restoration_ex
    ex.set_values(psf="box", psf_size=5, noise_sigma=0.0, method="inverse")
    clean = ex.state["psnr_restored"]
    assert clean > 60  # noiseless circular blur: the inverse is exact
    ex.controls["noise_sigma"].value = 0.01
    noisy = ex.state
    assert noisy["psnr_restored"] < noisy["psnr_degraded"] < clean
    assert noisy["psnr_restored"] == pytest.approx(_crop_psnr(noisy, 5), abs=1e-9)


def test_richardson_lucy_matches_skimage_and_semi_converges(restoration_ex):
    ex = restoration_ex
    ex.set_values(psf="gaussian", psf_size=7, noise_sigma=0.03, method="richardson_lucy", num_iter=10)
    assert ex.controls["num_iter"].layout.display is None
    ref = skimage.restoration.richardson_lucy(ex.state["degraded"], ex.state["psf"], num_iter=10, clip=False)
    np.testing.assert_allclose(ex.state["restored"], ref, atol=1e-6)
    scores = {}
    for num_iter in (1, 10, 300):
        ex.controls["num_iter"].value = num_iter
        scores[num_iter] = _crop_psnr(ex.state, 7)
        assert ex.state["psnr_restored"] == pytest.approx(scores[num_iter], abs=1e-9)
    # Semi-convergence: better at first, then the noise takes over.
    assert scores[10] > scores[1] and scores[10] > scores[300]


def test_error_text_uses_the_theme_colours_not_a_hard_coded_red(arithmetic):
    """Readable in JupyterLab's light and dark themes: JupyterLab's CSS variables, not #b00020."""
    arithmetic.set_values(
        transposed=False, input_size=2, kernel_size=5, stride=1, padding=0, dilation=1, output_padding=0
    )
    shown = arithmetic.text.value
    assert "deconv-error" in shown
    assert "var(--jp-content-font-color1" in shown and "var(--jp-rendermime-error-background" in shown
    assert "#b00020" not in shown and "color:red" not in shown.replace(" ", "")
    arithmetic.set_values(kernel_size=1)
    assert "deconv-error" not in arithmetic.text.value


def test_toggle_labels_are_never_cut_off(arithmetic, kernel):
    """ipywidgets gives toggle buttons a fixed width; the explorers size them to their labels."""
    for toggle in (arithmetic.controls["transposed"], kernel.controls["mode"]):
        assert toggle.style.button_width == "auto"
    assert arithmetic.controls["transposed"].style.description_width == "8.5em"  # as the sliders
