"""The Colab set-up cell: its one source, and the tool that puts it first in every notebook.

    python tools/colab_cell.py notebooks/*.ipynb solutions/*.ipynb   # insert or update
    deconv-course build-exercises                                    # exercises inherit it
    python tools/colab_cell.py --check notebooks/*.ipynb exercises/*.ipynb solutions/*.ipynb

The cell (tagged ``colab-setup``, cell id ``colab-setup``) does something only in Google Colab
(``"google.colab" in sys.modules``, true in every Colab kernel from its start): it installs the
course with pip at a pinned release and turns on Colab's custom widget manager, without which
ipywidgets 8 explorers do not display there. Everywhere else (JupyterLab, Binder, a JupyterHub,
``pytest --nbval``) it imports ``sys`` and nothing more: no output, no other new name, no call.

**Pin policy.** The cell installs ``git+COURSE_GIT_URL@v<version>``, ``<version>`` being
``deconv_course.__version__`` when the tool ran. A release bumps the version, re-runs this tool
(the cell of every notebook then names the new tag; ``--check`` and tests/test_colab_cell.py fail
until it has) and pushes the tag ``v<version>``. A notebook opened in Colab from a given commit
therefore installs the release it was written for, never an unpinned ``main``. Colab's own
packages (torch, numpy, ...) already satisfy the course's lower bounds, so pip adds only the
course and what Colab lacks (a newer ipywidgets among them).

Running the tool twice changes nothing. It never touches other cells or outputs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TAG = "colab-setup"
CELL_ID = "colab-setup"
# The course's public repository: the one place to change it (then re-run this tool).
COURSE_GIT_URL = "https://github.com/deconv-course/deconv_course"
# What the cell may leave behind outside Colab (tests/test_colab_cell.py checks it).
NAMES_OUTSIDE_COLAB = frozenset({"sys"})

_TEMPLATE = """\
# Colab only: install this course at its pinned release and turn on Colab's widget manager.
# Anywhere else (JupyterLab, Binder, a JupyterHub, nbval) this cell does nothing at all.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet",
         "{requirement}"],
        check=True,
    )
    from google.colab import output

    output.enable_custom_widget_manager()
    import ipywidgets

    if int(ipywidgets.__version__.split(".")[0]) < 8:  # Colab had already loaded its old copy
        print("Runtime > Restart session, then run this notebook again (ipywidgets 8 is installed).")"""


def course_version() -> str:
    text = (REPO / "deconv_course" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def requirement(version: str | None = None, url: str = COURSE_GIT_URL) -> str:
    """The pip requirement the cell installs: the course at the tag of ``version``."""
    return f"deconv-course @ git+{url}@v{version or course_version()}"


def cell_source(version: str | None = None, url: str = COURSE_GIT_URL) -> str:
    """The source of the Colab set-up cell (the only copy of it)."""
    return _TEMPLATE.format(requirement=requirement(version, url))


def new_cell(source: str) -> dict:
    import nbformat

    cell = nbformat.v4.new_code_cell(source=source, metadata={"tags": [TAG]})
    cell["id"] = CELL_ID
    return cell


def has_tag(cell) -> bool:
    return TAG in cell.get("metadata", {}).get("tags", [])


def apply(nb, source: str | None = None) -> bool:
    """Make the Colab cell the first cell of ``nb`` (in place); return whether ``nb`` changed.

    A tagged cell elsewhere is moved to the front (and any duplicate dropped); a first cell whose
    source differs (an older version) is updated, its outputs cleared.
    """
    source = cell_source() if source is None else source
    tagged = [i for i, cell in enumerate(nb.cells) if has_tag(cell)]
    if tagged == [0] and nb.cells[0].source == source and not nb.cells[0].get("outputs"):
        return False
    for index in reversed(tagged):
        del nb.cells[index]
    nb.cells.insert(0, new_cell(source))
    return True


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if any notebook would change"
    )
    args = parser.parse_args(argv)
    source, stale = cell_source(), []
    for path in args.notebooks:
        nb = nbformat.read(str(path), as_version=4)
        if apply(nb, source):
            stale.append(path)
            if not args.check:
                nbformat.write(nb, str(path))
    verb = "would change" if args.check else "updated"
    for path in stale:
        print(f"{verb}: {path}")
    print(f"{len(stale)} of {len(args.notebooks)} notebooks {verb}; cell installs {requirement()!r}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
