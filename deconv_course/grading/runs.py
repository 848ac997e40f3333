"""Reproducible runs: the secret's fingerprint, the manifest, stored submissions, shards, regrade, merge.

A run's hidden cases follow from the instructor's secret. The manifest (``DIR/manifest.json``)
records the grader and course versions, the date, the options, the exercises, each submission's
sha256 and the secret's *fingerprint* ``sha256("deconv-course" + secret)`` (``"int:"`` before an
integer secret), never the secret. When no secret is given, one is generated and written to
``DIR/run-secret.txt`` (mode 0600); student feedback never contains it. Each submission is copied
to ``DIR/submissions/`` so that ``deconv-course regrade DIR`` can re-run them later (new cases, or a
new grader version) and say per student what changed. ``--shard K/N`` grades the K-th of N
slices of the sorted inputs; ``merge`` joins the shards of one secret and one grader version.
What ``regrade`` prints (and keeps in ``changes.txt``) and the errors speak the language in force
(:mod:`deconv_course.i18n`); the manifest is the same in every language.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import secrets as _secrets
import shutil
from pathlib import Path
from typing import Any

from ..i18n import translate as tr

SECRET_FILE = "run-secret.txt"
MANIFEST = "manifest.json"
ENV_SECRET = "DECONV_GRADER_SECRET"
MAX_STORED_BYTES = 50 * 2**20  # the grader reads no larger notebook (runner.read_notebook)


def fingerprint(secret: int | str) -> str:
    """``sha256("deconv-course" + secret)`` (hex); an int secret as ``"int:<n>"`` (it seeds differently)."""
    text = f"int:{secret}" if isinstance(secret, int) else str(secret)
    return hashlib.sha256(("deconv-course" + text).encode()).hexdigest()


def resolve_secret(secret: int | str | None) -> tuple[int | str, str]:
    """(secret, source): the given one, else ``$DECONV_GRADER_SECRET``, else a fresh one (``"generated"``)."""
    if secret is not None:
        return secret, "given"
    env = os.environ.get(ENV_SECRET)
    if env:
        return env, "environment"
    return _secrets.token_urlsafe(24), "generated"


def write_secret(out_dir: Path, secret: int | str) -> Path:
    """``out_dir/run-secret.txt``, readable by its owner only (0600)."""
    path = out_dir / SECRET_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"{secret}\n")
    os.chmod(path, 0o600)
    return path


def read_secret(path: str | Path) -> str:
    return Path(path).read_text(encoding="utf-8").strip()


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> (K, N) with 1 <= K <= N; ValueError with a clear message otherwise."""
    try:
        k, n = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise ValueError(
            tr("--shard {text}: expected K/N, e.g. 2/4 (the 2nd of 4 slices)", text=repr(text))
        ) from None
    if n < 1 or not 1 <= k <= n:
        raise ValueError(
            tr("--shard {text}: K must be between 1 and N (K is 1-based), N at least 1", text=repr(text))
        )
    return k, n


def shard_slice(paths: list[Path], k: int, n: int) -> list[Path]:
    """The K-th (1-based) of N deterministic slices of the inputs sorted by path: every N-th from K."""
    return sorted(paths, key=str)[k - 1 :: n]


