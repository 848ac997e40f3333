"""Questions of exercise 3 (exercises/ex03_algorithms.ipynb), first half: transposed-convolution
arithmetic, the matrix view, transposed convolution by scatter and by zero insertion, the adjoint
test. Classic restoration is exercise 3b (:mod:`.ex03b`).
"""

from __future__ import annotations

import numpy as np

from ..model import Case, MatrixOp, Question, Variant
from ._common import _F, _FLIP_CORR, _T, _img, _ints, _labelled, _np, _torch, with_hints

QUESTIONS: list[Question] = []


def _tsize(i, k, s=1, p=0, op=0, d=1):
    return (i - 1) * s - 2 * p + d * (k - 1) + op + 1


def _tsize_nodil(i, k, s=1, p=0, op=0, d=1):
    return (i - 1) * s - 2 * p + (k - 1) + op + 1


def _tsize_plus_pad(i, k, s=1, p=0, op=0, d=1):
    return (i - 1) * s + 2 * p + d * (k - 1) + op + 1


def _tsize_no_op(i, k, s=1, p=0, op=0, d=1):
    return (i - 1) * s - 2 * p + d * (k - 1) + 1


_OFF_BY_ONE = (
    "off by one: count the output pixels on a tiny example (input 1, kernel 1, stride 1 gives 1; "
    "input 2, kernel 2 gives 3): the kernel's span is d*(k-1)+1 pixels and the last of the "
    "(i-1)*s+1 placements covers it"
)


def _tsize_plus_one(i, k, s=1, p=0, op=0, d=1):
    return _tsize(i, k, s, p, op, d) + 1


def _tsize_minus_one(i, k, s=1, p=0, op=0, d=1):
    return _tsize(i, k, s, p, op, d) - 1


def _csize(i, k, s=1, p=0, op=0, d=1):
    return (i + 2 * p - d * (k - 1) - 1) // s + 1


def _tsize_case(rng):
    while True:
        i, k, s, d = _ints(rng, 1, 12), _ints(rng, 1, 6), _ints(rng, 1, 4), _ints(rng, 1, 3)
        p = _ints(rng, 0, 3)
        op = _ints(rng, 0, max(s, d) - 1)
        if _tsize(i, k, s, p, op, d) >= 1:
            return Case((i, k, s, p, op, d), label=_size_label(s, p, d, op))


def _tsize_public():
    return [
        Case((2, 2, 1, 0, 0, 1), label="input 2, kernel 2 (d2l's example)"),
        Case((5, 3, 2, 1, 1, 1), label="input 5, kernel 3, stride 2, padding 1, output_padding 1"),
        Case((6, 5, 3, 2, 0, 1), label="input 6, kernel 5, stride 3, padding 2"),
        Case((4, 3, 1, 0, 0, 2), label="input 4, kernel 3, dilation 2"),
    ]


def _size_label(s, p, d, op=0):
    """What kind of size question this is (which features are on), not its numbers."""
    parts = ["stride 1" if s == 1 else "stride > 1", "padding" if p else "no padding"]
    parts.append("dilation > 1" if d > 1 else "no dilation")
    if op:
        parts.append("output padding")
    return ", ".join(parts)


def _tsize_hidden(rng):
    return [_tsize_case(rng) for _ in range(8)]


QUESTIONS.append(
    Question(
        "ex03.output_size",
        "conv_transpose_output_size",
        "Output size of a transposed convolution",
        2,
        _tsize,
        _tsize_public,
        _tsize_hidden,
        kind="int",
        variants=(
            Variant("no dilation", _tsize_nodil, "dilation missing: the kernel spans d*(k-1)+1 pixels"),
            Variant(
                "plus padding",
                _tsize_plus_pad,
                "padding is cropped from the output of a transposed convolution: subtract 2*padding",
            ),
            Variant("no output_padding", _tsize_no_op, "output_padding missing: add it once at the end"),
            Variant(
                "conv formula",
                _csize,
                "that is the convolution's formula; the transposed one runs it backwards",
            ),
            Variant("one too many", _tsize_plus_one, _OFF_BY_ONE),
            Variant("one too few", _tsize_minus_one, _OFF_BY_ONE),
        ),
    )
)


def _opad_ref(i, k, s=1, p=0, d=1):
    o = (i + 2 * p - d * (k - 1) - 1) // s + 1
    return i - ((o - 1) * s - 2 * p + d * (k - 1) + 1)


