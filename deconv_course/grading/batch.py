"""Grade a class: ``grade`` runs many notebooks (a pool of workers) and writes the run's files.

``DIR/grades.csv`` has one row per submission (submission, status, score, max_score, reason,
student, exercise, percent, one column per question id) and ``DIR/<name>.json`` every case's
result and message; :mod:`.reports` adds one row per student (``gradebook.csv``), the
per-question summary and the Canvas file, :mod:`.feedback_files` the students' feedback,
:mod:`.similarity` the similarity report and :mod:`.runs` the manifest, the stored submissions,
``regrade`` and ``merge``. ``validate`` runs one notebook on the public cases and prints what the
grader would award.

Each kernel runs in a jail (:mod:`.jail`; the README's "Limits" section says what it holds and what
it does not); where no jail can be made, :func:`grade` refuses (:class:`~.jail.JailUnavailable`)
unless ``sandbox=False`` (``--no-sandbox``), which every report then records. The grader checks
*results* on hidden inputs, and *methods* only statically (:mod:`.methods`). The hidden cases
follow from a secret (``--secret``, ``--secret-file`` or ``$DECONV_GRADER_SECRET``); without one a
fresh secret is generated and kept in ``DIR/run-secret.txt`` (0600) so the run can be reproduced.
No kernel ever sees it, and the manifest records only its fingerprint.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import traceback
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..i18n import translate as tr
from . import jail
from .feedback import format_submission
from .kernel import Limits, Sandbox
from .model import grader_error
from .questions import QUESTIONS
from .runner import run_submission


def secret_seed(secret: int | str | None) -> int:
    """The seed of the hidden cases: ``secret``, else ``$DECONV_GRADER_SECRET``, else a fresh random one."""
    if secret is None:
        secret = os.environ.get("DECONV_GRADER_SECRET")
    if secret is None:
        return secrets.randbits(63)
    if isinstance(secret, int):
        return secret
    return zlib.crc32(str(secret).encode()) * 2**32 + zlib.crc32(str(secret)[::-1].encode())


def _safe_run(path: Path, **kwargs: Any) -> dict:
    try:
        return run_submission(path, **kwargs)
    except Exception as exc:
        return grader_error(
            str(path), path.name, f"{type(exc).__name__}: {exc}", traceback.format_exc()[-4000:]
        )


def _worker(args: tuple) -> dict:
    path, seed, limits, exercise, sandbox = args
    report = _safe_run(Path(path), public=False, seed=seed, limits=limits, exercise=exercise, sandbox=sandbox)
    report["sandbox"] = "bubblewrap jail" if sandbox.jailed else "none (--no-sandbox)"
    return report


def validate(
    path: str | Path, *, exercise: str | None = None, verbose: bool = True, **limit_kwargs: Any
) -> dict:
    """Re-run a saved notebook in a fresh kernel; print what the grader would award (public cases).

    Returns the report (the same form as one JSON report of :func:`grade`). ``limit_kwargs`` are
    those of :meth:`Limits.from_options`.
    """
    rep = _safe_run(
        Path(path), public=True, seed=0, limits=Limits.from_options(**limit_kwargs), exercise=exercise
    )
    if verbose:
        print(format_submission(rep))
    return rep


def submission_line(rep: dict) -> str:
    """The terminal line ``grade`` and ``regrade`` print for one graded submission.

    In the language in force; the status code and the reason stay as the report has them.
    """
    line = tr(
        "{submission}: {status}, {score:g}/{max_score:g}",
        **{k: rep[k] for k in ("submission", "status", "score", "max_score")},
    )
    return line + (f" ({rep['reason'][:100]})" if rep.get("reason") else "")


def run_summary(reports: list[dict], out_dir: Path, *, secret_kept: bool = True) -> tuple[list[str], str]:
    """(the lines ``grade``/``regrade`` print after a run, the line saying the grader failed or "").

    ``secret_kept``: say where a generated secret was kept (``grade``; ``regrade`` reuses one).
    """
    from . import runs
    from .model import STATUS_GRADER_ERROR

    grades, book, n = out_dir / "grades.csv", out_dir / "gradebook.csv", len(reports)
    lines = [
        tr(
            "wrote {grades} ({n} submissions), {gradebook}, feedback/, manifest.json",
            grades=grades,
            n=n,
            gradebook=book,
        )
    ]
    if (out_dir / runs.SECRET_FILE).is_file() and secret_kept:
        lines.append(
            tr(
                "no secret given: generated one and kept it in {path} (mode 0600) so this run "
                "can be reproduced (deconv-course regrade); keep it private, students never see it",
                path=out_dir / runs.SECRET_FILE,
            )
        )
    broken = sum(r["status"] == STATUS_GRADER_ERROR for r in reports)
    failed = tr("the grader itself failed on {n} submission(s); see their JSON reports", n=broken)
    return lines, failed if broken else ""


def _expand(paths: Iterable) -> list[Path]:
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(x for x in p.glob("*.ipynb") if x.is_file())
        else:
            out.append(p)
    return out


def grade(
    paths: Iterable,
    out_dir: str | Path,
    jobs: int = 1,
    *,
    secret: int | str | None = None,
    exercise: str | None = None,
    cell_timeout: float | None = None,
    timeout: float | None = None,
    call_timeout: float | None = None,
    memory_mb: int | None = None,
    output_limit: int | None = None,
    progress: Callable[[dict], Any] | None = None,
    sandbox: bool = True,
    shard: str | tuple[int, int] | None = None,
    id_pattern: str | None = None,
    roster: str | Path | None = None,
    similarity: bool = True,
    progress_bar: bool = False,
) -> list[dict]:
    """Grade notebooks (files, or folders of ``*.ipynb``) into ``out_dir``; return the reports.

    Writes ``out_dir/grades.csv`` (one row per submission), one ``out_dir/<name>.json`` per
    submission, ``gradebook.csv`` (one row per student), ``summary.csv``/``.md``, ``canvas.csv``
    (with a ``roster``), ``feedback/<student>.md``/``.html``, ``similarity.md``/``.csv``,
    ``submissions/`` (copies) and ``manifest.json`` (:mod:`.runs`). Each submission runs in its
    own fresh kernel, jailed (``sandbox=True``; where no jail can be made this raises
    :class:`~.jail.JailUnavailable` saying why); ``jobs`` submissions run at once. A submission
    that breaks anything gets its row with a status and reason; the batch always finishes.
    ``shard="K/N"`` grades only the K-th of N slices of the sorted inputs (give every shard the
    same secret). Without a secret (or ``$DECONV_GRADER_SECRET``) one is generated and written to
    ``out_dir/run-secret.txt`` (0600).
    """
    from . import reports as tables
    from . import runs
    from .feedback_files import write_feedback

    if sandbox and (problem := jail.jail_problem()):
        raise jail.JailUnavailable(problem)
    tables.compile_id_pattern(id_pattern)  # a bad pattern fails before any kernel runs
    roster_rows = tables.read_roster(roster) if roster else None
    paths = _expand(paths)
    if shard is not None:
        k, n = runs.parse_shard(shard) if isinstance(shard, str) else shard
        if secret is None and not os.environ.get(runs.ENV_SECRET):
            raise ValueError(
                tr("--shard needs --secret or --secret-file: every shard must draw the same hidden cases")
            )
        paths = runs.shard_slice(paths, k, n)
        shard = f"{k}/{n}"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    secret, source = runs.resolve_secret(secret)
    if source == "generated":
        runs.write_secret(out_dir, secret)
    elif (out_dir / runs.SECRET_FILE).exists():  # an earlier run's: not this run's secret
        (out_dir / runs.SECRET_FILE).unlink()
    seed = secret_seed(secret)
    limits = Limits.from_options(cell_timeout, timeout, call_timeout, memory_mb, output_limit)
    private = Path(tempfile.mkdtemp(prefix="deconv-grader-"))  # 0700: no kernel reaches it
    bar = _progress_bar(len(paths)) if progress_bar else None

    def tick(rep: dict) -> None:
        if bar is not None:
            bar.update(1)
        if progress:
            progress(rep)

    try:
        package_root = jail.copy_student_package(private / "package") if sandbox else None
        # one unprivileged uid per submission (used when the grader runs as root)
        tasks = [
            (str(p), seed, limits, exercise, Sandbox(package_root, jail.FIRST_JAIL_UID + i % 1000))
            for i, p in enumerate(paths)
        ]
        reports = _run_all(tasks, jobs, tick)
    finally:
        shutil.rmtree(private, ignore_errors=True)
        if bar is not None:
            bar.close()
    fp = runs.fingerprint(secret)
    options = {
        "jobs": jobs,
        "exercise": exercise,
        "exercises": [exercise] if exercise else [],
        "cell_timeout": limits.cell_timeout,
        "timeout": limits.notebook_timeout,
        "call_timeout": limits.call_timeout,
        "memory_mb": memory_mb,
        "output_limit": output_limit,
        "sandbox": bool(sandbox),
        "shard": shard,
        "id_pattern": id_pattern,
        "roster": str(roster) if roster else None,
    }
    tables.fill_exercise(reports, exercise)
    tables.assign_students(reports, id_pattern, roster_rows)
    runs.store_submissions(paths, reports, out_dir)
    if roster:
        shutil.copyfile(roster, out_dir / "roster.csv")
    from .. import __version__

    for rep in reports:
        rep["run"] = {
            "grader_version": rep.get("grader_version"),
            "course_version": __version__,
            "secret_fingerprint": fp,
            "shard": shard,
        }
    write_feedback(reports, out_dir)
    write_reports(reports, out_dir)
    tables.write_tables(reports, out_dir, [exercise] if exercise else None, roster_rows)
    if similarity:
        from .similarity import write_similarity

        write_similarity(reports, [p if p.is_file() else None for p in paths], out_dir)
    runs.write_manifest(out_dir, runs.build_manifest(reports, options, fp, source))
    return reports


def _progress_bar(total: int) -> Any:
    """A progress bar with an ETA on stderr (tqdm)."""
    from tqdm import tqdm

    return tqdm(total=total, unit=tr("notebook"), desc=tr("grading"), file=sys.stderr, dynamic_ncols=True)


def _run_all(tasks: list[tuple], jobs: int, progress: Callable[[dict], Any] | None) -> list[dict]:
    """Every task's report, ``jobs`` at a time; a task whose worker died is re-run once in a new pool."""
    reports: list[dict | None] = [None] * len(tasks)
    if jobs <= 1 or len(tasks) <= 1:
        for i, t in enumerate(tasks):
            reports[i] = _worker(t)
            if progress:
                progress(reports[i])
        return reports
    import concurrent.futures as cf
    import multiprocessing as mp

    todo, tries = list(range(len(tasks))), 0
    while todo and tries < 2:
        tries, failed = tries + 1, []
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(_worker, tasks[i]): i for i in todo}
            for fut in cf.as_completed(futures):
                i = futures[fut]
                try:
                    reports[i] = fut.result()
                except Exception as exc:  # a worker process died: retry it, then blame the grader
                    failed.append(i)
                    reports[i] = grader_error(
                        tasks[i][0], Path(tasks[i][0]).name, f"worker failed: {type(exc).__name__}: {exc}"
                    )
                    continue
                if progress:
                    progress(reports[i])
        todo = failed
    for i in todo:
        if progress:
            progress(reports[i])
    return reports


