"""Tests of the students' feedback files and Gradescope's texts in the instructor's language.

``DECONV_COURSE_LANG=zh-CN deconv-course grade ...`` writes ``DIR/feedback/<student>.md`` and
``.html`` in Chinese (grading/feedback_files.py, catalogue locale/zh-CN/feedback.json). The
report below is crafted in the grader's structure (runner.py's ``to_dict``) so that it reaches
every kind of line the files have; one real graded notebook checks the whole path. English must
stay what it was before the files were translated: EXPECTED_MD and EXPECTED_HTML are the output of
the untranslated module (commit c404a7a) for that report. Masking happens on the English text
first, so no hidden number may come back in either language.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from test_grading_reports import WRONG_BLUR  # the ex01 answer whose exception shows hidden values

from deconv_course.grading import batch, feedback_files, gradescope
from deconv_course.grading.questions import QUESTIONS, expected_for, hidden_cases

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile("[\u4e00-\u9fff]")
GLOSSARY = json.loads((ROOT / "translations" / "glossary.json").read_text(encoding="utf-8"))["terms"]
CATALOGUE = json.loads(
    (ROOT / "deconv_course" / "locale" / "zh-CN" / "feedback.json").read_text(encoding="utf-8")
)


@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setenv("DECONV_COURSE_LANG", "zh-CN")


@pytest.fixture
def en(monkeypatch):
    monkeypatch.setenv("DECONV_COURSE_LANG", "en")


def _q(qid, score, status, hints=(), cases=()):
    q = QUESTIONS[qid]
    return {"id": qid, "name": q.name, "title": q.title, "points": q.points, "score": score,
            "status": status, "hints": list(hints), "cases": list(cases)}  # fmt: skip


def _case(n, message, category, status="failed", traceback=None):
    c = {"status": status, "passed": False, "message": message, "hint": "", "case": f"hidden case {n}",
         "category": category}  # fmt: skip
    if traceback:
        c["traceback"] = traceback
    return c


TB = "cell line 4: out = helper(image)\ncell line 2: raise ValueError(f'bad {x}')\nValueError: bad [0.123456 0.654321]"
HINT = QUESTIONS["ex01.meaning"].variants[0].hint
BLUR = [
    _case(1, "wrong values: largest error 0.731 at index (2, 3)", "random image, 3x3 PSF"),
    _case(2, "wrong shape: got (7, 9), expected (11, 13)", "random image, 5x5 PSF"),
    _case(3, "raised ValueError: bad [0.123456 0.654321]", "random image, 3x5 PSF (not square)", "error", TB),
    _case(4, "raised ValueError: bad [0.923456 0.254321]", "random image, 1x3 PSF (not square)", "error", TB),
    _case(5, "return an array, not a str ('0.8125')", "random image, 3x3 PSF"),
    _case(6, "wrong dtype: got int64, expected a floating-point array (float64)", "random image, 5x5 PSF"),
    _case(7, "output contains NaN or inf", "random image, 5x5 PSF"),
    {"status": "passed", "passed": True, "message": "", "hint": "", "case": "hidden case 8", "category": "x"},
]
EX01 = {
    "submission": "u9_ex01.ipynb", "path": "/in/u9_ex01.ipynb", "exercise": "ex01", "status": "graded with errors",
    "score": 0.5, "max_score": 4.0, "reason": "cell 7: error: ValueError: bad [0.123456 0.654321]",
    "student": "u9",
    "questions": [
        _q("ex01.meaning", 0, "failed", [HINT],
           [_case(1, "answered 'inverse-problem solver'", "a term not in the public cases"),
            _case(2, "answered 'deblurring'", "a term from the public cases")]),
        _q("ex01.circular_blur", 0.5, "partial", [], BLUR),
    ],
}  # fmt: skip
EX03 = {
    "submission": "u9_ex03.ipynb", "path": "/in/u9_ex03.ipynb", "exercise": "ex03", "status": "graded",
    "score": 2.0, "max_score": 9.0, "reason": "every function still raises NotImplementedError", "student": "u9",
    "questions": [
        _q("ex03.output_size", 2, "passed", [], []),
        _q("ex03.conv_transpose2d", 0, "not attempted", [],
           [_case(i, "not attempted (still raises NotImplementedError)",
                  "batch 2, 2 -> 3 channels, 3x2 kernel, stride 3, padding 1, output padding 2", "not attempted")
            for i in (1, 2, 3)]),
        _q("ex03.is_adjoint", 0, "failed", [],
           [_case(1, "returned True, expected False", "a 2D convolution matrix and itself (not adjoint)"),
            _case(2, "return True or False, not an int (1)", "a random matrix and its transpose")]),
    ],
}  # fmt: skip
MISSING = {"submission": "u9_ex04.ipynb", "path": "/in/u9_ex04.ipynb", "exercise": None, "status": "invalid",
           "score": 0.0, "max_score": 0.0, "reason": "cannot tell which exercise this is (ex01..ex06)",
           "student": "u9", "questions": []}  # fmt: skip


def reports():
    return copy.deepcopy([EX01, EX03, MISSING])


# what a hidden value of the report above could look like in a file (inputs, got, expected, answers)
LEAKS = ("0.731", "0.123456", "654321", "0.923456", "254321", "(7, 9)", "11, 13", "0.8125", "(2, 3)",
         "inverse-problem solver", "deblurring")  # fmt: skip

EXPECTED_MD = "# Feedback for u9\n\nTotal: **2.5 / 13 points**\n\n## unknown exercise: 0 / 0 points\n\nFile: `u9_ex04.ipynb`, status: invalid\nNote: cannot tell which exercise this is (ex01..ex06)\n\n## ex01: 0.5 / 4 points\n\nFile: `u9_ex01.ipynb`, status: graded with errors\nNote: cell #: error: ValueError: bad [# #]\n\n### ex01.meaning: Which meaning of 'deconvolution'? (`meaning`)\n\n**0 / 2 points** (failed)\n- Hint: upsampling layers in networks (transposed convolutions) are the deep-learning meaning; filters that undo a blur solve an inverse problem\n- 2 of 2 cases failed:\n  - case 1 (a term not in the public cases): wrong answer\n  - case 2 (a term from the public cases): wrong answer\n\n### ex01.circular_blur: The forward model y = h * x (circular) (`circular_blur`)\n\n**0.5 / 2 points** (partial)\n- 7 of 8 cases failed:\n  - case 1 (random image, 3x3 PSF): wrong values\n  - case 2 (random image, 5x5 PSF): the output has the wrong shape\n  - case 3 (random image, 3x5 PSF (not square)): raised ValueError: bad [# #]\n    ```\n    cell line 4: out = helper(image)\n    cell line 2: raise ValueError(f'bad {x}')\n    ValueError: bad [# #]\n    ```\n  - case 4 (random image, 1x3 PSF (not square)): raised ValueError: bad [# #] (same traceback as case 3)\n  - case 5 (random image, 3x3 PSF): return an array\n  - case 6 (random image, 5x5 PSF): wrong dtype: got int64, expected a floating-point array (float64)\n  - case 7 (random image, 5x5 PSF): the output contains NaN or inf\n\n## ex03: 2 / 9 points\n\nFile: `u9_ex03.ipynb`, status: graded\nNote: every function still raises NotImplementedError\n\n### ex03.output_size: Output size of a transposed convolution (`conv_transpose_output_size`)\n\n**2 / 2 points** (passed)\n\n### ex03.conv_transpose2d: Transposed convolution by scatter (`conv_transpose2d`)\n\n**0 / 5 points** (not attempted)\n- all 3 cases: not attempted (still raises NotImplementedError)\n\n### ex03.is_adjoint: An adjoint-identity test (`is_adjoint`)\n\n**0 / 3 points** (failed)\n- 2 of 2 cases failed:\n  - case 1 (a 2D convolution matrix and itself (not adjoint)): wrong answer\n  - case 2 (a random matrix and its transpose): return True or False\n\nThe hidden cases are described by their kind only; run check() in the notebook to debug.\n"

EXPECTED_HTML = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Feedback for u9</title>\n<style>@CSS@</style></head><body>\n<h1>Feedback for u9</h1><p>Total: <b>2.5 / 13 points</b></p>\n<h2>unknown exercise: 0 / \n0 points</h2>\n<p>File: <code>u9_ex04.ipynb</code>, status: invalid</p>\n<p>Note: cannot tell which exercise this is (ex01..ex06)</p>\n<h2>ex01: 0.5 / \n4 points</h2>\n<p>File: <code>u9_ex01.ipynb</code>, status: graded with errors</p>\n<p>Note: cell #: error: ValueError: bad [# #]</p>\n<table><tr><th>question</th><th>points</th><th>status</th></tr>\n<tr><td>ex01.meaning</td><td>0 / 2</td><td class="failed">failed</td></tr>\n<tr><td>ex01.circular_blur</td><td>0.5 / 2</td><td class="partial">partial</td></tr>\n</table>\n<h3>ex01.meaning: Which meaning of &#x27;deconvolution&#x27;? (<code>meaning</code>)</h3>\n<p class="failed"><b>0 / 2 points</b> (failed)</p>\n<p>Hint: upsampling layers in networks (transposed convolutions) are the deep-learning meaning; filters that undo a blur solve an inverse problem</p>\n<p>2 of 2 cases failed:</p><ul>\n<li>case 1 (a term not in the public cases): wrong answer\n</li>\n<li>case 2 (a term from the public cases): wrong answer\n</li>\n</ul>\n<h3>ex01.circular_blur: The forward model y = h * x (circular) (<code>circular_blur</code>)</h3>\n<p class="partial"><b>0.5 / 2 points</b> (partial)</p>\n<p>7 of 8 cases failed:</p><ul>\n<li>case 1 (random image, 3x3 PSF): wrong values\n</li>\n<li>case 2 (random image, 5x5 PSF): the output has the wrong shape\n</li>\n<li>case 3 (random image, 3x5 PSF (not square)): raised ValueError: bad [# #]\n<pre>cell line 4: out = helper(image)\ncell line 2: raise ValueError(f&#x27;bad {x}&#x27;)\nValueError: bad [# #]</pre>\n</li>\n<li>case 4 (random image, 1x3 PSF (not square)): raised ValueError: bad [# #] (same traceback as case 3)\n</li>\n<li>case 5 (random image, 3x3 PSF): return an array\n</li>\n<li>case 6 (random image, 5x5 PSF): wrong dtype: got int64, expected a floating-point array (float64)\n</li>\n<li>case 7 (random image, 5x5 PSF): the output contains NaN or inf\n</li>\n</ul>\n<h2>ex03: 2 / \n9 points</h2>\n<p>File: <code>u9_ex03.ipynb</code>, status: graded</p>\n<p>Note: every function still raises NotImplementedError</p>\n<table><tr><th>question</th><th>points</th><th>status</th></tr>\n<tr><td>ex03.output_size</td><td>2 / 2</td><td class="passed">passed</td></tr>\n<tr><td>ex03.conv_transpose2d</td><td>0 / 5</td><td class="not attempted">not attempted</td></tr>\n<tr><td>ex03.is_adjoint</td><td>0 / 3</td><td class="failed">failed</td></tr>\n</table>\n<h3>ex03.output_size: Output size of a transposed convolution (<code>conv_transpose_output_size</code>)</h3>\n<p class="passed"><b>2 / 2 points</b> (passed)</p>\n<h3>ex03.conv_transpose2d: Transposed convolution by scatter (<code>conv_transpose2d</code>)</h3>\n<p class="not attempted"><b>0 / 5 points</b> (not attempted)</p>\n<p>All 3 cases: not attempted (still raises NotImplementedError)</p>\n<h3>ex03.is_adjoint: An adjoint-identity test (<code>is_adjoint</code>)</h3>\n<p class="failed"><b>0 / 3 points</b> (failed)</p>\n<p>2 of 2 cases failed:</p><ul>\n<li>case 1 (a 2D convolution matrix and itself (not adjoint)): wrong answer\n</li>\n<li>case 2 (a random matrix and its transpose): return True or False\n</li>\n</ul>\n<p><small>The hidden cases are described by their kind only; run check() in the notebook\n to debug.</small></p></body></html>\n'.replace(
    "@CSS@", feedback_files._CSS
)


def _files(tmp_path: Path) -> tuple[str, str]:
    feedback_files.write_feedback(reports(), tmp_path)
    folder = tmp_path / "feedback"
    return (folder / "u9.md").read_text(encoding="utf-8"), (folder / "u9.html").read_text(encoding="utf-8")


def _human_lines(md: str) -> list[str]:
    """The lines of a feedback .md a student reads as prose: not the student's own traceback."""
    out, code = [], False
    for line in md.splitlines():
        if line.strip() == "```":
            code = not code
        elif line.strip() and not code:
            out.append(line)
    return out


