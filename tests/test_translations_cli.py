"""The ``deconv-course`` command speaks the learner's language; what machines read stays the same.

* every line it prints for a person (check-env, --help, argparse's own errors, work/reset, progress,
  grade's lines and summaries, regrade's changes) has Chinese text under ``DECONV_COURSE_LANG=zh-CN``,
  and under ``=en`` is the English template of ``deconv_course/locale/zh-CN/cli.json`` filled in;
* ``reset --lang zh-CN`` (or the language in force) restores the Chinese edition's work copy and
  an edited ``zh-CN/exercises/`` file, after a backup;
* a bad ``DECONV_COURSE_LANG`` is refused with a message naming it, not a traceback;
* grades.csv, gradebook.csv and the JSON reports are identical under en and zh-CN.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_learner_work import _git  # a git command in a course copy

from deconv_course import cli, i18n, workspace
from deconv_course.environment import requirements

REPO = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = i18n.messages("zh-CN")
EN_TEMPLATES = json.loads(
    (REPO / "deconv_course" / "locale" / "zh-CN" / "cli.json").read_text(encoding="utf-8")
)
EXERCISE = "ex01_two_meanings.ipynb"  # the smallest exercise

# what is not a word to translate: code, placeholders, brackets, quotes, paths, flags, dotted or
# snake_case or hyphenated names, ALL-CAPS tokens (OK, FAIL, DIR, CJK), numbers
_NOT_WORDS = re.compile(
    r"`[^`]*`|\{[^}]*\}|\[[^\]]*\]|'[^']*'|\"[^\"]*\"|\$\w+|[\w.~*-]*/[\w./*~-]*|--?[\w-]+"
    r"|\b\w*[_.]\w[\w.]*\b|\b\w+(?:-\w+)+\b|\b[A-Z][A-Z0-9_]+\b"
)
COMMANDS = {"deconv-course", "lab", "grade", "regrade", "merge", "validate", "progress", "work", "reset"}
NAMES = COMMANDS | {dist for _, dist, _, _ in requirements()} | {"bubblewrap", "torch", "Python", "cpu"}


def _untranslated(text: str, names: set[str] = NAMES) -> list[str]:
    """The lines of ``text`` a person reads (>= 3 ASCII letters outside code, paths, names) with no CJK."""
    bad, usage = [], False
    for line in text.splitlines():
        if re.match(r"\s*(usage: |用法：)", line):
            usage = True  # argparse's usage block: flags, metavars and argument names only
        elif not line.strip() or not line.startswith(" "):
            usage = False
        if usage or not line.strip() or CJK.search(line):
            continue
        rest = _NOT_WORDS.sub(" ", line)
        words = [word for word in re.findall(r"[A-Za-z]\w*", rest) if word not in names]
        if any(re.search("[A-Za-z]{3}", word) for word in words):
            bad.append(line)
    return bad


def test_the_checker_sees_english_and_passes_names():
    assert (
        _untranslated("  OK    numpy                2.4.6\n  `git pull` work/ex01.ipynb --lang zh-CN") == []
    )
    assert _untranslated("restored work/ex01.ipynb (your previous copy)") == [
        "restored work/ex01.ipynb (your previous copy)"
    ]
    assert _untranslated("已恢复 work/ex01.ipynb（你之前的副本）") == []


def _cli(lang: str, *args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "DECONV_COURSE_LANG": lang, "COLUMNS": "1000", "DECONV_DEVICE": "cpu", **env}
    return subprocess.run(
        [sys.executable, "-m", "deconv_course.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=cwd or REPO,
        timeout=120,
    )


def _main(monkeypatch, capsys, lang: str, *args: str) -> tuple[int, str, str]:
    """``deconv-course ARGS`` in this process under ``DECONV_COURSE_LANG=lang``: (status, out, err)."""
    monkeypatch.setenv("DECONV_COURSE_LANG", lang)
    capsys.readouterr()
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _fill(template: str, **fields: object) -> str:
    assert template in EN_TEMPLATES, f"not a catalogue template: {template!r}"
    return template.format(**fields)


# --- check-env -----------------------------------------------------------------------------------
def test_check_env_speaks_chinese_and_english_is_unchanged():
    zh, en = _cli("zh-CN", "check-env"), _cli("en", "check-env")
    assert zh.returncode == en.returncode == 0, zh.stdout + zh.stderr + en.stderr
    assert not _untranslated(zh.stdout), _untranslated(zh.stdout)
    assert "环境 OK" in zh.stdout.splitlines()[-1]
    assert not CJK.search(en.stdout)
    lines = en.stdout.splitlines()
    assert lines[-1] == _fill("Environment OK")
    assert (
        _fill("  torch device: {device}  (override with DECONV_DEVICE=cpu|cuda|mps)", device="cpu") in lines
    )
    assert lines[0].startswith(f"Python {sys.version.split()[0]} | deconv-course ")
    # the OK/FAIL words and the package table are the same in both languages
    table = [line for line in lines if re.match(r"  (OK|FAIL|--)  ", line)]
    assert table and table == [line for line in zh.stdout.splitlines() if re.match(r"  (OK|FAIL|--)  ", line)]


def test_check_env_failure_lines_speak_chinese(monkeypatch, capsys):
    from deconv_course import environment

    reqs = [("numpy", "numpy", ">=999.0", "core"), ("no_such_module_xyz", "no-such-dist", ">=1", "test")]
    monkeypatch.setattr(environment, "requirements", lambda: reqs)
    monkeypatch.setattr(environment, "cjk_font", lambda: None)
    monkeypatch.setattr(environment.shutil, "which", lambda name: None)
    for lang in ("zh-CN", "en"):
        monkeypatch.setenv("DECONV_COURSE_LANG", lang)
        assert environment.check_env(verbose=True) is False
        out = capsys.readouterr().out
        if lang == "zh-CN":
            assert not _untranslated(out), _untranslated(out)
            assert "  FAIL  numpy" in out and "  FAIL  no-such-dist" in out  # the status words stay
        else:
            assert (
                _fill("missing ({error}); needed for {group}", error="ModuleNotFoundError", group="test")
                in out
            )
            assert "(need >=999.0)" in out and out.splitlines()[-1] == _fill(
                'Environment has FAILs: run `make lab` (or `pip install -e ".[test]"`) to install what is missing'
            )


# --- argparse ------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [["--help"], ["grade", "--help"], ["reset", "--help"]])
def test_help_speaks_the_language(args):
    zh, en = _cli("zh-CN", *args), _cli("en", *args)
    assert zh.returncode == en.returncode == 0
    assert not _untranslated(zh.stdout), _untranslated(zh.stdout)
    assert zh.stdout.startswith("用法：deconv-course") and en.stdout.startswith("usage: deconv-course")
    assert not CJK.search(en.stdout)
    assert "options:" in en.stdout and "选项:" in zh.stdout


def _parser_texts(parser) -> list[str]:
    """Every description and help text of ``parser`` and its subcommands."""
    import argparse

    texts = [parser.description] if parser.description else []
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            texts.append(action.help)
        if isinstance(action, argparse._SubParsersAction):
            texts += [c.help for c in action._choices_actions if c.help]
            for sub in dict.fromkeys(action.choices.values()):
                texts += _parser_texts(sub)
    return texts


def test_every_parser_text_is_a_catalogue_entry(monkeypatch):
    monkeypatch.setenv("DECONV_COURSE_LANG", "en")
    english = _parser_texts(cli.build_parser())
    monkeypatch.setenv("DECONV_COURSE_LANG", "zh-CN")
    chinese = _parser_texts(cli.build_parser())
    assert len(english) == len(chinese) > 60
    for en, zh in zip(english, chinese):
        assert en in EN_TEMPLATES and zh == ZH[en], en  # English is its template, Chinese its translation
        assert "%" not in zh  # argparse would try to fill it in


@pytest.mark.parametrize(
    "args, english",
    [
        (["grade"], "the following arguments are required: paths, --out"),
        (["frobnicate"], "argument command: invalid choice: 'frobnicate'"),
        (["grade", "x", "--out", "y", "-j", "0"], "argument -j/--jobs: --jobs=0 must be at least 1"),
        (["gradescope", "build", "ex99"], "argument exNN: invalid choice: 'ex99' (choose from ex01"),
        (
            ["reset", "ex01", "--lang", "fr"],
            "argument --lang: invalid choice: 'fr' (choose from 'en', 'zh-CN')",
        ),
        (["progress", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_speak_the_language(monkeypatch, capsys, args, english):
    for lang in ("zh-CN", "en"):
        monkeypatch.setenv("DECONV_COURSE_LANG", lang)
        with pytest.raises(SystemExit) as info:
            cli.main(args)
        assert info.value.code == 2
        err = capsys.readouterr().err
        if lang == "zh-CN":
            assert not _untranslated(err), _untranslated(err)
            assert "错误" in err
        else:
            assert english in err and not CJK.search(err)


def test_a_bad_language_is_refused_with_a_message_naming_the_variable():
    done = _cli("fr", "check-env")
    assert done.returncode == 2 and done.stdout == ""
    assert "DECONV_COURSE_LANG='fr'" in done.stderr and "en, zh-CN" in done.stderr
    assert "Traceback" not in done.stderr


# --- work and reset in a course copy ----------------------------------------------------------------
@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A git clone-like course: ex01 in both editions, ex02 in English only."""
    if shutil.which("git") is None:
        pytest.skip("needs git (the course is a git clone)")
    root = tmp_path / "course"
    for relpath in [
        ".gitignore",
        f"exercises/{EXERCISE}",
        "exercises/ex02_core_concepts.ipynb",
        f"zh-CN/exercises/{EXERCISE}",
    ]:
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / relpath, root / relpath)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "course")
    return root


