"""Tests of the instructor's outputs: student ids, roster, gradebook, summary, Canvas, feedback, similarity.

Most tests work on report dicts (no kernel). One small real batch (four ex01 notebooks, ``-j 2``)
checks the whole run folder: the manifest, the generated secret, the stored submissions, the
feedback files (categories, the student's own traceback, no hidden values), the similarity
report and that it never changes a score, and ``regrade``.
"""

from __future__ import annotations

import copy
import csv
import json
import linecache
import os
import re
import stat
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from deconv_course import cli
from deconv_course.grading import batch, exchange, feedback_files, reports, runs, similarity
from deconv_course.grading.kernel_side import harness
from deconv_course.grading.questions import QUESTIONS, expected_for, hidden_cases

ROOT = Path(__file__).resolve().parents[1]
LIMITS = dict(cell_timeout=30, call_timeout=15, timeout=150, memory_mb=2048)


def _rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _q(qid, score, status, hints=(), cases=()):
    q = QUESTIONS[qid]
    return {"id": qid, "name": q.name, "title": q.title, "points": q.points, "score": score,
            "status": status, "hints": list(hints), "cases": list(cases)}  # fmt: skip


def _rep(name, exercise, score, qs, status="graded"):
    top = sum(QUESTIONS[q["id"]].points for q in qs) if qs else 0.0
    return {"submission": name, "path": f"/in/{name}", "exercise": exercise, "status": status,
            "score": score, "max_score": float(top), "reason": "", "questions": qs}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# student ids and the roster
# ---------------------------------------------------------------------------------------------
def test_student_id_from_the_file_name():
    rx = reports.compile_id_pattern(None)
    assert reports.student_from_name("s1234_ex01_two_meanings.ipynb", rx) == "s1234"
    assert reports.student_from_name("jane-doe.ipynb", rx) == "jane"
    assert reports.student_from_name("alice.ipynb", rx) == "alice"
    rx = reports.compile_id_pattern(r"_(?P<id>u\d+)$")
    assert reports.student_from_name("ex01_u77.ipynb", rx) == "u77"
    assert reports.student_from_name("nomatch.ipynb", rx) == "nomatch"  # no match: the whole stem
    with pytest.raises(ValueError, match="named group"):
        reports.compile_id_pattern(r"(\d+)")
    with pytest.raises(ValueError, match="not a regular expression"):
        reports.compile_id_pattern(r"(?P<id>")


def _roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "id,name,email,canvas_id,section\n"
        "u1,Ada Lovelace,ada@x.org,101,A\nu2,Alan Turing,alan@x.org,102,A\nu3,Grace Hopper,grace@x.org,103,B\n",
        encoding="utf-8",
    )
    return reports.read_roster(path)


def test_roster_matches_files_by_id_and_missing_files_score_zero(tmp_path):
    roster = _roster(tmp_path)
    reps = [
        _rep(
            "ex01_u1.ipynb",
            "ex01",
            4.0,
            [_q("ex01.meaning", 2, "passed"), _q("ex01.circular_blur", 2, "passed")],
        ),
        _rep("u2_ex01.ipynb", None, 0.0, [], status="invalid"),  # unreadable: 0 of ex01's maximum
        _rep(
            "stranger_ex01.ipynb",
            "ex01",
            2.0,
            [_q("ex01.meaning", 2, "passed"), _q("ex01.circular_blur", 0, "failed")],
        ),
    ]
    reports.fill_exercise(reps)
    assert reps[1]["exercise"] == "ex01" and reps[1]["max_score"] == 4.0
    reports.assign_students(reps, None, roster)
    assert [r["student"] for r in reps] == ["u1", "u2", "stranger"]
    assert [r["in_roster"] for r in reps] == [True, True, False]
    info = reports.write_tables(reps, tmp_path, ["ex01", "ex02"], roster)
    assert "canvas.csv" in info["files"]
    book = {r[0]: r for r in _rows(tmp_path / "gradebook.csv")}
    header = _rows(tmp_path / "gradebook.csv")[0]
    assert (
        header[:2] == ["student", "name"]
        and "ex01 percent" in header
        and header[-4:-1] == ["total", "max", "percent"]
    )
    col = {h: i for i, h in enumerate(header)}
    assert book["u1"][col["ex01 score"]] == "4" and book["u1"][col["ex01 percent"]] == "100.0"
    assert book["u1"][col["ex02 score"]] == "0" and book["u1"][col["ex02 status"]] == "missing"
    assert book["u1"][col["ex02 max"]] == f"{reports.max_score('ex02'):g}"
    assert book["u2"][col["ex01 status"]] == "invalid" and book["u2"][col["ex01 max"]] == "4"
    assert book["u3"][col["ex01 status"]] == "missing" and book["u3"][col["ex01 score"]] == "0"
    assert book["stranger"][col["in roster"]] == "no"
    assert list(book)[1:4] == ["u1", "u2", "u3"]  # roster order first


