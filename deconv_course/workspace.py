"""Where a learner works: a git-ignored work copy of each exercise, and a reset that loses nothing.

The course ships its exercises pristine in ``exercises/``. A learner works in ``work/`` (made on
demand by ``deconv-course work``, and by ``make lab``), which git ignores: a ``git pull`` of course
updates never touches it, and ``make test`` never runs it. ``deconv-course reset exNN`` puts one
exercise back as the course ships it, after moving what was there to ``work/.backup/``.

A learner who edited ``exercises/exNN_*.ipynb`` in place (as the notebooks once invited) is
covered too: ``make test`` checks the committed version instead (see ``conftest.py``), ``work``
moves the edits into ``work/`` and ``reset`` restores the committed file, both after a backup.

Taught (and linked) in ``notebooks/00_start_here.ipynb``, section "Where you work".
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

__all__ = [
    "BACKUP_DIR",
    "WORK_DIR",
    "ExerciseNotFound",
    "committed_text",
    "edited_in_place",
    "exercise_file",
    "make_work_copies",
    "pristine_text",
    "reset",
]

WORK_DIR = "work"
BACKUP_DIR = "work/.backup"


class ExerciseNotFound(LookupError):
    """The name given to ``work``/``reset`` matches no notebook in ``exercises/``."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess | None:
    if shutil.which("git") is None:
        return None
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)


def committed_text(root: Path, relpath: str) -> str | None:
    """The text of ``relpath`` as committed at git ``HEAD``, or None (no git, not tracked)."""
    done = _git(root, "show", f"HEAD:{relpath}")
    if done is None or done.returncode != 0:
        return None
    return done.stdout


def edited_in_place(root: Path, relpath: str) -> bool:
    """True when the tracked file ``relpath`` differs from what git ``HEAD`` holds."""
    committed = committed_text(root, relpath)
    file = root / relpath
    return committed is not None and file.is_file() and file.read_text(encoding="utf-8") != committed


def exercise_file(root: Path, name: str) -> str:
    """The file name in ``exercises/`` that ``name`` means: ``ex03``, ``3``, ``ex03_algorithms(.ipynb)``."""
    wanted = Path(name).name.removesuffix(".ipynb")
    if wanted.isdigit():
        wanted = f"ex{int(wanted):02d}"
    names = sorted(p.name for p in (root / "exercises").glob("ex*.ipynb"))
    matches = [n for n in names if n.removesuffix(".ipynb") == wanted or n.startswith(wanted + "_")]
    if len(matches) != 1:
        raise ExerciseNotFound(
            f"no single exercise matches {name!r}; the exercises are: "
            + ", ".join(n.removesuffix(".ipynb") for n in names)
        )
    return matches[0]


def pristine_text(root: Path, filename: str) -> str:
    """The exercise as the course ships it: git ``HEAD``'s copy, else the file in ``exercises/``."""
    relpath = f"exercises/{filename}"
    committed = committed_text(root, relpath)
    if committed is not None:
        return committed
    return (root / relpath).read_text(encoding="utf-8")