def test_work_and_reset_lines_speak_the_language(course, monkeypatch, capsys):
    code, out, err = _main(monkeypatch, capsys, "zh-CN", "work", "--course-dir", str(course))
    assert code == 0 and not _untranslated(out), _untranslated(out)
    assert f"work/zh-CN/{EXERCISE}" in out and "已创建" in out
    code, out, _ = _main(monkeypatch, capsys, "en", "work", "--course-dir", str(course))
    made = "made     {path}"
    kept = "kept     {path} (your work; `deconv-course reset` restores it)"
    assert out.splitlines() == [
        _fill(kept, path=f"work/{EXERCISE}"),
        _fill(kept, path="work/ex02_core_concepts.ipynb"),
        _fill("kept     {path} (your work)", path=f"work/zh-CN/{EXERCISE}"),
        _fill(
            "Work in {path}: git ignores it, `make test` never runs it, `git pull` never touches it.",
            path=course / "work",
        ),
    ]
    (course / "work" / EXERCISE).unlink()
    code, out, _ = _main(monkeypatch, capsys, "en", "work", "ex01", "--course-dir", str(course))
    assert out.splitlines()[0] == _fill(made, path=f"work/{EXERCISE}")

    for lang in ("zh-CN", "en"):
        code, out, _ = _main(
            monkeypatch, capsys, lang, "reset", "ex01", "--lang", "en", "--course-dir", str(course)
        )
        assert code == 0
    assert out.splitlines() == [
        _fill("unchanged {path} (already the course's version)", path=f"work/{EXERCISE}")
    ]
    code, out, _ = _main(
        monkeypatch, capsys, "zh-CN", "reset", "ex01", "--lang", "en", "--course-dir", str(course)
    )
    assert not _untranslated(out) and "未改动" in out


