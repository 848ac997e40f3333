"""The exercise registry: every graded question, its reference answer and its known wrong answers.

Private module of :mod:`deconv_course.grading`. Each :class:`Question` says which function the
exercise notebook defines, how many points it is worth, the *public* cases that ``check`` runs
in the notebook (fixed, published) and a generator of *hidden* cases that the batch grader draws
at grade time from a secret seed. Expected values come from independent references (PyTorch,
SciPy, scikit-image, closed forms), never from the student's kernel. Each :class:`Variant` is a
known misconception; when a student's output matches one, the report shows its hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

UPSAMPLING = "upsampling operator"
INVERSE = "inverse-problem solver"


# --------------------------------------------------------------------------------------------
# data model
# --------------------------------------------------------------------------------------------
class MatrixOp:
    """A linear map given by a dense matrix, applied to arrays of ``in_shape``.

    Used to hand operators (not just arrays) to a student's adjoint test. In the batch grader
    only the matrix and the shapes travel to the kernel; the kernel rebuilds the callable.
    """

    def __init__(self, matrix, in_shape, out_shape):
        self.matrix = np.asarray(matrix, dtype=np.float64)
        self.in_shape = tuple(int(s) for s in in_shape)
        self.out_shape = tuple(int(s) for s in out_shape)

    def __call__(self, x):
        x = np.asarray(x, dtype=np.float64)
        return (self.matrix @ x.reshape(-1)).reshape(self.out_shape)

    def __repr__(self):
        return f"MatrixOp({self.in_shape} -> {self.out_shape})"


@dataclass
class Case:
    """One call ``fn(*args, **kwargs)``; ``select`` picks one key of a returned dict."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    select: str | None = None


@dataclass(frozen=True)
class Variant:
    """A known wrong answer: ``fn`` has the reference's signature; ``hint`` explains it."""

    name: str
    fn: Callable
    hint: str


@dataclass(frozen=True)
class Question:
    id: str
    name: str
    title: str
    points: int
    reference: Callable
    public: Callable[[], list]
    hidden: Callable[[np.random.Generator], list]
    kind: str = "float"  # float | complex | numeric | int | bool | str | choice
    variants: tuple = ()
    rtol: float = 1e-7
    atol: float = 1e-9

    @property
    def exercise(self) -> str:
        return self.id.split(".")[0]


# --------------------------------------------------------------------------------------------
# small helpers (grader side only)
# --------------------------------------------------------------------------------------------
def _torch():
    import torch

    return torch


def _T(x):
    torch = _torch()
    return torch.as_tensor(np.ascontiguousarray(x, dtype=np.float64))


def _np(t):
    return t.detach().cpu().numpy()


def _F():
    import torch.nn.functional as F

    return F


def _ints(rng, low, high):
    return int(rng.integers(low, high + 1))


def _img(rng, shape, integer=False):
    if integer:
        return rng.integers(-5, 6, size=shape).astype(np.int64)
    return rng.standard_normal(shape)


def _labelled(case, label):
    case.label = label
    return case


def _psf(rng, shape):
    p = rng.random(shape) + 0.05
    return p / p.sum()


# --------------------------------------------------------------------------------------------
# ex01: two meanings of "deconvolution"
# --------------------------------------------------------------------------------------------
TERMS = {
    "ConvTranspose2d": UPSAMPLING,
    "fractionally strided convolution": UPSAMPLING,
    "the decoder of a convolutional autoencoder": UPSAMPLING,
    "the learned upsampling layer of an FCN": UPSAMPLING,
    "a DCGAN generator layer": UPSAMPLING,
    "Wiener filter": INVERSE,
    "Richardson-Lucy": INVERSE,
    "inverse filter": INVERSE,
    "Tikhonov-regularised deconvolution": INVERSE,
    "blind deconvolution of a shaken photo": INVERSE,
}
PUBLIC_TERMS = ["ConvTranspose2d", "Wiener filter", "fractionally strided convolution",
                "Richardson-Lucy", "a DCGAN generator layer"]


def _meaning_ref(term):
    return TERMS[term]


def _meaning_public():
    return [Case((t,), label=repr(t)) for t in PUBLIC_TERMS]


def _meaning_hidden(rng):
    terms = list(TERMS)
    rng.shuffle(terms)
    return [Case((t,)) for t in terms]


def _circular_ref(image, psf):
    from scipy import ndimage

    return ndimage.convolve(np.asarray(image, float), np.asarray(psf, float), mode="wrap")


def _circular_corr(image, psf):
    from scipy import ndimage

    return ndimage.correlate(np.asarray(image, float), np.asarray(psf, float), mode="wrap")


def _circular_zero(image, psf):
    from scipy import ndimage

    return ndimage.convolve(np.asarray(image, float), np.asarray(psf, float), mode="constant")


def _circular_uncentred(image, psf):
    image = np.asarray(image, float)
    return np.real(np.fft.ifft2(np.fft.fft2(image) * np.fft.fft2(psf, s=image.shape)))


def _circular_public():
    img = np.arange(36, dtype=float).reshape(6, 6) % 7
    return [
        Case((img, np.full((3, 3), 1 / 9)), label="6x6 image, 3x3 box PSF"),
        Case((img, np.array([[0.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 0.0]])),
             label="6x6 image, asymmetric 3x3 PSF"),
        Case((np.eye(5), np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]) / 15), label="5x5 identity, 1x5 PSF"),
    ]


def _circular_hidden(rng):
    cases = []
    for kshape in [(3, 3), (5, 5), (3, 5), (1, 3)]:
        shape = (_ints(rng, 7, 16), _ints(rng, 7, 16))
        cases.append(Case((rng.random(shape), _psf(rng, kshape))))
    return cases


