"""Tests of the exercise registry, in-notebook ``check``, the exercise generator and the batch grader.

The batch grader is exercised once, in one ``grade(..., jobs=2)`` call over every solution, every
untouched exercise, hand-written wrong submissions and hostile ones (tests/submissions/), with
short time limits; the other tests read that batch's CSV and JSON reports.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest

from deconv_course import grading
from deconv_course._grader_questions import QUESTIONS, QUIZ, expected_for, questions_for, variant_output

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

import sys  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "submissions"))
import make_submissions  # noqa: E402

LIMITS = dict(cell_timeout=15, call_timeout=15, timeout=150, memory_mb=2048)  # generous: CI may be loaded
SECRET = 12345


def solution_fn(q):
    """The reference, in the shape a student's function has."""
    if q.id == "ex06.quiz":
        return lambda: {k: v[0] for k, v in QUIZ.items()}
    return q.reference


# =============================================================================================
# the registry and its references
# =============================================================================================
def test_at_least_fifteen_questions_with_stable_ids_and_points():
    assert len(QUESTIONS) >= 15
    for qid, q in QUESTIONS.items():
        assert qid == q.id and qid.startswith(q.exercise + ".")
        assert q.points > 0
        assert q.exercise in grading.EXERCISES
    assert {q.exercise for q in QUESTIONS.values()} == set(grading.EXERCISES)


@pytest.mark.parametrize("qid", list(QUESTIONS))
def test_reference_passes_its_public_cases(qid):
    rep = grading.run_public(qid, solution_fn(QUESTIONS[qid]))
    assert rep["status"] == "passed", rep


def test_output_size_reference_matches_pytorch():
    import torch

    for case in grading.hidden_cases(QUESTIONS["ex03.output_size"], 7) + QUESTIONS["ex03.output_size"].public():
        i, k, s, p, op, d = case.args
        layer = torch.nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op, dilation=d)
        assert layer(torch.zeros(1, 1, i, i)).shape[-1] == expected_for(QUESTIONS["ex03.output_size"], case)


def test_output_padding_reference_restores_the_shape_in_pytorch():
    import torch
    import torch.nn.functional as F

    q = QUESTIONS["ex03.output_padding"]
    for case in grading.hidden_cases(q, 3) + q.public():
        i, k, s, p, d = case.args
        op = expected_for(q, case)
        w = torch.zeros(1, 1, k, k)
        y = F.conv2d(torch.zeros(1, 1, i, i), w, stride=s, padding=p, dilation=d)
        x = F.conv_transpose2d(y, w, stride=s, padding=p, output_padding=op, dilation=d)
        assert x.shape[-1] == i


def test_psf2otf_and_circular_blur_references_agree_with_the_convolution_theorem():
    from scipy import ndimage

    rng = np.random.default_rng(0)
    image, psf = rng.random((9, 11)), rng.random((3, 5))
    otf = QUESTIONS["ex03.psf2otf"].reference(psf, image.shape)
    via_fft = np.real(np.fft.ifft2(np.fft.fft2(image) * otf))
    np.testing.assert_allclose(via_fft, ndimage.convolve(image, psf, mode="wrap"), atol=1e-12)
    np.testing.assert_allclose(QUESTIONS["ex01.circular_blur"].reference(image, psf), via_fft, atol=1e-12)


def test_conv_matrix_reference_transpose_is_the_transposed_convolution():
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(1)
    k = rng.standard_normal((3, 3))
    C = QUESTIONS["ex03.conv_matrix"].reference(k, (5, 5), 2, 1)
    y = rng.standard_normal((3, 3))
    ct = F.conv_transpose2d(torch.tensor(y)[None, None], torch.tensor(k)[None, None], stride=2, padding=1)
    np.testing.assert_allclose(C.T @ y.ravel(), ct.numpy().ravel(), atol=1e-12)


def test_overlap_map_shows_the_4_2_1_checkerboard():
    m = QUESTIONS["ex05.overlap_map"].reference(3, 2, 4)
    assert set(np.unique(m[2:-2, 2:-2])) == {1.0, 2.0, 4.0}
    m4 = QUESTIONS["ex05.overlap_map"].reference(4, 2, 4)
    assert np.all(m4[2:-2, 2:-2] == 4)


def test_the_articles_example_is_the_documented_same_correlation():
    case = QUESTIONS["ex04.same_correlation"].public()[0]
    np.testing.assert_array_equal(expected_for(QUESTIONS["ex04.same_correlation"], case),
                                  [[-7, -4, 7], [-15, -6, 15], [-13, -4, 13]])