def _opad_nodil(i, k, s=1, p=0, d=1):
    return (i + 2 * p - k) % s


def _opad_public():
    return [
        Case((16, 5, 3, 2, 1), label="input 16, kernel 5, stride 3, padding 2 (d2l)"),
        Case((7, 3, 2, 1, 1), label="input 7, kernel 3, stride 2, padding 1"),
        Case((8, 3, 2, 1, 1), label="input 8, kernel 3, stride 2, padding 1"),
        Case((9, 3, 2, 0, 2), label="input 9, kernel 3, stride 2, dilation 2"),
        Case((10, 3, 3, 0, 2), label="input 10, kernel 3, stride 3, dilation 2"),
    ]


def _opad_hidden(rng):
    cases = []
    while len(cases) < 8:
        i, k, s, p, d = (
            _ints(rng, 4, 20),
            _ints(rng, 1, 5),
            _ints(rng, 1, 4),
            _ints(rng, 0, 2),
            _ints(rng, 1, 2),
        )
        if i + 2 * p - d * (k - 1) - 1 >= 0:
            cases.append(Case((i, k, s, p, d), label=_size_label(s, p, d)))
    return cases


QUESTIONS.append(
    Question(
        "ex03.output_padding",
        "output_padding_for",
        "The output_padding that undoes a strided convolution",
        2,
        _opad_ref,
        _opad_public,
        _opad_hidden,
        kind="int",
        variants=(
            Variant(
                "zero",
                lambda *a: 0,
                "output_padding missing: when (i + 2p - d(k-1) - 1) is not divisible by the stride, "
                "the convolution dropped rows that output_padding brings back",
            ),
            Variant("no dilation", _opad_nodil, "use the effective kernel size d*(k-1)+1, not k"),
        ),
    )
)


def _cmat_ref(kernel, input_shape, stride=1, padding=0):
    F = _F()
    torch = _torch()
    h, w = input_shape
    basis = torch.eye(h * w, dtype=torch.float64).reshape(h * w, 1, h, w)
    out = F.conv2d(basis, _T(kernel)[None, None], stride=stride, padding=padding)
    return _np(out.reshape(h * w, -1).T)


def _cmat_flipped(kernel, input_shape, stride=1, padding=0):
    return _cmat_ref(np.asarray(kernel)[::-1, ::-1], input_shape, stride, padding)


def _cmat_T(kernel, input_shape, stride=1, padding=0):
    return _cmat_ref(kernel, input_shape, stride, padding).T


def _cmat_public():
    return [
        Case((np.array([[0.0, 1.0], [2.0, 3.0]]), (3, 3)), label="2x2 kernel on a 3x3 input"),
        Case(
            (np.array([[1.0, 0.0, -1.0]] * 3), (4, 4), 2, 1),
            label="3x3 kernel, 4x4 input, stride 2, padding 1",
        ),
        Case((np.array([[1.0, 2.0, 3.0]]), (2, 5), 1, 0), label="1x3 kernel, 2x5 input"),
    ]


def _cmat_hidden(rng):
    cases = []
    for kshape, s, p in [((3, 3), 1, 0), ((2, 3), 2, 1), ((3, 3), 2, 0), ((1, 2), 1, 1)]:
        shape = (_ints(rng, 4, 7), _ints(rng, 4, 7))
        label = f"random input, {kshape[0]}x{kshape[1]} kernel, stride {s}, padding {p}"
        cases.append(Case((_img(rng, kshape), shape, s, p), label=label))
    return cases


QUESTIONS.append(
    Question(
        "ex03.conv_matrix",
        "conv_matrix",
        "The convolution matrix C",
        3,
        _cmat_ref,
        _cmat_public,
        _cmat_hidden,
        variants=(
            Variant("flipped", _cmat_flipped, _FLIP_CORR),
            Variant(
                "transposed",
                _cmat_T,
                "you returned C^T: C has one ROW per output pixel and one COLUMN per input pixel",
            ),
        ),
    )
)


def _ct_ref(input, weight, stride=1, padding=0, output_padding=0):
    F = _F()
    return _np(
        F.conv_transpose2d(
            _T(input), _T(weight), stride=stride, padding=padding, output_padding=output_padding
        )
    )