# --- English: as it was ------------------------------------------------------------------------
def test_english_feedback_is_what_it_was(en, tmp_path):
    md, page = _files(tmp_path)
    assert md == EXPECTED_MD
    assert page == EXPECTED_HTML


def test_without_a_language_variable_the_grader_writes_english(monkeypatch, tmp_path):
    monkeypatch.delenv("DECONV_COURSE_LANG", raising=False)
    monkeypatch.chdir(tmp_path)  # not inside a zh-CN/ folder
    md, page = _files(tmp_path)
    assert md == EXPECTED_MD and page.startswith('<!DOCTYPE html>\n<html lang="en">')


# --- Chinese ---------------------------------------------------------------------------------
def test_every_human_line_of_the_chinese_feedback_is_chinese(zh, tmp_path):
    md, page = _files(tmp_path)
    lines = _human_lines(md)
    assert len(lines) == len(_human_lines(EXPECTED_MD))  # the same lines, none lost
    english = [ln for ln in lines if not CJK.search(ln)]
    assert not english, english
    for title in ("“deconvolution”指的是哪一种含义？", "转置卷积的输出尺寸"):  # tr(question title)
        assert title in md and title in page
    assert "提示：" + feedback_files.tr(HINT) in md  # the misconception's hint, in Chinese
    assert "用例 1（一个二维卷积矩阵及其自身（不是伴随））：答案错误" in md  # category and kind
    assert "全部 3 个用例：尚未作答（仍然抛出 NotImplementedError）" in md  # one reason for every case
    assert "（回溯信息与用例 3 相同）" in md
    assert "状态：已评分（有错误）" in md and "**0.5 / 2 分**（部分通过）" in md
    # what stays as it is: ids, function names, the student's own code and exception (masked)
    assert "### ex01.circular_blur：" in md and "（`circular_blur`）" in md
    assert "    cell line 2: raise ValueError(f'bad {x}')" in md and "ValueError: bad [# #]" in md
    assert "Feedback for" not in md and "points" not in md and "Hint" not in md


