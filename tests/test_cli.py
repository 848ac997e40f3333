"""The `deconv-course` command: check-env's report and exit code, bench's argument handling."""

import subprocess
import sys

import pytest

from deconv_course import cli


def test_check_env_reports_every_requirement_and_the_device(capsys):
    ok = cli.check_env(verbose=True)
    out = capsys.readouterr().out
    assert ok is True, out
    for _module, dist, _minimum, group in cli.REQUIREMENTS:
        if group in ("core", "test"):
            assert f"OK    {dist}" in out
    assert "torch device: cpu" in out or "torch device: cuda" in out or "torch device: mps" in out


def test_check_env_fails_on_a_missing_dependency(monkeypatch, capsys):
    monkeypatch.setattr(cli, "REQUIREMENTS", cli.REQUIREMENTS + [("no_such_module_xyz", "no-such-dist", "1.0", "core")])
    assert cli.check_env(verbose=True) is False
    out = capsys.readouterr().out
    assert "FAIL  no-such-dist" in out and "Environment has FAILs" in out


def test_check_env_fails_on_a_too_old_version(monkeypatch, capsys):
    monkeypatch.setattr(cli, "REQUIREMENTS", [("numpy", "numpy", "999.0", "core")])
    assert cli.check_env(verbose=True) is False
    assert "need >= 999.0" in capsys.readouterr().out


def test_optional_group_missing_is_not_a_failure(monkeypatch, capsys):
    monkeypatch.setattr(cli, "REQUIREMENTS", [("no_such_module_xyz", "no-such-dist", "1.0", "browser")])
    assert cli.check_env(verbose=True, include=("core",)) is True
    assert "--    no-such-dist" in capsys.readouterr().out


def test_check_env_command_exit_code_honours_device_override():
    good = subprocess.run([sys.executable, "-m", "deconv_course.cli", "check-env"],
                          capture_output=True, text=True, env={**_env(), "DECONV_DEVICE": "cpu"})
    assert good.returncode == 0, good.stdout + good.stderr
    assert "torch device: cpu" in good.stdout
    bad = subprocess.run([sys.executable, "-m", "deconv_course.cli", "check-env"],
                         capture_output=True, text=True, env={**_env(), "DECONV_DEVICE": "tpu"})
    assert bad.returncode == 1
    assert "DECONV_DEVICE" in bad.stdout


def _env():
    import os
    return dict(os.environ)


def test_version_tuple_orders_local_builds():
    assert cli._version_tuple("2.13.0+cpu") == (2, 13, 0)
    assert cli._version_tuple("1.10") > cli._version_tuple("1.9.9")


def test_bench_rejects_an_unknown_name(capsys):
    assert cli.main(["bench", "nope"]) == 2
    assert "available:" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as info:
        cli.main(["frobnicate"])
    assert info.value.code == 2


def test_lab_serves_the_course_folder_on_localhost_and_opens_start_here(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "check_env", lambda verbose=True, include=("core",): True)
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, cwd=None: calls.append((cmd, cwd)) or 0)
    assert cli.main(["lab", "--no-browser"]) == 0
    (cmd, cwd), = calls
    assert cmd[1:3] == ["-m", "jupyterlab"]
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--no-browser" in cmd
    assert f"--ServerApp.root_dir={cli.COURSE_ROOT}" in cmd and cwd == cli.COURSE_ROOT
    assert cmd[-1] == "notebooks/00_start_here.ipynb" or "notebooks/00_start_here.ipynb" in cmd


def test_lab_does_not_start_when_the_environment_fails(monkeypatch):
    monkeypatch.setattr(cli, "check_env", lambda verbose=True, include=("core",): False)
    monkeypatch.setattr(cli.subprocess, "call", lambda *a, **k: pytest.fail("JupyterLab must not start"))
    assert cli.main(["lab"]) == 1
