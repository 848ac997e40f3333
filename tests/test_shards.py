"""Tests of class-sized batches: ``grade --shard K/N`` with a progress bar, and ``merge``.

Four small ex01 notebooks (a solution, a stub, a broken file, a wrong answer) are graded as two
shards with one secret, through the command line as an array job would run it; ``merge`` joins
them into one set of tables that matches what one run gives, and refuses shards of another secret.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from deconv_course import cli

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_grading_reports import write_class

LIMIT_ARGS = ["--cell-timeout", "30", "--call-timeout", "15", "--timeout", "150", "--memory-mb", "2048"]


def _rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shards")
    paths = write_class(tmp / "in")
    secret = tmp / "secret.txt"
    secret.write_text("course-secret-2026")
    outs = []
    for k in (1, 2):
        out = tmp / f"shard{k}"
        code = cli.main(["grade", str(tmp / "in"), "--out", str(out), "--shard", f"{k}/2", "--secret-file", str(secret)]
                        + (["-q"] if k == 2 else []) + LIMIT_ARGS)  # fmt: skip
        assert code == 0
        outs.append(out)
    return tmp, paths, outs


def test_each_shard_grades_its_slice(shards):
    tmp, paths, outs = shards
    names = [[r["submission"] for r in _rows(o / "grades.csv")] for o in outs]
    assert names == [[p.name for p in sorted(paths)[0::2]], [p.name for p in sorted(paths)[1::2]]]
    man = [json.loads((o / "manifest.json").read_text()) for o in outs]
    assert [m["options"]["shard"] for m in man] == ["1/2", "2/2"]
    assert man[0]["secret"]["fingerprint"] == man[1]["secret"]["fingerprint"]
    assert not (outs[0] / "run-secret.txt").exists()  # the secret was given: nothing written


def test_progress_bar_on_stderr_unless_quiet(tmp_path, capsys):
    nb = tmp_path / "x_ex01.ipynb"
    nb.write_text("{}")
    assert cli.main(["grade", str(nb), "--out", str(tmp_path / "o"), "--secret", "s"]) == 0
    err = capsys.readouterr().err
    assert "grading" in err and "100%" in err and "1/1" in err
    assert cli.main(["grade", str(nb), "--out", str(tmp_path / "o2"), "--secret", "s", "-q"]) == 0
    captured = capsys.readouterr()
    assert "100%" not in captured.err and "x_ex01.ipynb:" not in captured.out


def test_merge_joins_the_shards_into_one_set_of_tables(shards, capsys):
    tmp, paths, outs = shards
    merged = tmp / "merged"
    assert cli.main(["merge", *map(str, outs), "--out", str(merged)]) == 0
    grades = _rows(merged / "grades.csv")
    assert sorted(r["submission"] for r in grades) == sorted(p.name for p in paths)
    book = {r["student"]: r for r in _rows(merged / "gradebook.csv")}
    assert {s: book[s]["ex01 score"] for s in book} == {"alice": "4", "bob": "0", "carol": "0", "dave": "0"}
    assert book["carol"]["ex01 status"] == "invalid" and book["carol"]["ex01 max"] == "4"
    for f in ("summary.csv", "summary.md", "similarity.md", "manifest.json"):
        assert (merged / f).is_file()
    assert {p.stem.split("_")[0] for p in (merged / "feedback").glob("*.md")} == {
        "alice",
        "bob",
        "carol",
        "dave",
    }
    man = json.loads((merged / "manifest.json").read_text())
    assert len(man["submissions"]) == 4 and man["options"]["merged_from"] == [str(o) for o in outs]
    assert len(list((merged / "submissions").glob("*.ipynb"))) == 4  # the broken file too


def test_merge_refuses_a_shard_of_another_secret(shards, tmp_path, capsys):
    tmp, paths, outs = shards
    other = tmp_path / "other"
    nb = tmp_path / "z_ex01.ipynb"
    nb.write_text("{}")
    assert cli.main(["grade", str(nb), "--out", str(other), "--secret", "another", "-q"]) == 0
    assert cli.main(["merge", str(outs[0]), str(other), "--out", str(tmp_path / "m")]) == 2
    assert "different secrets" in capsys.readouterr().err