def _ct_flipped(input, weight, stride=1, padding=0, output_padding=0):
    return _ct_ref(input, np.asarray(weight)[..., ::-1, ::-1], stride, padding, output_padding)


def _ct_layout(input, weight, stride=1, padding=0, output_padding=0):
    return _ct_ref(input, np.swapaxes(np.asarray(weight), 0, 1), stride, padding, output_padding)


def _ct_layout_shape(input, weight, stride=1, padding=0, output_padding=0):
    """The shape a (out, in, kH, kW) reading of the weight gives: weight.shape[0] output channels."""
    full = _ct_ref(input, weight, stride, padding, output_padding).shape
    return (full[0], np.shape(weight)[0]) + full[2:]


def _ct_no_crop(input, weight, stride=1, padding=0, output_padding=0):
    return _ct_ref(input, weight, stride, 0, output_padding)


def _ct_padded_input(input, weight, stride=1, padding=0, output_padding=0):
    x = np.asarray(input, float)
    x = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(padding, padding), (padding, padding)])
    return _ct_ref(x, weight, stride, 0, output_padding)


def _ct_no_op(input, weight, stride=1, padding=0, output_padding=0):
    return _ct_ref(input, weight, stride, padding, 0)


def _ct_crop_one_side(input, weight, stride=1, padding=0, output_padding=0):
    full = _ct_ref(input, weight, stride, 0, output_padding)
    h, w = full.shape[-2] - 2 * padding, full.shape[-1] - 2 * padding
    return full[..., :h, :w]


def _ct_case(rng, n, cin, cout, kshape, s, p, op):
    h, w = _ints(rng, 2, 5), _ints(rng, 2, 5)
    label = (
        f"batch {n}, {cin} -> {cout} channels, {kshape[0]}x{kshape[1]} kernel, stride {s}, padding {p}, "
        f"output padding {op}"
    )
    return Case((_img(rng, (n, cin, h, w)), _img(rng, (cin, cout) + kshape), s, p, op), label=label)


def _ct_public():
    X = np.array([[[[0.0, 1.0], [2.0, 3.0]]]])
    return [
        Case((X, X), label="d2l's 2x2 example, stride 1"),
        Case((X, X, 1, 1), label="d2l's example with padding 1"),
        Case((X, X, 2), label="d2l's example with stride 2"),
        _labelled(
            _ct_case(np.random.default_rng(31), 1, 2, 3, (3, 3), 2, 1, 1),
            "1 image, 2 -> 3 channels, 3x3 kernel, stride 2, padding 1, output_padding 1",
        ),
        _labelled(
            _ct_case(np.random.default_rng(32), 2, 3, 3, (2, 3), 3, 0, 2),
            "2 images, 3 -> 3 channels, 2x3 kernel, stride 3, output_padding 2",
        ),
    ]


def _ct_hidden(rng):
    return [
        _ct_case(rng, 1, 1, 1, (3, 3), 1, 0, 0),
        _ct_case(rng, 2, 2, 2, (3, 3), 2, 0, 1),
        _ct_case(rng, 1, 3, 2, (4, 4), 2, 1, 0),
        _ct_case(rng, 2, 2, 3, (3, 2), 3, 1, 2),
        _ct_case(rng, 1, 2, 2, (5, 5), 2, 2, 1),
        _ct_case(rng, 1, 1, 2, (2, 2), 1, 0, 0),
    ]


QUESTIONS.append(
    Question(
        "ex03.conv_transpose2d",
        "conv_transpose2d",
        "Transposed convolution by scatter",
        5,
        _ct_ref,
        _ct_public,
        _ct_hidden,
        variants=(
            Variant(
                "flipped",
                _ct_flipped,
                "kernel flipped: the scatter route adds x[i, j] * w (the kernel as it is) "
                "to the output window at (i*stride, j*stride)",
            ),
            Variant(
                "layout",
                _ct_layout,
                "weight layout: ConvTranspose2d's weight is (in_channels, out_channels, kH, kW), "
                "the reverse of Conv2d's (out, in, kH, kW)",
            ),
            Variant(
                "layout (shape)",
                _ct_layout_shape,
                "weight layout: ConvTranspose2d's weight is (in_channels, out_channels, kH, kW), "
                "the reverse of Conv2d's (out, in, kH, kW)",
                by="shape",
            ),
            Variant(
                "no crop",
                _ct_no_crop,
                "padding not applied: in a transposed convolution `padding` CROPS that many rows "
                "and columns from each side of the full output",
            ),
            Variant(
                "padded input",
                _ct_padded_input,
                "padding added to the input instead of cropped from the output",
            ),
            Variant(
                "no output_padding",
                _ct_no_op,
                "output_padding missing: it keeps that many extra rows/columns at the bottom/right "
                "of the full output (they are generally non-zero, not added zeros)",
            ),
            Variant(
                "one side",
                _ct_crop_one_side,
                "padding cropped on one side only: crop `padding` rows/columns at the top/left "
                "AND at the bottom/right",
            ),
        ),
    )
)


