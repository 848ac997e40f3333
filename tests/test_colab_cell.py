"""The Colab set-up cell (tools/colab_cell.py): inert outside Colab, installs and enables inside.

* Outside Colab the cell's source, executed as a notebook would, makes no subprocess, pip or
  os.system call, prints nothing and leaves no name but ``sys``.
* With a fake ``google.colab`` module in ``sys.modules`` it runs pip once for the pinned release
  and calls ``output.enable_custom_widget_manager()`` once.
* The tool is idempotent, updates an older cell, and the exercise generator keeps the cell.
* Every lesson, exercise and solution starts with exactly the tool's cell (this fails until
  ``python tools/colab_cell.py notebooks/*.ipynb solutions/*.ipynb`` and
  ``deconv-course build-exercises`` have been run and committed).
"""

from __future__ import annotations

import builtins
import importlib.util
import os
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("colab_cell", REPO / "tools" / "colab_cell.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _tool()


@pytest.fixture
def calls(monkeypatch):
    """Every way the cell could install something, replaced by a recorder."""
    record = []

    def recorder(name):
        def fake(*args, **kwargs):
            record.append((name, args, kwargs))
            return subprocess.CompletedProcess(args, 0, "", "")

        return fake

    for name in ("run", "call", "check_call", "check_output", "Popen"):
        monkeypatch.setattr(subprocess, name, recorder(f"subprocess.{name}"))
    monkeypatch.setattr(os, "system", recorder("os.system"))
    try:
        import pip._internal.cli.main as pip_main

        monkeypatch.setattr(pip_main, "main", recorder("pip.main"))
    except ImportError:  # pragma: no cover - pip is always in a venv
        pass
    return record


def _run_cell(source: str) -> dict:
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    exec(compile(source, "<colab-setup cell>", "exec"), namespace)
    return namespace


def test_cell_does_nothing_outside_colab(calls, capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    namespace = _run_cell(tool.cell_source())
    out = capsys.readouterr()
    assert calls == []
    assert out.out == "" and out.err == ""
    assert set(namespace) - {"__name__", "__builtins__"} == tool.NAMES_OUTSIDE_COLAB


def test_cell_does_nothing_in_a_real_kernel_subprocess():
    """The same in a fresh interpreter, where no test has imported anything first."""
    script = (
        "import sys\n"
        "before = set(sys.modules)\n"
        f"exec({tool.cell_source()!r})\n"
        "assert 'subprocess' not in set(sys.modules) - before, 'the cell imported subprocess'\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "" and run.stderr == ""


def _fake_colab(monkeypatch, ipywidgets_version="8.1.5"):
    """A fake ``google.colab`` (its ``output`` records calls) and an already imported ipywidgets."""
    enabled = []
    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: enabled.append(True))
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "ipywidgets", types.SimpleNamespace(__version__=ipywidgets_version))
    return enabled


def test_cell_installs_the_pinned_course_and_enables_widgets_in_colab(calls, capsys, monkeypatch):
    enabled = _fake_colab(monkeypatch)

    _run_cell(tool.cell_source())

    assert enabled == [True]
    assert len(calls) == 1, calls
    name, args, kwargs = calls[0]
    command = args[0]
    assert name == "subprocess.run" and kwargs.get("check") is True
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    version = tool.course_version()
    assert command[-1] == f"deconv-course @ git+{tool.COURSE_GIT_URL}@v{version}"
    assert capsys.readouterr().out == ""


def test_cell_asks_for_a_restart_when_colab_had_loaded_ipywidgets_7(calls, capsys, monkeypatch):
    enabled = _fake_colab(monkeypatch, ipywidgets_version="7.7.1")
    _run_cell(tool.cell_source())
    assert enabled == [True] and len(calls) == 1
    assert "Restart session" in capsys.readouterr().out


def test_cell_pins_the_package_version():
    from deconv_course import __version__

    assert tool.course_version() == __version__
    assert f'@v{__version__}"' in tool.cell_source()


def _notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title")] + [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def test_apply_inserts_once_and_is_idempotent():
    nb = _notebook("x = 1")
    assert tool.apply(nb) is True
    first = nbformat.writes(nb)
    assert tool.apply(nb) is False
    assert nbformat.writes(nb) == first
    assert [tool.has_tag(c) for c in nb.cells] == [True, False, False]
    assert nb.cells[0].id == tool.CELL_ID and nb.cells[0].cell_type == "code"
    nbformat.validate(nb)


def test_apply_updates_an_old_cell_and_drops_duplicates():
    nb = _notebook("x = 1")
    tool.apply(nb, tool.cell_source(version="0.0.1"))
    nb.cells.append(tool.new_cell("stray copy"))
    nb.cells[0].id = "old-id"
    assert tool.apply(nb) is True
    assert sum(tool.has_tag(c) for c in nb.cells) == 1
    assert nb.cells[0].source == tool.cell_source()
    assert [c.source for c in nb.cells[1:]] == ["# Title", "x = 1"]


def test_exercise_generator_keeps_the_tagged_first_cell(tmp_path):
    from deconv_course.grading.generate import exercise_notebook

    solution = _notebook("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")
    tool.apply(solution)
    path = tmp_path / "ex99_demo.ipynb"
    nbformat.write(solution, str(path))
    exercise = exercise_notebook(path)
    assert tool.has_tag(exercise.cells[0])
    assert exercise.cells[0].source == tool.cell_source()
    assert exercise.cells[0].id == tool.CELL_ID


def _course_notebooks():
    return sorted(
        p
        for folder in (
            "notebooks",
            "exercises",
            "solutions",
            "zh-CN/notebooks",
            "zh-CN/exercises",
            "zh-CN/solutions",
        )
        for p in (REPO / folder).glob("*.ipynb")
    )


@pytest.mark.parametrize("path", _course_notebooks(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_notebook_starts_with_the_colab_cell(path):
    nb = nbformat.read(str(path), as_version=4)
    first = nb.cells[0]
    hint = (
        f"{path.relative_to(REPO)} must start with the Colab cell: run "
        "`python tools/colab_cell.py notebooks/*.ipynb solutions/*.ipynb` then `deconv-course build-exercises`"
    )
    assert tool.has_tag(first), hint
    assert first.source == tool.cell_source(), hint + " (its cell is out of date)"
    assert sum(tool.has_tag(c) for c in nb.cells) == 1, hint
    assert not first.get("outputs"), f"{path.relative_to(REPO)}: the Colab cell printed something"
