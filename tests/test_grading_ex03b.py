"""Exercise 03b (restoration): its references against independent ones, the PSNR-graded weight,
and the exercise id ``ex03b`` (never read as ``ex03``) in the grader, the reports and the work copies.

The references in ``grading/questions/ex03b*.py`` are written from the formulas; here they meet the
course package, scikit-image, SciPy and a dense linear solve, and the hidden-case generators meet
the answers their labels promise.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio
from skimage.restoration import wiener as sk_wiener

from deconv_course import restoration, workspace
from deconv_course.grading.compare import compare, judge_case
from deconv_course.grading.exchange import harness_cell
from deconv_course.grading.questions import (
    EXERCISES,
    QUESTIONS,
    ex03b,
    ex03b_practice,
    exercise_in,
    expected_for,
    hidden_cases,
    max_score,
    questions_for,
)
from deconv_course.grading.reports import fill_exercise
from deconv_course.grading.runner import detect_exercise

REPO = Path(__file__).resolve().parents[1]
MOVED = ["ex03b.psf2otf", "ex03b.wiener", "ex03b.richardson_lucy"]
NEW = [
    "ex03b.discrepancy",
    "ex03b.choose_lambda",
    "ex03b.edge_taper",
    "ex03b.admm_x_update",
    "ex03b.noise_model",
]


def test_the_restoration_questions_left_ex03_for_ex03b():
    assert [q.id for q in questions_for("ex03b")] == MOVED + NEW
    assert len(questions_for("ex03")) == 6 and not any("ex03." + q.split(".")[1] in QUESTIONS for q in MOVED)
    assert EXERCISES["ex03b"] == "ex03b_restoration" and list(EXERCISES).index("ex03b") == 3
    assert max_score("ex03") == 19 and max_score("ex03b") == 24


# ---------------------------------------------------------------------------------------------
# exercise ids
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, exercise",
    [
        ("ex03b_restoration.ipynb", "ex03b"),
        ("ex03_algorithms.ipynb", "ex03"),
        ("s1234_ex03b_restoration.ipynb", "ex03b"),
        ("alice-ex03b.ipynb", "ex03b"),
        ("bob_ex03.ipynb", "ex03"),
        ("ex06_faq_quiz.ipynb", "ex06"),
        ("ex03bx.ipynb", None),
        ("notes.ipynb", None),
    ],
)
def test_exercise_ids_in_file_names(name, exercise):
    assert exercise_in(name) == exercise


def _notebook(*sources, exercise=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    if exercise:
        nb.metadata["deconv_course"] = {"exercise": exercise}
    return nb


def test_the_grader_tells_ex03b_from_ex03():
    plain = _notebook("x = 1")
    assert detect_exercise(plain, Path("s1_ex03b_restoration.ipynb")) == "ex03b"
    assert detect_exercise(plain, Path("s1_ex03_algorithms.ipynb")) == "ex03"
    checks = _notebook('check("ex03b.wiener")', "check( 'ex03b.psf2otf' )")
    assert detect_exercise(checks, Path("submission.ipynb")) == "ex03b"
    assert detect_exercise(_notebook('check("ex03.output_size")'), Path("ex03b.ipynb")) == "ex03"
    assert detect_exercise(_notebook(exercise="ex03b"), Path("ex03_algorithms.ipynb")) == "ex03b"
    for path in ("solutions/ex03b_restoration.ipynb", "exercises/ex03b_restoration.ipynb"):
        assert detect_exercise(nbformat.read(REPO / path, as_version=4), Path("x.ipynb")) == "ex03b"


def test_reports_fill_in_ex03b_from_the_file_name():
    reports = [{"submission": "s9_ex03b_restoration.ipynb"}, {"submission": "s9_ex03_algorithms.ipynb"}]
    fill_exercise(reports)
    assert [r["exercise"] for r in reports] == ["ex03b", "ex03"]
    assert [r["max_score"] for r in reports] == [24.0, 19.0]


@pytest.mark.skipif(shutil.which("git") is None, reason="work copies live in a git clone")
def test_work_copies_and_reset_of_ex03b(tmp_path):
    root = tmp_path / "course"
    (root / "exercises").mkdir(parents=True)
    for name in ("ex03_algorithms.ipynb", "ex03b_restoration.ipynb"):
        shutil.copy(REPO / "exercises" / name, root / "exercises" / name)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "course"], check=True)
    assert workspace.exercise_file(root, "ex03b") == "ex03b_restoration.ipynb"
    assert workspace.exercise_file(root, "ex03") == "ex03_algorithms.ipynb"
    assert workspace.exercise_file(root, "3") == "ex03_algorithms.ipynb"
    assert workspace.make_work_copies(root, ["ex03b"]) == ["made     work/ex03b_restoration.ipynb"]
    assert not (root / "work" / "ex03_algorithms.ipynb").exists()
    (root / "work" / "ex03b_restoration.ipynb").write_text("{}", encoding="utf-8")
    lines = workspace.reset(root, "ex03b")
    assert lines[0].startswith("restored work/ex03b_restoration.ipynb")
    shipped = (root / "exercises" / "ex03b_restoration.ipynb").read_text(encoding="utf-8")
    assert (root / "work" / "ex03b_restoration.ipynb").read_text(encoding="utf-8") == shipped


# ---------------------------------------------------------------------------------------------
# references against independent ones
# ---------------------------------------------------------------------------------------------
def _cases(qid, seeds=(0, 1)):
    q = QUESTIONS[qid]
    return q, q.public() + [c for s in seeds for c in hidden_cases(q, s)]


def test_discrepancy_reference_solves_the_equation_and_agrees_with_the_package():
    q, cases = _cases("ex03b.discrepancy")
    for case in cases:
        image, psf, sigma = case.args
        lam = expected_for(q, case)
        restored = sk_wiener(image, psf, lam, reg=np.ones((1, 1)), clip=False)  # scikit-image's filter
        reblurred = np.real(np.fft.ifft2(restoration.psf2otf(psf, image.shape) * np.fft.fft2(restored)))
        np.testing.assert_allclose(np.sum((image - reblurred) ** 2), image.size * sigma**2, rtol=1e-6)
        np.testing.assert_allclose(
            lam, restoration.discrepancy_balance(image, psf, sigma, bounds=(1e-12, 1e4)), rtol=1e-4
        )


def test_psnr_curve_is_scikit_images_wiener_and_psnr():
    q, cases = _cases("ex03b.choose_lambda", seeds=(0,))
    for case in cases[::3]:
        image, psf, _ = case.args
        grid, curve, tolerance = expected_for(q, case)
        assert tolerance[0] == case.private["tolerance_db"] and np.all(tolerance == tolerance[0])
        for i in (40, 100, 150):
            restored = sk_wiener(image, psf, 10 ** grid[i], reg=np.ones((1, 1)), clip=False)
            want = peak_signal_noise_ratio(case.private["truth"], restored, data_range=1.0)
            np.testing.assert_allclose(curve[i], want, rtol=1e-9)


def test_choose_lambda_is_graded_by_psnr_and_the_truth_stays_in_the_grader():
    q = QUESTIONS["ex03b.choose_lambda"]
    cases = hidden_cases(q, 3)
    assert {c.private["tolerance_db"] for c in cases} == {3.0, 6.0}
    cell = harness_cell(q.name, cases, 5.0)
    assert (
        "truth" not in cell
        and "tolerance" not in cell
        and len(cell) < 3 * sum(c.args[0].nbytes for c in cases)
    )
    for case in cases:
        expected = expected_for(q, case)
        best = 10 ** expected[0][np.argmax(expected[1])]
        assert compare(q, {"type": "float", "value": best}, expected)[0]  # the oracle passes
        lam = ex03b._disc_ref(*case.args)  # a truth-free rule: the discrepancy principle
        assert compare(q, {"type": "float", "value": lam}, expected)[0], case.label
        raw = {"status": "ok", "type": "float", "value": case.args[2] ** 2}
        result = judge_case(q, case, raw, expected)  # sigma**2: the noise power alone
        assert not result.passed and "PSNR too low" in result.message and "noise power" in result.hint
    for bad in (-1.0, 0.0, float("nan")):
        ok, message = compare(q, {"type": "float", "value": bad}, expected)
        assert not ok and "> 0" in message
    ok, message = compare(q, {"type": "array", "value": np.ones(3)}, expected)
    assert not ok and "one number" in message


def test_edge_taper_reference_is_the_package_edgetaper():
    q, cases = _cases("ex03b.edge_taper")
    for case in cases:
        image, psf = case.args
        np.testing.assert_allclose(expected_for(q, case), restoration.edge_taper(image, psf), atol=1e-12)
        alpha = restoration.taper_weights(image.shape, psf)
        assert np.all(alpha[[0, -1], :] == 0) and np.all(alpha[:, [0, -1]] == 0)


def test_admm_reference_dense_solve_equals_the_fourier_form_and_the_package():
    q, cases = _cases("ex03b.admm_x_update")
    for case in cases:
        dense = expected_for(q, case)
        np.testing.assert_allclose(ex03b_practice._admm_form(*case.args), dense, atol=1e-10)
        np.testing.assert_allclose(restoration.admm_x_update(*case.args), dense, atol=1e-10)


def test_admm_x_update_minimises_its_quadratic():
    q = QUESTIONS["ex03b.admm_x_update"]
    y, psf, z, u, rho = q.public()[1].args
    x = expected_for(q, q.public()[1])

    def energy(v):
        r = ex03b._cblur(v, psf) - y
        d = [np.roll(v, -1, axis=a) - v for a in (0, 1)]
        return 0.5 * np.sum(r**2) + 0.5 * rho * sum(np.sum((d[i] - z[i] + u[i]) ** 2) for i in range(2))

    rng = np.random.default_rng(0)
    assert all(energy(x) < energy(x + 1e-3 * rng.standard_normal(x.shape)) for _ in range(20))


def test_noise_model_reference_answers_what_the_generator_drew():
    q = QUESTIONS["ex03b.noise_model"]
    drawn = 0
    for seed in range(200):
        for case in hidden_cases(q, seed):
            assert expected_for(q, case) == case.label.split()[0], (seed, case.label)
            drawn += 1
    assert drawn == 1200
    for case in q.public():
        assert expected_for(q, case) in case.label.lower()


def test_poisson_noise_of_the_package_is_what_the_generator_simulates():
    x = np.linspace(0.05, 0.95, 256).reshape(16, 16)
    frames = np.stack([restoration.add_poisson_noise(x, 40.0, seed=s) for s in range(16)])
    assert ex03b_practice._noise_ref(frames) == "poisson"
    frames = np.stack([restoration.add_gaussian_noise(x, 0.1, seed=s) for s in range(16)])
    assert ex03b_practice._noise_ref(frames) == "gaussian"


@pytest.mark.parametrize("qid", NEW)
def test_hidden_cases_are_labelled_by_category_not_by_value(qid):
    labels = [case.label for seed in (5, 6) for case in hidden_cases(QUESTIONS[qid], seed)]
    assert all(labels) and len(set(labels)) < len(labels)  # categories repeat; values would not