def _zi_ref(x, kernel, stride):
    return _ct_ref(np.asarray(x, float)[None, None], np.asarray(kernel, float)[None, None], stride)[0, 0]


def _zi_not_flipped(x, kernel, stride):
    return _zi_ref(x, np.asarray(kernel)[::-1, ::-1], stride)


def _zi_trailing_zeros(x, kernel, stride):
    if stride < 2:
        raise ValueError("no trailing zeros when stride is 1")
    return _ct_ref(
        np.asarray(x, float)[None, None], np.asarray(kernel, float)[None, None], stride, 0, stride - 1
    )[0, 0]


def _zi_public():
    X = np.array([[0.0, 1.0], [2.0, 3.0]])
    return [
        Case((X, X, 1), label="d2l's 2x2 example, stride 1"),
        Case((X, X, 2), label="d2l's example, stride 2"),
        Case(
            (np.arange(6.0).reshape(2, 3), np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [1.0, 0.0, 0.0]]), 3),
            label="2x3 input, asymmetric 3x3 kernel, stride 3",
        ),
    ]


def _zi_hidden(rng):
    return [
        Case(
            (_img(rng, (_ints(rng, 2, 6), _ints(rng, 2, 6))), _img(rng, (k, k)), s),
            label=f"random input, {k}x{k} kernel, stride {s}",
        )
        for k, s in [(3, 2), (2, 1), (4, 3), (3, 1), (5, 2)]
    ]


QUESTIONS.append(
    Question(
        "ex03.zero_insert",
        "conv_transpose2d_zero_insert",
        "Transposed convolution by zero insertion",
        4,
        _zi_ref,
        _zi_public,
        _zi_hidden,
        variants=(
            Variant(
                "not flipped",
                _zi_not_flipped,
                "kernel not flipped: after zero insertion and padding by k-1, correlate with the "
                "kernel flipped in both axes",
            ),
            Variant(
                "trailing zeros",
                _zi_trailing_zeros,
                "insert stride-1 zeros only BETWEEN pixels, not after the last one: "
                "the zero-inserted size is (H-1)*stride+1",
            ),
        ),
    )
)


def _adj_ref(forward, backward, input_shape, output_shape):
    # A true adjoint pair is built from M and M.T by construction; decide from the matrices.
    return bool(np.allclose(backward.matrix, forward.matrix.T, rtol=1e-12, atol=0))


def _always_true(*args):
    return True


def _always_false(*args):
    return False


def _adj_pairs(M, in_shape, out_shape, wrong=None):
    B = M.T if wrong is None else wrong
    return Case((MatrixOp(M, in_shape, out_shape), MatrixOp(B, out_shape, in_shape), in_shape, out_shape))


def _adj_public():
    Cm = _cmat_ref(np.array([[1.0, 0.0, -1.0]] * 3), (5, 5), 2, 1)
    Cflip = _cmat_ref(np.array([[-1.0, 0.0, 1.0]] * 3), (5, 5), 2, 1)
    rng = np.random.default_rng(3)
    M = rng.standard_normal((4, 6))
    cases = [
        _adj_pairs(Cm, (5, 5), (3, 3)),
        _adj_pairs(Cm, (5, 5), (3, 3), wrong=Cflip.T),
        _adj_pairs(M, (6,), (4,)),
        _adj_pairs(M, (6,), (4,), wrong=2 * M.T),
    ]
    labels = [
        "conv2d (k3, s2, p1) and its transposed convolution",
        "conv2d and a transposed convolution with a flipped kernel (not adjoint)",
        "a 4x6 matrix and its transpose",
        "a 4x6 matrix and twice its transpose (not adjoint)",
    ]
    for c, lab in zip(cases, labels):
        c.label = lab
    return cases