def _sha256(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(2**20), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


def store_submissions(paths: list[Path], reports: list[dict], out_dir: Path) -> None:
    """Copy each regular input file to ``out_dir/submissions/`` (names kept, made unique); note sha256."""
    folder = out_dir / "submissions"
    folder.mkdir(parents=True, exist_ok=True)
    used = {p.name.lower() for p in folder.iterdir()}
    for path, rep in zip(paths, reports):
        path = Path(path)
        try:  # a regular file no larger than a notebook the grader reads
            fits = path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_STORED_BYTES
        except OSError:
            fits = False
        rep["sha256"] = _sha256(path) if fits else None
        if rep["sha256"] is None:
            continue
        if path.resolve().parent == folder.resolve():  # a regrade of stored files
            rep["stored_as"] = f"submissions/{path.name}"
            continue
        name, k = path.name, 2
        while name.lower() in used:
            name, k = f"{path.stem}-{k}{path.suffix}", k + 1
        used.add(name.lower())
        shutil.copyfile(path, folder / name)
        rep["stored_as"] = f"submissions/{name}"


def build_manifest(reports: list[dict], options: dict, secret_fp: str, secret_source: str) -> dict:
    from .. import __version__
    from .model import GRADER_VERSION

    return {
        "grader_version": GRADER_VERSION,
        "course_version": __version__,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "options": options,
        "exercises": sorted(
            {r["exercise"] for r in reports if r.get("exercise")} | set(options.get("exercises", []))
        ),
        "secret": {
            "fingerprint": secret_fp,
            "source": secret_source,
            "file": SECRET_FILE if secret_source == "generated" else None,
            "note": "the hidden cases follow from the secret; give the same one to regrade (never stored here)",
        },
        "submissions": [
            {
                "submission": r["submission"],
                "path": r.get("path"),
                "student": r.get("student"),
                "exercise": r.get("exercise"),
                "sha256": r.get("sha256"),
                "stored_as": r.get("stored_as"),
                "report_file": r.get("report_file"),
                "status": r.get("status"),
                "score": r.get("score"),
                "max_score": r.get("max_score"),
            }
            for r in reports
        ],
    }


def write_manifest(out_dir: Path, manifest: dict) -> None:
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def load_manifest(run_dir: str | Path) -> dict:
    path = Path(run_dir) / MANIFEST
    if not path.is_file():
        raise ValueError(
            tr("{folder}: no {manifest} (not a grading run folder)", folder=run_dir, manifest=MANIFEST)
        )
    return json.loads(path.read_text(encoding="utf-8"))


def load_reports(run_dir: str | Path, manifest: dict | None = None) -> list[dict]:
    run_dir = Path(run_dir)
    manifest = manifest or load_manifest(run_dir)
    out = []
    for s in manifest["submissions"]:
        f = run_dir / (s.get("report_file") or "")
        if s.get("report_file") and f.is_file():
            out.append(json.loads(f.read_text(encoding="utf-8")))
    return out


# ---------------------------------------------------------------------------------------------
# regrade and merge
# ---------------------------------------------------------------------------------------------
def regrade(
    run_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    secret: int | str | None = None,
    jobs: int = 1,
    sandbox: bool = True,
    progress: Any = None,
) -> tuple[list[dict], list[str], Path]:
    """Re-grade the stored submissions of ``run_dir`` into ``out_dir``; (reports, change lines, out_dir).

    The secret: the one given, else the run's ``run-secret.txt``; its fingerprint is compared with
    the manifest's (a different one means new hidden cases, and the lines say so).
    """
    from .batch import grade

    run_dir = Path(run_dir)
    manifest = load_manifest(run_dir)
    old = {(r.get("student"), r["submission"]): r for r in load_reports(run_dir, manifest)}
    stored_secret = secret is None and (run_dir / SECRET_FILE).is_file()
    if stored_secret:
        secret = read_secret(run_dir / SECRET_FILE)
    lines = []
    if secret is None:
        lines.append(tr("no secret given and none stored: NEW hidden cases (a fresh secret)"))
    elif fingerprint(secret) == manifest["secret"]["fingerprint"]:
        lines.append(tr("same secret as the original run (fingerprint matches): same hidden cases"))
    else:
        lines.append(tr("a DIFFERENT secret from the original run: new hidden cases"))
    paths = [run_dir / s["stored_as"] for s in manifest["submissions"] if s.get("stored_as")]
    missing = [s["submission"] for s in manifest["submissions"] if not s.get("stored_as")]
    out_dir = Path(out_dir) if out_dir else run_dir.with_name(run_dir.name + "-regrade")
    opts = manifest.get("options", {})
    limits = {
        k: opts.get(k) for k in ("cell_timeout", "timeout", "call_timeout", "memory_mb", "output_limit")
    }
    roster = run_dir / "roster.csv"
    reports = grade(
        paths,
        out_dir,
        jobs,
        secret=secret,
        exercise=opts.get("exercise"),
        sandbox=sandbox,
        id_pattern=opts.get("id_pattern"),
        roster=roster if roster.is_file() else None,
        progress=progress,
        **limits,
    )
    if stored_secret:  # the new folder can be regraded in turn
        write_secret(out_dir, secret)
    from .model import GRADER_VERSION

    if manifest.get("grader_version") != GRADER_VERSION:
        lines.append(
            tr("grader version {old} -> {new}", old=manifest.get("grader_version"), new=GRADER_VERSION)
        )
    lines += diff_runs(old, reports)
    if missing:
        names = ", ".join(missing)
        lines.append(tr("not re-run (no stored file: missing or unreadable): {names}", names=names))
    (out_dir / "changes.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return reports, lines, out_dir


def diff_runs(old: dict, new: list[dict]) -> list[str]:
    """Per student and file: score before -> after and the questions whose score changed."""
    lines, same = [], 0
    for rep in new:
        before = old.get((rep.get("student"), rep["submission"]))
        who = f"{rep.get('student')} ({rep['submission']})"
        if before is None:
            lines.append(
                tr(
                    "{who}: new, {score:g}/{max_score:g}",
                    who=who,
                    score=rep["score"],
                    max_score=rep["max_score"],
                )
            )
            continue
        qb = {q["id"]: q["score"] for q in before.get("questions", [])}
        changed = [
            f"{q['id']} {qb.get(q['id'], 0):g} -> {q['score']:g}"
            for q in rep.get("questions", [])
            if abs(qb.get(q["id"], 0.0) - q["score"]) > 1e-9
        ]
        if changed or abs(before["score"] - rep["score"]) > 1e-9 or before["status"] != rep["status"]:
            status = "" if before["status"] == rep["status"] else f", {before['status']} -> {rep['status']}"
            what = dict(who=who, before=before["score"], after=rep["score"], max_score=rep["max_score"])
            lines.append(
                tr("{who}: {before:g} -> {after:g} / {max_score:g}", **what)
                + status
                + (f" ({'; '.join(changed)})" if changed else "")
            )
        else:
            same += 1
    lines.append(tr("{n} submission(s) unchanged", n=same))
    return lines


def merge(run_dirs: list[str | Path], out_dir: str | Path, *, similarity: bool = True) -> list[dict]:
    """Join shard outputs into one set of tables in ``out_dir``; ValueError on a mismatch."""
    from . import reports as tables
    from .batch import write_reports
    from .feedback_files import write_feedback

    manifests = [load_manifest(d) for d in run_dirs]
    fps = {m["secret"]["fingerprint"] for m in manifests}
    if len(fps) > 1:
        raise ValueError(
            tr("the shards were graded with different secrets (fingerprints differ): refusing to merge")
        )
    versions = {m["grader_version"] for m in manifests}
    if len(versions) > 1:
        names = ", ".join(sorted(versions))
        raise ValueError(tr("the shards come from different grader versions ({versions})", versions=names))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "submissions").mkdir(exist_ok=True)
    all_reports, notebooks = [], []
    for d, m in zip(run_dirs, manifests):
        for rep in load_reports(d, m):
            src = Path(d) / rep["stored_as"] if rep.get("stored_as") else None
            if src is not None and src.is_file():
                dest = out_dir / rep["stored_as"]
                if dest.exists() and _sha256(dest) != rep.get("sha256"):
                    dest = dest.with_name(f"{dest.stem}-{len(all_reports)}{dest.suffix}")
                    rep["stored_as"] = f"submissions/{dest.name}"
                shutil.copyfile(src, dest)
                notebooks.append(dest)
            else:
                notebooks.append(None)
            all_reports.append(rep)
        if (Path(d) / "roster.csv").is_file() and not (out_dir / "roster.csv").exists():
            shutil.copyfile(Path(d) / "roster.csv", out_dir / "roster.csv")
    roster = tables.read_roster(out_dir / "roster.csv") if (out_dir / "roster.csv").is_file() else None
    exercises = sorted({e for m in manifests for e in m.get("exercises", [])})
    write_reports(all_reports, out_dir)
    tables.write_tables(all_reports, out_dir, exercises, roster)
    write_feedback(all_reports, out_dir)
    if similarity:
        from .similarity import write_similarity

        write_similarity(all_reports, notebooks, out_dir)
    write_reports(all_reports, out_dir)  # again: the feedback file names are in the JSON
    first = manifests[0]
    options = dict(first.get("options", {}), shard=None, merged_from=[str(d) for d in run_dirs])
    man = build_manifest(all_reports, options, first["secret"]["fingerprint"], first["secret"]["source"])
    man["secret"]["file"] = None
    write_manifest(out_dir, man)
    return all_reports