def test_canvas_csv_has_the_import_format(tmp_path):
    roster = _roster(tmp_path)
    reps = [
        _rep(
            "u1.ipynb", "ex01", 3.0, [_q("ex01.meaning", 1, "partial"), _q("ex01.circular_blur", 2, "passed")]
        )
    ]
    reports.assign_students(reps, None, roster)
    reports.write_tables(reps, tmp_path, None, roster)
    rows = _rows(tmp_path / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ex01_two_meanings"]
    assert rows[1][0] == "Points Possible" and rows[1][5] == "4"
    assert rows[2] == ["Ada Lovelace", "101", "u1", "ada@x.org", "A", "3"]
    assert rows[3][0] == "Alan Turing" and rows[3][5] == "0"  # no file: 0
    assert len(rows) == 2 + 3  # roster students only


def test_summary_counts_scores_passes_and_misconceptions(tmp_path):
    hint = QUESTIONS["ex01.meaning"].variants[0].hint
    reps = [
        _rep(
            "a.ipynb", "ex01", 4.0, [_q("ex01.meaning", 2, "passed"), _q("ex01.circular_blur", 2, "passed")]
        ),
        _rep(
            "b.ipynb",
            "ex01",
            1.0,
            [_q("ex01.meaning", 0, "failed", [hint]), _q("ex01.circular_blur", 1, "partial")],
        ),
        _rep(
            "c.ipynb",
            "ex01",
            0.0,
            [_q("ex01.meaning", 0, "failed", [hint]), _q("ex01.circular_blur", 0, "failed")],
        ),
        _rep("d.ipynb", None, 0.0, [], status="invalid"),
    ]
    reports.fill_exercise(reps)
    reports.assign_students(reps)
    reports.write_tables(reps, tmp_path)
    s = {r["question"]: r for r in reports.question_summary(reps, ["ex01"])}
    assert s["ex01.meaning"]["submissions"] == 4 and s["ex01.meaning"]["passed"] == 1
    assert s["ex01.meaning"]["mean_score"] == 0.5  # the invalid file counts 0
    assert s["ex01.meaning"]["hints"] == [(hint, 2)]
    assert s["ex01.circular_blur"]["partial"] == 1
    md = (tmp_path / "summary.md").read_text()
    assert "**2** submissions" in md and hint[:30] in md
    assert _rows(tmp_path / "summary.csv")[1][0] == "ex01.meaning"
    assert not (tmp_path / "canvas.csv").exists()  # no roster, no Canvas file


# ---------------------------------------------------------------------------------------------
# feedback files
# ---------------------------------------------------------------------------------------------
def _failing_report():
    cases = [
        {"status": "failed", "passed": False, "message": "wrong values: largest error 0.731 at index (2, 3)",
         "hint": "", "case": "hidden case 1", "category": "random image, 3x3 PSF"},
        {"status": "failed", "passed": False, "message": "wrong shape: got (7, 9), expected (11, 13)",
         "hint": "", "case": "hidden case 2", "category": "random image, 5x5 PSF"},
        {"status": "error", "passed": False, "message": "raised ValueError: bad [0.123456 0.654321]",
         "hint": "", "case": "hidden case 3", "category": "random image, 3x5 PSF (not square)",
         "traceback": "cell line 4: out = helper(image)\ncell line 2: raise ValueError(f'bad {x}')\n"
                      "ValueError: bad [0.123456 0.654321]"},
        {"status": "passed", "passed": True, "message": "", "hint": "", "case": "hidden case 4", "category": "x"},
    ]  # fmt: skip
    qs = [
        _q("ex01.meaning", 0, "failed", ["swap hint"],
           [{"status": "failed", "passed": False, "message": "answered 'inverse-problem solver'", "hint": "swap hint",
             "case": "hidden case 1", "category": "a term not in the public cases"}]),
        _q("ex01.circular_blur", 0.5, "partial", [], cases),
    ]  # fmt: skip
    rep = _rep("u9_ex01.ipynb", "ex01", 0.5, qs)
    rep["student"] = "u9"
    return rep


def test_feedback_files_show_categories_hints_and_traceback_but_no_values(tmp_path):
    rep = _failing_report()
    feedback_files.write_feedback([rep], tmp_path)
    md = (tmp_path / "feedback" / "u9.md").read_text()
    page = (tmp_path / "feedback" / "u9.html").read_text()
    for text in (md, page):
        assert "random image, 3x5 PSF (not square)" in text and "a term not in the public cases" in text
        assert "swap hint" in text and "cell line 4: out = helper(image)" in text
        assert "wrong values" in text and "wrong shape" in text
        for leak in ("0.731", "0.123456", "654321", "(7, 9)", "11, 13", "inverse-problem solver"):
            assert leak not in text
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"(src|href)\s*=|https?://|<script|<link", page)  # self-contained, no assets
    assert rep["feedback_file"] == "feedback/u9.md"