def test_reset_errors_speak_the_language(course, monkeypatch, capsys):
    for lang in ("zh-CN", "en"):
        code, out, err = _main(monkeypatch, capsys, lang, "reset", "ex99", "--course-dir", str(course))
        assert code == 2 and "ex01_two_meanings" in err
        assert (not _untranslated(err) and CJK.search(err)) if lang == "zh-CN" else not CJK.search(err)
    code, _, err = _main(monkeypatch, capsys, "en", "reset", "ex99", "--course-dir", str(course))
    assert err.strip() == _fill(
        "no single exercise matches {name}; the exercises are: {names}",
        name="'ex99'",
        names="ex01_two_meanings, ex02_core_concepts",
    )
    code, _, err = _main(
        monkeypatch, capsys, "zh-CN", "reset", "ex02", "--lang", "zh-CN", "--course-dir", str(course)
    )
    assert code == 2 and "中文版没有 zh-CN/exercises/ex02_core_concepts.ipynb" in err


def test_reset_restores_the_chinese_copy_after_a_backup(course, monkeypatch, capsys):
    workspace.make_work_copies(course, ["ex01"])
    mine = course / "work" / "zh-CN" / EXERCISE
    english = course / "work" / EXERCISE
    pristine = (course / "zh-CN" / "exercises" / EXERCISE).read_text(encoding="utf-8")
    assert mine.read_text(encoding="utf-8") == pristine and "练习 01" in pristine
    mine.write_text("我的答案", encoding="utf-8")
    english.write_text("my answers", encoding="utf-8")

    code, out, _ = _main(
        monkeypatch, capsys, "zh-CN", "reset", "ex01", "--course-dir", str(course)
    )  # the language in force
    assert code == 0 and not _untranslated(out), out
    assert mine.read_text(encoding="utf-8") == pristine
    assert english.read_text(encoding="utf-8") == "my answers"  # the other edition's copy is not touched
    backups = list((course / "work" / ".backup").rglob(EXERCISE))
    assert [b.relative_to(course / "work" / ".backup").parts[1:] for b in backups] == [("zh-CN", EXERCISE)]
    assert backups[0].read_text(encoding="utf-8") == "我的答案"
    assert str(backups[0].relative_to(course)) in out

    # the Chinese exercise itself edited in place: restored from git HEAD, the edits kept
    edited = course / "zh-CN" / "exercises" / EXERCISE
    edited.write_text("在原处修改", encoding="utf-8")
    monkeypatch.setenv("DECONV_COURSE_LANG", "en")
    lines = workspace.reset(course, "ex01", lang="zh-CN")
    assert edited.read_text(encoding="utf-8") == pristine
    assert "在原处修改" in [
        b.read_text(encoding="utf-8") for b in (course / "work" / ".backup").rglob(EXERCISE)
    ]
    assert lines[0].startswith("restored zh-CN/exercises/") and lines[1].startswith("unchanged work/zh-CN/")

    # English by --lang, whatever the language in force
    code, out, _ = _main(
        monkeypatch, capsys, "zh-CN", "reset", "ex01", "--lang", "en", "--course-dir", str(course)
    )
    assert english.read_text(encoding="utf-8") == (course / "exercises" / EXERCISE).read_text(
        encoding="utf-8"
    )
    with pytest.raises(ValueError, match="lang='fr'"):
        workspace.reset(course, "ex01", lang="fr")