def _adj_hidden(rng):
    cases = []
    m, n = _ints(rng, 3, 8), _ints(rng, 3, 8)
    M = rng.standard_normal((m, n))
    cases.append(_adj_pairs(M, (n,), (m,)))
    cases.append(_adj_pairs(M * 1e6, (n,), (m,)))
    K = rng.standard_normal((3, 3))
    C = _cmat_ref(K, (6, 6), 1, 1)
    cases.append(_adj_pairs(C, (6, 6), (6, 6)))
    cases.append(_adj_pairs(C, (6, 6), (6, 6), wrong=C))
    P = M.T.copy()
    P[0, 0] += 1.0
    cases.append(_adj_pairs(M, (n,), (m,), wrong=P))
    cases.append(_adj_pairs(M * 1e-6, (n,), (m,), wrong=M.T * 1e-6 * 1.5))
    labels = [
        "a random matrix and its transpose",
        "a matrix with very large entries and its transpose",
        "a 2D convolution matrix and its transpose",
        "a 2D convolution matrix and itself (not adjoint)",
        "a matrix and a transpose with one entry changed (not adjoint)",
        "a matrix with very small entries and a scaled transpose (not adjoint)",
    ]
    for c, lab in zip(cases, labels):
        c.label = lab
    return cases


QUESTIONS.append(
    Question(
        "ex03.is_adjoint",
        "is_adjoint",
        "An adjoint-identity test",
        3,
        _adj_ref,
        _adj_public,
        _adj_hidden,
        kind="bool",
        variants=(
            Variant(
                "always true",
                _always_true,
                "your test accepts a pair that is not adjoint: compare <A x, y> with <x, B y> for "
                "random x and y, with a RELATIVE tolerance",
            ),
            Variant(
                "always false",
                _always_false,
                "your test rejects a true adjoint pair: use a relative tolerance (e.g. 1e-8 of "
                "the size of the inner products), not an absolute one",
            ),
        ),
    )
)

HINTS = {
    "ex03.output_size": (
        "Run the convolution's size formula backwards: a convolution maps o -> (o + 2p - d(k-1) - "
        "1) // s + 1; solve for o.",
        "(i - 1) * stride places the kernel's first pixel; the kernel spans d*(k-1)+1 pixels; "
        "padding is cropped from each side; output_padding is added once.",
        "(i - 1) * s - 2 * p + d * (k - 1) + output_padding + 1",
    ),
    "ex03.output_padding": (
        "A strided convolution maps several input sizes to the same output size; output_padding "
        "picks which one the transposed convolution gives back.",
        "Compute the convolution's output size o, then what the transposed convolution returns "
        "for o without output_padding; the difference to the input size is the answer.",
    ),
    "ex03.conv_matrix": (
        "C has one ROW per output pixel and one COLUMN per input pixel: shape (oH*oW, H*W).",
        "Column j of C is the convolution of the j-th basis image (a single 1 at pixel j): "
        "build it by applying your cross-correlation to each basis image.",
        "Mind stride and padding: pad the basis image, correlate, then keep every stride-th output.",
    ),
    "ex03.conv_transpose2d": (
        "Scatter: each input pixel x[n, ci, i, j] adds x * weight[ci, co] to the output window "
        "that starts at (i * stride, j * stride).",
        "Build the FULL output first, of size (H - 1) * stride + kH (+ output_padding); then crop "
        "`padding` rows/columns from every side.",
        "The weight is (in_channels, out_channels, kH, kW): the number of output channels is "
        "weight.shape[1].",
    ),
    "ex03.zero_insert": (
        "Three steps: insert stride - 1 zeros between the input's pixels, pad by k - 1 on every "
        "side, then cross-correlate ('valid') with the kernel flipped.",
        "The zero-inserted size is (H - 1) * stride + 1; there are no zeros after the last pixel.",
    ),
    "ex03.is_adjoint": (
        "B is the adjoint of A when <A x, y> = <x, B y> for every x and y.",
        "Draw random x of input_shape and y of output_shape, compute both inner products with "
        "np.vdot, and compare them with a RELATIVE tolerance.",
        "abs(a - b) <= 1e-8 * max(abs(a), abs(b), 1e-300) works for both tiny and huge operators.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