def test_adjoint_reference_agrees_with_inner_products():
    q = QUESTIONS["ex03.is_adjoint"]
    rng = np.random.default_rng(2)
    for case in grading.hidden_cases(q, 5) + q.public():
        fwd, bwd, ins, outs = case.args
        x, y = rng.standard_normal(ins), rng.standard_normal(outs)
        lhs, rhs = np.sum(fwd(x) * y), np.sum(x * bwd(y))
        assert expected_for(q, case) == bool(abs(lhs - rhs) <= 1e-9 * (abs(lhs) + abs(rhs)))


@pytest.mark.parametrize("qid", [q for q in QUESTIONS if QUESTIONS[q].variants])
def test_every_known_mistake_gets_its_hint(qid):
    q = QUESTIONS[qid]
    cases = q.public() + grading.hidden_cases(q, 0)
    for v in q.variants:
        hints = set()
        for case in cases:
            try:
                out = variant_output(q, v, case)
            except Exception:
                continue
            p = grading._plain(out)
            rep = grading.judge_case(q, case, {"status": "ok", "type": p["type"], "value": p["value"]},
                                     expected_for(q, case))
            if not rep["passed"]:
                hints.add(rep["hint"])
        assert v.hint in hints, (v.name, hints)


def test_hidden_cases_are_seeded_secret_and_differ_from_public_ones():
    for q in QUESTIONS.values():
        a, b = grading.hidden_cases(q, 1), grading.hidden_cases(q, 1)
        assert [repr(c.args) for c in a] == [repr(c.args) for c in b]
        public_arrays = [x for c in q.public() for x in c.args if isinstance(x, np.ndarray)]
        for c in a:
            for x in c.args:
                if isinstance(x, np.ndarray) and x.size > 4:
                    assert not any(p.shape == x.shape and np.array_equal(p, x) for p in public_arrays)
    q = QUESTIONS["ex03.conv_transpose2d"]
    assert not np.array_equal(grading.hidden_cases(q, 1)[1].args[0], grading.hidden_cases(q, 2)[1].args[0])


# =============================================================================================
# compare and check
# =============================================================================================
def test_compare_reports_shape_dtype_and_nan():
    q = QUESTIONS["ex04.same_correlation"]
    exp = np.zeros((3, 3))
    assert "wrong shape" in grading.compare(q, grading._plain(np.zeros((5, 5))), exp)[1]
    assert "wrong dtype" in grading.compare(q, grading._plain(np.zeros((3, 3), int)), exp)[1]
    assert "NaN" in grading.compare(q, grading._plain(np.full((3, 3), np.nan)), exp)[1]
    assert "return an array" in grading.compare(q, grading._plain("text"), exp)[1]
    assert grading.compare(q, grading._plain(np.zeros((3, 3))), exp) == (True, "")


def test_plain_converts_tensors_and_refuses_objects():
    import torch

    p = grading._plain(torch.ones(2, 3, dtype=torch.float64))
    assert p["type"] == "array" and p["value"].shape == (2, 3)
    with pytest.raises(TypeError):
        grading._plain(np.array([object()], dtype=object))


def test_check_says_not_attempted_for_a_stub(capsys):
    def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
        raise NotImplementedError("replace this line with your solution")

    grading.check("ex03.conv_transpose2d", conv_transpose2d)
    out = capsys.readouterr().out
    assert "not attempted" in out and "Traceback" not in out


def test_check_hints_at_the_flipped_kernel(capsys):
    import torch
    import torch.nn.functional as F

    def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
        w = torch.tensor(np.ascontiguousarray(np.asarray(weight)[..., ::-1, ::-1]))
        return F.conv_transpose2d(torch.tensor(input), w, stride=stride, padding=padding,
                                  output_padding=output_padding).numpy()

    grading.check("ex03.conv_transpose2d", conv_transpose2d)
    out = capsys.readouterr().out
    assert "\u2718" in out and "hint: kernel flipped" in out and "public cases passed" in out


def test_check_reports_exceptions_without_traceback(capsys):
    def correlate2d(image, kernel):
        raise ValueError("boom")

    grading.check("ex02.correlate2d", correlate2d)
    out = capsys.readouterr().out
    assert "raised ValueError: boom" in out and "Traceback" not in out


def test_check_with_the_id_alone_finds_the_function_in_the_callers_globals(capsys):
    namespace = {"check": grading.check, "avg_pool2d": QUESTIONS["ex04.avg_pool2d"].reference}
    exec('check("ex04.avg_pool2d")', namespace)
    assert "all 3 public cases passed" in capsys.readouterr().out
    exec('check("ex04.conv2d")', namespace)
    assert "no function `conv2d`" in capsys.readouterr().out


def test_check_rejects_unknown_ids_and_is_silent_inside_the_grader(capsys, monkeypatch):
    with pytest.raises(ValueError, match="question_id='ex09.nothing'"):
        grading.check("ex09.nothing", print)
    monkeypatch.setenv("DECONV_COURSE_GRADER", "1")
    assert grading.check("ex04.avg_pool2d", QUESTIONS["ex04.avg_pool2d"].reference) is None
    assert capsys.readouterr().out == ""