def test_mask_numbers_keeps_names():
    assert (
        feedback_files.mask_numbers("ex01: got 0.5, -3 and 1e-06 in a 3x3 kernel")
        == "ex01: got #, # and # in a 3x3 kernel"
    )


# ---------------------------------------------------------------------------------------------
# the traceback from the kernel side, and the exchange's bound on it
# ---------------------------------------------------------------------------------------------
def test_student_traceback_keeps_only_the_notebook_frames():
    fname = "/tmp/ipykernel_4242/123456789.py"
    src = "def inner(x):\n    raise ValueError('boom')\n\ndef outer(x):\n    return inner(x)\n"
    linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
    ns = {}
    exec(compile(src, fname, "exec"), ns)
    with pytest.raises(ValueError) as info:
        ns["outer"](1)
    tb = harness.student_traceback(info.value)
    assert tb.splitlines() == [
        "cell line 5: return inner(x)",
        "cell line 2: raise ValueError('boom')",
        "ValueError: boom",
    ]
    assert "test_grading_reports" not in tb  # no frame of ours
    with pytest.raises(RecursionError) as info:
        exec(compile("def f(n):\n    return f(n + 1)\n", fname, "exec"), ns)
        ns["f"](0)
    lines = harness.student_traceback(info.value).splitlines()
    assert len(lines) <= harness.MAX_TRACEBACK_FRAMES + 1 and lines[-1].startswith("RecursionError")


def test_decode_results_accepts_a_bounded_traceback():
    out = exchange.decode_results([{"status": "error", "message": "x", "traceback": "y" * 10**5}], 1)
    assert len(out[0]["traceback"]) == exchange.MAX_TRACEBACK_CHARS
    assert "traceback" not in exchange.decode_results([{"status": "error", "traceback": 5}], 1)[0]


# ---------------------------------------------------------------------------------------------
# similarity, secrets, shards, diffs
# ---------------------------------------------------------------------------------------------
def _nb(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, str(path))
    return path


def test_similarity_groups_renamed_copies_and_identical_wrong_answers(tmp_path):
    a = _nb(
        tmp_path / "a.ipynb",
        "def circular_blur(image, psf):\n    '''mine'''\n    out = image * 2  # hi\n    return out\n",
    )
    b = _nb(
        tmp_path / "b.ipynb",
        "import numpy as np\n",
        "def circular_blur(x, k):\n    y = x * 2\n    return y\n",
    )
    c = _nb(tmp_path / "c.ipynb", "def circular_blur(image, psf):\n    return image + psf\n")
    d = _nb(tmp_path / "d.ipynb", "def circular_blur(image, psf):\n    raise NotImplementedError\n")
    wrong = [{"status": "failed", "passed": False, "digest": "abc"}, {"status": "error", "passed": False}]
    reps = []
    for name, cases in (
        ("a", wrong),
        ("b", wrong),
        ("c", wrong[:1] + [{"status": "failed", "digest": "zz"}]),
        ("d", []),
    ):
        reps.append(
            _rep(
                f"{name}.ipynb",
                "ex01",
                0.0,
                [_q("ex01.circular_blur", 0, "failed", cases=copy.deepcopy(cases))],
            )
        )
        reps[-1]["student"] = name
    before = copy.deepcopy(reps)
    sim = similarity.write_similarity(reps, [a, b, c, d], tmp_path)
    assert reps == before  # never a score change, nor any other
    assert [g["members"] for g in sim["code"]] == [["a (a.ipynb)", "b (b.ipynb)"]]
    assert [g["members"] for g in sim["wrong"]] == [["a (a.ipynb)", "b (b.ipynb)"]]
    assert "not a verdict" in (tmp_path / "similarity.md").read_text()
    assert len(_rows(tmp_path / "similarity.csv")) == 1 + 4


