"""Regression tests for every attack class of issue 10 against ``deconv-course grade``.

One hostile batch per mode (``-j 1`` with ``--secret``, ``-j 2`` with ``$DECONV_GRADER_SECRET``)
mixes the attackers of tests/attacks/make_attacks.py with honest classmates (copies of the
solutions) and untouched stubs graded after the attackers. The grader always runs as a separate
process (its own session, a hard time-out, a soft address-space limit so that a missing defence
cannot eat the machine's memory), with HOME and TMPDIR in temporary folders. Each batch runs once
(module-scoped fixture); the tests read what it left behind.

Every attacker earns 0 points; whatever it scores above that it got by cheating. The attacks are
bounded and marker-only (see make_attacks.py), and this module cleans up after them.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import resource
import secrets
import shutil
import signal
import site
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "attacks"))
import make_attacks  # noqa: E402

BWRAP = shutil.which("bwrap")
REQUIRE_JAIL = os.environ.get("DECONV_REQUIRE_JAIL") == "1"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.jail,
    pytest.mark.skipif(
        BWRAP is None and not REQUIRE_JAIL,
        reason="bubblewrap (bwrap) is not installed: the grader's jail cannot be tested "
        "(apt-get install bubblewrap; set DECONV_REQUIRE_JAIL=1 to make this a failure)",
    ),
]

HARD_TIMEOUT = float(os.environ.get("DECONV_ATTACKS_TIMEOUT", 240))  # s: the test's bound on one grader run
GRADER_BOUND = min(200.0, HARD_TIMEOUT - 1)  # s: what the grader must finish within
POST_WAIT = 6.0  # s after the grader exits: the rewriter acts ~1.2 s after it, + margin
AS_SOFT_LIMIT = 4 * 2**30  # the grader's soft address-space limit (a /dev/zero read must not eat RAM)
LATE_MARKER_DELAY = 10.0  # s: make_attacks.RESOURCES' detached child creates its file after this
MAX_OUT_FILE = 5 * 2**20
MAX_GRADER_RSS = int(1.5 * 2**30)  # a results file that is /dev/zero must not be read into memory
DISK_SLACK = (
    300 * 2**20
)  # the attackers write 1.2 GB: any leak outside the jail exceeds this; the disk is shared

# DECONV_ATTACKS_ONLY=atk_fifo,stub_ex01 runs a subset (one attack at a time, against a grader without
# its defences); tests about notebooks left out are then skipped
ONLY = [n for n in os.environ.get("DECONV_ATTACKS_ONLY", "").split(",") if n]
NAMES = ONLY or make_attacks.BATCH
# DECONV_ATTACKS_GRADER_ARGS=--no-sandbox shows that an attack works where the jail is off (expect failures)
EXTRA_ARGS = os.environ.get("DECONV_ATTACKS_GRADER_ARGS", "").split()
ATTACKERS = [n for n in NAMES if n.startswith("atk_")]
MAX_SCORE = {"ex01": 4.0, "ex03": 19.0}
# attack notebook -> the questions whose graded function it replaced by the course's own
COURSE_IMPL_QUESTIONS = {
    "atk_course_impl": ["ex03.conv_transpose2d"],
    "atk_course_impl_ex03b": ["ex03b.psf2otf", "ex03b.wiener"],
}


@pytest.fixture(scope="module", autouse=True)
def _jail_available():
    if BWRAP is None and REQUIRE_JAIL:
        pytest.fail("DECONV_REQUIRE_JAIL=1 but bubblewrap (bwrap) is not installed")


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------
def _grader_cmd() -> list[str]:
    script = Path(sys.executable).parent / "deconv-course"
    if script.exists():  # as instructors run it: the venv's bin folder is then sys.path[0]
        return [str(script)]
    return [sys.executable, "-m", "deconv_course.cli"]


def _procs_with(needle: str) -> list[tuple[int, str]]:
    """(pid, argv) of every live process whose argv contains ``needle`` (ours: a unique marker)."""
    found = []
    me = os.getpid()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == me:
            continue
        try:
            argv = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in argv and state != "Z":
            found.append((int(d.name), argv.strip()))
    return found


def _kill_marked(needle: str) -> None:
    for pid, _argv in _procs_with(needle):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _persistence_markers(token: str, home: Path) -> list[Path]:
    import deconv_course

    name = f"deconv_attack_{token}"
    paths = [
        home / ".ipython" / "profile_default" / "startup" / f"00-{name}.py",
        Path(deconv_course.__file__).parent / "grading" / f"{name}.py",
        Path(sys.executable).parent / f"{name}.py",
    ]
    with contextlib.suppress(AttributeError):
        paths += [Path(p) / f"{name}.pth" for p in site.getsitepackages()]
    return paths


def _tmp_markers(token: str) -> list[Path]:
    return sorted(Path("/tmp").glob(f"deconv_attack_{token}*"))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return (
        {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}
    )


def _sha(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _limit_address_space():
    os.setsid()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft > AS_SOFT_LIMIT:
        resource.setrlimit(resource.RLIMIT_AS, (AS_SOFT_LIMIT, hard))


def _run_grader(paths, out: Path, jobs: int, env: dict, extra: list[str], log: Path) -> dict:
    cmd = (
        _grader_cmd()
        + [
            "grade",
            *map(str, paths),
            "--out",
            str(out),
            "-j",
            str(jobs),
            "--timeout",
            "60",
            "--cell-timeout",
            "25",
            "--call-timeout",
            "10",  # honest classmates' slowest call (ex03 richardson_lucy) must fit on a loaded machine
        ]
        + extra
        + EXTRA_ARGS
    )
    t0 = time.monotonic()
    with open(log, "wb") as f:
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=str(log.parent),
            stdin=subprocess.DEVNULL,
            stdout=f,
            stderr=subprocess.STDOUT,
            preexec_fn=_limit_address_space,
        )
        rc, maxrss = None, 0
        try:
            while time.monotonic() - t0 < HARD_TIMEOUT:
                # wait4: the peak memory of the grader and of every process it waited for
                pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    rc, maxrss = os.waitstatus_to_exitcode(status), ru.ru_maxrss * 1024
                    proc.returncode = rc
                    break
                time.sleep(0.1)
        finally:
            with contextlib.suppress(OSError):  # its session: a stopped grader, orphaned workers
                os.killpg(proc.pid, signal.SIGKILL)
            if rc is None:
                proc.wait(timeout=30)
    return {
        "rc": rc,
        "timed_out": rc is None,
        "seconds": time.monotonic() - t0,
        "maxrss": maxrss,
        "log": log.read_text(errors="replace")[-4000:],
    }


def _read_csv(out: Path) -> list[dict]:
    path = out / "grades.csv"
    if not path.is_file():
        return []
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8", errors="replace"))))


def _report(batch, name: str) -> dict:
    _need(name)
    path = batch["out"] / f"{name}.json"
    assert path.is_file(), f"no JSON report for {name}; grader log:\n{batch['run']['log']}"
    return json.loads(path.read_text())


def _need(*names: str) -> None:
    missing = [n for n in names if n not in NAMES]
    if missing:
        pytest.skip(f"not in this batch (DECONV_ATTACKS_ONLY): {missing}")


def _row(batch, name: str) -> dict:
    _need(name)
    rows = [r for r in batch["rows"] if Path(r["submission"]).stem == name]
    assert len(rows) == 1, f"{name}: {len(rows)} rows in grades.csv; grader log:\n{batch['run']['log']}"
    return rows[0]


def _question(rep: dict, qid: str) -> dict:
    hits = [q for q in rep.get("questions", []) if q.get("id") == qid]
    assert len(hits) == 1, f"{rep.get('submission')}: question {qid} not in its report"
    return hits[0]


# ------------------------------------------------------------------------------------------------
# the batch, once per mode
# ------------------------------------------------------------------------------------------------
# "jail-only" turns the grader's static method check off, so that each attack is shown to fail
# against the jail alone (the method check would otherwise zero many attackers for their exec()).
@pytest.fixture(scope="module", params=["j1-secret-arg", "j2-secret-env", "j2-jail-only"])
def batch(request, tmp_path_factory):
    mode = request.param
    jobs = 1 if mode.startswith("j1") else 2
    token = secrets.token_hex(6)
    mark = "deconvmark" + token
    base = tmp_path_factory.mktemp(f"attacks-{mode}")
    home = base / f"home-{token}"
    (home / ".ipython").mkdir(parents=True)
    note = "note" + secrets.token_hex(16)
    (home / "notes.txt").write_text(note + "\n")
    tmpdir = base / f"tmp-{token}"
    tmpdir.mkdir()
    subs = base / f"subs-{token}"
    out = base / f"out-{token}"
    paths = make_attacks.write_batch(subs, token, mark, NAMES)
    secret = "sec" + secrets.token_hex(12)
    markers = _persistence_markers(token, home)

    env = {k: v for k, v in os.environ.items() if k != "DECONV_GRADER_SECRET"}
    env.update(HOME=str(home), TMPDIR=str(tmpdir), PYTHONDONTWRITEBYTECODE="1")
    if mode.endswith("jail-only"):
        env["DECONV_GRADER_METHOD_CHECK"] = "off"
    extra = []
    if jobs == 1:
        extra = ["--secret", secret]
    else:
        env["DECONV_GRADER_SECRET"] = secret

    def cleanup():
        _kill_marked(mark)
        _kill_marked(token)  # the grader, its workers and kernels: their argv names our folders
        for p in markers + _tmp_markers(token):
            with contextlib.suppress(OSError):
                p.unlink()

    request.addfinalizer(cleanup)
    assert not [p for p in markers if p.exists()]
    before_sha = _sha(paths)
    free_before = shutil.disk_usage("/tmp").free

    run = _run_grader(paths, out, jobs, env, extra, base / "grader.log")
    grader_done = time.monotonic()
    at_return = _snapshot(out)
    time.sleep(POST_WAIT)
    after_wait = _snapshot(out)
    # a second, later run: an untouched stub, after whatever the batch left behind
    later_sub = base / f"later-{token}"
    later = make_attacks.write_batch(later_sub, token, mark, ["stub_ex01"])
    later_run = _run_grader(later, base / f"out-later-{token}", 1, env, extra, base / "grader-later.log")
    later_rows = _read_csv(base / f"out-later-{token}")

    # the late marker's child waits 10 s after the resources attacker ran, which was before the end
    # of the batch; the post-wait and the later run usually cover it, this makes sure
    time.sleep(max(0.0, LATE_MARKER_DELAY + 2 - (time.monotonic() - grader_done)))
    survivors = _procs_with(mark)
    late_marker = Path("/tmp") / f"deconv_attack_{token}_late"
    state = {
        "mode": mode,
        "jobs": jobs,
        "token": token,
        "mark": mark,
        "note": note,
        "secret": secret,
        "home": home,
        "subs": subs,
        "out": out,
        "paths": paths,
        "run": run,
        "at_return": at_return,
        "after_wait": after_wait,
        "survivors": survivors,
        "rows": _read_csv(out),
        "before_sha": before_sha,
        "after_sha": {
            p.name: (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None) for p in paths
        },
        "markers_left": [str(p) for p in markers if p.exists()],
        "tmp_left": [str(p) for p in _tmp_markers(token)],
        "late_marker": late_marker.exists(),
        "free_before": free_before,
        "later_run": later_run,
        "later_rows": later_rows,
    }
    summary = {k: state[k] for k in ("mode", "token", "survivors", "markers_left", "tmp_left", "late_marker")}
    summary.update(run={k: v for k, v in run.items() if k != "log"}, rows=state["rows"])
    (base / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    _kill_marked(mark)  # at once: none of them may keep running while the other tests look
    state["free_after"] = shutil.disk_usage("/tmp").free  # before cleanup removes the attackers' files
    cleanup()
    return state


# ------------------------------------------------------------------------------------------------
# the batch finishes, with every row (5: breaking the batch)
# ------------------------------------------------------------------------------------------------
def test_batch_finishes_in_time_with_one_row_per_submission(batch):
    run = batch["run"]
    assert not run["timed_out"], f"the grader hung ({HARD_TIMEOUT} s); log:\n{run['log']}"
    assert run["seconds"] < GRADER_BOUND, run
    assert run["rc"] is not None and run["rc"] >= 0, f"the grader was killed by signal {-run['rc']}"
    names = [Path(r["submission"]).stem for r in batch["rows"]]
    assert sorted(names) == sorted(NAMES), f"rows: {names}; log:\n{run['log']}"
    for name in NAMES:
        rep = _report(batch, name)
        assert rep["status"], rep


def test_the_grader_itself_never_fails_on_a_hostile_submission(batch):
    """A hostile kernel costs its own points with a status and reason, never a 'grader error'."""
    broken = [(r["submission"], r["reason"][:120]) for r in batch["rows"] if r["status"] == "grader error"]
    assert not broken, broken


def test_grader_memory_stays_bounded(batch):
    run = batch["run"]
    assert not run["timed_out"], "the grader hung"
    assert run["maxrss"] < MAX_GRADER_RSS, (
        f"the grader (or a worker) peaked at {run['maxrss'] / 2**30:.2f} GiB"
    )


def test_no_output_file_is_huge_or_odd(batch):
    out = batch["out"]
    assert (out / "grades.csv").is_file()
    for p in out.rglob("*"):
        assert not p.is_symlink(), p
        assert p.is_dir() or p.is_file(), f"{p} is not a regular file"
        if p.is_file():
            assert p.stat().st_size < MAX_OUT_FILE, f"{p}: {p.stat().st_size} bytes"


def test_sanity_solutions_full_stubs_zero(batch):
    for name, ex in (("honest_ex01", "ex01"), ("honest_ex03", "ex03")):
        assert float(_row(batch, name)["score"]) == MAX_SCORE[ex], _row(batch, name)
        assert _report(batch, name)["score"] == MAX_SCORE[ex]
    for name in ("stub_ex01", "stub_ex03"):
        assert float(_row(batch, name)["score"]) == 0, _row(batch, name)
        assert _report(batch, name)["score"] == 0


@pytest.mark.parametrize("name", ATTACKERS)
def test_attacker_gains_nothing(batch, name):
    """Every attacker's graded functions are stubs or wrong: it has earned 0 points."""
    if name.startswith("atk_course_impl") and batch["mode"].endswith("jail-only"):
        pytest.skip("calling the course's own code is method cheating: only the static check finds it")
    row = _row(batch, name)
    rep = _report(batch, name)
    assert float(row["score"]) == 0, row
    assert rep["score"] == 0, {q["id"]: q["score"] for q in rep.get("questions", [])}
    assert all(q["score"] == 0 for q in rep.get("questions", []))


