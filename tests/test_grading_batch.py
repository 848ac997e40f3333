"""Tests of the batch grader and its command line.

The batch grader is exercised once, in one ``grade(..., jobs=2)`` call over every solution, every
untouched exercise, hand-written wrong submissions and hostile ones (tests/submissions/), with
short time limits; the other tests read that batch's CSV and JSON reports.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from deconv_course import cli, grading
from deconv_course.grading import batch as grading_batch
from deconv_course.grading.questions import QUESTIONS

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

sys.path.insert(0, str(ROOT / "tests" / "submissions"))
import make_submissions  # noqa: E402

LIMITS = dict(cell_timeout=15, call_timeout=15, timeout=150, memory_mb=2048)  # generous: CI may be loaded
SECRET = 12345


def _csv_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _csv_header(path):
    with open(path, encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


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
    rows = _csv_rows(out / "grades.csv")
    assert len(rows) == len(paths)
    header = _csv_header(out / "grades.csv")
    assert header[:8] == [
        "submission",
        "status",
        "score",
        "max_score",
        "reason",
        "student",
        "exercise",
        "percent",
    ]
    assert header[8:] == list(QUESTIONS)  # every exercise is in this batch
    for path, row, rep in zip(paths, rows, reports):
        assert row["submission"] == Path(path).name
        assert float(row["score"]) == pytest.approx(rep["score"])
        assert (out / rep["report_file"]).is_file()
        for q in rep["questions"]:
            assert float(row[q["id"]]) == pytest.approx(q["score"])
        assert sum(float(row[q]) for q in QUESTIONS if row[q] != "") == pytest.approx(
            float(row["score"]), abs=0.02
        )
    assert len({r["report_file"] for r in reports}) == len(reports)


def test_json_report_format(batch):
    paths, out, reports = batch
    rep = json.loads((out / reports[0]["report_file"]).read_text())
    assert {"submission", "status", "score", "max_score", "reason", "exercise", "questions", "cells"} <= set(
        rep
    )
    for q in rep["questions"]:
        assert {"id", "points", "score", "status", "hints", "cases"} <= set(q)
        for c in q["cases"]:
            assert {"case", "status", "passed", "message", "hint"} <= set(c)
            assert set(c) <= {
                "case",
                "status",
                "passed",
                "message",
                "hint",
                "category",
                "traceback",
                "digest",
            }
            assert c["case"].startswith("hidden case") and c["category"]  # every hidden case has its kind
            assert c["category"] in c["case"]


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
    for name, text in [
        ("not_a_notebook.ipynb", "not a Jupyter notebook"),
        ("empty_object.ipynb", "not a Jupyter"),
        ("unknown_exercise.ipynb", "cannot tell"),
        ("does_not_exist.ipynb", "not found"),
    ]:
        assert reports[name]["status"] == "invalid" and text in reports[name]["reason"]
        assert reports[name]["score"] == 0


def test_tampering_earns_nothing(batch):
    reports = {Path(p).name: r for p, r in zip(batch[0], batch[2])}
    rep = reports["hostile_tamper.ipynb"]
    assert rep["score"] == 0 and rep["max_score"] == grading.max_score("ex01")
    assert all(q["score"] == 0 for q in rep["questions"])
    assert all(q["points"] == QUESTIONS[q["id"]].points for q in rep["questions"])


def _processes_with(marker: str) -> list[int]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker.encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            pass
    return found


def test_a_background_child_dies_with_the_kernel(batch):
    rep = next(r for p, r in zip(*batch[::2]) if Path(p).name == "hostile_background_child.ipynb")
    assert rep["status"] == "graded", rep["reason"]  # the cell that started it ran
    assert _processes_with(make_submissions.BACKGROUND_MARKER) == []


# =============================================================================================
# command line
# =============================================================================================
def test_cli_grade_exit_code_is_zero_when_the_grader_works(tmp_path, capsys):
    bad = tmp_path / "garbage.ipynb"
    bad.write_text("nope")
    assert cli.main(["grade", str(bad), str(tmp_path / "missing.ipynb"), "--out", str(tmp_path / "o")]) == 0
    rows = _csv_rows(tmp_path / "o" / "grades.csv")
    assert [r["status"] for r in rows] == ["invalid", "invalid"]


def test_cli_grade_exit_code_is_nonzero_when_the_grader_breaks(tmp_path, monkeypatch):
    nb = tmp_path / "ex01.ipynb"
    nb.write_text((SOLUTIONS / "ex01_two_meanings.ipynb").read_text())

    def broken(*args, **kwargs):
        raise RuntimeError("grader bug")

    monkeypatch.setattr(grading_batch, "run_submission", broken)
    assert cli.main(["grade", str(nb), "--out", str(tmp_path / "o")]) == 2
    rows = _csv_rows(tmp_path / "o" / "grades.csv")
    assert rows[0]["status"] == "grader error" and "grader bug" in rows[0]["reason"]


def test_cli_validate_prints_what_the_grader_would_award(capsys):
    assert cli.main(["validate", str(SOLUTIONS / "ex04_fixing_the_code.ipynb"), "--cell-timeout", "30"]) == 0
    out = capsys.readouterr().out
    from deconv_course.grading.questions import max_score

    full = max_score("ex04")
    assert f"graded, {full:g} / {full:g} points (public cases)" in out
    assert "ex04.conv2d" in out