def test_secret_fingerprint_and_generated_secret_file(tmp_path, monkeypatch):
    assert runs.fingerprint("abc") == runs.fingerprint("abc") != runs.fingerprint("abd")
    assert runs.fingerprint(12345) != runs.fingerprint("12345")  # they seed differently
    path = runs.write_secret(tmp_path, "s3cret")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and runs.read_secret(path) == "s3cret"
    monkeypatch.delenv(runs.ENV_SECRET, raising=False)
    secret, source = runs.resolve_secret(None)
    assert source == "generated" and len(str(secret)) >= 20 and runs.resolve_secret(None)[0] != secret
    monkeypatch.setenv(runs.ENV_SECRET, "from-env")
    assert runs.resolve_secret(None) == ("from-env", "environment")
    assert runs.resolve_secret(7) == (7, "given")


def test_shard_option_is_validated_and_slices_partition_the_inputs():
    assert runs.parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "x", "1/0", "1/2/3", "-1/2"):
        with pytest.raises(ValueError, match="--shard"):
            runs.parse_shard(bad)
    paths = [Path(f"s{i:02d}.ipynb") for i in range(11)][::-1]
    parts = [runs.shard_slice(paths, k, 4) for k in range(1, 5)]
    assert sorted(p for part in parts for p in part) == sorted(paths)
    assert runs.shard_slice(paths, 1, 4) == runs.shard_slice(list(reversed(paths)), 1, 4)  # deterministic


def test_diff_runs_names_the_changed_questions():
    old = {
        ("u1", "u1.ipynb"): _rep(
            "u1.ipynb", "ex01", 2.0, [_q("ex01.meaning", 2, "passed"), _q("ex01.circular_blur", 0, "failed")]
        )
    }
    new = [
        _rep(
            "u1.ipynb", "ex01", 3.0, [_q("ex01.meaning", 2, "passed"), _q("ex01.circular_blur", 1, "partial")]
        )
    ]
    new[0]["student"] = "u1"
    lines = runs.diff_runs(old, new)
    assert lines[0] == "u1 (u1.ipynb): 2 -> 3 / 4 (ex01.circular_blur 0 -> 1)"
    assert lines[-1] == "0 submission(s) unchanged"


def test_merge_refuses_shards_of_different_secrets(tmp_path):
    for name, secret in (("a", "one"), ("b", "two")):
        (tmp_path / name).mkdir()
        runs.write_manifest(tmp_path / name, runs.build_manifest([], {}, runs.fingerprint(secret), "given"))
    with pytest.raises(ValueError, match="different secrets"):
        runs.merge([tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    assert cli.main(["merge", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "o")]) == 2
    man = json.loads((tmp_path / "a" / "manifest.json").read_text())
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(dict(man, grader_version="0")))  # same secret
    with pytest.raises(ValueError, match="grader versions"):
        runs.merge([tmp_path / "a", tmp_path / "b"], tmp_path / "out")


def test_grade_rejects_a_bad_shard_or_pattern_before_running_anything(tmp_path, capsys):
    assert (
        cli.main(["grade", str(tmp_path), "--out", str(tmp_path / "o"), "--shard", "5/4", "--no-sandbox"])
        == 2
    )
    assert "K must be between 1 and N" in capsys.readouterr().err
    assert (
        cli.main(["grade", str(tmp_path), "--out", str(tmp_path / "o"), "--shard", "1/2", "--no-sandbox"])
        == 2
    )
    assert "needs --secret" in capsys.readouterr().err
    assert (
        cli.main(
            ["grade", str(tmp_path), "--out", str(tmp_path / "o"), "--id-pattern", "(x)", "--no-sandbox"]
        )
        == 2
    )
    assert "named group" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# one small real batch: four ex01 notebooks