# ------------------------------------------------------------------------------------------------
# 1. the answer key
# ------------------------------------------------------------------------------------------------
def test_course_implementation_loses_the_question_with_a_reason(batch):
    if batch["mode"].endswith("jail-only"):
        pytest.skip("this mode turns the static method check off on purpose")
    for name, qids in COURSE_IMPL_QUESTIONS.items():
        if name not in NAMES:
            continue
        rep = _report(batch, name)
        for qid in qids:
            q = _question(rep, qid)
            assert q["score"] == 0, q
            text = json.dumps(q) + " " + (rep.get("reason", "") if qid in rep.get("reason", "") else "")
            assert "deconv_course" in text, f"{qid}: the reason does not name the forbidden call: {q}"


# ------------------------------------------------------------------------------------------------
# 2. rewriting the results after the grader has gone
# ------------------------------------------------------------------------------------------------
def test_results_unchanged_after_the_grader_exits(batch):
    assert batch["at_return"], "the grader left no outputs"
    assert batch["after_wait"] == batch["at_return"], (
        "an output file changed after the grader exited: "
        + ", ".join(
            n
            for n in set(batch["at_return"]) | set(batch["after_wait"])
            if batch["at_return"].get(n) != batch["after_wait"].get(n)
        )
    )


def test_no_attack_process_survives(batch):
    assert not batch["survivors"], "still running after the grader: " + "; ".join(
        f"pid {pid}: ...{argv[-60:]!r}" for pid, argv in batch["survivors"][:10]
    )