def test_the_chinese_page_says_its_language(zh, tmp_path):
    md, page = _files(tmp_path)
    assert page.startswith(
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>u9 的评分反馈</title>'
    )
    assert "<th>题目</th><th>分数</th><th>状态</th>" in page
    assert '<td class="partial">部分通过</td>' in page  # the CSS class stays the grader's word
    assert '<p class="failed"><b>0 / 2 分</b>（未通过）</p>' in page
    # the text of each block (title, headings, paragraphs, list items, cells), without the tracebacks
    text = re.sub(r"<style>.*?</style>|<pre>.*?</pre>", "", page, flags=re.S).replace("\n", " ")
    text = re.sub(r"<[^>]+>", "", re.sub(r"</(?:title|h1|h2|h3|p|li|th|td)>", "\n", text))
    blocks = [b.strip() for b in text.splitlines() if b.strip()]
    assert len(blocks) > 30
    english = [b for b in blocks if not CJK.search(b) and not re.fullmatch(r"[\w.]+|[\d./ ]+", b)]
    assert not english, english
    assert not re.search(r"(src|href)\s*=|https?://|<script|<link", page)  # still self-contained


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_masked_numbers_stay_masked_in_every_language(monkeypatch, tmp_path, lang):
    monkeypatch.setenv("DECONV_COURSE_LANG", lang)
    for text in _files(tmp_path):
        for leak in LEAKS:
            assert leak not in text
        assert text.count("[# #]") >= 2  # the student's exception: masked, then shown


