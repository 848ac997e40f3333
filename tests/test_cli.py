"""The `deconv-course` command: check-env's report and exit code, the course folder, lab and bench."""

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from deconv_course import _paths, cli, environment

REPO = Path(__file__).resolve().parents[1]


def test_requirements_come_from_the_installed_metadata():
    reqs = cli.requirements()
    by_dist = {dist: (module, spec, group) for module, dist, spec, group in reqs}
    # The same list as the metadata, nothing added, nothing lost.
    assert len(reqs) == len(metadata.requires(cli.DISTRIBUTION))
    assert by_dist["numpy"] == ("numpy", ">=1.24", "core")
    assert by_dist["scikit-image"][0] == "skimage" and by_dist["scikit-learn"][0] == "sklearn"
    assert by_dist["jupyter_client"][0] == "jupyter_client"
    assert by_dist["pytest"][2] == "test" and by_dist["playwright"][2] == "browser"


def test_requirements_handle_markers(monkeypatch):
    lines = [
        "numpy>=1.24",
        'pywin32>=300; sys_platform == "win32" and sys_platform == "linux"',  # never true
        'scikit-image>=0.22; python_version >= "3.0"',
        'pytest>=7.4; extra == "test"',
        'never-here; python_version < "3.0" and extra == "test"',
    ]
    monkeypatch.setattr(metadata, "requires", lambda name: lines)
    reqs = cli.requirements()
    assert [(m, d, g) for m, d, _spec, g in reqs] == [
        ("numpy", "numpy", "core"),
        ("skimage", "scikit-image", "core"),
        ("pytest", "pytest", "test"),
    ]


def test_check_env_reports_every_requirement_and_the_device(capsys):
    ok = cli.check_env(verbose=True)
    out = capsys.readouterr().out
    assert ok is True, out
    for _module, dist, _spec, group in cli.requirements():
        if group in ("core", "test"):
            assert f"OK    {dist}" in out
    assert "torch device: cpu" in out or "torch device: cuda" in out or "torch device: mps" in out
    assert f"deconv-course {metadata.version('deconv-course')}" in out
    assert "CJK font: " in out and "bubblewrap: " in out


def test_check_env_fails_on_a_missing_dependency(monkeypatch, capsys):
    reqs = cli.requirements() + [("no_such_module_xyz", "no-such-dist", ">=1.0", "core")]
    monkeypatch.setattr(environment, "requirements", lambda: reqs)
    assert cli.check_env(verbose=True) is False
    out = capsys.readouterr().out
    assert "FAIL  no-such-dist" in out and "Environment has FAILs" in out


def test_check_env_fails_on_a_too_old_version(monkeypatch, capsys):
    monkeypatch.setattr(environment, "requirements", lambda: [("numpy", "numpy", ">=999.0", "core")])
    assert cli.check_env(verbose=True) is False
    assert "need >=999.0" in capsys.readouterr().out


def test_local_version_labels_meet_the_requirement(monkeypatch, capsys):
    real_version = metadata.version
    monkeypatch.setattr(metadata, "version", lambda d: "2.13.0+cpu" if d == "torch" else real_version(d))
    monkeypatch.setattr(environment, "requirements", lambda: [("torch", "torch", ">=2.1", "core")])
    assert cli.check_env(verbose=True) is True
    assert "OK    torch                2.13.0+cpu" in capsys.readouterr().out


def test_optional_group_missing_is_not_a_failure(monkeypatch, capsys):
    monkeypatch.setattr(
        environment, "requirements", lambda: [("no_such_module_xyz", "no-such-dist", ">=1.0", "browser")]
    )
    assert cli.check_env(verbose=True, include=("core",)) is True
    assert "--    no-such-dist" in capsys.readouterr().out


def test_check_env_fails_when_the_course_is_not_installed(monkeypatch, capsys):
    def missing(name=cli.DISTRIBUTION):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(environment, "requirements", missing)
    assert cli.check_env(verbose=True) is False
    assert "FAIL  deconv-course" in capsys.readouterr().out


def test_missing_cjk_font_and_bwrap_are_reported_but_never_fail(monkeypatch, capsys):
    monkeypatch.setattr(environment, "cjk_font", lambda: None)
    monkeypatch.setattr(environment.shutil, "which", lambda name: None)
    assert cli.check_env(verbose=True) is True
    out = capsys.readouterr().out
    assert "CJK font: none — Chinese titles show as boxes; install Debian's fonts-noto-cjk" in out
    assert "bubblewrap: not found" in out and "Environment OK" in out


def test_cjk_font_names_a_font_matplotlib_knows():
    from matplotlib import font_manager

    font = cli.cjk_font()
    names = {f.name for f in font_manager.fontManager.ttflist}
    assert font is None or font in names
    if "Noto Sans CJK SC" in names:
        assert font == "Noto Sans CJK SC"


def test_check_env_command_exit_code_honours_device_override():
    good = subprocess.run(
        [sys.executable, "-m", "deconv_course.cli", "check-env"],
        capture_output=True,
        text=True,
        env={**os.environ, "DECONV_DEVICE": "cpu"},
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "torch device: cpu" in good.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "deconv_course.cli", "check-env"],
        capture_output=True,
        text=True,
        env={**os.environ, "DECONV_DEVICE": "tpu"},
    )
    assert bad.returncode == 1
    assert "DECONV_DEVICE" in bad.stdout


def test_bench_rejects_an_unknown_name(capsys):
    assert cli.main(["bench", "nope"]) == 2
    assert "available:" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as info:
        cli.main(["frobnicate"])
    assert info.value.code == 2


# --- the course folder: checkout, --course-dir, current folder, or a clear error ---------------