# ------------------------------------------------------------------------------------------------
# 3. classmates
# ------------------------------------------------------------------------------------------------
def test_classmates_keep_their_scores(batch):
    for name, ex in (("honest_ex01", "ex01"), ("honest_ex03", "ex03")):
        rep = _report(batch, name)
        assert rep["score"] == MAX_SCORE[ex], (name, rep.get("status"), rep.get("reason"))


def test_submission_files_unchanged(batch):
    changed = [n for n, h in batch["before_sha"].items() if batch["after_sha"].get(n) != h]
    assert not changed, f"submissions changed by the batch: {changed}"


# ------------------------------------------------------------------------------------------------
# 4. persistence
# ------------------------------------------------------------------------------------------------
def test_no_persistence_marker_outside_the_jail(batch):
    assert not batch["markers_left"], batch["markers_left"]


def test_stub_after_the_attackers_and_in_a_later_run_scores_zero(batch):
    assert float(_row(batch, "stub_ex01")["score"]) == 0
    assert float(_row(batch, "stub_ex03")["score"]) == 0
    later = batch["later_run"]
    assert not later["timed_out"], later
    assert [Path(r["submission"]).stem for r in batch["later_rows"]] == ["stub_ex01"], later
    assert float(batch["later_rows"][0]["score"]) == 0, batch["later_rows"]