# =============================================================================================
# exercises are generated from solutions and never drift
# =============================================================================================
def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _pairs():
    sols = sorted(SOLUTIONS.glob("ex0*.ipynb"))
    assert [p.stem for p in sols] == sorted(grading.EXERCISES.values())
    return [(s, EXERCISES / s.name) for s in sols]


def test_committed_exercises_equal_the_generators_output():
    for sol, ex in _pairs():
        generated = grading.exercise_notebook(sol)
        committed = _read(ex)
        assert [(c.cell_type, c.source) for c in committed.cells] == \
               [(c.cell_type, c.source) for c in generated.cells], ex.name
        assert "### BEGIN SOLUTION" not in json.dumps([c.source for c in committed.cells])


def test_each_question_is_checked_once_in_its_notebook():
    for sol, ex in _pairs():
        exercise = grading.detect_exercise(_read(sol), sol)
        ids = [q.id for q in questions_for(exercise)]
        for path in (sol, ex):
            sources = [c.source for c in _read(path).cells if c.cell_type == "code"]
            for qid in ids:
                assert sum(s.count(f'check("{qid}")') for s in sources) == 1, (path.name, qid)
            assert sum(s.count("### BEGIN SOLUTION") for s in sources) == (len(ids) if path == sol else 0)


def test_stored_outputs_pass_in_solutions_and_say_not_attempted_in_exercises():
    for sol, ex in _pairs():
        for path, needle in ((sol, "public cases passed"), (ex, "not attempted yet")):
            for cell in _read(path).cells:
                if cell.cell_type == "code" and cell.source.startswith("check("):
                    text = "".join(o.get("text", "") for o in cell.outputs)
                    assert needle in text, (path.name, cell.source, text)


def test_stub_source_replaces_regions_and_rejects_unbalanced_markers():
    src = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    out = grading.stub_source(src)
    assert "return x" not in out and "    raise NotImplementedError(" in out and "    y = 1" in out
    with pytest.raises(ValueError):
        grading.stub_source("### BEGIN SOLUTION\nx = 1\n")
    with pytest.raises(ValueError):
        grading.stub_source("x = 1\n### END SOLUTION\n")


# =============================================================================================
# the batch grader (one batch, two workers)
# =============================================================================================
@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    subs = tmp_path_factory.mktemp("submissions")
    paths = sorted(SOLUTIONS.glob("ex0*.ipynb")) + sorted(EXERCISES.glob("ex0*.ipynb"))
    paths += make_submissions.write_all(subs) + [subs / "does_not_exist.ipynb"]
    out = tmp_path_factory.mktemp("grades")
    reports = grading.grade(paths, out, jobs=2, secret=SECRET, **LIMITS)
    return paths, out, reports


def _by_path(batch):
    paths, out, reports = batch
    return {str(p): r for p, r in zip(paths, reports)}


def test_batch_writes_one_row_and_one_report_per_submission(batch):
    paths, out, reports = batch
    assert len(reports) == len(paths)
    rows = list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))
    assert len(rows) == len(paths)
    header = next(csv.reader(open(out / "grades.csv", encoding="utf-8")))
    assert header[:5] == ["submission", "status", "score", "max_score", "reason"]
    assert header[5:] == list(QUESTIONS)  # every exercise is in this batch
    for path, row, rep in zip(paths, rows, reports):
        assert row["submission"] == Path(path).name
        assert float(row["score"]) == pytest.approx(rep["score"])
        assert (out / rep["report_file"]).is_file()
        for q in rep["questions"]:
            assert float(row[q["id"]]) == pytest.approx(q["score"])
        assert sum(float(row[q]) for q in QUESTIONS if row[q] != "") == pytest.approx(float(row["score"]), abs=0.02)
    assert len({r["report_file"] for r in reports}) == len(reports)


def test_json_report_format(batch):
    paths, out, reports = batch
    rep = json.loads((out / reports[0]["report_file"]).read_text())
    assert {"submission", "status", "score", "max_score", "reason", "exercise", "questions", "cells"} <= set(rep)
    for q in rep["questions"]:
        assert {"id", "points", "score", "status", "hints", "cases"} <= set(q)
        for c in q["cases"]:
            assert set(c) == {"case", "status", "passed", "message", "hint"}
            assert c["case"].startswith("hidden case")


def test_every_solution_scores_full_marks(batch):
    reports = _by_path(batch)
    for sol in SOLUTIONS.glob("ex0*.ipynb"):
        r = reports[str(sol)]
        assert r["status"] == "graded", r["reason"]
        assert r["score"] == r["max_score"] == grading.max_score(r["exercise"]) > 0