def test_a_translation_only_rewords_the_frame_around_masked_text(monkeypatch):
    def what(lang):
        monkeypatch.setenv("DECONV_COURSE_LANG", lang)
        return [
            f["what"]
            for f in feedback_files.question_feedback(_q("ex01.circular_blur", 0, "failed", [], BLUR))[
                "failing"
            ]
        ]

    en, zh = what("en"), what("zh-CN")
    assert zh[2] == "抛出了 ValueError: bad [# #]" and en[2] == "raised ValueError: bad [# #]"
    for e, z in zip(en, zh):  # the same masks and the same numbers (int64, float64, case 3), in order
        assert re.findall(r"#|\d+", z) == re.findall(r"#|\d+", e), (e, z)


def test_every_hidden_category_is_translated_keeping_its_numbers(zh, monkeypatch):
    labels = {
        c.label
        for q in QUESTIONS.values()
        for seed in (0, 1)
        for c in q.hidden(np.random.default_rng(seed))
        if c.label
    }
    assert len(labels) > 100
    for label in labels:
        said = feedback_files.category_text(label)
        assert CJK.search(said), label
        # the numbers of the label, in order: nothing added, nothing dropped
        numbers = re.findall(r"\d+(?:\.\d+)?", label.replace("2D ", "二维"))
        assert re.findall(r"\d+(?:\.\d+)?", said) == numbers, (label, said)
        rest = re.sub(
            r"（[^（）]*[A-Za-z][^（）]*）|'[^']*'|\w+\.\w+|ConvTranspose2d|PSF|rho|balance|dB|k \d|q\d+",
            "",
            said,
        )
        assert not re.search("[A-Za-z]{2,}", rest), (label, said)
    monkeypatch.setenv("DECONV_COURSE_LANG", "en")
    assert all(feedback_files.category_text(label) == label for label in labels)