_RESERVED = {"grades", "manifest", "gradebook", "summary", "canvas", "similarity"}


def write_reports(reports: list[dict], out_dir: Path) -> None:
    """``out_dir/grades.csv`` and one JSON per report (its name stored as ``report_file``)."""
    exercises = sorted({r["exercise"] for r in reports if r.get("exercise")})
    qids = [q for q in QUESTIONS if QUESTIONS[q].exercise in exercises]
    used: set[str] = set()
    with open(out_dir / "grades.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            ["submission", "status", "score", "max_score", "reason", "student", "exercise", "percent"] + qids
        )
        for r in reports:
            scores = {q["id"]: q["score"] for q in r.get("questions", [])}
            pct = f"{100 * r['score'] / r['max_score']:.1f}" if r.get("max_score") else ""
            w.writerow(
                [r["submission"], r["status"], f"{r['score']:g}", f"{r['max_score']:g}", r["reason"]]
                + [r.get("student", ""), r.get("exercise") or "", pct]
                + [f"{scores[q]:g}" if q in scores else "" for q in qids]
            )
            stem = re.sub(r"[^\w.-]", "_", Path(r["submission"]).stem) or "submission"
            name, k = stem, 2
            while name in used or name in _RESERVED:
                name, k = f"{stem}-{k}", k + 1
            used.add(name)
            r["report_file"] = f"{name}.json"
            (out_dir / f"{name}.json").write_text(
                json.dumps(r, indent=1, default=_json_default), encoding="utf-8"
            )


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
