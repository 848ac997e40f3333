"""Every notebook that the package's docstrings and comments name exists.

Public docstrings say where an idea is taught ("Taught in notebooks/03a_transposed_convolution.ipynb");
a renamed or removed notebook must not leave them pointing nowhere. Every ``.py`` file under
``deconv_course/`` is scanned at test time, whatever the package's layout is today.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "deconv_course"

# notebooks/NN_name(.ipynb), exercises/exNN_name(.ipynb), solutions/exNN_name(.ipynb)
REFERENCE = re.compile(r"\b(notebooks/\d\d[a-z]?_\w+|(?:exercises|solutions)/ex\d\d[a-z]?_\w+)(\.ipynb)?")
TAUGHT_IN = re.compile(r"Taught in\s+(\S+)")


def references() -> list[tuple[str, int, str]]:
    found = []
    for file in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in file.parts:
            continue
        for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{file.relative_to(REPO)}:{lineno}"
            for match in REFERENCE.finditer(line):
                found.append((where, lineno, match.group(1) + ".ipynb"))
    return found


def test_the_package_names_its_notebooks():
    refs = references()
    assert len(refs) > 20  # the scan sees the docstrings (a broken regex would pass vacuously)
    assert any(target.startswith("notebooks/") for _, _, target in refs)


def test_every_referenced_notebook_exists():
    missing = sorted(
        {f"{where}: {target}" for where, _, target in references() if not (REPO / target).is_file()}
    )
    assert not missing, "references to notebooks that do not exist:\n" + "\n".join(missing)


def test_every_taught_in_names_a_notebook():
    bad = []
    for file in sorted(PACKAGE.rglob("*.py")):
        text = file.read_text(encoding="utf-8")
        for match in TAUGHT_IN.finditer(text):
            if not REFERENCE.match(match.group(1)):
                line = text.count("\n", 0, match.start()) + 1
                bad.append(f"{file.relative_to(REPO)}:{line}: Taught in {match.group(1)}")
    assert not bad, "'Taught in' must be followed by notebooks/NN_name.ipynb:\n" + "\n".join(bad)
