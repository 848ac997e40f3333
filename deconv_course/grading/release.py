"""The student edition: what students receive, without solutions, references or quiz answers.

``deconv-course release DIR`` (or :func:`write_release`) writes into ``DIR``:

* ``notebooks/`` (the lessons) and ``exercises/`` (the stubs, with their stored outputs);
* ``deconv_course/``, the student-side package (:func:`.jail.copy_student_package`): everything
  a lesson or an exercise imports, and ``grading/public_cases.json`` for ``check()``, but not
  ``grading/questions`` (the references, the hidden-case generators and the quiz answers);
* ``README.md`` (with a note on what this edition leaves out), ``pyproject.toml`` (the package,
  its dependencies and package data; no test configuration) and ``LICENSE``.

No ``solutions/``, no ``tests/`` (they import the answer key). ``tests/test_release.py`` proves
that no released file contains a reference implementation or a quiz answer, and that the
released exercises run clean with the answer key unimportable.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..i18n import translate as tr
from . import jail

NOTE = """> **Student edition.** This copy of the course has the lessons (`notebooks/`), the exercises
> (`exercises/`) and the `deconv_course` package without its answer key: `check()` runs the
> public cases from `deconv_course/grading/public_cases.json`; there is no `solutions/` folder
> and no grader here (your instructor grades with hidden cases). Install with
> `pip install -e .` and start with `notebooks/00_start_here.ipynb`.

"""

_KEEP_SECTIONS = re.compile(r"^\[(build-system|project(\..*)?|tool\.setuptools(\..*)?)\]$")


def student_pyproject(text: str) -> str:
    """The checkout's pyproject.toml without the sections that only the maintainers use."""
    out, keep = [], True
    for line in text.splitlines():
        if line.startswith("["):
            keep = bool(_KEEP_SECTIONS.match(line.strip()))
        if keep:
            out.append(line)
    return "\n".join(out).rstrip() + "\n"


_SOLUTION_LINK = re.compile(r"\[([^\]]*)\]\([^)]*solutions/[^)]*\)")
_SOLUTION_REF = re.compile(r"\s*·\s*reference:\s*`solutions/[^`]*`")


def without_solution_links(markdown: str) -> str:
    """``markdown`` with links into ``solutions/`` (absent from the edition) reduced to their text."""
    return _SOLUTION_REF.sub("", _SOLUTION_LINK.sub(r"\1", markdown))


def _copy_notebook(src: Path, dest: Path) -> None:
    import nbformat

    nb = nbformat.read(str(src), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = without_solution_links(cell.source)
    nbformat.write(nb, str(dest))


def _root(root: str | Path | None) -> Path:
    if root is not None:
        return Path(root)
    from .._paths import checkout_root

    found = checkout_root()
    if found is None:
        raise RuntimeError(tr("release needs the course checkout (notebooks/, exercises/); pass root="))
    return found


def write_release(dest: str | Path, root: str | Path | None = None) -> Path:
    """Write the student edition of the checkout ``root`` into the new or empty folder ``dest``."""
    root, dest = _root(root), Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(tr("{dest} is not empty; release writes into a new or empty folder", dest=dest))
    inside = dest.resolve().is_relative_to(root.resolve())
    if inside and not dest.resolve().is_relative_to(root.resolve() / "build"):
        raise ValueError(
            tr("{dest} is inside the checkout; write the release elsewhere (or under build/)", dest=dest)
        )
    dest.mkdir(parents=True, exist_ok=True)
    for folder in ("notebooks", "exercises"):
        (dest / folder).mkdir()
        for nb in sorted((root / folder).glob("*.ipynb")):
            _copy_notebook(nb, dest / folder / nb.name)
    jail.copy_student_package(dest)
    readme = (root / "README.md").read_text(encoding="utf-8")
    (dest / "README.md").write_text(NOTE + readme, encoding="utf-8")
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    (dest / "pyproject.toml").write_text(student_pyproject(pyproject), encoding="utf-8")
    shutil.copy2(root / "LICENSE", dest / "LICENSE")
    return dest
