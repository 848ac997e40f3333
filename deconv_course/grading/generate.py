"""The exercise generator: ``exercises/`` from ``solutions/`` (like nbgrader's clearsolutions).

Each region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in a code cell becomes
``# YOUR CODE HERE`` and a ``raise NotImplementedError(...)`` stub; outputs are cleared, and by
default the exercise is executed so that its stored outputs show "not attempted yet". The stub
speaks the notebook's language (a Chinese solution, from ``tools/translate.py build``, gets a
Chinese stub; the grader looks only at the ``NotImplementedError``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..i18n import translate

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = 'raise NotImplementedError("replace this line with your solution")'


def stub_source(source: str, lang: str = "en") -> str:
    """Replace every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region with a stub (in ``lang``)."""
    comment = translate("# YOUR CODE HERE", lang=lang)
    stub = STUB.replace(
        "replace this line with your solution", translate("replace this line with your solution", lang=lang)
    )
    out, inside = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError("nested '### BEGIN SOLUTION'")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}{comment}")
            out.append(f"{indent}{stub}")
        elif stripped == END:
            if not inside:
                raise ValueError("'### END SOLUTION' without BEGIN")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError("'### BEGIN SOLUTION' without END")
    return "\n".join(out)


def exercise_notebook(solution_path: str | Path) -> Any:
    """The exercise notebook (outputs cleared) generated from one solution notebook."""
    import nbformat

    nb = nbformat.read(str(solution_path), as_version=4)
    lang = nb.metadata.get("deconv_course", {}).get("language", "en")  # set by tools/translate.py build
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = stub_source(cell.source, lang)
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.setdefault("deconv_course", {})["role"] = "exercise"
    return nb


def build_exercises(
    solutions_dir: str | Path = "solutions", exercises_dir: str | Path = "exercises", execute: bool = True
) -> list[Path]:
    """Write ``exercises/exNN_*.ipynb`` from ``solutions/``; execute them to store outputs."""
    import nbformat

    solutions_dir, exercises_dir = Path(solutions_dir), Path(exercises_dir)
    exercises_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for sol in sorted(solutions_dir.glob("ex0*.ipynb")):
        nb = exercise_notebook(sol)
        if execute:
            from nbclient import NotebookClient

            NotebookClient(  # record_timing=False: no volatile per-cell timestamps are stored
                nb,
                timeout=120,
                kernel_name="python3",
                record_timing=False,
                resources={"metadata": {"path": str(exercises_dir)}},
            ).execute()
        dest = exercises_dir / sol.name
        nbformat.write(nb, str(dest))
        written.append(dest)
    return written