# ---------------------------------------------------------------------------------------------
WRONG_BLUR = """
import numpy as np

def _shift_all(image, psf):
    raise ValueError(f"cannot shift {np.asarray(psf).ravel()[:3]}")

def circular_blur(image, psf):
    out = _shift_all(image, psf)
    return out
"""
SWAPPED = """
def meaning(term):
    up = {"ConvTranspose2d", "fractionally strided convolution", "the decoder of a convolutional autoencoder",
          "the learned upsampling layer of an FCN", "a DCGAN generator layer"}
    return "inverse-problem solver" if term in up else "upsampling operator"
"""


def write_class(folder: Path) -> list[Path]:
    """alice: the solution; bob: the stub; carol: not a notebook; dave: a swapped answer and a raise."""
    folder.mkdir(parents=True, exist_ok=True)
    sol = ROOT / "solutions" / "ex01_two_meanings.ipynb"
    (folder / "alice_ex01.ipynb").write_bytes(sol.read_bytes())
    (folder / "bob_ex01.ipynb").write_bytes((ROOT / "exercises" / "ex01_two_meanings.ipynb").read_bytes())
    (folder / "carol_ex01.ipynb").write_text("not json", encoding="utf-8")
    nb = nbformat.read(str(sol), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(SWAPPED))
    nb.cells.append(nbformat.v4.new_code_cell(WRONG_BLUR))
    nbformat.write(nb, str(folder / "dave_ex01.ipynb"))
    return sorted(folder.glob("*.ipynb"))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    paths = write_class(tmp / "in")
    roster = tmp / "roster.csv"
    roster.write_text(
        "id,name,canvas_id\nalice,Alice A,1\nbob,Bob B,2\ncarol,Carol C,3\ndave,Dave D,4\nerin,Erin E,5\n"
    )
    env = os.environ.pop(runs.ENV_SECRET, None)
    try:
        reps = batch.grade([tmp / "in"], tmp / "out", jobs=2, roster=roster, **LIMITS)
    finally:
        if env is not None:
            os.environ[runs.ENV_SECRET] = env
    return tmp, paths, reps


def test_run_folder_has_manifest_secret_and_copies(run):
    tmp, paths, reps = run
    out = tmp / "out"
    secret = runs.read_secret(out / "run-secret.txt")
    assert stat.S_IMODE(os.stat(out / "run-secret.txt").st_mode) == 0o600
    man = json.loads((out / "manifest.json").read_text())
    assert secret not in (out / "manifest.json").read_text()
    assert man["secret"]["fingerprint"] == runs.fingerprint(secret) and man["secret"]["source"] == "generated"
    assert {"grader_version", "course_version", "date", "options", "exercises"} <= set(man)
    assert man["exercises"] == ["ex01"]
    for s, p in zip(man["submissions"], paths):
        assert s["submission"] == p.name and (out / s["stored_as"]).read_bytes() == p.read_bytes()
        assert s["sha256"] and len(s["sha256"]) == 64
    for r in reps:
        assert r["run"]["secret_fingerprint"] == runs.fingerprint(secret)
        assert json.loads((out / r["report_file"]).read_text())["student"] == r["student"]
    for f in (out / "feedback").iterdir():
        assert secret not in f.read_text()


def test_run_tables_one_row_per_student(run):
    tmp, paths, reps = run
    book = {r[0]: r for r in _rows(tmp / "out" / "gradebook.csv")[1:]}
    assert list(book) == ["alice", "bob", "carol", "dave", "erin"]
    assert book["alice"][2:6] == ["4", "4", "100.0", "graded"]
    assert book["carol"][2:6] == ["0", "4", "0.0", "invalid"]
    assert book["erin"][2:6] == ["0", "4", "0.0", "missing"]
    canvas = _rows(tmp / "out" / "canvas.csv")
    assert canvas[1][:1] == ["Points Possible"] and len(canvas) == 2 + 5
    grades = _rows(tmp / "out" / "grades.csv")
    assert grades[0][:8] == [
        "submission",
        "status",
        "score",
        "max_score",
        "reason",
        "student",
        "exercise",
        "percent",
    ]
    summary = (tmp / "out" / "summary.md").read_text()
    assert QUESTIONS["ex01.meaning"].variants[0].hint[:40] in summary  # dave's misconception counted


