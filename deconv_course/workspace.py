"""Where a learner works: a git-ignored work copy of each exercise, and a reset that loses nothing.

The course ships its exercises pristine in ``exercises/``. A learner works in ``work/`` (made on
demand by ``deconv-course work``, and by ``make lab``), which git ignores: a ``git pull`` of course
updates never touches it, and ``make test`` never runs it. ``deconv-course reset exNN`` puts one
exercise back as the course ships it, after moving what was there to ``work/.backup/``.

The Chinese edition's exercises (``zh-CN/exercises/``) get work copies of their own in
``work/zh-CN/`` (a kernel there speaks Chinese, see :mod:`deconv_course.i18n`).
``deconv-course reset exNN --lang zh-CN`` restores that copy (and ``zh-CN/exercises/exNN`` if it
was edited in place), after the same backup; without ``--lang`` the command resets the copy of
the language in force (``DECONV_COURSE_LANG``, or ``zh-CN`` inside a ``zh-CN/`` folder, else
English), and :func:`reset` itself the English one unless given ``lang``. The lines these
functions return speak the language in force too.

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

from .i18n import LANGUAGES
from .i18n import translate as tr

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
            tr(
                "no single exercise matches {name}; the exercises are: {names}",
                name=repr(name),
                names=", ".join(n.removesuffix(".ipynb") for n in names),
            )
        )
    return matches[0]


def pristine_text(root: Path, filename: str, folder: str = "exercises") -> str:
    """The exercise as the course ships it: git ``HEAD``'s copy, else the file in ``folder``.

    ``folder`` is ``exercises`` or the Chinese edition's ``zh-CN/exercises``.
    """
    relpath = f"{folder}/{filename}"
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


def make_work_copies(
    root: str | Path, names: list[str] | None = None, *, adopt: bool = True, show_kept: bool = True
) -> list[str]:
    """Make ``work/exNN_*.ipynb`` for each exercise (all, or ``names``) that has none yet.

    An existing work copy is never touched. Where ``exercises/exNN`` was edited in place and
    ``adopt`` is true, the edits become the work copy and ``exercises/exNN`` is restored from git
    ``HEAD`` (the edited file is also kept in ``work/.backup/``), so a ``git pull`` can update it.
    With ``adopt=False`` such an exercise is left alone and reported. Returns one line per exercise
    (with ``show_kept=False``, none for a work copy that already existed).
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
            if show_kept:
                lines.append(
                    tr(
                        "kept     {path} (your work; `deconv-course reset` restores it)",
                        path=f"{WORK_DIR}/{filename}",
                    )
                )
            continue
        if edited_in_place(root, relpath):
            if not adopt:
                lines.append(
                    tr(
                        "skipped  {path}: you edited {relpath} in place; "
                        "`deconv-course work` moves those edits to work/",
                        path=f"{WORK_DIR}/{filename}",
                        relpath=relpath,
                    )
                )
                continue
            shutil.copy2(root / relpath, target)
            backup = _backup(root, root / relpath, relpath)
            (root / relpath).write_text(pristine_text(root, filename), encoding="utf-8")
            lines.append(
                tr(
                    "moved    your edits of {relpath} to {path} (a copy is in {backup}); "
                    "{relpath} is the course's version again",
                    relpath=relpath,
                    path=f"{WORK_DIR}/{filename}",
                    backup=_rel(root, backup),
                )
            )
            continue
        target.write_text(pristine_text(root, filename), encoding="utf-8")
        lines.append(tr("made     {path}", path=f"{WORK_DIR}/{filename}"))
    return lines + _edition_work_copies(root, names, show_kept)


EDITION = "zh-CN"  # the Chinese edition's exercises get work copies in work/zh-CN/ (same depth: links work)


def _edition_work_copies(root: Path, names: list[str] | None, show_kept: bool = True) -> list[str]:
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
            if show_kept:
                lines.append(tr("kept     {path} (your work)", path=label))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        relpath = f"{EDITION}/exercises/{source.name}"
        target.write_text(
            committed_text(root, relpath) or source.read_text(encoding="utf-8"), encoding="utf-8"
        )
        lines.append(tr("made     {path}", path=label))
    return lines


def reset(root: str | Path, name: str, lang: str = "en") -> list[str]:
    """Put exercise ``name`` back as the course ships it; what was there goes to ``work/.backup/``.

    ``lang="en"`` resets the work copy ``work/exNN_*.ipynb`` (restored, or made when missing)
    and, when it was edited in place, ``exercises/exNN_*.ipynb`` (restored from git ``HEAD``).
    ``lang="zh-CN"`` does the same for the Chinese edition: ``work/zh-CN/exNN_*.ipynb`` and
    ``zh-CN/exercises/exNN_*.ipynb`` (backed up under ``work/.backup/<time>/zh-CN/``). Returns
    one line per file changed. Raises :class:`ExerciseNotFound` when ``name`` matches no exercise
    or that edition has none of that name, ``ValueError`` for a ``lang`` that is no course language.
    """
    root = Path(root)
    if lang not in LANGUAGES:
        raise ValueError(f"lang={lang!r} is not a course language; use one of {', '.join(LANGUAGES)}")
    filename = exercise_file(root, name)
    if lang == "en":
        folder, work, label = "exercises", root / WORK_DIR, filename
    else:
        folder, work, label = f"{EDITION}/exercises", root / WORK_DIR / EDITION, f"{EDITION}/{filename}"
        if not (root / folder / filename).is_file():
            raise ExerciseNotFound(tr("the Chinese edition has no {relpath}", relpath=f"{folder}/{filename}"))
    relpath = f"{folder}/{filename}"
    pristine = pristine_text(root, filename, folder)
    shown = f"{WORK_DIR}/{label}"
    lines = []
    if edited_in_place(root, relpath):
        backup = _backup(root, root / relpath, relpath)
        (root / relpath).write_text(pristine, encoding="utf-8")
        lines.append(
            tr("restored {path} (your edits are in {backup})", path=relpath, backup=_rel(root, backup))
        )
    target = work / filename
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if target.read_text(encoding="utf-8") == pristine:
            lines.append(tr("unchanged {path} (already the course's version)", path=shown))
            return lines
        backup = _backup(root, target, label)
        lines.append(
            tr("restored {path} (your previous copy is in {backup})", path=shown, backup=_rel(root, backup))
        )
    else:
        lines.append(tr("made     {path}", path=shown))
    target.write_text(pristine, encoding="utf-8")
    return lines
