"""Questions of exercise 6 (exercises/ex06_faq_quiz.ipynb): a FAQ quiz on misconceptions.

The quiz is one question whose function returns a dict of answers; each case selects one item
(``Case.select``) and carries that item's explanation as its hint (``Case.hint``). The answer key
is the question's ``answers`` field.
"""

from __future__ import annotations

from ..model import Case, Question
from ._common import with_hints

QUIZ = {
    "q1": (
        "b",
        "A transposed convolution is the adjoint (transpose) of a convolution, not its "
        "inverse: it restores the shape, not the values (C^T C != I).",
    ),
    "q2": (
        "b",
        "The article's formula flips the kernel (true convolution); its loop does not "
        "(cross-correlation). With [[1,0,-1]]*3 the two differ in sign.",
    ),
    "q3": (
        "a",
        "Checkerboards come from uneven overlap when the kernel size is not divisible "
        "by the stride (Odena et al. 2016); the pattern has the stride's period, which neither the "
        "border padding nor batch normalisation has.",
    ),
    "q4": (
        "b",
        "output_padding only selects which of the `stride` input sizes that a strided conv maps "
        "to the same output size is restored. The extra rows are values that `padding` would have "
        "cropped when padding >= output_padding, and zeros (plus bias) only when padding < output_padding.",
    ),
    "q5": (
        "b",
        "pad -> conv -> pool -> dense is an ordinary CNN forward pass; nothing in it runs in reverse.",
    ),
    "q6": (
        "c",
        "A smaller kernel changes the model. Speed comes from vectorising (im2col/GEMM), "
        "FFT for large kernels, GPUs, and avoiding zero-inserted inputs.",
    ),
    "q7": (
        "a",
        "Dividing by |H| near zero amplifies the noise at those frequencies; a kernel that does not sum "
        "to 1 only scales the result.",
    ),
    "q8": (
        "b",
        "Richardson-Lucy semi-converges: after a point more iterations amplify noise and the PSNR falls.",
    ),
    "q9": (
        "c",
        "Resize (nearest/bilinear) then convolve gives every output pixel the same "
        "number of contributions, so no checkerboard by construction.",
    ),
    "q10": (
        "a",
        "More data, augmentation, weight decay, dropout and early stopping fight "
        "overfitting; a bigger kernel adds parameters, and a larger batch only makes each gradient "
        "less noisy, which does not regularise.",
    ),
}


ANSWERS = {item: answer for item, (answer, _) in QUIZ.items()}


def _quiz_ref() -> dict[str, str]:
    """The whole answer key, the dict a correct ``quiz_answers()`` returns."""
    return dict(ANSWERS)


def _quiz_public() -> list[Case]:
    return [Case((), label=k, select=k, hint=hint) for k, (_, hint) in QUIZ.items()]


def _quiz_hidden(rng) -> list[Case]:
    return [Case((), label=f"quiz item {k}", select=k, hint=hint) for k, (_, hint) in QUIZ.items()]


QUESTIONS: list[Question] = [
    Question(
        "ex06.quiz",
        "quiz_answers",
        "FAQ quiz: misconceptions",
        5,
        _quiz_ref,
        _quiz_public,
        _quiz_hidden,
        kind="choice",
        answers=ANSWERS,
    ),
]

HINTS = {
    "ex06.quiz": (
        "Each answer is one letter; a wrong item shows its explanation when you run check().",
        "Re-read the FAQ notebook (notebooks/06_faq.ipynb) for the items that are still wrong.",
    ),
}
QUESTIONS = with_hints(QUESTIONS, HINTS)