# --------------------------------------------------------------------------------------------
# ex02: correlation vs convolution, the 4-step recipe done right
# --------------------------------------------------------------------------------------------
def _corr_valid(image, kernel):
    from scipy import signal

    return signal.correlate2d(np.asarray(image, float), np.asarray(kernel, float), mode="valid")


def _conv_valid(image, kernel):
    from scipy import signal

    return signal.convolve2d(np.asarray(image, float), np.asarray(kernel, float), mode="valid")


def _corr_same(image, kernel):
    from scipy import signal

    return signal.correlate2d(np.asarray(image, float), np.asarray(kernel, float), mode="same")


def _conv_same(image, kernel):
    from scipy import signal

    return signal.convolve2d(np.asarray(image, float), np.asarray(kernel, float), mode="same")


def _flip_rows_only(image, kernel):
    return _corr_valid(image, np.asarray(kernel)[::-1, :])


def _flip_cols_only(image, kernel):
    return _corr_valid(image, np.asarray(kernel)[:, ::-1])


def _valid_public():
    img = np.arange(1, 17, dtype=float).reshape(4, 4)
    return [
        Case((img, np.array([[1.0, 0.0, -1.0]] * 3)), label="4x4 image, 3x3 edge kernel"),
        Case((img, np.array([[1.0, 2.0], [3.0, 4.0]])), label="4x4 image, 2x2 kernel"),
        Case((np.arange(12.0).reshape(3, 4), np.array([[1.0, -1.0, 2.0]])), label="3x4 image, 1x3 kernel"),
    ]


def _valid_hidden(rng):
    cases = []
    for kshape in [(3, 3), (2, 3), (3, 1), (4, 2)]:
        shape = (_ints(rng, 5, 11), _ints(rng, 5, 11))
        cases.append(Case((_img(rng, shape), _img(rng, kshape))))
    return cases