def test_an_unknown_category_phrase_stays_as_the_grader_wrote_it(zh):
    assert feedback_files.category_text("random image, a brand-new phrase") == "随机图像，a brand-new phrase"
    assert feedback_files.category_text("") == ""


def test_the_reason_of_a_submission_is_translated_part_by_part(zh):
    masked = feedback_files.mask_numbers(
        "cell 7: error: ValueError: bad 0.5; notebook time limit of 60 s reached"
    )
    assert (
        feedback_files.reason_text(masked)
        == "第 # 个单元格：出错：ValueError: bad #；达到了笔记本的时间上限 # 秒"
    )


# --- Gradescope's results.json -----------------------------------------------------------------
def _results(monkeypatch, lang):
    monkeypatch.setenv("DECONV_COURSE_LANG", lang)
    return gradescope.results_json(
        copy.deepcopy(EX01), "ex01", gradescope.no_jail_note("bwrap not installed"), 2.0
    )


def _shape(res):
    """results.json without its human texts."""
    tests = [{k: v for k, v in t.items() if k not in ("name", "output")} for t in res["tests"]]
    return {**{k: v for k, v in res.items() if k not in ("output", "tests")}, "tests": tests}


def test_gradescope_results_have_the_same_structure_and_scores_in_chinese(monkeypatch):
    en, zh = _results(monkeypatch, "en"), _results(monkeypatch, "zh-CN")
    assert _shape(zh) == _shape(en) and list(zh) == list(en)
    assert [list(t) for t in zh["tests"]] == [list(t) for t in en["tests"]]
    assert en["output"].startswith("u9_ex01.ipynb: graded with errors, 0.5 / 4")
    assert gradescope.NO_JAIL_NOTE.format(problem="bwrap not installed") in en["output"]
    assert zh["output"].startswith("u9_ex01.ipynb：已评分（有错误），0.5 / 4") and "沙箱" in zh["output"]
    for t_en, t_zh in zip(en["tests"], zh["tests"]):
        assert t_zh["name"].startswith(t_en["name"].split(":")[0] + ": ") and CJK.search(t_zh["name"])
        assert CJK.search(t_zh["output"]) and "points" not in t_zh["output"]
    for text in (json.dumps(en, ensure_ascii=False), json.dumps(zh, ensure_ascii=False)):
        for leak in LEAKS:
            assert leak not in text