# --- progress and grading ------------------------------------------------------------------------------
def test_progress_speaks_the_language(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DECONV_COURSE_HOME", str(tmp_path))
    code, out, _ = _main(monkeypatch, capsys, "zh-CN", "progress")
    assert code == 0 and not _untranslated(out, NAMES | {"ex01"}), _untranslated(out)
    code, out, _ = _main(monkeypatch, capsys, "en", "progress")
    assert code == 0 and "not attempted" in out and not CJK.search(out)


def test_grade_without_a_jail_and_bad_options_speak_the_language(monkeypatch, capsys, tmp_path):
    from deconv_course.grading import jail

    monkeypatch.setattr(jail, "jail_problem", lambda: "bwrap is not installed")
    nb = tmp_path / "s1_ex01.ipynb"
    nb.write_text("{}")
    out_dir = str(tmp_path / "o")
    code, _, err = _main(monkeypatch, capsys, "zh-CN", "grade", str(nb), "--out", out_dir)
    assert code == 2 and "拒绝" in err and "bwrap is not installed" in err
    code, _, err = _main(monkeypatch, capsys, "en", "grade", str(nb), "--out", out_dir)
    assert err.strip() == "deconv-course grade: " + _fill(
        "refusing to run student code without a jail: {error}", error="bwrap is not installed"
    )
    for lang in ("zh-CN", "en"):
        code, _, err = _main(
            monkeypatch, capsys, lang, "grade", str(nb), "--out", out_dir, "--shard", "5/4", "--no-sandbox"
        )
        assert code == 2
        shard = err.splitlines()[-1]
        assert (
            CJK.search(shard)
            if lang == "zh-CN"
            else shard
            == "deconv-course grade: "
            + _fill("--shard {text}: K must be between 1 and N (K is 1-based), N at least 1", text="'5/4'")
        )
    code, _, err = _main(monkeypatch, capsys, "zh-CN", "merge", str(tmp_path), "--out", out_dir)
    assert code == 2 and "不是评分运行的文件夹" in err


def _json_keys(value, prefix=""):
    if isinstance(value, dict):
        return {k for key, v in value.items() for k in {prefix + key} | _json_keys(v, prefix + key + ".")}
    if isinstance(value, list):
        return {k for v in value for k in _json_keys(v, prefix + "[].")}
    return set()


def _table(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_machine_readable_outputs_are_the_same_in_every_language(monkeypatch, capsys, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(REPO / "solutions" / EXERCISE, folder / "alice_ex01.ipynb")
    (folder / "bob_ex01.ipynb").write_text("not a notebook")
    said, runs = {}, {}
    for lang in ("en", "zh-CN"):
        out = tmp_path / lang
        args = [
            "grade",
            str(folder),
            "--out",
            str(out),
            "--no-sandbox",
            "--secret",
            "s",
            "--cell-timeout",
            "60",
        ]
        code, said[lang], err = _main(monkeypatch, capsys, lang, *args)
        assert code == 0, err
        runs[lang] = out
        assert ("沙箱之外" in err) if lang == "zh-CN" else ("student code runs UNJAILED" in err)
    en, zh = runs["en"], runs["zh-CN"]
    for table in ("grades.csv", "gradebook.csv", "summary.csv"):
        assert _table(en / table) == _table(zh / table), table
    assert _table(en / "grades.csv")[0][:5] == ["submission", "status", "score", "max_score", "reason"]
    for name in ("alice_ex01.json", "bob_ex01.json"):
        a, b = (json.loads((run / name).read_text(encoding="utf-8")) for run in (en, zh))
        assert _json_keys(a) == _json_keys(b) and a["status"] == b["status"] and a["reason"] == b["reason"]
        assert [q["cases"] for q in a.get("questions", [])] == [q["cases"] for q in b.get("questions", [])]
    assert _json_keys(json.loads((en / "manifest.json").read_text())) == _json_keys(
        json.loads((zh / "manifest.json").read_text())
    )
    # what the instructor reads on the terminal speaks the language
    assert not _untranslated(said["zh-CN"], NAMES | {"ok", "invalid", "graded"}), said["zh-CN"]
    alice = json.loads((en / "alice_ex01.json").read_text(encoding="utf-8"))
    line = _fill("{submission}: {status}, {score:g}/{max_score:g}", **alice)
    assert line in said["en"].splitlines() and alice["score"] == alice["max_score"] > 0
    assert said["en"].splitlines()[-1] == _fill(
        "wrote {grades} ({n} submissions), {gradebook}, feedback/, manifest.json",
        grades=en / "grades.csv",
        n=2,
        gradebook=en / "gradebook.csv",
    )

    # regrade: the change lines too (and changes.txt keeps what was printed)
    secret = tmp_path / "secret.txt"
    secret.write_text("s\n")
    args = [
        "regrade",
        str(zh),
        "--out",
        str(tmp_path / "re"),
        "--secret-file",
        str(secret),
        "--no-sandbox",
        "-q",
    ]
    code, out, err = _main(monkeypatch, capsys, "zh-CN", *args)
    assert code == 0, err
    assert not _untranslated(out, NAMES | {"ok", "invalid"}), out
    assert "与原运行的 secret 相同" in out and "2 份提交没有变化" in out
    assert _table(tmp_path / "re" / "grades.csv") == _table(zh / "grades.csv")


def test_regrade_change_lines_follow_the_templates(monkeypatch):
    from deconv_course.grading import runs

    old = {
        ("s1", "s1.ipynb"): {
            "score": 1,
            "status": "graded",
            "questions": [{"id": "ex01.meaning", "score": 1}],
        }
    }
    new = [{"student": "s1", "submission": "s1.ipynb", "score": 3, "max_score": 4, "status": "graded",
            "questions": [{"id": "ex01.meaning", "score": 2}]},
           {"student": "s2", "submission": "s2.ipynb", "score": 0, "max_score": 4, "status": "timeout"}]  # fmt: skip
    monkeypatch.setenv("DECONV_COURSE_LANG", "en")
    assert runs.diff_runs(old, new) == [
        _fill(
            "{who}: {before:g} -> {after:g} / {max_score:g}",
            who="s1 (s1.ipynb)",
            before=1,
            after=3,
            max_score=4,
        )
        + " (ex01.meaning 1 -> 2)",
        _fill("{who}: new, {score:g}/{max_score:g}", who="s2 (s2.ipynb)", score=0, max_score=4),
        _fill("{n} submission(s) unchanged", n=0),
    ]
    monkeypatch.setenv("DECONV_COURSE_LANG", "zh-CN")
    lines = runs.diff_runs(old, new)
    assert all(CJK.search(line) for line in lines) and "ex01.meaning 1 -> 2" in lines[0]


def test_lab_says_what_it_starts_in_the_language(course, monkeypatch, capsys):
    (course / "notebooks").mkdir()
    calls = []
    monkeypatch.setattr(cli, "check_env", lambda **kw: True)
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, **kw: calls.append(cmd) or 0)
    code, out, _ = _main(monkeypatch, capsys, "zh-CN", "lab", "--no-browser", "--course-dir", str(course))
    assert code == 0 and calls and not _untranslated(out), out
    assert "已创建" in out and "正在启动：jupyterlab --ServerApp.ip=127.0.0.1" in out
    code, out, _ = _main(monkeypatch, capsys, "en", "lab", "--no-browser", "--course-dir", str(course))
    assert out.splitlines() == [
        _fill("Starting: {command}", command=" ".join(calls[-1][2:]))
    ]  # kept copies: silent


# --- validate's report ----------------------------------------------------------------------------
_REPORT = {
    "submission": "ex02_core_concepts.ipynb",
    "status": "graded with errors",
    "score": 2.0,
    "max_score": 13.0,
    "mode": "public",
    "reason": "every function still raises NotImplementedError",
    "questions": [
        {
            "id": "ex02.correlate2d",
            "score": 0.0,
            "points": 2.0,
            "status": "failed",
            "cases": [
                {
                    "case": "4x4 image, 3x3 edge kernel",
                    "passed": False,
                    "message": "wrong shape: got (2, 2), expected (3, 3)",
                }
            ],
            "hints": [
                "Three steps: insert stride - 1 zeros between the input's pixels, pad by k - 1 on every side, then cross-correlate ('valid') with the kernel flipped."
            ],
        },
        {"id": "ex02.convolve2d", "score": 2.0, "points": 2.0, "status": "passed", "cases": [], "hints": []},
    ],
}


def test_validate_reports_in_the_learners_language(monkeypatch: pytest.MonkeyPatch):
    from deconv_course.grading.feedback import format_submission

    monkeypatch.setenv("DECONV_COURSE_LANG", "en")
    english = format_submission(_REPORT)
    q = _REPORT["questions"][0]
    assert english.splitlines() == [  # the format validate has always printed
        "ex02_core_concepts.ipynb: graded with errors, 2 / 13 points (public cases)",
        "  reason: every function still raises NotImplementedError",
        f"  {'ex02.correlate2d':<26} {0.0:>5g} / {2.0:<3g} failed",
        f"      {q['cases'][0]['case']}: {q['cases'][0]['message']}",
        f"      hint: {q['hints'][0]}",
        f"  {'ex02.convolve2d':<26} {2.0:>5g} / {2.0:<3g} passed",
    ]
    monkeypatch.setenv("DECONV_COURSE_LANG", "zh-CN")
    chinese = format_submission(_REPORT)
    assert len(chinese.splitlines()) == len(english.splitlines())
    assert not _untranslated(chinese, NAMES | {"NotImplementedError"}), chinese
    for line in chinese.splitlines():
        assert CJK.search(line), line  # every line: status, reason, case, hint in Chinese
    assert "2 / 13" in chinese and "(2, 2)" in chinese and "(3, 3)" in chinese  # the numbers are kept


def test_jupyterlab_menus_default_to_the_chosen_language():
    # make lab COURSE_LANG=zh-CN: the lab's default settings come from the course (a user's choice in
    # Settings -> Language still wins); in English nothing is overridden
    import importlib.util

    assert importlib.util.find_spec("jupyterlab_language_pack_zh_CN"), (
        "the zh-CN language pack is a dependency"
    )
    english = cli.lab_server_options({"SHELL": "/bin/sh"}, lang="en")
    assert not any("app_settings_dir" in option for option in english)
    (option,) = [
        o for o in cli.lab_server_options({"SHELL": "/bin/sh"}, lang="zh-CN") if "app_settings_dir" in o
    ]
    folder = Path(option.split("=", 1)[1])
    overrides = json.loads((folder / "overrides.json").read_text(encoding="utf-8"))
    assert overrides == {"@jupyterlab/translation-extension:plugin": {"locale": "zh_CN"}}
    from jupyterlab_server.translation_utils import get_language_packs

    packs, _ = get_language_packs()
    assert "zh_CN" in packs  # JupyterLab can show the locale the overrides name


def test_the_package_errors_a_learner_meets_speak_the_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # a folder that is not the course (deconv_course/_paths.py), a jail that cannot be made
    # (grading/jail.py), a release into a folder that is not empty (grading/release.py)
    from deconv_course.grading import jail, release

    empty = tmp_path / "not-a-course"
    empty.mkdir()
    for lang, expect_cjk in (("zh-CN", True), ("en", False)):
        done = _cli(lang, "bench", "--course-dir", str(empty))
        assert done.returncode == 2 and "benchmarks/" in done.stderr
        assert bool(CJK.search(done.stderr)) is expect_cjk, done.stderr
        assert (
            not _untranslated(done.stderr) if expect_cjk else "that folder has no benchmarks/" in done.stderr
        )

    monkeypatch.setattr(jail, "_bwrap", lambda: None)
    monkeypatch.setattr(jail.sys, "platform", "linux")
    for lang, expect_cjk in (("zh-CN", True), ("en", False)):
        monkeypatch.setenv("DECONV_COURSE_LANG", lang)
        jail.jail_problem.cache_clear()
        try:
            problem = jail.jail_problem()
        finally:
            jail.jail_problem.cache_clear()
        assert "bubblewrap" in problem and "--no-sandbox" in problem
        assert bool(CJK.search(problem)) is expect_cjk, problem

        full = tmp_path / f"release-{lang}"
        full.mkdir()
        (full / "something").write_text("x")
        with pytest.raises(FileExistsError) as err:
            release.write_release(full, root=REPO)
        assert str(full) in str(err.value) and bool(CJK.search(str(err.value))) is expect_cjk