def _recipe_ref(image, kernel, weight, bias):
    F = _F()
    k = np.asarray(kernel)
    y = F.conv2d(_T(image)[None, None], _T(k)[None, None], padding=k.shape[-1] // 2)
    return _np(F.linear(F.avg_pool2d(y, 2).flatten(), _T(weight), _T(bias)))


def _recipe_conv(image, kernel, weight, bias):
    return _recipe_ref(image, np.asarray(kernel)[::-1, ::-1], weight, bias)


def _recipe_nobias(image, kernel, weight, bias):
    return _recipe_ref(image, kernel, weight, np.zeros_like(np.asarray(bias, float)))


def _recipe_colmajor(image, kernel, weight, bias):
    F = _F()
    k = np.asarray(kernel)
    y = F.conv2d(_T(image)[None, None], _T(k)[None, None], padding=k.shape[-1] // 2)
    v = F.avg_pool2d(y, 2)[0, 0].T.flatten()
    return _np(F.linear(v, _T(weight), _T(bias)))


def _recipe_case(rng, h, w, k, n):
    return Case((_img(rng, (h, w)), _img(rng, (k, k)), _img(rng, (n, (h // 2) * (w // 2))),
                 _img(rng, (n,))))


def _recipe_public():
    img = np.arange(1, 17, dtype=float).reshape(4, 4)
    kernel = np.array([[1.0, 0.0, -1.0]] * 3)
    weight = np.array([[1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]])
    return [
        Case((img, kernel, weight, np.array([0.0, 1.0])), label="4x4 image, 3x3 kernel, 2 outputs"),
        _labelled(_recipe_case(np.random.default_rng(20), 6, 4, 3, 3), "6x4 image, 3x3 kernel, 3 outputs"),
    ]


def _recipe_hidden(rng):
    return [_recipe_case(rng, 2 * _ints(rng, 2, 5), 2 * _ints(rng, 2, 5), k, _ints(rng, 1, 4))
            for k in (3, 3, 5, 1)]


# --------------------------------------------------------------------------------------------
# ex03: arithmetic, the matrix view, transposed convolution, classic restoration
# --------------------------------------------------------------------------------------------
def _tsize(i, k, s=1, p=0, op=0, d=1):
    return (i - 1) * s - 2 * p + d * (k - 1) + op + 1


def _tsize_nodil(i, k, s=1, p=0, op=0, d=1):
    return (i - 1) * s - 2 * p + (k - 1) + op + 1


def _tsize_plus_pad(i, k, s=1, p=0, op=0, d=1):
    return (i - 1) * s + 2 * p + d * (k - 1) + op + 1


def _tsize_no_op(i, k, s=1, p=0, op=0, d=1):
    return (i - 1) * s - 2 * p + d * (k - 1) + 1


def _csize(i, k, s=1, p=0, op=0, d=1):
    return (i + 2 * p - d * (k - 1) - 1) // s + 1


def _tsize_case(rng):
    while True:
        i, k, s, d = _ints(rng, 1, 12), _ints(rng, 1, 6), _ints(rng, 1, 4), _ints(rng, 1, 3)
        p = _ints(rng, 0, 3)
        op = _ints(rng, 0, max(s, d) - 1)
        if _tsize(i, k, s, p, op, d) >= 1:
            return Case((i, k, s, p, op, d))


def _tsize_public():
    return [
        Case((2, 2, 1, 0, 0, 1), label="input 2, kernel 2 (d2l's example)"),
        Case((5, 3, 2, 1, 1, 1), label="input 5, kernel 3, stride 2, padding 1, output_padding 1"),
        Case((6, 5, 3, 2, 0, 1), label="input 6, kernel 5, stride 3, padding 2"),
        Case((4, 3, 1, 0, 0, 2), label="input 4, kernel 3, dilation 2"),
    ]


def _tsize_hidden(rng):
    return [_tsize_case(rng) for _ in range(8)]


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
        i, k, s, p, d = (_ints(rng, 4, 20), _ints(rng, 1, 5), _ints(rng, 1, 4), _ints(rng, 0, 2),
                         _ints(rng, 1, 2))
        if i + 2 * p - d * (k - 1) - 1 >= 0:
            cases.append(Case((i, k, s, p, d)))
    return cases


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
        Case((np.array([[1.0, 0.0, -1.0]] * 3), (4, 4), 2, 1), label="3x3 kernel, 4x4 input, stride 2, padding 1"),
        Case((np.array([[1.0, 2.0, 3.0]]), (2, 5), 1, 0), label="1x3 kernel, 2x5 input"),
    ]


def _cmat_hidden(rng):
    cases = []
    for kshape, s, p in [((3, 3), 1, 0), ((2, 3), 2, 1), ((3, 3), 2, 0), ((1, 2), 1, 1)]:
        shape = (_ints(rng, 4, 7), _ints(rng, 4, 7))
        cases.append(Case((_img(rng, kshape), shape, s, p)))
    return cases


def _ct_ref(input, weight, stride=1, padding=0, output_padding=0):
    F = _F()
    return _np(F.conv_transpose2d(_T(input), _T(weight), stride=stride, padding=padding,
                                  output_padding=output_padding))


def _ct_flipped(input, weight, stride=1, padding=0, output_padding=0):
    return _ct_ref(input, np.asarray(weight)[..., ::-1, ::-1], stride, padding, output_padding)


def _ct_layout(input, weight, stride=1, padding=0, output_padding=0):
    return _ct_ref(input, np.swapaxes(np.asarray(weight), 0, 1), stride, padding, output_padding)


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
    return Case((_img(rng, (n, cin, h, w)), _img(rng, (cin, cout) + kshape), s, p, op))


def _ct_public():
    X = np.array([[[[0.0, 1.0], [2.0, 3.0]]]])
    return [
        Case((X, X), label="d2l's 2x2 example, stride 1"),
        Case((X, X, 1, 1), label="d2l's example with padding 1"),
        Case((X, X, 2), label="d2l's example with stride 2"),
        _labelled(_ct_case(np.random.default_rng(31), 1, 2, 3, (3, 3), 2, 1, 1),
                  "1 image, 2 -> 3 channels, 3x3 kernel, stride 2, padding 1, output_padding 1"),
        _labelled(_ct_case(np.random.default_rng(32), 2, 3, 3, (2, 3), 3, 0, 2),
                  "2 images, 3 -> 3 channels, 2x3 kernel, stride 3, output_padding 2"),
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


def _zi_ref(x, kernel, stride):
    return _ct_ref(np.asarray(x, float)[None, None], np.asarray(kernel, float)[None, None], stride)[0, 0]


def _zi_not_flipped(x, kernel, stride):
    return _zi_ref(x, np.asarray(kernel)[::-1, ::-1], stride)


def _zi_trailing_zeros(x, kernel, stride):
    if stride < 2:
        raise ValueError("no trailing zeros when stride is 1")
    return _ct_ref(np.asarray(x, float)[None, None], np.asarray(kernel, float)[None, None], stride,
                   0, stride - 1)[0, 0]


def _zi_public():
    X = np.array([[0.0, 1.0], [2.0, 3.0]])
    return [
        Case((X, X, 1), label="d2l's 2x2 example, stride 1"),
        Case((X, X, 2), label="d2l's example, stride 2"),
        Case((np.arange(6.0).reshape(2, 3), np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [1.0, 0.0, 0.0]]), 3),
             label="2x3 input, asymmetric 3x3 kernel, stride 3"),
    ]


def _zi_hidden(rng):
    return [Case((_img(rng, (_ints(rng, 2, 6), _ints(rng, 2, 6))), _img(rng, (k, k)), s))
            for k, s in [(3, 2), (2, 1), (4, 3), (3, 1), (5, 2)]]


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
    labels = ["conv2d (k3, s2, p1) and its transposed convolution",
              "conv2d and a transposed convolution with a flipped kernel (not adjoint)",
              "a 4x6 matrix and its transpose", "a 4x6 matrix and twice its transpose (not adjoint)"]
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
    return cases


def _p2o_ref(psf, shape):
    psf = np.asarray(psf, float)
    padded = np.zeros(tuple(shape))
    padded[: psf.shape[0], : psf.shape[1]] = psf
    padded = np.roll(padded, (-(psf.shape[0] // 2), -(psf.shape[1] // 2)), axis=(0, 1))
    return np.fft.fft2(padded)


def _p2o_no_roll(psf, shape):
    return np.fft.fft2(np.asarray(psf, float), s=tuple(shape))


def _p2o_wrong_way(psf, shape):
    psf = np.asarray(psf, float)
    padded = np.zeros(tuple(shape))
    padded[: psf.shape[0], : psf.shape[1]] = psf
    padded = np.roll(padded, (psf.shape[0] // 2, psf.shape[1] // 2), axis=(0, 1))
    return np.fft.fft2(padded)


def _p2o_ifft(psf, shape):
    return np.conj(_p2o_ref(psf, shape))


def _p2o_public():
    return [
        Case((np.full((3, 3), 1 / 9), (5, 5)), label="3x3 box PSF, 5x5 grid"),
        Case((np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]), (4, 6)),
             label="shift-by-one PSF, 4x6 grid"),
        Case((np.array([[1.0, 2.0], [3.0, 4.0]]) / 10, (4, 4)), label="even-sized 2x2 PSF, 4x4 grid"),
    ]


def _p2o_hidden(rng):
    return [Case((_psf(rng, k), (_ints(rng, 6, 12), _ints(rng, 6, 12)))) for k in [(3, 3), (5, 3), (2, 4), (1, 5)]]


def _wiener_ref(image, psf, balance):
    from skimage.restoration import wiener

    return wiener(np.asarray(image, float), np.asarray(psf, float), balance, reg=np.ones((1, 1)),
                  clip=False)


def _wiener_form(image, psf, balance, conj=True, power=2, shift=True):
    image = np.asarray(image, float)
    H = _p2o_ref(psf, image.shape) if shift else _p2o_no_roll(psf, image.shape)
    num = np.conj(H) if conj else H
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.real(np.fft.ifft2(num * np.fft.fft2(image) / (np.abs(H) ** power + balance)))


def _wiener_public():
    rng = np.random.default_rng(41)
    img = rng.random((8, 8))
    box = np.full((3, 3), 1 / 9)
    motion = np.array([[0.0, 0.0, 0.0], [0.2, 0.5, 0.3], [0.0, 0.0, 0.0]])
    return [
        Case((img, box, 0.1), label="8x8 image, 3x3 box PSF, balance 0.1"),
        Case((img, motion, 0.01), label="8x8 image, asymmetric motion PSF, balance 0.01"),
        Case((rng.random((6, 10)), np.array([[0.25, 0.5, 0.25]]), 1.0), label="6x10 image, 1x3 PSF, balance 1"),
    ]


def _wiener_hidden(rng):
    return [Case((rng.random((_ints(rng, 8, 14), _ints(rng, 8, 14))), _psf(rng, k), b))
            for k, b in [((3, 3), 0.05), ((3, 5), 0.2), ((5, 5), 0.01), ((1, 3), 1.0)]]


def _rl_impl(image, psf, num_iter, start=None, flip=True, iters_delta=0):
    from scipy.signal import convolve

    image = np.asarray(image, float)
    psf = np.asarray(psf, float)
    x = np.full(image.shape, 0.5) if start is None else image.copy()
    mirror = psf[::-1, ::-1] if flip else psf
    for _ in range(num_iter + iters_delta):
        conv = convolve(x, psf, mode="same") + 1e-12
        x = x * convolve(image / conv, mirror, mode="same")
    return x


def _rl_ref(image, psf, num_iter):
    from skimage.restoration import richardson_lucy

    return richardson_lucy(np.asarray(image, float), np.asarray(psf, float), num_iter=num_iter, clip=False)


def _rl_public():
    rng = np.random.default_rng(51)
    img = rng.random((10, 10)) + 0.1
    motion = np.array([[0.0, 0.0, 0.0], [0.2, 0.5, 0.3], [0.0, 0.1, 0.0]])
    motion = motion / motion.sum()
    return [
        Case((img, np.full((3, 3), 1 / 9), 1), label="10x10 image, box PSF, 1 iteration"),
        Case((img, np.full((3, 3), 1 / 9), 10), label="10x10 image, box PSF, 10 iterations"),
        Case((img, motion, 5), label="10x10 image, asymmetric PSF, 5 iterations"),
    ]


def _rl_hidden(rng):
    return [Case((rng.random((_ints(rng, 10, 18), _ints(rng, 10, 18))) + 0.05, _psf(rng, k), n))
            for k, n in [((3, 3), 4), ((3, 5), 7), ((5, 3), 3), ((2, 3), 6)]]


# --------------------------------------------------------------------------------------------
# ex04: the document's code, fixed
# --------------------------------------------------------------------------------------------
def _doc_padded_output(image, kernel):
    k = np.asarray(kernel)
    out = np.zeros((np.shape(image)[0] + k.shape[0] - 1, np.shape(image)[1] + k.shape[1] - 1))
    ph, pw = k.shape[0] // 2, k.shape[1] // 2
    out[ph: ph + np.shape(image)[0], pw: pw + np.shape(image)[1]] = _corr_same(image, kernel)
    return out


def _doc_int(image, kernel):
    return np.trunc(_corr_same(image, kernel)).astype(np.int64)


def _doc_public():
    return [
        Case((np.arange(1, 10).reshape(3, 3), np.array([[1, 0, -1]] * 3)), label="the article's example"),
        Case((np.arange(1, 21).reshape(4, 5), np.array([[0.5, 0.25, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -0.5]])),
             label="4x5 integer image, 3x3 fractional kernel"),
        Case((np.arange(12.0).reshape(3, 4), np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])), label="3x4 image, 1x5 kernel"),
    ]


def _doc_hidden(rng):
    cases = []
    for k in [(3, 3), (5, 5), (1, 3), (3, 5)]:
        img = rng.integers(0, 10, size=(_ints(rng, 3, 8), _ints(rng, 3, 8)))
        cases.append(Case((img, np.round(rng.standard_normal(k), 2))))
    return cases


def _conv2d_ref(input, weight, bias=None, stride=1, padding=0):
    F = _F()
    b = None if bias is None else _T(bias)
    return _np(F.conv2d(_T(input), _T(weight), b, stride=stride, padding=padding))


def _conv2d_flipped(input, weight, bias=None, stride=1, padding=0):
    return _conv2d_ref(input, np.asarray(weight)[..., ::-1, ::-1], bias, stride, padding)


def _conv2d_layout(input, weight, bias=None, stride=1, padding=0):
    return _conv2d_ref(input, np.swapaxes(np.asarray(weight), 0, 1), bias, stride, padding)


def _conv2d_nobias(input, weight, bias=None, stride=1, padding=0):
    return _conv2d_ref(input, weight, None, stride, padding)


def _conv2d_case(rng, n, cin, cout, kshape, s, p, bias=True):
    h, w = _ints(rng, 4, 8), _ints(rng, 4, 8)
    b = _img(rng, (cout,)) if bias else None
    return Case((_img(rng, (n, cin, h, w)), _img(rng, (cout, cin) + kshape), b, s, p))


def _conv2d_public():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[1.0, 0.0, -1.0]] * 3).reshape(1, 1, 3, 3)
    c1 = Case((x, w, None, 1, 1), label="the article's example as NCHW, padding 1")
    c2 = _conv2d_case(np.random.default_rng(61), 2, 3, 2, (3, 3), 1, 0)
    c2.label = "2 images, 3 -> 2 channels, 3x3 kernel, bias"
    c3 = _conv2d_case(np.random.default_rng(62), 1, 2, 2, (3, 2), 2, 1)
    c3.label = "2 -> 2 channels, 3x2 kernel, stride 2, padding 1, bias"
    return [c1, c2, c3]


def _conv2d_hidden(rng):
    return [
        _conv2d_case(rng, 1, 1, 1, (3, 3), 1, 0, bias=False),
        _conv2d_case(rng, 2, 2, 2, (3, 3), 1, 1),
        _conv2d_case(rng, 1, 3, 2, (2, 2), 2, 0),
        _conv2d_case(rng, 1, 2, 3, (3, 1), 2, 2),
        _conv2d_case(rng, 2, 1, 2, (1, 3), 3, 1),
    ]


def _pool_ref(x, kernel_size):
    F = _F()
    return _np(F.avg_pool2d(_T(x), kernel_size))


def _pool_global(x, kernel_size):
    return np.asarray(x, float).mean(axis=(-2, -1))


def _pool_ceil(x, kernel_size):
    F = _F()
    return _np(F.avg_pool2d(_T(x), kernel_size, ceil_mode=True))


def _pool_public():
    return [
        Case((np.arange(16.0).reshape(1, 1, 4, 4), 2), label="4x4 map, 2x2 pooling"),
        Case((np.arange(50.0).reshape(1, 2, 5, 5), 2), label="two 5x5 maps, 2x2 pooling (drop the last row/col)"),
        Case((np.arange(36.0).reshape(1, 1, 6, 6), 3), label="6x6 map, 3x3 pooling"),
    ]


def _pool_hidden(rng):
    return [Case((_img(rng, (_ints(rng, 1, 2), _ints(rng, 1, 3), _ints(rng, 4, 9), _ints(rng, 4, 9))), k))
            for k in (2, 3, 2, 4)]


# --------------------------------------------------------------------------------------------
# ex05: checkerboard artifacts, resize-convolution, pixel shuffle, cost
# --------------------------------------------------------------------------------------------
def _overlap_ref(kernel_size, stride, input_size):
    torch = _torch()
    F = _F()
    x = torch.ones(1, 1, input_size, input_size, dtype=torch.float64)
    w = torch.ones(1, 1, kernel_size, kernel_size, dtype=torch.float64)
    return _np(F.conv_transpose2d(x, w, stride=stride))[0, 0]


def _overlap_public():
    return [Case((3, 2, 3), label="kernel 3, stride 2, 3x3 input"),
            Case((4, 2, 3), label="kernel 4, stride 2, 3x3 input"),
            Case((2, 3, 2), label="kernel 2, stride 3, 2x2 input")]


def _overlap_hidden(rng):
    return [Case((k, s, _ints(rng, 2, 6))) for k, s in [(3, 2), (5, 2), (4, 3), (3, 1), (6, 4)]]


def _ps_ref(x, upscale_factor):
    F = _F()
    return _np(F.pixel_shuffle(_T(x), upscale_factor))


def _ps_channel_last(x, r):
    x = np.asarray(x, float)
    n, c, h, w = x.shape
    c_out = c // (r * r)
    y = x.reshape(n, r, r, c_out, h, w).transpose(0, 3, 4, 1, 5, 2)
    return y.reshape(n, c_out, h * r, w * r)


def _ps_ij_swapped(x, r):
    x = np.asarray(x, float)
    n, c, h, w = x.shape
    c_out = c // (r * r)
    y = x.reshape(n, c_out, r, r, h, w).transpose(0, 1, 4, 3, 5, 2)
    return y.reshape(n, c_out, h * r, w * r)


def _ps_public():
    return [
        Case((np.arange(16.0).reshape(1, 4, 2, 2), 2), label="4 channels of 2x2 -> one 4x4 map"),
        Case((np.arange(72.0).reshape(1, 8, 3, 3), 2), label="8 channels -> 2 channels of 6x6"),
        Case((np.arange(36.0).reshape(2, 9, 1, 2), 3), label="2 images, 9 channels, upscale 3"),
    ]


def _ps_hidden(rng):
    cases = []
    for r, c in [(2, 1), (2, 3), (3, 2), (4, 1)]:
        cases.append(Case((_img(rng, (_ints(rng, 1, 2), c * r * r, _ints(rng, 1, 4), _ints(rng, 1, 4))), r)))
    return cases


def _rc_ref(x, weight, scale):
    F = _F()
    k = np.asarray(weight).shape[-1]
    up = F.interpolate(_T(x), scale_factor=scale, mode="nearest")
    return _np(F.conv2d(up, _T(weight), padding=k // 2))


def _rc_conv_first(x, weight, scale):
    F = _F()
    k = np.asarray(weight).shape[-1]
    y = F.conv2d(_T(x), _T(weight), padding=k // 2)
    return _np(F.interpolate(y, scale_factor=scale, mode="nearest"))


def _rc_flipped(x, weight, scale):
    return _rc_ref(x, np.asarray(weight)[..., ::-1, ::-1], scale)


def _rc_public():
    rng = np.random.default_rng(71)
    return [
        Case((np.arange(4.0).reshape(1, 1, 2, 2), np.full((1, 1, 3, 3), 1.0), 2),
             label="2x2 ramp, 3x3 ones kernel, scale 2"),
        Case((rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((3, 2, 3, 3)), 2),
             label="2 -> 3 channels, 3x3 kernel, scale 2"),
        Case((rng.standard_normal((2, 1, 2, 3)), rng.standard_normal((1, 1, 1, 1)), 3),
             label="2 images, 1x1 kernel, scale 3"),
    ]


def _rc_hidden(rng):
    return [Case((_img(rng, (_ints(rng, 1, 2), ci, _ints(rng, 2, 5), _ints(rng, 2, 5))),
                  _img(rng, (co, ci, k, k)), s)) for ci, co, k, s in [(1, 1, 3, 2), (2, 2, 3, 3), (3, 1, 5, 2), (1, 2, 1, 2)]]


def _cost_ref(in_channels, out_channels, kernel_size, stride, input_size):
    out = (input_size - 1) * stride + kernel_size
    per = in_channels * out_channels * kernel_size * kernel_size
    return np.array([per * input_size ** 2, per * out ** 2], dtype=np.int64)


def _cost_zero_inserted_size(in_channels, out_channels, kernel_size, stride, input_size):
    z = (input_size - 1) * stride + 1
    per = in_channels * out_channels * kernel_size * kernel_size
    return np.array([per * input_size ** 2, per * z ** 2], dtype=np.int64)


def _cost_public():
    return [Case((1, 1, 3, 2, 4), label="1 -> 1 channel, k3, s2, 4x4 input"),
            Case((64, 32, 4, 2, 16), label="64 -> 32 channels, k4, s2, 16x16 input"),
            Case((3, 8, 5, 1, 10), label="3 -> 8 channels, k5, s1, 10x10 input")]


def _cost_hidden(rng):
    return [Case((_ints(rng, 1, 64), _ints(rng, 1, 64), _ints(rng, 1, 7), _ints(rng, 1, 4), _ints(rng, 2, 64)))
            for _ in range(5)]


# --------------------------------------------------------------------------------------------
# ex06: FAQ quiz on misconceptions
# --------------------------------------------------------------------------------------------
QUIZ = {
    "q1": ("b", "A transposed convolution is the adjoint (transpose) of a convolution, not its "
                "inverse: it restores the shape, not the values (C^T C != I)."),
    "q2": ("b", "The article's formula flips the kernel (true convolution); its loop does not "
                "(cross-correlation). With [[1,0,-1]]*3 the two differ in sign."),
    "q3": ("a", "Checkerboards come from uneven overlap when the kernel size is not divisible "
                "by the stride (Odena et al. 2016)."),
    "q4": ("b", "output_padding only selects one of the output sizes that a strided conv maps "
                "to the same size; the rows it brings back are generally non-zero."),
    "q5": ("b", "pad -> conv -> pool -> dense is an ordinary CNN forward pass; nothing in it runs "
                "in reverse."),
    "q6": ("c", "A smaller kernel changes the model. Speed comes from vectorising (im2col/GEMM), "
                "FFT for large kernels, GPUs, and avoiding zero-inserted inputs."),
    "q7": ("a", "Dividing by |H| near zero amplifies the noise at those frequencies."),
    "q8": ("b", "Richardson-Lucy semi-converges: after a point more iterations amplify noise "
                "and the PSNR falls."),
    "q9": ("c", "Resize (nearest/bilinear) then convolve gives every output pixel the same "
                "number of contributions, so no checkerboard by construction."),
    "q10": ("a", "More data, augmentation, weight decay, dropout and early stopping fight "
                 "overfitting; a bigger kernel adds parameters."),
}


def _quiz_ref(key):
    return QUIZ[key][0]


def _quiz_public():
    return [Case((), label=k, select=k) for k in QUIZ]


def _quiz_hidden(rng):
    return [Case((), select=k) for k in QUIZ]


# --------------------------------------------------------------------------------------------
# the registry
# --------------------------------------------------------------------------------------------
_FLIP_CORR = ("kernel flipped: deep-learning 'convolution' (and this function) is "
              "cross-correlation; slide the kernel as it is, without flipping it")
_SHAPE_HINT = "check the output shape first; it is the quickest bug to find"

QUESTIONS: dict[str, Question] = {}


def _add(q: Question) -> None:
    QUESTIONS[q.id] = q


_add(Question(
    "ex01.meaning", "meaning", "Which meaning of 'deconvolution'?", 2, _meaning_ref,
    _meaning_public, _meaning_hidden, kind="choice",
    variants=(Variant("swapped", lambda t: INVERSE if TERMS[t] == UPSAMPLING else UPSAMPLING,
                      "upsampling layers in networks (transposed convolutions) are the deep-learning "
                      "meaning; filters that undo a blur solve an inverse problem"),),
))
_add(Question(
    "ex01.circular_blur", "circular_blur", "The forward model y = h * x (circular)", 2, _circular_ref,
    _circular_public, _circular_hidden,
    variants=(
        Variant("correlation", _circular_corr,
                "kernel not flipped: a blur is a true convolution, sum_m h[m] x[n - m]"),
        Variant("zero boundary", _circular_zero,
                "zero boundary: a circular blur wraps around (index modulo the image size)"),
        Variant("uncentred", _circular_uncentred,
                "PSF not centred: its centre pixel must land on (0, 0); roll by -(size // 2)"),
    ),
))
_add(Question(
    "ex02.correlate2d", "correlate2d", "Cross-correlation, 'valid' mode", 2, _corr_valid,
    _valid_public, _valid_hidden,
    variants=(Variant("convolution", _conv_valid, _FLIP_CORR),),
))
_add(Question(
    "ex02.convolve2d", "convolve2d", "True convolution, 'valid' mode", 2, _conv_valid,
    _valid_public, _valid_hidden,
    variants=(
        Variant("correlation", _corr_valid,
                "kernel not flipped: true convolution flips the kernel in both axes "
                "(the formula in section 3 of the article)"),
        Variant("rows only", _flip_rows_only, "flip the kernel in BOTH axes, not only the rows"),
        Variant("cols only", _flip_cols_only, "flip the kernel in BOTH axes, not only the columns"),
    ),
))
_add(Question(
    "ex02.recipe_forward", "recipe_forward", "The 4-step recipe as a real CNN forward pass", 3,
    _recipe_ref, _recipe_public, _recipe_hidden,
    variants=(
        Variant("convolution", _recipe_conv, _FLIP_CORR),
        Variant("no bias", _recipe_nobias, "bias missing: z = W v + b"),
        Variant("column-major", _recipe_colmajor,
                "flatten the pooled map row by row (C order, like torch.flatten)"),
    ),
))
_add(Question(
    "ex03.output_size", "conv_transpose_output_size", "Output size of a transposed convolution", 2,
    _tsize, _tsize_public, _tsize_hidden, kind="int",
    variants=(
        Variant("no dilation", _tsize_nodil, "dilation missing: the kernel spans d*(k-1)+1 pixels"),
        Variant("plus padding", _tsize_plus_pad,
                "padding is cropped from the output of a transposed convolution: subtract 2*padding"),
        Variant("no output_padding", _tsize_no_op, "output_padding missing: add it once at the end"),
        Variant("conv formula", _csize,
                "that is the convolution's formula; the transposed one runs it backwards"),
    ),
))
_add(Question(
    "ex03.output_padding", "output_padding_for", "The output_padding that undoes a strided convolution",
    2, _opad_ref, _opad_public, _opad_hidden, kind="int",
    variants=(
        Variant("zero", lambda *a: 0,
                "output_padding missing: when (i + 2p - d(k-1) - 1) is not divisible by the stride, "
                "the convolution dropped rows that output_padding brings back"),
        Variant("no dilation", _opad_nodil, "use the effective kernel size d*(k-1)+1, not k"),
    ),
))
_add(Question(
    "ex03.conv_matrix", "conv_matrix", "The convolution matrix C", 3, _cmat_ref,
    _cmat_public, _cmat_hidden,
    variants=(
        Variant("flipped", _cmat_flipped, _FLIP_CORR),
        Variant("transposed", _cmat_T,
                "you returned C^T: C has one ROW per output pixel and one COLUMN per input pixel"),
    ),
))
_add(Question(
    "ex03.conv_transpose2d", "conv_transpose2d", "Transposed convolution by scatter", 5, _ct_ref,
    _ct_public, _ct_hidden,
    variants=(
        Variant("flipped", _ct_flipped,
                "kernel flipped: the scatter route adds x[i, j] * w (the kernel as it is) "
                "to the output window at (i*stride, j*stride)"),
        Variant("layout", _ct_layout,
                "weight layout: ConvTranspose2d's weight is (in_channels, out_channels, kH, kW), "
                "the reverse of Conv2d's (out, in, kH, kW)"),
        Variant("no crop", _ct_no_crop,
                "padding not applied: in a transposed convolution `padding` CROPS that many rows "
                "and columns from each side of the full output"),
        Variant("padded input", _ct_padded_input,
                "padding added to the input instead of cropped from the output"),
        Variant("no output_padding", _ct_no_op,
                "output_padding missing: it keeps that many extra rows/columns at the bottom/right "
                "of the full output (they are generally non-zero, not added zeros)"),
        Variant("one side", _ct_crop_one_side,
                "padding cropped on one side only: crop `padding` rows/columns at the top/left "
                "AND at the bottom/right"),
    ),
))
_add(Question(
    "ex03.zero_insert", "conv_transpose2d_zero_insert", "Transposed convolution by zero insertion", 4,
    _zi_ref, _zi_public, _zi_hidden,
    variants=(
        Variant("not flipped", _zi_not_flipped,
                "kernel not flipped: after zero insertion and padding by k-1, correlate with the "
                "kernel flipped in both axes"),
        Variant("trailing zeros", _zi_trailing_zeros,
                "insert stride-1 zeros only BETWEEN pixels, not after the last one: "
                "the zero-inserted size is (H-1)*stride+1"),
    ),
))
_add(Question(
    "ex03.is_adjoint", "is_adjoint", "An adjoint-identity test", 3, _adj_ref,
    _adj_public, _adj_hidden, kind="bool",
    variants=(
        Variant("always true", _always_true,
                "your test accepts a pair that is not adjoint: compare <A x, y> with <x, B y> for "
                "random x and y, with a RELATIVE tolerance"),
        Variant("always false", _always_false,
                "your test rejects a true adjoint pair: use a relative tolerance (e.g. 1e-8 of "
                "the size of the inner products), not an absolute one"),
    ),
))
_add(Question(
    "ex03.psf2otf", "psf2otf", "From PSF to optical transfer function", 2, _p2o_ref,
    _p2o_public, _p2o_hidden, kind="complex",
    variants=(
        Variant("no roll", _p2o_no_roll,
                "PSF not centred: after zero-padding, roll it by -(size // 2) so its centre is at (0, 0)"),
        Variant("wrong way", _p2o_wrong_way, "rolled the wrong way: roll by MINUS size // 2"),
        Variant("inverse fft", _p2o_ifft, "use the forward FFT (np.fft.fft2)"),
    ),
))
_add(Question(
    "ex03.wiener", "wiener_filter", "Wiener filter with a constant noise-to-signal ratio", 3,
    _wiener_ref, _wiener_public, _wiener_hidden,
    variants=(
        Variant("no conj", lambda i, p, b: _wiener_form(i, p, b, conj=False),
                "use the complex conjugate: G = conj(H) / (|H|^2 + balance)"),
        Variant("abs not squared", lambda i, p, b: _wiener_form(i, p, b, power=1),
                "the denominator is |H|^2 + balance, not |H| + balance"),
        Variant("inverse", lambda i, p, b: _wiener_form(i, p, 0.0),
                "balance missing: that is the inverse filter"),
        Variant("uncentred", lambda i, p, b: _wiener_form(i, p, b, shift=False),
                "PSF not centred: build H with psf2otf"),
    ),
))
_add(Question(
    "ex03.richardson_lucy", "richardson_lucy", "Richardson-Lucy deconvolution", 4, _rl_ref,
    _rl_public, _rl_hidden, rtol=1e-6, atol=1e-8,
    variants=(
        Variant("no mirror", lambda i, p, n: _rl_impl(i, p, n, flip=False),
                "PSF not mirrored in the correction step: convolve the ratio with psf[::-1, ::-1]"),
        Variant("start at image", lambda i, p, n: _rl_impl(i, p, n, start="image"),
                "start from a constant 0.5 image, like scikit-image"),
        Variant("one short", lambda i, p, n: _rl_impl(i, p, n, iters_delta=-1),
                "run exactly num_iter iterations"),
        Variant("one extra", lambda i, p, n: _rl_impl(i, p, n, iters_delta=1),
                "run exactly num_iter iterations"),
    ),
))
_add(Question(
    "ex04.same_correlation", "same_correlation", "The article's loop, fixed", 3, _corr_same,
    _doc_public, _doc_hidden,
    variants=(
        Variant("convolution", _conv_same, _FLIP_CORR),
        Variant("padded output", _doc_padded_output,
                "output has the padded image's shape: loop over the OUTPUT positions (the input's "
                "shape), not over every position of the padded image"),
        Variant("integer buffer", _doc_int,
                "integer output: np.zeros_like(x_padded) inherits the image's int dtype and "
                "truncates fractions; allocate np.zeros(image.shape, dtype=float)"),
    ),
))
_add(Question(
    "ex04.conv2d", "conv2d", "Multi-channel conv2d (NCHW)", 4, _conv2d_ref,
    _conv2d_public, _conv2d_hidden,
    variants=(
        Variant("flipped", _conv2d_flipped, _FLIP_CORR),
        Variant("layout", _conv2d_layout,
                "weight layout: Conv2d's weight is (out_channels, in_channels, kH, kW)"),
        Variant("no bias", _conv2d_nobias, "bias missing: add bias[c] to every pixel of output channel c"),
    ),
))
_add(Question(
    "ex04.avg_pool2d", "avg_pool2d", "Average pooling (the article's step 3, done right)", 2,
    _pool_ref, _pool_public, _pool_hidden,
    variants=(
        Variant("global mean", _pool_global,
                "that is the article's global mean: pooling averages each k x k window separately"),
        Variant("ceil", _pool_ceil,
                "partial windows at the border are dropped (floor), like F.avg_pool2d"),
    ),
))
_add(Question(
    "ex05.overlap_map", "overlap_map", "Where transposed convolutions overlap", 2, _overlap_ref,
    _overlap_public, _overlap_hidden, kind="numeric",
))
_add(Question(
    "ex05.pixel_shuffle", "pixel_shuffle", "Pixel shuffle (sub-pixel convolution)", 3, _ps_ref,
    _ps_public, _ps_hidden,
    variants=(
        Variant("channel last", _ps_channel_last,
                "channel order: input channel c*r*r + i*r + j goes to output channel c at "
                "sub-pixel (i, j) (PyTorch's order)"),
        Variant("ij swapped", _ps_ij_swapped,
                "row and column offsets swapped: i (the row offset) comes before j"),
    ),
))
_add(Question(
    "ex05.resize_conv", "resize_conv", "Resize-convolution upsampler", 3, _rc_ref,
    _rc_public, _rc_hidden,
    variants=(
        Variant("conv first", _rc_conv_first, "resize first, then convolve; the order matters"),
        Variant("flipped", _rc_flipped, _FLIP_CORR),
    ),
))
_add(Question(
    "ex05.upsampling_cost", "transposed_conv_macs", "The cost of two routes", 2, _cost_ref,
    _cost_public, _cost_hidden, kind="numeric", rtol=0, atol=0,
    variants=(
        Variant("zero-inserted size", _cost_zero_inserted_size,
                "the zero-insertion route computes one k x k window per OUTPUT pixel, and the "
                "output is (H-1)*stride + k wide"),
    ),
))
_add(Question(
    "ex06.quiz", "quiz_answers", "FAQ quiz: misconceptions", 5, _quiz_ref,
    _quiz_public, _quiz_hidden, kind="choice",
))

EXERCISES = {
    "ex01": "ex01_two_meanings",
    "ex02": "ex02_core_concepts",
    "ex03": "ex03_algorithms",
    "ex04": "ex04_fixing_the_code",
    "ex05": "ex05_trends_and_challenges",
    "ex06": "ex06_faq_quiz",
}


def questions_for(exercise: str) -> list[Question]:
    """The questions of one exercise (``"ex03"``), in notebook order."""
    return [q for q in QUESTIONS.values() if q.exercise == exercise]


def expected_for(q: Question, case: Case) -> Any:
    """The reference answer of one case (computed in the caller's process)."""
    if q.id == "ex06.quiz":
        return _quiz_ref(case.select)
    return q.reference(*case.args, **case.kwargs)


def variant_output(q: Question, v: Variant, case: Case) -> Any:
    if q.id == "ex06.quiz":
        return None
    return v.fn(*case.args, **case.kwargs)