@pytest.fixture
def outside_a_checkout(monkeypatch, tmp_path):
    """The package as a wheel install sees it: no checkout above it, cwd an unrelated folder."""
    monkeypatch.setattr(_paths, "COURSE_ROOT", tmp_path / "site-packages")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return tmp_path


def test_the_checkout_is_the_default_course_folder():
    assert cli.checkout_root() == REPO
    assert cli.course_dir() == REPO
    assert cli.course_dir(needs="benchmarks", command="bench") == REPO


def test_course_dir_option_wins_and_is_checked(tmp_path):
    (tmp_path / "notebooks").mkdir()
    assert cli.course_dir(tmp_path) == tmp_path.resolve()
    with pytest.raises(cli.CourseDirError, match=r"--course-dir .* has no benchmarks/"):
        cli.course_dir(tmp_path, needs="benchmarks", command="bench")


def test_outside_a_checkout_the_current_folder_is_used(outside_a_checkout, monkeypatch):
    assert cli.checkout_root() is None
    course = outside_a_checkout / "my-course"
    (course / "notebooks").mkdir(parents=True)
    monkeypatch.chdir(course)
    assert cli.course_dir() == course.resolve()


def test_outside_a_checkout_lab_says_what_it_needs(outside_a_checkout, monkeypatch, capsys):
    monkeypatch.setattr(cli.subprocess, "call", lambda *a, **k: pytest.fail("JupyterLab must not start"))
    monkeypatch.setattr(cli, "check_env", lambda **k: pytest.fail("no course folder: stop before"))
    assert cli.main(["lab"]) == 2
    err = capsys.readouterr().err
    assert "--course-dir DIR" in err and "notebooks/" in err
    assert cli.main(["lab", "--course-dir", str(outside_a_checkout / "nowhere")]) == 2
    assert "has no notebooks/" in capsys.readouterr().err


def test_outside_a_checkout_bench_says_what_it_needs(outside_a_checkout, monkeypatch, capsys):
    monkeypatch.setattr(cli.subprocess, "call", lambda *a, **k: pytest.fail("nothing to run"))
    assert cli.main(["bench"]) == 2
    err = capsys.readouterr().err
    assert "--course-dir DIR" in err and "benchmarks/" in err
    empty = outside_a_checkout / "empty"
    (empty / "benchmarks").mkdir(parents=True)
    assert cli.main(["bench", "--course-dir", str(empty)]) == 2
    assert "no bench_*.py" in capsys.readouterr().err


def test_bench_runs_the_scripts_of_the_course_dir(outside_a_checkout, monkeypatch):
    course = outside_a_checkout / "course"
    (course / "benchmarks").mkdir(parents=True)
    (course / "benchmarks" / "bench_toy.py").write_text("print('ratio 1.0')\n")
    calls = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, cwd=None: calls.append((cmd, cwd)) or 0)
    assert cli.main(["bench", "toy", "--quick", "--course-dir", str(course)]) == 0
    assert calls == [([sys.executable, str(course / "benchmarks" / "bench_toy.py"), "--quick"], course)]


# --- lab -------------------------------------------------------------------------------------


def _record_calls(monkeypatch):
    calls = []

    def call(cmd, cwd=None, env=None):
        calls.append((cmd, cwd, env))
        return 0

    monkeypatch.setattr(cli.subprocess, "call", call)
    monkeypatch.setattr(cli, "check_env", lambda verbose=True, include=("core",): True)
    return calls


def test_lab_serves_the_course_folder_on_localhost_and_opens_start_here(monkeypatch):
    calls = _record_calls(monkeypatch)
    assert cli.main(["lab", "--no-browser"]) == 0
    ((cmd, cwd, _env),) = calls
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--no-browser" in cmd
    assert f"--ServerApp.root_dir={REPO}" in cmd and cwd == REPO
    assert cmd[-1] == "notebooks/00_start_here.ipynb"


def test_lab_puts_the_interpreters_bin_first_on_the_servers_path(monkeypatch):
    """Issue 11: `deconv-course` was not found in a terminal opened inside the lab."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("DECONV_MARKER", "kept")
    calls = _record_calls(monkeypatch)
    assert cli.main(["lab", "--no-browser"]) == 0
    ((_cmd, _cwd, env),) = calls
    bindir = str(Path(sys.executable).parent)
    assert env["PATH"].split(os.pathsep) == [bindir, "/usr/bin", "/bin"]
    assert env["DECONV_MARKER"] == "kept"  # the rest of the environment is passed on
    assert os.environ["PATH"] == "/usr/bin:/bin"  # and the caller's own is untouched
    assert (Path(bindir) / "deconv-course").exists()


def test_lab_environment_does_not_repeat_a_bin_already_first():
    bindir = str(Path(sys.executable).parent)
    env = cli.lab_environment({"PATH": bindir + os.pathsep + "/bin"})
    assert env["PATH"] == bindir + os.pathsep + "/bin"
    assert cli.lab_environment({})["PATH"] == bindir


def test_lab_serves_the_course_dir_given(monkeypatch, tmp_path):
    (tmp_path / "notebooks").mkdir()
    calls = _record_calls(monkeypatch)
    assert cli.main(["lab", "--course-dir", str(tmp_path)]) == 0
    ((cmd, cwd, _env),) = calls
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in cmd and cwd == tmp_path.resolve()
    assert not cmd[-1].endswith(".ipynb")  # that folder has no 00_start_here.ipynb


def test_lab_does_not_start_when_the_environment_fails(monkeypatch):
    monkeypatch.setattr(cli, "check_env", lambda verbose=True, include=("core",): False)
    monkeypatch.setattr(cli.subprocess, "call", lambda *a, **k: pytest.fail("JupyterLab must not start"))
    assert cli.main(["lab"]) == 1