def test_run_feedback_of_a_student_whose_code_raised(run):
    tmp, paths, reps = run
    dave = next(r for r in reps if r["student"] == "dave")
    blur = next(q for q in dave["questions"] if q["id"] == "ex01.circular_blur")
    assert all(c["status"] == "error" and c["traceback"].startswith("cell line") for c in blur["cases"])
    assert all(c["category"] for c in blur["cases"]) and blur["cases"][0]["case"].startswith(
        "hidden case 1 ("
    )
    md = (tmp / "out" / "feedback" / "dave.md").read_text()
    page = (tmp / "out" / "feedback" / "dave.html").read_text()
    assert "cell line 7: out = _shift_all(image, psf)" in md
    assert "cell line 4: raise ValueError" in md and "ValueError: cannot shift [" in md
    assert QUESTIONS["ex01.meaning"].variants[0].hint in md
    assert "random image, 3x5 PSF (not square)" in md
    secret = runs.read_secret(tmp / "out" / "run-secret.txt")
    from deconv_course.grading.batch import secret_seed

    # no hidden input or expected value, in any form the feedback could print it
    for qid in ("ex01.meaning", "ex01.circular_blur"):
        q = QUESTIONS[qid]
        for case in hidden_cases(q, secret_seed(secret)):
            values = [np.asarray(a) for a in case.args if not isinstance(a, str)] + [
                np.asarray(expected_for(q, case))
            ]
            for v in values:
                if v.dtype.kind != "f":
                    continue
                for x in v.ravel()[:20]:
                    for text in (md, page):
                        assert f"{x:.4f}" not in text and f"{x:.6g}" not in text
    assert "inverse-problem solver" not in md.split("Hint:")[0]  # dave's answers are not echoed


def test_similarity_report_never_changes_a_score(run, tmp_path):
    tmp, paths, reps = run
    secret = runs.read_secret(tmp / "out" / "run-secret.txt")
    again = batch.grade(paths, tmp_path / "nosim", jobs=2, secret=secret, similarity=False, **LIMITS)
    assert not (tmp_path / "nosim" / "similarity.md").exists()
    assert (tmp / "out" / "similarity.md").is_file()
    assert [(r["submission"], r["score"], [q["score"] for q in r["questions"]]) for r in again] == [
        (r["submission"], r["score"], [q["score"] for q in r["questions"]]) for r in reps
    ]


def test_regrade_reruns_the_stored_submissions(run, tmp_path, capsys):
    tmp, paths, reps = run
    code = cli.main(["regrade", str(tmp / "out"), "--out", str(tmp_path / "re"), "-j", "2", "-q"])
    out = capsys.readouterr().out
    assert code == 0
    assert "same secret as the original run" in out and "4 submission(s) unchanged" in out
    other = tmp_path / "other-secret"
    other.write_text("another secret")
    code = cli.main(
        ["regrade", str(tmp / "out"), "--out", str(tmp_path / "re2"), "--secret-file", str(other), "-q"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "DIFFERENT secret" in out
    assert (tmp_path / "re2" / "changes.txt").read_text().count("\n") >= 2
    assert sys.modules["deconv_course.grading.runs"] is runs


def test_cli_says_where_the_generated_secret_is(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(runs.ENV_SECRET, raising=False)
    nb = tmp_path / "u1_ex01.ipynb"
    nb.write_text("{}")
    assert cli.main(["grade", str(nb), "--out", str(tmp_path / "o"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "run-secret.txt" in out and "mode 0600" in out
    secret = runs.read_secret(tmp_path / "o" / "run-secret.txt")
    assert secret not in out and secret not in (tmp_path / "o" / "feedback" / "u1.md").read_text()
    # a later run into the same folder with a given secret removes the stale file
    assert cli.main(["grade", str(nb), "--out", str(tmp_path / "o"), "-q", "--secret", "given"]) == 0
    assert not (tmp_path / "o" / "run-secret.txt").exists() and "run-secret" not in capsys.readouterr().out


def test_hidden_feedback_of_a_psnr_graded_answer_names_the_kind_not_the_numbers():
    from deconv_course.grading import feedback_files

    msg = "PSNR too low: your weight 0.5 restores to 21.30 dB, 7.10 dB below the best weight's 28.40 dB"
    said = feedback_files.safe_message({"message": msg})
    assert said.startswith("PSNR too low") and not any(ch.isdigit() for ch in said)