def test_gradescope_without_a_report_in_chinese(monkeypatch):
    res = gradescope.results_json(None, "ex01", "", 0.0)
    monkeypatch.setenv("DECONV_COURSE_LANG", "zh-CN")
    zh = gradescope.results_json(None, "ex01", "", 0.0)
    assert _shape(zh) == _shape(res) and zh["output"] == "没有找到笔记本"
    assert all(t["output"] == "未评分：没有笔记本" for t in zh["tests"])


# --- the catalogue -----------------------------------------------------------------------------
def test_the_feedback_catalogue_follows_the_glossary():
    broken = []
    for english, chinese in CATALOGUE.items():
        for t in GLOSSARY:
            if re.search(t["match"], english, re.I) and not any(form in chinese for form in t["zh"]):
                broken.append(f"{english!r}: '{t['en']}' must be one of {t['zh']}")
    assert not broken, "\n".join(broken)


# --- one real graded notebook, in Chinese --------------------------------------------------------


def test_a_real_graded_notebook_gets_chinese_feedback_without_hidden_values(zh, tmp_path):
    sol = ROOT / "solutions" / "ex01_two_meanings.ipynb"
    nb = nbformat.read(str(sol), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(WRONG_BLUR))
    (tmp_path / "in").mkdir()
    nbformat.write(nb, str(tmp_path / "in" / "dave_ex01.ipynb"))
    secret = "feedback in Chinese"
    (rep,) = batch.grade(
        [tmp_path / "in"],
        tmp_path / "out",
        secret=secret,
        cell_timeout=30,
        call_timeout=15,
        timeout=150,
        memory_mb=2048,
    )
    blur = next(q for q in rep["questions"] if q["id"] == "ex01.circular_blur")
    assert blur["status"] == "failed" and all(c["status"] == "error" for c in blur["cases"])
    md = (tmp_path / "out" / "feedback" / "dave.md").read_text(encoding="utf-8")
    page = (tmp_path / "out" / "feedback" / "dave.html").read_text(encoding="utf-8")
    english = [ln for ln in _human_lines(md) if not CJK.search(ln)]
    assert not english, english
    assert "cell line 7: out = _shift_all(image, psf)" in md and "ValueError: cannot shift [" in md
    assert "随机图像，3×5 PSF（非方形）" in md and '<html lang="zh-CN">' in page
    for q in (QUESTIONS["ex01.circular_blur"],):
        for case in hidden_cases(q, batch.secret_seed(secret)):
            values = [np.asarray(a) for a in case.args] + [np.asarray(expected_for(q, case))]
            for v in values:
                for x in v.ravel()[:20]:
                    for text in (md, page):
                        assert f"{x:.4f}" not in text and f"{x:.6g}" not in text
