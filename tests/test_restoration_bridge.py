"""The bridge between the two meanings of "deconvolution", checked with explicit matrices.

On small cases the blur is built as a matrix C entry by entry (no FFT), and the Fourier-domain
forms of the package must equal the matrix forms to 1e-10: Cᵀ is the conjugate transfer
function (a transposed convolution), Tikhonov/Wiener is (CᵀC + λLᵀL)⁻¹Cᵀ, the GCV closed form
is N‖(I − A)y‖² / trace(I − A)², and Richardson-Lucy's back-projection is Cᵀ applied to the ratio.
"""

import numpy as np
import pytest
from scipy import linalg

from deconv_course import numpy_ops
from deconv_course import restoration as R


def blur_matrix(shape, kernel, boundary):
    """C with (C x)[i, j] = sum_mn h[m, n] x[i - m + c, j - n + c'], built entry by entry."""
    h, w = shape
    kh, kw = kernel.shape
    if boundary == "circular":
        ch, cw = kh // 2, kw // 2  # psf2otf's centre
    else:
        ch, cw = (kh - 1) // 2, (kw - 1) // 2  # scipy.signal's 'same' crop
    matrix = np.zeros((h * w, h * w))
    for i in range(h):
        for j in range(w):
            for m in range(kh):
                for n in range(kw):
                    r, c = i - m + ch, j - n + cw
                    if boundary == "circular":
                        r, c = r % h, c % w
                    elif not (0 <= r < h and 0 <= c < w):
                        continue
                    matrix[i * w + j, r * w + c] += kernel[m, n]
    return matrix


SHAPES = [((1, 16), (1, 5)), ((1, 13), (1, 4)), ((6, 7), (3, 3)), ((8, 6), (2, 3))]


@pytest.mark.parametrize("shape, kshape", SHAPES)
@pytest.mark.parametrize("boundary", ["circular", "zero"])
def test_blur_and_its_adjoint_are_the_matrix_and_its_transpose(shape, kshape, boundary):
    rng = np.random.default_rng(sum(shape) + sum(kshape))
    kernel = rng.random(kshape)
    x, y = rng.random(shape), rng.random(shape)
    C = blur_matrix(shape, kernel, boundary)
    np.testing.assert_allclose(R.blur(x, kernel, boundary).ravel(), C @ x.ravel(), atol=1e-12)
    np.testing.assert_allclose(R.blur_adjoint(y, kernel, boundary).ravel(), C.T @ y.ravel(), atol=1e-12)


@pytest.mark.parametrize("shape, kshape", [((9, 11), (3, 5)), ((8, 8), (4, 2)), ((6, 6), (6, 1))])
@pytest.mark.parametrize("seed", [0, 1])
def test_reflect_adjoint_satisfies_the_inner_product_identity(shape, kshape, seed):
    rng = np.random.default_rng(seed)
    kernel, x, y = rng.random(kshape), rng.random(shape), rng.random(shape)
    lhs = np.vdot(R.blur(x, kernel, "reflect"), y)
    assert lhs == pytest.approx(np.vdot(x, R.blur_adjoint(y, kernel, "reflect")), rel=1e-12)