def test_every_untouched_exercise_scores_zero_not_attempted(batch):
    reports = _by_path(batch)
    for ex in EXERCISES.glob("ex0*.ipynb"):
        r = reports[str(ex)]
        assert r["status"] == "not attempted" and r["score"] == 0, r
        assert all(q["status"] == "not attempted" for q in r["questions"])


@pytest.mark.parametrize("name", list(make_submissions.EXPECTED))
def test_wrong_and_hostile_submissions_score_what_they_earned(batch, name):
    paths, out, reports = batch
    rep = next(r for p, r in zip(paths, reports) if Path(p).name == name)
    score, per_question = make_submissions.EXPECTED[name]
    assert rep["status"] not in ("grader error", "invalid"), rep["reason"]
    if score is not None:
        assert rep["score"] == pytest.approx(score), rep
    else:
        assert 0 < rep["score"] < rep["max_score"]
    questions = {q["id"]: q for q in rep["questions"]}
    for qid, (status, text) in per_question.items():
        q = questions[qid]
        if status is not None:
            assert q["status"] == status, (qid, q)
        if text is not None:
            found = " ".join(q["hints"] + [c["message"] for c in q["cases"]])
            assert text in found, (qid, found)


def test_failures_are_reported_with_a_reason(batch):
    reports = {Path(p).name: r for p, r in zip(batch[0], batch[2])}
    expectations = {
        "hostile_endless_cell.ipynb": "timeout",
        "hostile_flood.ipynb": "printed more than",
        "hostile_os_exit_cell.ipynb": "died",
        "hostile_exception.ipynb": "RuntimeError: boom",
        "hostile_syntax_error.ipynb": "SyntaxError",
        "hostile_memory.ipynb": "MemoryError",
        "hostile_os_exit_function.ipynb": "kernel died",
    }
    for name, text in expectations.items():
        assert reports[name]["status"] == "graded with errors", (name, reports[name])
        assert text in reports[name]["reason"], (name, reports[name]["reason"])


def test_files_that_are_not_gradable_notebooks_get_invalid_rows(batch):
    reports = {Path(p).name: r for p, r in zip(batch[0], batch[2])}
    for name, text in [("not_a_notebook.ipynb", "not a Jupyter notebook"), ("empty_object.ipynb", "not a Jupyter"),
                       ("unknown_exercise.ipynb", "cannot tell"), ("does_not_exist.ipynb", "not found")]:
        assert reports[name]["status"] == "invalid" and text in reports[name]["reason"]
        assert reports[name]["score"] == 0


def test_tampering_earns_nothing(batch):
    reports = {Path(p).name: r for p, r in zip(batch[0], batch[2])}
    rep = reports["hostile_tamper.ipynb"]
    assert rep["score"] == 0 and rep["max_score"] == grading.max_score("ex01")
    assert all(q["score"] == 0 for q in rep["questions"])
    assert all(q["points"] == QUESTIONS[q["id"]].points for q in rep["questions"])


def test_a_background_child_dies_with_the_kernel(batch):
    paths = batch[0]
    pid_file = Path(paths[-2]).parent / "child.pid"
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)
        alive = Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0
    except ProcessLookupError:
        alive = False
    assert not alive


# =============================================================================================
# command line
# =============================================================================================
def test_cli_grade_exit_code_is_zero_when_the_grader_works(tmp_path, capsys):
    bad = tmp_path / "garbage.ipynb"
    bad.write_text("nope")
    assert grading.cli_grade([str(bad), str(tmp_path / "missing.ipynb"), "--out", str(tmp_path / "o")]) == 0
    rows = list(csv.DictReader(open(tmp_path / "o" / "grades.csv")))
    assert [r["status"] for r in rows] == ["invalid", "invalid"]


def test_cli_grade_exit_code_is_nonzero_when_the_grader_breaks(tmp_path, monkeypatch):
    nb = tmp_path / "ex01.ipynb"
    nb.write_text((SOLUTIONS / "ex01_two_meanings.ipynb").read_text())

    def broken(*args, **kwargs):
        raise RuntimeError("grader bug")

    monkeypatch.setattr(grading, "run_submission", broken)
    assert grading.cli_grade([str(nb), "--out", str(tmp_path / "o")]) == 2
    rows = list(csv.DictReader(open(tmp_path / "o" / "grades.csv")))
    assert rows[0]["status"] == "grader error" and "grader bug" in rows[0]["reason"]


def test_cli_validate_prints_what_the_grader_would_award(capsys):
    assert grading.cli_validate([str(SOLUTIONS / "ex04_fixing_the_code.ipynb"), "--cell-timeout", "30"]) == 0
    out = capsys.readouterr().out
    assert "graded, 9 / 9 points (public cases)" in out
    assert "ex04.conv2d" in out
