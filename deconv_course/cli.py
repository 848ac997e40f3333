"""The ``deconv-course`` command: ``lab | check-env | grade | regrade | merge | gradescope | validate | build-exercises | release | progress | bench``.

``make lab`` and ``make test`` call this after installing the course into ``.venv``; notebook 00
calls :func:`check_env` directly. It speaks the language in force (:func:`deconv_course.i18n.language`,
argparse's texts included); what machines read (CSV, JSON, ``OK``/``FAIL``, status codes) does not change.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# The package's parent folder: the checkout when the package runs from one (see course_dir()).
from ._paths import COURSE_ROOT, CourseDirError, checkout_root, course_dir  # noqa: F401 (re-exported)
from .environment import DISTRIBUTION, IMPORT_NAMES, check_env, cjk_font, requirements  # noqa: F401
from .i18n import LANGUAGES, display_width, language
from .i18n import translate as tr


def _cmd_check_env(args: argparse.Namespace) -> int:
    groups = ("core",) if args.core_only else ("core", "test")
    return 0 if check_env(verbose=True, include=groups) else 1


def _resolve_course_dir(args: argparse.Namespace, needs: str) -> Path | None:
    try:
        return course_dir(args.course_dir, needs=needs, command=args.command)
    except CourseDirError as exc:
        print(exc, file=sys.stderr)
        return None


def lab_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The JupyterLab server's environment: ``environ`` with this interpreter's ``bin`` first on PATH.

    So ``deconv-course`` (installed beside the interpreter) is found in the lab's terminals even
    when the virtual environment was never activated.
    """
    env = dict(os.environ if environ is None else environ)
    bindir = str(Path(sys.executable).parent)
    path = env.get("PATH", "")
    if path.split(os.pathsep)[0] != bindir:
        env["PATH"] = bindir + (os.pathsep + path if path else "")
    return env


def lab_server_options(environ: dict[str, str] | None = None, lang: str = "en") -> list[str]:
    """JupyterLab options of ``deconv-course lab`` beyond its folder and address.

    Its terminals run the user's shell as a non-login shell. Jupyter otherwise starts a *login*
    shell whenever its output is not a terminal (``make lab`` in an IDE, a launcher), and a login
    shell re-reads /etc/profile, which resets PATH and loses the interpreter's ``bin`` that
    :func:`lab_environment` put first: ``deconv-course`` was then "command not found".
    In Chinese, JupyterLab's menus default to Chinese (``locale/jupyterlab/zh-CN/overrides.json``;
    *Settings → Language* still wins).
    """
    env = os.environ if environ is None else environ
    shell = env.get("SHELL") or shutil.which("sh") or "/bin/sh"
    options = [f"--ServerApp.terminado_settings=shell_command={shell}"]
    defaults = Path(__file__).resolve().parent / "locale" / "jupyterlab" / lang
    if (defaults / "overrides.json").is_file():
        options.append(f"--LabApp.app_settings_dir={defaults}")
    return options


def lab_start_page(root: Path, lang: str) -> Path:
    """The page ``deconv-course lab`` opens first: lesson 00 of the chosen language's edition.

    Where that edition has no lesson 00 yet, its README (``README.zh-CN.md``) instead.
    """
    from deconv_course.i18n import EDITION_FOLDERS

    if lang in EDITION_FOLDERS:
        for page in (
            root / EDITION_FOLDERS[lang] / "notebooks" / "00_start_here.ipynb",
            root / f"README.{lang}.md",
        ):
            if page.exists():
                return page
    return root / "notebooks" / "00_start_here.ipynb"


def _cmd_lab(args: argparse.Namespace) -> int:
    root = _resolve_course_dir(args, needs="notebooks")
    if root is None:
        return 2
    if not check_env(verbose=True, include=("core",)):
        return 1
    lang = language()  # DECONV_COURSE_LANG (make lab COURSE_LANG=zh-CN): kernels inherit it
    start = lab_start_page(root, lang)
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.ip={args.ip}", f"--ServerApp.root_dir={root}"]
    cmd += lab_server_options(lang=lang)
    if args.port:
        cmd.append(f"--ServerApp.port={args.port}")
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root
    if start.exists():
        cmd.append(str(start.relative_to(root)))
    if (root / "exercises").is_dir():  # the learner's work copies (git-ignored), never overwritten
        from deconv_course.workspace import make_work_copies

        for line in make_work_copies(root, adopt=False, show_kept=False):
            print(line)
    print(tr("Starting: {command}", command=" ".join(cmd[2:])))
    return subprocess.call(cmd, cwd=root, env=lab_environment())