@pytest.mark.parametrize("kshape", [(3, 3), (5, 3), (1, 7)])
def test_zero_boundary_adjoint_is_the_deep_learning_transposed_convolution(kshape):
    # blur is a convolution (PyTorch's conv2d is a correlation, hence the flipped weight);
    # its transpose is conv_transpose2d with the same weight, padding (k - 1) // 2 (odd k)
    rng = np.random.default_rng(sum(kshape))
    kernel, x, y = rng.random(kshape), rng.random((9, 10)), rng.random((9, 10))
    weight = np.flip(kernel)[None, None]
    padding = ((kshape[0] - 1) // 2, (kshape[1] - 1) // 2)
    forward = numpy_ops.conv2d(x[None, None], weight, padding=padding)[0, 0]
    np.testing.assert_allclose(forward, R.blur(x, kernel, "zero"), atol=1e-12)
    transposed = numpy_ops.conv_transpose2d(y[None, None], weight, padding=padding)[0, 0]
    np.testing.assert_allclose(transposed, R.blur_adjoint(y, kernel, "zero"), atol=1e-12)


@pytest.mark.parametrize("shape, kshape", SHAPES)
@pytest.mark.parametrize("lam", [1e-3, 0.1])
@pytest.mark.parametrize("operator", ["identity", "laplacian"])
def test_tikhonov_is_the_regularised_normal_equations(shape, kshape, lam, operator):
    if operator == "laplacian" and min(shape) < 3:
        operator_kernel = np.array([[-1.0, 2.0, -1.0]])  # the 1-D second difference
    elif operator == "laplacian":
        operator_kernel = R.laplacian_kernel()
    else:
        operator_kernel = np.ones((1, 1))
    rng = np.random.default_rng(7)
    kernel = rng.random(kshape)
    kernel /= kernel.sum()
    y = rng.random(shape)
    C = blur_matrix(shape, kernel, "circular")
    L = blur_matrix(shape, operator_kernel, "circular")
    matrix_form = np.linalg.solve(C.T @ C + lam * L.T @ L, C.T @ y.ravel())
    fourier_form = R.tikhonov(y, kernel, lam, operator=operator_kernel)
    np.testing.assert_allclose(fourier_form.ravel(), matrix_form, atol=1e-10)
    if operator == "identity":  # Wiener with L = I is the same filter H̄ / (|H|² + λ)
        np.testing.assert_allclose(R.wiener(y, kernel, lam).ravel(), matrix_form, atol=1e-10)


def test_one_dimensional_circulant_matrix_is_scipy_circulant():
    # the 1-D blur matrix of the lesson is scipy.linalg.circulant of the centred, padded kernel
    kernel = np.array([[0.2, 0.5, 0.3]])
    n = 8
    column = np.zeros(n)
    column[[0, 1, n - 1]] = [0.5, 0.3, 0.2]  # h[c] at 0, h[c + 1] one step down, h[c - 1] wrapped
    np.testing.assert_allclose(blur_matrix((1, n), kernel, "circular"), linalg.circulant(column), atol=0)
    otf = R.psf2otf(kernel, (1, n))[0]
    np.testing.assert_allclose(otf, np.fft.fft(column), atol=1e-14)  # its eigenvalues are the OTF


@pytest.mark.parametrize("shape, kshape", SHAPES)
@pytest.mark.parametrize("reg", [None, "laplacian"])
def test_gcv_closed_form_equals_brute_force_with_matrices(shape, kshape, reg):
    rng = np.random.default_rng(11)
    kernel = rng.random(kshape) + 0.1
    kernel /= kernel.sum()
    y = rng.random(shape)
    if reg == "laplacian":
        reg = R.laplacian_kernel() if min(shape) >= 3 else np.array([[-1.0, 2.0, -1.0]])
    operator = np.ones((1, 1)) if reg is None else reg
    C = blur_matrix(shape, kernel, "circular")
    L = blur_matrix(shape, operator, "circular")
    lams = np.array([1e-4, 1e-2, 1.0])
    curves = R.regularisation_curves(y, kernel, lams, reg=reg)
    n = y.size
    for k, lam in enumerate(lams):
        A = C @ np.linalg.solve(C.T @ C + lam * L.T @ L, C.T)  # the influence matrix
        x_hat = np.linalg.solve(C.T @ C + lam * L.T @ L, C.T @ y.ravel())
        residual = (np.eye(n) - A) @ y.ravel()
        gcv = n * residual @ residual / np.trace(np.eye(n) - A) ** 2
        assert curves["gcv"][k] == pytest.approx(gcv, rel=1e-10)
        assert curves["trace"][k] == pytest.approx(np.trace(np.eye(n) - A), rel=1e-10)
        assert curves["residual_norm"][k] == pytest.approx(np.linalg.norm(residual), rel=1e-10)
        assert curves["solution_norm"][k] == pytest.approx(np.linalg.norm(L @ x_hat), rel=1e-9)


@pytest.mark.parametrize("shape, kshape", [((1, 16), (1, 5)), ((7, 6), (3, 3))])
def test_richardson_lucy_back_projection_is_the_transpose(shape, kshape):
    # one step from x0 = 0.5: x1 = x0 * C^T (y / (C x0 + 1e-12)), with C the zero-boundary blur
    rng = np.random.default_rng(5)
    kernel = rng.random(kshape) + 0.1
    kernel /= kernel.sum()
    y = rng.random(shape)
    C = blur_matrix(shape, kernel, "zero")
    x0 = np.full(y.size, 0.5)
    ratio = y.ravel() / (C @ x0 + 1e-12)
    expected = x0 * (C.T @ ratio)
    np.testing.assert_allclose(
        R.richardson_lucy(y, kernel, num_iter=1, clip=False).ravel(), expected, atol=1e-10
    )
    np.testing.assert_allclose(
        R.blur_adjoint(ratio.reshape(shape), kernel, "zero").ravel(), C.T @ ratio, atol=1e-12
    )
    # the discrepancy-stopped version divides by C^T 1 as the EM algorithm for this C says
    one_step = R.richardson_lucy_discrepancy(y, kernel, peak=1.0, tau=1e-12, max_iter=1, clip=False)
    np.testing.assert_allclose(one_step.ravel(), expected / (C.T @ np.ones(y.size)), atol=1e-10)
