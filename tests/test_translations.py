"""The Chinese edition (zh-CN/) is built from the English source and stays in step with it.

* every catalogue (translations/zh-CN/...json) covers every translatable cell of its English
  notebook, and no translation is stale (the English cell changed since it was translated);
* the committed zh-CN notebooks are exactly what ``tools/translate.py build`` writes (code cells
  identical to the English ones except the marked strings), and a zh-CN exercise is its solution
  stubbed;
* every translation follows the one bilingual glossary (translations/glossary.json);
* every message the package translates has a Chinese text, and so has everything ``check()`` and
  ``hint()`` say about the questions of every exercise;
* the learner's language choice (DECONV_COURSE_LANG, or the zh-CN/ folder) works, and bad values
  are refused with a message that names the variable.

``python tools/translate.py status`` prints what is missing or stale; ``template PATH`` prints
a catalogue skeleton whose ``sha`` values are current.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import translate  # noqa: E402  (tools/translate.py)

from deconv_course import i18n  # noqa: E402
from deconv_course.grading.generate import exercise_notebook  # noqa: E402

SOURCES = translate.catalogued_sources()
GLOSSARY = json.loads((REPO / "translations" / "glossary.json").read_text(encoding="utf-8"))["terms"]
ZH = i18n.messages("zh-CN")


def _ids(paths):
    return [p.relative_to(REPO).as_posix() for p in paths]


def test_the_edition_has_catalogues():
    assert SOURCES, "translations/zh-CN/ holds no catalogue"
    for src in SOURCES:
        assert src.is_file(), f"a catalogue names {src}, which does not exist"


@pytest.mark.parametrize("source", SOURCES, ids=_ids(SOURCES))
def test_no_translation_is_missing_or_stale(source: Path):
    found = translate.problems(source)
    assert not found, "\n".join(
        found + ["(python tools/translate.py template PATH prints the current sha values)"]
    )
    todo = [cid for cid, e in translate.load(source)["cells"].items() if "todo" in e]
    assert not todo, f"{source.name}: cells still marked todo: {todo}"


def test_a_changed_english_cell_makes_its_translation_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    source = SOURCES[0]
    nb = nbformat.read(str(source), as_version=4)
    cat = translate.load(source)
    cid = next(c.id for c in nb.cells if c.id in cat["cells"] and c.cell_type == "markdown")
    nb.cells[[c.id for c in nb.cells].index(cid)].source += "\nA new English sentence."
    repo = tmp_path / "repo"
    fake = repo / source.relative_to(REPO)
    fake.parent.mkdir(parents=True)
    nbformat.write(nb, str(fake))
    cat_file = repo / "translations" / "zh-CN" / source.relative_to(REPO).with_suffix(".json")
    cat_file.parent.mkdir(parents=True)
    cat_file.write_text(json.dumps(cat, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(translate, "REPO", repo)
    monkeypatch.setattr(translate, "CATALOGUES", repo / "translations" / "zh-CN")
    assert any(cid in p and "stale" in p for p in translate.problems(fake))
    # and a new cell without a translation is missing
    nb.cells.append(nbformat.v4.new_markdown_cell("Brand new text.", id="brand-new"))
    nbformat.write(nb, str(fake))
    assert any("'brand-new'" in p and "no translation" in p for p in translate.problems(fake))


def _sources(nb):
    return [(c.get("id"), c.cell_type, c.source) for c in nb.cells]


@pytest.mark.parametrize("source", SOURCES, ids=_ids(SOURCES))
def test_the_built_notebook_is_what_the_build_writes(source: Path):
    built = translate.EDITION / source.relative_to(REPO)
    assert built.is_file(), f"run: python tools/translate.py build {source.relative_to(REPO)}"
    assert _sources(nbformat.read(str(built), as_version=4)) == _sources(translate.translated(source)), (
        f"{built.relative_to(REPO)} is not what the catalogue builds: python tools/translate.py build "
        f"{source.relative_to(REPO)}"
    )
    english = nbformat.read(str(source), as_version=4)
    cat = translate.load(source)["cells"]
    for en, zh in zip(english.cells, nbformat.read(str(built), as_version=4).cells):
        if en.cell_type == "code" and not cat.get(en.get("id"), {}).get("strings"):
            assert zh.source == en.source  # code is identical unless strings are marked
        if en.cell_type == "code":
            assert zh.execution_count is not None or not zh.source.strip(), "the Chinese notebook is executed"


@pytest.mark.parametrize("source", [s for s in SOURCES if s.parent.name == "solutions"])
def test_a_chinese_exercise_is_its_solution_stubbed(source: Path):
    solution = translate.EDITION / "solutions" / source.name
    exercise = translate.EDITION / "exercises" / source.name
    assert exercise.is_file()
    assert _sources(nbformat.read(str(exercise), as_version=4)) == _sources(exercise_notebook(solution))


# --- the glossary ------------------------------------------------------------------------------
def test_the_glossary_has_the_terms_chinese_readers_need():
    chinese = {form for t in GLOSSARY for form in t["zh"]}
    for term in ["转置卷积", "反卷积", "解卷积", "去卷积", "点扩散函数", "盲解卷积", "逆问题", "振铃效应",
                 "边界效应", "半收敛", "反池化", "棋盘格伪影", "Richardson–Lucy（R-L）算法"]:  # fmt: skip
        assert term in chinese, term
    for t in GLOSSARY:
        re.compile(t["match"])


def _translated_markdown():
    for source in SOURCES:
        nb = nbformat.read(str(source), as_version=4)
        cells = {c.get("id"): c for c in nb.cells}
        for cid, entry in translate.load(source)["cells"].items():
            if "markdown" in entry and cid in cells:
                yield source, cid, cells[cid].source, entry["markdown"]


def test_every_translation_follows_the_glossary():
    broken = []
    for source, cid, english, chinese in _translated_markdown():
        for t in GLOSSARY:
            if re.search(t["match"], english, re.I) and not any(form in chinese for form in t["zh"]):
                broken.append(f"{source.name} cell {cid!r}: '{t['en']}' must be one of {t['zh']}")
    assert not broken, "\n".join(broken)


def test_the_misnomer_is_never_taught_as_the_inverse():
    # The claim common on Chinese blogs, 反卷积就是卷积的逆运算, may be quoted only to be refuted.
    for source, cid, _, chinese in _translated_markdown():
        for m in re.finditer("反卷积(?:就)?是卷积的逆", chinese):
            around = chinese[max(0, m.start() - 40) : m.end() + 80]
            assert any(w in around for w in ("不是", "错", "并非", "误")), f"{source.name} {cid}: {around}"


# --- messages ----------------------------------------------------------------------------------
def _literal_messages() -> set[str]:
    """First arguments of every tr(...) / translate(...) call in the package that are literals."""
    found = set()
    for file in (REPO / "deconv_course").rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) in ("tr", "translate")
                and node.args
            ):
                arg = node.args[0]
                for value in (arg.body, arg.orelse) if isinstance(arg, ast.IfExp) else (arg,):
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found.add(value.value)
    return found


def _question_texts(exercise: str) -> set[str]:
    from deconv_course.grading.questions import questions_for

    texts = set()
    for q in questions_for(exercise):
        texts |= {q.title, *q.hints, *(v.hint for v in q.variants if v.hint)}
        for case in q.public():
            texts |= {text for text in (case.label, case.hint) if text}
    return texts


def _exercise_of(path: Path) -> str:
    from deconv_course.grading.questions import exercise_in

    return exercise_in(path.name)


TRANSLATED_EXERCISES = sorted({_exercise_of(s) for s in SOURCES if s.parent.name == "solutions"})


def test_every_package_message_has_a_chinese_text():
    literal = _literal_messages()
    assert len(literal) >= 15  # the scan sees render.py's messages
    assert not sorted(literal - set(ZH)), f"untranslated: {sorted(literal - set(ZH))}"


def _translatable(texts: set[str]) -> set[str]:
    # a label that is a quoted literal (the term a case passes, e.g. 'ConvTranspose2d') stays as it is
    return {t for t in texts if re.search("[A-Za-z]{3}", t) and not re.fullmatch(r"'.*'", t)}


@pytest.mark.parametrize("exercise", TRANSLATED_EXERCISES)
def test_what_check_says_about_a_translated_exercise_is_chinese(exercise: str):
    texts = _translatable(_question_texts(exercise))
    missing = sorted(texts - set(ZH))
    assert not missing, f"{exercise}: untranslated check() texts (deconv_course/locale/zh-CN.json): {missing}"


def _all_exercises() -> list[str]:
    from deconv_course.grading.questions import EXERCISES

    return sorted(EXERCISES)


@pytest.mark.parametrize("exercise", _all_exercises())
def test_every_check_text_of_every_exercise_is_chinese(exercise: str):
    # check() and hint() speak Chinese for every exercise, translated notebook or not
    texts = _translatable(_question_texts(exercise))
    missing = sorted(texts - set(ZH))
    assert not missing, f"{exercise}: untranslated check() texts (deconv_course/locale/zh-CN.json): {missing}"


def test_every_chinese_message_is_used(monkeypatch: pytest.MonkeyPatch):
    used = _literal_messages()
    for ex in _all_exercises():
        used |= _question_texts(ex)
    from deconv_course.grading import progress_log

    used |= {*progress_log._SHOWN.values(), "not attempted"}  # progress() shows each status word
    from deconv_course.grading import render

    used |= {template for _, template in render._CASE_MESSAGES}  # case_message() looks them up
    monkeypatch.setenv("DECONV_COURSE_LANG", "en")
    for name in EXPLORERS:
        title, labels = _explorer_labels(name)
        used |= {re.sub("<[^>]+>", "", title), *labels}
    assert not sorted(set(ZH) - used), f"catalogue entries nothing uses: {sorted(set(ZH) - used)}"


def test_placeholders_survive_translation():
    for english, chinese in ZH.items():
        assert sorted(re.findall(r"\{[^}]*\}", english)) == sorted(re.findall(r"\{[^}]*\}", chinese)), english


# --- the learner's choice ----------------------------------------------------------------------
def test_language_choice(tmp_path: Path):
    assert i18n.language({}, cwd=tmp_path) == "en"
    assert i18n.language({"DECONV_COURSE_LANG": "zh"}, cwd=tmp_path) == "zh-CN"
    assert i18n.language({"DECONV_COURSE_LANG": "zh-CN"}, cwd=tmp_path) == "zh-CN"
    edition = tmp_path / "zh-CN" / "exercises"
    edition.mkdir(parents=True)
    assert i18n.language({}, cwd=edition) == "zh-CN"
    assert i18n.language({"DECONV_COURSE_LANG": "en"}, cwd=edition) == "en"  # the variable wins
    with pytest.raises(ValueError, match="DECONV_COURSE_LANG='fr'.*en, zh-CN"):
        i18n.language({"DECONV_COURSE_LANG": "fr"}, cwd=tmp_path)
    with pytest.raises(TypeError, match="message must be a str"):
        i18n.translate(3)  # type: ignore[arg-type]


def test_check_speaks_the_chosen_language(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from deconv_course.grading import check

    monkeypatch.setenv("DECONV_COURSE_HOME", str(tmp_path))  # check() records progress there

    def meaning(term):
        raise NotImplementedError

    monkeypatch.setenv("DECONV_COURSE_LANG", "zh-CN")
    zh = repr(check("ex01.meaning", meaning))
    monkeypatch.setenv("DECONV_COURSE_LANG", "en")
    en = repr(check("ex01.meaning", meaning))
    assert "尚未作答" in zh and "not attempted yet" in en and "尚未作答" not in en


def test_readme_zh_has_the_same_two_commands():
    def commands(text):
        return [line.split("#")[0].strip() for line in re.findall(r"^make (?:lab|test)\b.*$", text, re.M)][:2]

    en = commands((REPO / "README.md").read_text(encoding="utf-8"))
    zh = commands((REPO / "README.zh-CN.md").read_text(encoding="utf-8"))
    assert en == zh == ["make lab", "make test"], (en, zh)


def test_links_in_the_chinese_edition_resolve():
    for nb_path in sorted(translate.EDITION.rglob("*.ipynb")):
        nb = nbformat.read(str(nb_path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"\]\(([^)#\s]+\.(?:ipynb|md))\)", cell.source):
                assert (nb_path.parent / target).resolve().is_file(), f"{nb_path.relative_to(REPO)}: {target}"


def test_make_lab_in_chinese_opens_the_chinese_edition(tmp_path: Path):
    from deconv_course.cli import lab_start_page

    (tmp_path / "notebooks").mkdir()
    assert lab_start_page(tmp_path, "en") == tmp_path / "notebooks" / "00_start_here.ipynb"
    (tmp_path / "README.zh-CN.md").write_text("# 中文", encoding="utf-8")
    assert lab_start_page(tmp_path, "zh-CN") == tmp_path / "README.zh-CN.md"
    lesson = tmp_path / "zh-CN" / "notebooks" / "00_start_here.ipynb"
    lesson.parent.mkdir(parents=True)
    lesson.write_text("{}", encoding="utf-8")
    assert lab_start_page(tmp_path, "zh-CN") == lesson
    assert lab_start_page(REPO, "zh-CN").is_file()


def test_make_lab_passes_the_language_to_jupyterlab():
    import subprocess

    out = subprocess.run(
        ["make", "-n", "lab", "COURSE_LANG=zh-CN", "STAMP=/dev/null"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout
    assert "DECONV_COURSE_LANG=zh-CN " in out and "deconv-course lab" in out


EXPLORERS = ("kernel_explorer", "arithmetic_explorer", "checkerboard_explorer", "restoration_explorer")


def _explorer_labels(name: str) -> tuple[str, list[str]]:
    from deconv_course import widgets

    explorer = getattr(widgets, name)()
    labels = [c.description for c in explorer.controls.values() if c.description]
    for c in explorer.controls.values():
        if getattr(c, "options", None) and all(isinstance(o, tuple) for o in c.options):
            labels += [label for label, _ in c.options]
    return explorer.children[0].value, labels


@pytest.mark.parametrize("name", EXPLORERS)
def test_the_explorers_speak_the_chosen_language(name: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DECONV_COURSE_LANG", "en")
    title_en, labels_en = _explorer_labels(name)
    monkeypatch.setenv("DECONV_COURSE_LANG", "zh-CN")
    title_zh, labels_zh = _explorer_labels(name)
    words = [label for label in labels_en if re.search("[a-z]{3}", label) and label != "output_padding"]
    assert not [w for w in words if w not in ZH], (
        f"{name}: untranslated labels {[w for w in words if w not in ZH]}"
    )
    assert re.search(r"[\u4e00-\u9fff]", title_zh) and not re.search(r"[\u4e00-\u9fff]", title_en)
    assert labels_zh == [ZH.get(label, label) for label in labels_en]


def test_lesson_00_shows_the_same_glossary():
    nb = nbformat.read(str(REPO / "notebooks" / "00_start_here.ipynb"), as_version=4)
    table = next(c.source for c in nb.cells if c.cell_type == "markdown" and "Glossary" in c.source)
    chinese_column = {row.split("|")[1].strip() for row in table.splitlines() if row.startswith("| ")}
    missing = [t["zh"][0] for t in GLOSSARY if not any(t["zh"][0] in entry for entry in chinese_column)]
    assert not missing, (
        f"notebook 00's glossary lacks the preferred forms {missing} (translations/glossary.json)"
    )
    assert "棋盘效应" not in table and "理查德森" not in table  # the glossary's forms, not older ones


def test_the_chinese_exercises_get_work_copies_of_their_own(tmp_path: Path):
    from deconv_course.workspace import make_work_copies

    for folder in ("exercises", "zh-CN/exercises"):
        (tmp_path / folder).mkdir(parents=True)
        text = (REPO / folder / "ex01_two_meanings.ipynb").read_text(encoding="utf-8")
        (tmp_path / folder / "ex01_two_meanings.ipynb").write_text(text, encoding="utf-8")
    lines = make_work_copies(tmp_path)
    copy = tmp_path / "work" / "zh-CN" / "ex01_two_meanings.ipynb"
    assert "made     work/zh-CN/ex01_two_meanings.ipynb" in lines and copy.is_file()
    assert "练习 01" in copy.read_text(encoding="utf-8")
    assert i18n.language({}, cwd=copy.parent) == "zh-CN"  # a kernel there speaks Chinese
    copy.write_text("my answers", encoding="utf-8")
    assert "kept     work/zh-CN/ex01_two_meanings.ipynb (your work)" in make_work_copies(tmp_path)
    assert copy.read_text(encoding="utf-8") == "my answers"


CASE_SAMPLES = [
    "wrong shape: got (1, 1, 3, 3), expected (1, 1, 1, 1)",
    "wrong dtype: got int64, expected a floating-point array (float64)",
    "wrong values: largest error 0.5 at index (0, 1, 2, 3)",
    "return an array, not a str ('abc')",
    "returned 3, expected 4",
    "answered 'c'",
    "quiz_answers() must return a dict like {'q1': 'a', ...}, not a list ([1])",
    "raised IndexError: index 2 is out of bounds for axis 0 with size 2",
    "took longer than 10 s",
    "PSNR too low: your weight 0.5 restores to 21.30 dB, 7.10 dB below the best weight (0.003: 28.40 dB); 3 dB are allowed here",
]


def test_every_case_message_template_has_a_chinese_text():
    from deconv_course.grading import render

    missing = [template for _, template in render._CASE_MESSAGES if template not in ZH]
    assert not missing, missing


@pytest.mark.parametrize("message", CASE_SAMPLES)
def test_case_messages_speak_the_chosen_language(message: str, monkeypatch: pytest.MonkeyPatch):
    from deconv_course.grading.render import case_message

    monkeypatch.setenv("DECONV_COURSE_LANG", "en")
    assert case_message(message) == message  # English is the message itself
    monkeypatch.setenv("DECONV_COURSE_LANG", "zh-CN")
    chinese = case_message(message)
    assert re.search(r"[\u4e00-\u9fff]", chinese), chinese
    assert re.findall(r"\d+(?:\.\d+)?", chinese) == re.findall(r"\d+(?:\.\d+)?", message) or "PSNR" in message


# --- how Chinese the edition is ------------------------------------------------------------------
def test_prose_share_counts_chinese_characters_against_english_words():
    han, words = translate.prose_share(
        "转置卷积 is not `conv_transpose2d(x)` nor $C^T y$; see [链接](https://a.b/c)."
    )
    assert (han, words) == (6, 4)  # 转置卷积, 链接 | is, not, nor, see: code, math and the URL are not prose


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_the_chinese_edition_reads_in_chinese(source: Path):
    # one Chinese character against one English word, over the markdown prose (code and math left out):
    # the English words left are names (PyTorch, Wiener, Richardson–Lucy) and quoted English terms
    han, words = translate.notebook_share(REPO / "zh-CN" / source.relative_to(REPO))
    english_han, _ = translate.notebook_share(source)
    assert han / (han + words) > 0.85, f"{source.name}: only {han / (han + words):.0%} Chinese"
    assert han > 5 * max(english_han, 1)  # the English source quotes the article; the edition is Chinese
