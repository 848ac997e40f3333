"""Tests for deconv_course.plotting: the pure functions against PyTorch, the drawings
against the data they were given."""

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deconv_course import plotting


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _torch_ones_transposed(k, s, n, layers):
    x = torch.ones(1, 1, n, n, dtype=torch.float64)
    w = torch.ones(1, 1, k, k, dtype=torch.float64)
    for _ in range(layers):
        x = F.conv_transpose2d(x, w, stride=s)
    return x[0, 0].numpy()


# ------------------------------------------------------------------ overlap / upsampling


@pytest.mark.parametrize(
    "k,s,n,layers",
    [
        (k, s, n, layers)
        for k, s, n, layers in itertools.product([1, 2, 3, 4, 5], [1, 2, 3], [1, 3, 5], [1, 2])
    ],
)
def test_overlap_map_equals_torch_conv_transpose_of_ones(k, s, n, layers):
    np.testing.assert_allclose(
        plotting.overlap_map(k, s, n, layers), _torch_ones_transposed(k, s, n, layers), rtol=0, atol=1e-9
    )


def test_overlap_map_k3_s2_is_the_4_2_1_checkerboard():
    counts = plotting.overlap_map(3, 2, 6)
    interior = counts[2:-2, 2:-2]
    # Closed form: each axis alternates 2 (even rows) / 1 (odd rows); 2-D multiplies.
    axis = np.where(np.arange(2, counts.shape[0] - 2) % 2 == 0, 2.0, 1.0)
    np.testing.assert_array_equal(interior, np.outer(axis, axis))
    assert set(np.unique(interior)) == {1.0, 2.0, 4.0}