# ------------------------------------------------------------------------------------------------
# 6. secrets and files
# ------------------------------------------------------------------------------------------------
def test_no_secret_or_home_file_in_the_outputs(batch):
    needles = {"secret": batch["secret"], "home token": batch["note"]}
    try:
        import pwd

        root_home = pwd.getpwuid(0).pw_dir
        listing = "|".join(sorted(os.listdir(root_home)))[:40]
        if len(listing) >= 12:
            needles["instructor's home listing"] = listing
    except (ImportError, KeyError, OSError):
        pass
    out = batch["out"]
    for p in [x for x in out.rglob("*") if x.is_file()]:
        data = p.read_bytes()
        for what, needle in needles.items():
            assert needle.encode() not in data, f"the {what} leaked into {p.name}"
    log = batch["run"]["log"]
    assert batch["secret"] not in log and batch["note"] not in log, "a secret leaked into the grader's output"


# ------------------------------------------------------------------------------------------------
# 7. resources
# ------------------------------------------------------------------------------------------------
def test_no_late_marker_from_a_detached_child(batch):
    assert not batch["late_marker"], "a detached child created its marker file after the kernel ended"


def test_no_file_left_in_tmp(batch):
    assert not batch["tmp_left"], batch["tmp_left"]


def test_disk_space_kept(batch):
    lost = batch["free_before"] - batch["free_after"]
    assert lost < DISK_SLACK, f"{lost / 2**20:.0f} MiB of disk space lost during the batch"