def _backup(root: Path, source: Path, label: str) -> Path:
    """Move ``source`` to ``work/.backup/<UTC time>/<label>`` (never overwriting a backup)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = root / BACKUP_DIR / stamp / label
    number = 1
    while target.exists():
        number += 1
        target = root / BACKUP_DIR / f"{stamp}-{number}" / label
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(target))
    return target


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root))


def make_work_copies(root: str | Path, names: list[str] | None = None, *, adopt: bool = True) -> list[str]:
    """Make ``work/exNN_*.ipynb`` for each exercise (all, or ``names``) that has none yet.

    An existing work copy is never touched. Where ``exercises/exNN`` was edited in place and
    ``adopt`` is true, the edits become the work copy and ``exercises/exNN`` is restored from git
    ``HEAD`` (the edited file is also kept in ``work/.backup/``), so a ``git pull`` can update it.
    With ``adopt=False`` such an exercise is left alone and reported. Returns one line per exercise.
    """
    root = Path(root)
    files = (
        [exercise_file(root, n) for n in names]
        if names
        else sorted(p.name for p in (root / "exercises").glob("ex*.ipynb"))
    )
    work = root / WORK_DIR
    work.mkdir(exist_ok=True)
    lines = []
    for filename in files:
        target = work / filename
        relpath = f"exercises/{filename}"
        if target.exists():
            lines.append(f"kept     {WORK_DIR}/{filename} (your work; `deconv-course reset` restores it)")
            continue
        if edited_in_place(root, relpath):
            if not adopt:
                lines.append(
                    f"skipped  {WORK_DIR}/{filename}: you edited {relpath} in place; "
                    "`deconv-course work` moves those edits to work/"
                )
                continue
            shutil.copy2(root / relpath, target)
            backup = _backup(root, root / relpath, relpath)
            (root / relpath).write_text(pristine_text(root, filename), encoding="utf-8")
            lines.append(
                f"moved    your edits of {relpath} to {WORK_DIR}/{filename} "
                f"(a copy is in {_rel(root, backup)}); {relpath} is the course's version again"
            )
            continue
        target.write_text(pristine_text(root, filename), encoding="utf-8")
        lines.append(f"made     {WORK_DIR}/{filename}")
    return lines + _edition_work_copies(root, names)


EDITION = "zh-CN"  # the Chinese edition's exercises get work copies in work/zh-CN/ (same depth: links work)


def _edition_work_copies(root: Path, names: list[str] | None) -> list[str]:
    """``work/zh-CN/exNN_*.ipynb`` for each exercise of the Chinese edition that has none yet.

    A kernel started there speaks Chinese (deconv_course.i18n); an existing copy is never touched.
    """
    folder = root / EDITION / "exercises"
    if not folder.is_dir():
        return []
    wanted = {exercise_file(root, n) for n in names} if names else None
    lines = []
    for source in sorted(folder.glob("ex*.ipynb")):
        if wanted is not None and source.name not in wanted:
            continue
        target = root / WORK_DIR / EDITION / source.name
        label = f"{WORK_DIR}/{EDITION}/{source.name}"
        if target.exists():
            lines.append(f"kept     {label} (your work)")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        relpath = f"{EDITION}/exercises/{source.name}"
        target.write_text(
            committed_text(root, relpath) or source.read_text(encoding="utf-8"), encoding="utf-8"
        )
        lines.append(f"made     {label}")
    return lines


def reset(root: str | Path, name: str) -> list[str]:
    """Put exercise ``name`` back as the course ships it; what was there goes to ``work/.backup/``.

    Resets the work copy ``work/exNN_*.ipynb`` (restored, or made when missing) and, when it was
    edited in place, ``exercises/exNN_*.ipynb`` (restored from git ``HEAD``). Returns one line per
    file changed.
    """
    root = Path(root)
    filename = exercise_file(root, name)
    relpath = f"exercises/{filename}"
    pristine = pristine_text(root, filename)
    lines = []
    if edited_in_place(root, relpath):
        backup = _backup(root, root / relpath, relpath)
        (root / relpath).write_text(pristine, encoding="utf-8")
        lines.append(f"restored {relpath} (your edits are in {_rel(root, backup)})")
    target = root / WORK_DIR / filename
    target.parent.mkdir(exist_ok=True)
    if target.exists():
        if target.read_text(encoding="utf-8") == pristine:
            lines.append(f"unchanged {WORK_DIR}/{filename} (already the course's version)")
            return lines
        backup = _backup(root, target, filename)
        lines.append(f"restored {WORK_DIR}/{filename} (your previous copy is in {_rel(root, backup)})")
    else:
        lines.append(f"made     {WORK_DIR}/{filename}")
    target.write_text(pristine, encoding="utf-8")
    return lines