def _cmd_bench(args: argparse.Namespace) -> int:
    root = _resolve_course_dir(args, needs="benchmarks")
    if root is None:
        return 2
    folder = root / "benchmarks"
    available = sorted(folder.glob("bench_*.py"))
    if not available:
        print(tr("deconv-course bench: no bench_*.py scripts in {folder}", folder=folder), file=sys.stderr)
        return 2
    scripts = available
    if args.name:
        scripts = [s for s in available if s.stem == f"bench_{args.name}"]
        if not scripts:
            names = ", ".join(s.stem[len("bench_") :] for s in available)
            print(
                tr("no benchmark named {name}; available: {names}", name=repr(args.name), names=names),
                file=sys.stderr,
            )
            return 2
    status = 0
    for script in scripts:
        print(f"\n## {script.stem}\n", flush=True)
        extra = ["--quick"] if args.quick else []
        status |= subprocess.call([sys.executable, str(script), *extra], cwd=root)
    return status


# ---------------------------------------------------------------------------------------------
# grade | validate | build-exercises (deconv_course.grading, imported only when one of them runs)
# ---------------------------------------------------------------------------------------------
def _at_least_one(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(tr("--jobs={n} must be at least 1", n=n))
    return n


def _exercise(value: str) -> str:
    from deconv_course.grading import EXERCISES

    if value not in EXERCISES:
        choices = ", ".join(sorted(EXERCISES))
        raise argparse.ArgumentTypeError(
            tr("invalid choice: {value} (choose from {choices})", value=repr(value), choices=choices)
        )
    return value


def _add_limit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cell-timeout", type=float, help=tr("seconds per cell (default 60)"))
    p.add_argument("--timeout", type=float, help=tr("seconds per notebook (default 300)"))
    p.add_argument(
        "--call-timeout", type=float, help=tr("seconds per call of a graded function (default 20)")
    )
    p.add_argument("--memory-mb", type=int, help=tr("kernel address-space limit in MiB (default 4096)"))
    p.add_argument("--output-limit", type=int, help=tr("characters of output per cell (default 1e6)"))
    what = tr("grade as this exercise (ex01..ex06, ex03b) instead of detecting it")
    p.add_argument("--exercise", type=_exercise, metavar="EXERCISE", help=what)


def _limit_options(args: argparse.Namespace) -> dict:
    names = ("exercise", "cell_timeout", "timeout", "call_timeout", "memory_mb", "output_limit")
    return {name: getattr(args, name) for name in names}


def _read_secret_arg(args: argparse.Namespace, command: str) -> tuple[bool, str | None]:
    """(ok, secret) from --secret / --secret-file; prints the reason when the file cannot be read."""
    secret = getattr(args, "secret", None)
    if args.secret_file:
        try:
            secret = Path(args.secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            what = dict(command=command, path=args.secret_file, reason=exc.strerror)
            print(tr("deconv-course {command}: --secret-file={path}: {reason}", **what), file=sys.stderr)
            return False, None
    return True, secret


def _show_report(args: argparse.Namespace):
    """One line per graded submission (above the progress bar), unless -q."""

    def show(rep: dict) -> None:
        if not args.quiet:
            from tqdm import tqdm

            from deconv_course.grading.batch import submission_line

            tqdm.write(submission_line(rep), file=sys.stdout)

    return show


def _grading(command: str, run) -> int:  # type: ignore[no-untyped-def]
    """Run ``run()`` (grade or regrade: reports, lines, folder) and print what it did; 0, or 2 when
    the grader could not do its job (no jail, a bad option, a failure of its own)."""
    from deconv_course import grading
    from deconv_course.grading.batch import run_summary

    try:
        reports, lines, out = run()
    except grading.JailUnavailable as exc:
        error = tr("refusing to run student code without a jail: {error}", error=exc)
        print(f"deconv-course {command}: {error}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:  # a bad --shard, --id-pattern or --roster
        print(f"deconv-course {command}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        error = tr("the grader failed: {error}", error=f"{type(exc).__name__}: {exc}")
        print(f"deconv-course {command}: {error}", file=sys.stderr)
        return 2
    said, failed = run_summary(reports, out, secret_kept=command == "grade")
    print("\n".join([*lines, *said]))
    if failed:
        print(failed, file=sys.stderr)
    return 2 if failed else 0


def _cmd_grade(args: argparse.Namespace) -> int:
    """``deconv-course grade PATHS... --out DIR [-j N]``; 0 when the grader worked, 2 when it failed."""
    from deconv_course import grading

    ok, secret = _read_secret_arg(args, "grade")
    if not ok:
        return 2
    if args.no_sandbox:
        warning = tr("deconv-course grade: --no-sandbox: student code runs UNJAILED, with your rights")
        print(warning, file=sys.stderr)

    def run() -> tuple[list, list, Path]:
        reports = grading.grade(
            args.paths,
            args.out,
            args.jobs,
            secret=secret,
            progress=_show_report(args),
            sandbox=not args.no_sandbox,
            shard=args.shard,
            id_pattern=args.id_pattern,
            roster=args.roster,
            similarity=not args.no_similarity,
            progress_bar=not args.quiet,
            **_limit_options(args),
        )
        return reports, [], Path(args.out)

    return _grading("grade", run)


def _cmd_regrade(args: argparse.Namespace) -> int:
    """``deconv-course regrade DIR [--secret-file F] [--out NEWDIR]``: re-run the stored submissions."""
    from deconv_course.grading import runs

    ok, secret = _read_secret_arg(args, "regrade")
    if not ok:
        return 2
    regrade = functools.partial(runs.regrade, args.dir, args.out, secret=secret, jobs=args.jobs)
    return _grading("regrade", lambda: regrade(sandbox=not args.no_sandbox, progress=_show_report(args)))


def _cmd_merge(args: argparse.Namespace) -> int:
    """``deconv-course merge DIR1 DIR2 ... --out DIR``: one set of tables from shard outputs."""
    from deconv_course.grading import runs

    try:
        reports = runs.merge(args.dirs, args.out, similarity=not args.no_similarity)
    except (ValueError, OSError) as exc:
        print(f"deconv-course merge: {exc}", file=sys.stderr)
        return 2
    what = dict(runs=len(args.dirs), n=len(reports), out=args.out)
    print(tr("merged {runs} run(s), {n} submissions, into {out}", **what))
    return 0


def _cmd_gradescope(args: argparse.Namespace) -> int:
    """``deconv-course gradescope build exNN [--out ZIP]``: the Gradescope autograder zip."""
    from deconv_course.grading import gradescope

    try:
        path = gradescope.build(args.exercise, args.out, secret_file=args.secret_file)
    except (ValueError, OSError) as exc:
        print(f"deconv-course gradescope: {exc}", file=sys.stderr)
        return 2
    print(tr("wrote {path}: upload it as the autograder of a Gradescope programming assignment", path=path))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    """``deconv-course validate NOTEBOOK``: 0 when it ran (whatever the score), 1 if not gradable, 2 on a grader error."""
    from deconv_course import grading

    rep = grading.validate(args.notebook, **_limit_options(args))
    if rep["status"] == grading.STATUS_GRADER_ERROR:
        return 2
    return 1 if rep["status"] == grading.STATUS_INVALID else 0


def _cmd_build_exercises(args: argparse.Namespace) -> int:
    """``deconv-course build-exercises``: write exercises/ from solutions/."""
    from deconv_course.grading import build_exercises, public

    print(tr("wrote {path}", path=public.write()))  # check() in the exercises runs from it
    for path in build_exercises(args.solutions, args.exercises, execute=not args.no_execute):
        print(tr("wrote {path}", path=path))
    return 0


def _cmd_build_public_cases(args: argparse.Namespace) -> int:
    """``deconv-course build-public-cases``: write grading/public_cases.json from the questions."""
    from deconv_course.grading import public

    print(tr("wrote {path}", path=public.write(args.out or public.PATH)))
    return 0


def _cmd_release(args: argparse.Namespace) -> int:
    """``deconv-course release DIR``: write the student edition into DIR."""
    from deconv_course.grading.release import write_release

    root = _resolve_course_dir(args, needs="exercises")
    if root is None:
        return 1
    try:
        dest = write_release(args.dir, root)
    except (FileExistsError, ValueError) as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    print(tr("wrote the student edition to {path}", path=dest))
    return 0


def _cmd_progress(args: argparse.Namespace) -> int:
    """``deconv-course progress``: every question with its status, from check()'s record."""
    from deconv_course.grading import progress

    print(progress())
    return 0


def _cmd_work(args: argparse.Namespace) -> int:
    """``deconv-course work [exNN ...]``: make the learner's work copies in work/."""
    from deconv_course.workspace import ExerciseNotFound, make_work_copies

    root = _resolve_course_dir(args, needs="exercises")
    if root is None:
        return 2
    try:
        lines = make_work_copies(root, args.exercises or None)
    except ExerciseNotFound as exc:
        print(exc, file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    work = root / "work"
    print(
        tr(
            "Work in {path}: git ignores it, `make test` never runs it, `git pull` never touches it.",
            path=work,
        )
    )
    return 0


def _cmd_reset(args: argparse.Namespace) -> int:
    """``deconv-course reset exNN [--lang zh-CN]``: restore one exercise (its copy in the language in
    force, or in ``--lang``), keeping the old one in work/.backup/."""
    from deconv_course.workspace import ExerciseNotFound, reset

    root = _resolve_course_dir(args, needs="exercises")
    if root is None:
        return 2
    try:
        lines = reset(root, args.exercise, lang=args.lang or language())
    except ExerciseNotFound as exc:
        print(exc, file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 0


def _argparse_message(message: str) -> str:
    """argparse's own English error messages, in the language in force."""
    if m := re.fullmatch(r"argument (.+?): (.*)", message, re.S):
        return tr("argument {name}: {reason}", name=m[1], reason=_argparse_message(m[2]))
    if m := re.fullmatch(r"the following arguments are required: (.*)", message, re.S):
        return tr("the following arguments are required: {names}", names=m[1])
    if m := re.fullmatch(r"unrecognized arguments: (.*)", message, re.S):
        return tr("unrecognized arguments: {names}", names=m[1])
    if m := re.fullmatch(r"invalid choice: (.*) \(choose from (.*)\)", message, re.S):
        return tr("invalid choice: {value} (choose from {choices})", value=m[1], choices=m[2])
    if m := re.fullmatch(r"invalid (\w+) value: (.*)", message, re.S):
        return tr("invalid {type} value: {value}", type=m[1], value=m[2])
    return tr("expected one argument") if message == "expected one argument" else message


def _fit(text: str, width: int) -> int:
    """How many characters of ``text`` fill ``width`` columns: a 汉字 takes two."""
    columns = display_width(text)
    return max(1, width * len(text) // columns) if columns else width


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, tr("usage: ") if prefix is None else prefix)

    def _split_lines(self, text, width):  # type: ignore[no-untyped-def]
        return super()._split_lines(text, _fit(text, width))

    def _fill_text(self, text, width, indent):  # type: ignore[no-untyped-def]
        return super()._fill_text(text, _fit(text, width), indent)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose headings, ``-h`` and error messages speak the language in force."""

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, add_help=False, formatter_class=_Formatter, **kwargs)
        self._positionals.title = tr("positional arguments")
        self._optionals.title = tr("options")
        if add_help:
            what = tr("show this help message and exit")
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=what)

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, tr("{prog}: error: {reason}", prog=self.prog, reason=_argparse_message(message)) + "\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``deconv-course`` parser, its texts in the language in force (built when a command runs)."""
    course_dir_help = tr(
        "the course folder (a clone with notebooks/ and benchmarks/); default: the checkout "
        "the package runs from, else the current folder"
    )
    parser = _Parser(
        prog="deconv-course",
        description=tr(
            "The ``deconv-course`` command: ``lab | check-env | grade | regrade | merge | gradescope | "
            "validate | build-exercises | release | progress | bench``."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check-env", help=tr("print OK/FAIL per dependency and the torch device"))
    p.add_argument("--core-only", action="store_true", help=tr("ignore the test extras"))

    p = sub.add_parser("lab", help=tr("check the environment, then start JupyterLab on this folder"))
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help=tr("0 lets Jupyter choose"))
    p.add_argument("--no-browser", action="store_true")
    p.add_argument("--course-dir", metavar="DIR", help=course_dir_help)

    p = sub.add_parser("bench", help=tr("run the benchmarks in benchmarks/ (prints ratios)"))
    p.add_argument("name", nargs="?", help=tr("conv, restoration or grading (default: all)"))
    p.add_argument("--quick", action="store_true", help=tr("fewer repeats"))
    p.add_argument("--course-dir", metavar="DIR", help=course_dir_help)

    p = sub.add_parser(
        "grade",
        help=tr("grade submitted notebooks: grade PATHS... --out DIR [-j N]"),
        description=tr("Grade exercise notebooks; writes DIR/grades.csv and one JSON per submission."),
    )
    p.add_argument("paths", nargs="+", help=tr("notebooks, or folders of notebooks"))
    p.add_argument("--out", required=True, help=tr("output folder"))
    p.add_argument("-j", "--jobs", type=_at_least_one, default=1, help=tr("submissions graded at once"))
    p.add_argument(
        "--secret",
        default=None,
        help=tr(
            "seed of the hidden cases (default: $DECONV_GRADER_SECRET or a fresh random one); "
            "other users of this machine can read a command line: prefer --secret-file"
        ),
    )
    p.add_argument("--secret-file", metavar="FILE", help=tr("read the seed of the hidden cases from FILE"))
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help=tr(
            "run student code without the bubblewrap jail (recorded in every report); only for "
            "trusted notebooks or where no jail can be made"
        ),
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", help=tr("no progress bar and no line per submission")
    )
    p.add_argument(
        "--shard",
        metavar="K/N",
        default=None,
        help=tr(
            "grade only the K-th (1-based) of N slices of the sorted inputs (an array job; needs a secret)"
        ),
    )
    p.add_argument(
        "--id-pattern",
        metavar="REGEX",
        default=None,
        help=tr(
            "student id from the file name: a regex with a named group 'id' (default: the stem up to "
            "its first _ or -, else the whole stem)"
        ),
    )
    p.add_argument(
        "--roster", metavar="CSV", default=None, help=tr("roster with columns like id,name,email,canvas_id")
    )
    p.add_argument("--no-similarity", action="store_true", help=tr("skip the similarity report"))
    _add_limit_args(p)

    p = sub.add_parser(
        "regrade",
        help=tr("re-run a grading run's stored submissions and print what changed per student"),
        description=tr(
            "Re-grade DIR/submissions/ (new cases with a new secret, or a new grader version) "
            "into NEWDIR and print, per student, the score before -> after."
        ),
    )
    p.add_argument("dir", help=tr("the output folder of an earlier grade run"))
    p.add_argument("--out", default=None, help=tr("new output folder (default: DIR-regrade)"))
    p.add_argument(
        "--secret-file", metavar="FILE", help=tr("the secret (default: DIR/run-secret.txt if any)")
    )
    p.add_argument("-j", "--jobs", type=_at_least_one, default=1)
    p.add_argument("--no-sandbox", action="store_true", help=tr("as for grade"))
    p.add_argument("-q", "--quiet", action="store_true")

    p = sub.add_parser(
        "merge",
        help=tr("combine the outputs of grade --shard K/N runs into one set of tables"),
        description=tr("Merge shard outputs (same secret, same grader version) into one folder."),
    )
    p.add_argument("dirs", nargs="+", help=tr("the shards' output folders"))
    p.add_argument("--out", required=True)
    p.add_argument("--no-similarity", action="store_true")

    p = sub.add_parser("gradescope", help=tr("Gradescope: gradescope build exNN [--out ZIP]"))
    gs = p.add_subparsers(dest="gradescope_command", required=True)
    g = gs.add_parser("build", help=tr("make the autograder zip of one exercise"))
    g.add_argument("exercise", type=_exercise, metavar="exNN")
    g.add_argument("--out", default=None, help=tr("zip to write (default: gradescope-exNN.zip)"))
    g.add_argument(
        "--secret-file",
        metavar="FILE",
        help=tr("bake this secret into the zip (default: fresh cases per submission)"),
    )

    p = sub.add_parser(
        "validate",
        help=tr("re-run a saved notebook in a fresh kernel and show its score"),
        description=tr(
            "Re-run a saved notebook in a fresh kernel and show what the "
            "grader would award on the public cases."
        ),
    )
    p.add_argument("notebook")
    _add_limit_args(p)

    p = sub.add_parser(
        "build-exercises",
        help=tr("write exercises/ from solutions/ (stubs + outputs)"),
    )
    p.add_argument("--solutions", default="solutions", help=tr("folder of solution notebooks"))
    p.add_argument("--exercises", default="exercises", help=tr("folder to write the exercises into"))
    p.add_argument("--no-execute", action="store_true", help=tr("do not execute them to store outputs"))

    p = sub.add_parser(
        "build-public-cases",
        help=tr("write grading/public_cases.json (what check() runs) from the questions"),
    )
    p.add_argument("--out", help=tr("file to write (default: the package's public_cases.json)"))

    p = sub.add_parser(
        "release",
        help=tr("write the student edition into DIR (no solutions, references or quiz answers)"),
        description=tr(
            "Write what students receive: notebooks/, exercises/, the deconv_course "
            "package without its answer key, README.md, pyproject.toml and LICENSE."
        ),
    )
    p.add_argument("dir", metavar="DIR", help=tr("a new or empty folder outside the checkout"))
    p.add_argument("--course-dir", metavar="DIR", help=course_dir_help)

    p = sub.add_parser("progress", help=tr("list every question with its status and points"))

    p = sub.add_parser(
        "work",
        help=tr("make your work copies work/exNN_*.ipynb (git-ignored; existing ones are kept)"),
        description=tr(
            "Make a work copy of each exercise (or of those named) in work/, where your "
            "answers are safe from `git pull` and `make test`. An existing work copy is never "
            "overwritten; edits made in exercises/ itself are moved there."
        ),
    )
    p.add_argument("exercises", nargs="*", metavar="exNN", help=tr("e.g. ex03 or ex03b (default: all)"))
    p.add_argument("--course-dir", metavar="DIR", help=course_dir_help)

    p = sub.add_parser(
        "reset",
        help=tr("restore one exercise as the course ships it (the old one goes to work/.backup/)"),
        description=tr(
            "Restore work/exNN_*.ipynb (and exercises/exNN_*.ipynb, if you edited it in "
            "place) to the course's version; what was there is moved to work/.backup/. "
            "In the Chinese edition (--lang zh-CN, the default where the language in force is "
            "zh-CN): work/zh-CN/exNN_*.ipynb and zh-CN/exercises/exNN_*.ipynb."
        ),
    )
    p.add_argument("exercise", metavar="exNN", help=tr("e.g. ex03 or ex03b"))
    p.add_argument(
        "--lang",
        choices=LANGUAGES,
        help=tr(
            "the edition whose copy to restore: en or zh-CN (default: the language in force, "
            "from DECONV_COURSE_LANG or a zh-CN/ folder, else en)"
        ),
    )
    p.add_argument("--course-dir", metavar="DIR", help=course_dir_help)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        language()  # a bad DECONV_COURSE_LANG is refused before anything is said in a language
    except ValueError as exc:
        print(f"deconv-course: {exc}", file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    run = globals()["_cmd_" + args.command.replace("-", "_")]  # `deconv-course check-env` runs _cmd_check_env
    return int(run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