@pytest.mark.parametrize("k,s", [(2, 2), (4, 2), (6, 2), (3, 3), (6, 3), (4, 4)])
def test_overlap_map_uniform_interior_when_kernel_divisible_by_stride(k, s):
    counts = plotting.overlap_map(k, s, 6)
    interior = counts[k - 1 : -(k - 1) or None, k - 1 : -(k - 1) or None]
    np.testing.assert_array_equal(interior, np.full(interior.shape, (k // s) ** 2))


def test_stacking_compounds_unevenness():
    one, two = plotting.overlap_map(3, 2, 8, 1), plotting.overlap_map(3, 2, 8, 2)
    ratio = lambda a, m: a[m:-m, m:-m].max() / a[m:-m, m:-m].min()  # noqa: E731
    assert ratio(two, 6) > ratio(one, 2)


@pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")
@pytest.mark.parametrize("k,s,n,layers", list(itertools.product([1, 2, 3, 4], [1, 2, 3], [2, 5], [1, 2])))
def test_upsample_ones_alternatives_equal_torch(k, s, n, layers):
    resize = torch.ones(1, 1, n, n, dtype=torch.float64)
    shuffle = resize.clone()
    for _ in range(layers):
        resize = F.conv2d(
            F.interpolate(resize, scale_factor=s, mode="nearest"),
            torch.ones(1, 1, k, k, dtype=torch.float64),
            padding="same",
        )
        shuffle = F.pixel_shuffle(
            F.conv2d(shuffle, torch.ones(s * s, 1, k, k, dtype=torch.float64), padding="same"), s
        )
    np.testing.assert_allclose(
        plotting.upsample_ones("resize_conv", k, s, n, layers), resize[0, 0].numpy(), atol=1e-9
    )
    np.testing.assert_allclose(
        plotting.upsample_ones("pixel_shuffle", k, s, n, layers), shuffle[0, 0].numpy(), atol=1e-9
    )
    np.testing.assert_allclose(
        plotting.upsample_ones("transposed", k, s, n, layers),
        _torch_ones_transposed(k, s, n, layers),
        atol=1e-9,
    )


@pytest.mark.parametrize(
    "bad, error",
    [
        (dict(kernel_size=0), ValueError),
        (dict(stride=0), ValueError),
        (dict(input_size=0), ValueError),
        (dict(num_layers=0), ValueError),
        (dict(kernel_size=2.5), TypeError),
        (dict(stride=True), TypeError),
    ],
)
def test_overlap_map_rejects_bad_arguments_naming_them(bad, error):
    args = dict(kernel_size=3, stride=2, input_size=4, num_layers=1) | bad
    name = next(iter(bad))
    with pytest.raises(error, match=name):
        plotting.overlap_map(**args)


def test_upsample_ones_rejects_unknown_method():
    with pytest.raises(ValueError, match="method='bilinear'"):
        plotting.upsample_ones("bilinear", 3, 2, 4)


# ------------------------------------------------------------------ convolution arithmetic

_GRID = list(itertools.product([1, 2, 3, 5], [1, 2, 3], [1, 2, 3], [0, 1, 2], [1, 2]))


def _steps(shape):
    """Every output pixel of small outputs; corners, centre and a row-major sample of big ones."""
    total = shape[0] * shape[1]
    if total <= 16:
        return range(total)
    return sorted({0, shape[1] - 1, total // 2, total - shape[1], total - 1, *range(1, total, 7)})


def _torch_shape(i, k, s, p, d, op, transposed):
    x = torch.zeros(1, 1, i, i)
    w = torch.zeros(1, 1, k, k)
    try:
        if transposed:
            y = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
        else:
            y = F.conv2d(x, w, stride=s, padding=p, dilation=d)
    except RuntimeError:
        return None
    return tuple(y.shape[2:])


@pytest.mark.parametrize("i,k,s,p,d", _GRID)
def test_conv_layout_shape_and_footprints_compute_torch_conv2d(i, k, s, p, d):
    expected = _torch_shape(i, k, s, p, d, 0, False)
    if expected is None:
        with pytest.raises(ValueError):
            plotting.conv_arithmetic_layout(i, k, s, p, d)
        return
    rng = np.random.default_rng(i * 100 + k * 10 + s)
    x, w = rng.standard_normal((i, i)), rng.standard_normal((k, k))
    ref = F.conv2d(torch.tensor(x)[None, None], torch.tensor(w)[None, None], stride=s, padding=p, dilation=d)[
        0, 0
    ].numpy()
    assert ref.shape == expected
    for step in _steps(expected):
        lay = plotting.conv_arithmetic_layout(i, k, s, p, d, step=step)
        assert lay["output_shape"] == expected
        assert (lay["grid"] == plotting.INPUT).sum() == i * i
        values = np.concatenate([[0.0], x.ravel()])[lay["input_index"] + 1]
        # The drawn footprint, weighted by the kernel, is the output pixel at this step.
        total = sum(
            values[r, c] * w[a, b]
            for (r, c), (a, b) in zip(lay["footprint"], itertools.product(range(k), range(k)))
        )
        assert total == pytest.approx(ref[lay["output_index"]], abs=1e-10)


@pytest.mark.parametrize("i,k,s,p,d", _GRID)
@pytest.mark.parametrize("op", [0, 1])
def test_transposed_layout_is_dumoulin_visin_direct_form_of_torch(i, k, s, p, d, op):
    expected = _torch_shape(i, k, s, p, d, op, True)
    if expected is None:
        with pytest.raises(ValueError):
            plotting.conv_arithmetic_layout(i, k, s, p, d, op, transposed=True)
        return
    rng = np.random.default_rng(7 + i + 10 * k)
    x, w = rng.standard_normal((i, i)), rng.standard_normal((k, k))
    ref = F.conv_transpose2d(
        torch.tensor(x)[None, None],
        torch.tensor(w)[None, None],
        stride=s,
        padding=p,
        output_padding=op,
        dilation=d,
    )[0, 0].numpy()
    flipped = w[::-1, ::-1]
    for step in _steps(expected):
        lay = plotting.conv_arithmetic_layout(i, k, s, p, d, op, transposed=True, step=step)
        assert lay["output_shape"] == expected
        assert lay["grid_stride"] == (1, 1)
        values = np.concatenate([[0.0], x.ravel()])[lay["input_index"] + 1]
        total = sum(
            values[r, c] * flipped[a, b]
            for (r, c), (a, b) in zip(lay["footprint"], itertools.product(range(k), range(k)))
        )
        assert total == pytest.approx(ref[lay["output_index"]], abs=1e-10)
    # Sliding a dilated kernel with stride 1 over the grid gives the output size.
    assert lay["grid"].shape[0] - d * (k - 1) == expected[0]


def test_layout_rejects_illegal_settings_with_the_rule():
    with pytest.raises(ValueError, match="output_padding"):
        plotting.conv_arithmetic_layout(4, 3, 2, 0, 1, 2, transposed=True)
    with pytest.raises(ValueError, match="output_padding"):
        plotting.conv_arithmetic_layout(4, 3, 2, 0, 1, 1, transposed=False)
    with pytest.raises(ValueError, match="step"):
        plotting.conv_arithmetic_layout(4, 3, step=4)
    with pytest.raises(ValueError, match="stride"):
        plotting.conv_arithmetic_layout(4, 3, stride=0)


def test_draw_conv_arithmetic_panels_and_footprint():
    fig = plotting.draw_conv_arithmetic(4, 3, stride=2, padding=1, output_padding=1, transposed=True, step=3)
    assert len(fig.axes) == 4  # input, zero insertion, padded grid, output
    lay = plotting.conv_arithmetic_layout(4, 3, 2, 1, 1, 1, True, 3)
    grid_ax = fig.axes[2]
    # One square per grid cell plus one per kernel tap.
    assert len(grid_ax.patches) == lay["grid"].size + 9
    fig = plotting.draw_conv_arithmetic(5, 3, stride=2)
    assert len(fig.axes) == 3
    assert "output 2x2" in fig.axes[2].get_title()


# ------------------------------------------------------------------ drawings


def test_show_array_writes_every_value_for_small_arrays():
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    ax = plotting.show_array(x, title="x")
    assert [t.get_text() for t in ax.texts] == [str(v) for v in x.ravel()]
    np.testing.assert_array_equal(ax.images[0].get_array(), x)
    assert ax.get_title() == "x"
    floats = plotting.show_array(np.array([[0.5, -1.25]]), fmt=".3f")
    assert [t.get_text() for t in floats.texts] == ["0.500", "-1.250"]
    big = plotting.show_array(np.zeros((20, 20)))
    assert len(big.texts) == 0
    squeezed = plotting.show_array(np.ones((1, 1, 2, 2)), annotate=False)
    assert squeezed.images[0].get_array().shape == (2, 2)


def test_show_array_rejects_non_2d():
    with pytest.raises(ValueError, match="2-D"):
        plotting.show_array(np.zeros((2, 3, 4)))


def test_show_images_one_panel_per_image():
    images = [np.zeros((8, 8)), np.ones((8, 8)), np.eye(8)]
    fig = plotting.show_images(images, titles=["a", "b", "c"])
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == ["a", "b", "c"]
    for ax, image in zip(shown, images):
        np.testing.assert_array_equal(ax.images[0].get_array(), image)
    fig = plotting.show_images(images * 2, ncols=4)
    assert len(fig.axes) == 8 and sum(bool(ax.images) for ax in fig.axes) == 6
    with pytest.raises(ValueError, match="titles"):
        plotting.show_images(images, titles=["only one"])
    with pytest.raises(ValueError, match="images"):
        plotting.show_images([])


def test_plot_history_draws_each_curve():
    history = {
        "train_loss": [1.0, 0.5, 0.25],
        "val_loss": [1.1, 0.7, 0.6],
        "train_acc": [0.5, 0.8, 0.9],
        "val_acc": [0.4, 0.7, 0.8],
    }
    fig = plotting.plot_history(history)
    assert len(fig.axes) == 2
    loss_lines = {line.get_label(): line.get_ydata() for line in fig.axes[0].lines}
    np.testing.assert_array_equal(loss_lines["train"], history["train_loss"])
    np.testing.assert_array_equal(loss_lines["val"], history["val_loss"])
    np.testing.assert_array_equal(fig.axes[1].lines[1].get_ydata(), history["val_acc"])
    assert len(plotting.plot_history({"train_loss": [3, 2]}).axes) == 1
    with pytest.raises(ValueError, match="train_loss"):
        plotting.plot_history({"loss": [1]})


def test_plot_timeline_sorted_labels():
    ax = plotting.plot_timeline([(2016, "Odena et al."), {"year": 1949, "label": "Wiener"}, (2015, "FCN")])
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 3
    assert "1949" in texts[0] and "Wiener" in texts[0] and "Odena" in texts[2]
    with pytest.raises(ValueError, match="events"):
        plotting.plot_timeline([])
    with pytest.raises(TypeError, match="year"):
        plotting.plot_timeline([("1949", "Wiener")])
