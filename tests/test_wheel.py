"""The package as a learner or instructor installs it: built into a wheel, installed outside the checkout.

One module-scoped fixture builds the wheel from a copy of the sources (so stale ``build/`` folders
of the checkout never leak into it), makes a fresh virtual environment in a temporary folder and
installs the wheel there with ``--no-deps``. The course's dependencies come from this test's own
environment through a ``.pth`` file holding the path of its site-packages: a plain path line is
added to ``sys.path``, but the ``.pth`` files inside that folder (the editable install of the
checkout among them) are not processed, so the checkout itself is not importable. Nothing is
downloaded: the wheel is built with ``--no-build-isolation`` and installed with ``--no-index``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "deconv_course"


def _run(cmd, cwd, env, timeout=300):
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def _package_files() -> list[str]:
    """Every file the package folder holds (what the wheel must ship), as wheel paths."""
    files = []
    for path in PACKAGE.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files.append(path.relative_to(REPO).as_posix())
    return sorted(files)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")

    # 1. Build the wheel from a copy of what a build reads.
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(PACKAGE, src / "deconv_course", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheels = base / "wheels"
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            wheels,
            src,
        ],
        cwd=base,
        env=os.environ,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert "project.license" not in built.stdout + built.stderr  # the SPDX form: no deprecation warning
    (wheel,) = wheels.glob("deconv_course-*.whl")

    # 2. A fresh venv whose only link to this environment is a plain path line in a .pth file.
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=base, env=os.environ)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, os.environ)
    site_packages = Path(site.stdout.strip())
    (site_packages / "course_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    # 3. The wheel, and nothing else, installed into it (pip of this environment, aimed at that venv).
    inst = _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel],
        cwd=base,
        env=os.environ,
    )
    assert inst.returncode == 0, inst.stdout + inst.stderr

    # 4. Commands run from a folder outside the checkout, with nothing pointing back at it.
    work = base / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = str(venv / "bin") + os.pathsep + env.get("PATH", "")
    env["DECONV_DEVICE"] = "cpu"
    return {"wheel": wheel, "venv": venv, "python": python, "work": work, "env": env, "bin": venv / "bin"}


def test_the_package_imports_from_the_new_venv_not_the_checkout(installed):
    probe = (
        "import deconv_course, importlib.metadata as m, sys; "
        "print(deconv_course.__file__); print(deconv_course.__version__); print(m.version('deconv-course')); "
        "import deconv_course.cli"
    )
    out = _run([installed["python"], "-c", probe], installed["work"], installed["env"])
    assert out.returncode == 0, out.stderr
    file, version, dist_version = out.stdout.split()
    assert Path(file).resolve().is_relative_to(installed["venv"].resolve()), file
    assert not Path(file).resolve().is_relative_to(REPO)
    assert version == dist_version  # the version is written once


def test_the_wheel_ships_the_license_every_module_and_the_package_data(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    missing = [f for f in _package_files() if f not in names]
    assert not missing, f"files of deconv_course/ not in the wheel: {missing}"
    assert "deconv_course/py.typed" in names
    (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert "MIT License" in zipfile.ZipFile(installed["wheel"]).read(license_file).decode()
    (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    assert "License-Expression: MIT" in zipfile.ZipFile(installed["wheel"]).read(meta).decode()


def test_check_env_runs_from_the_wheel(installed):
    out = _run([installed["bin"] / "deconv-course", "check-env"], installed["work"], installed["env"])
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Environment OK" in out.stdout and "OK    numpy" in out.stdout
    assert str(installed["venv"]) in out.stdout  # it reports the package it runs


def test_bench_outside_a_course_folder_says_what_it_needs(installed):
    out = _run([installed["bin"] / "deconv-course", "bench"], installed["work"], installed["env"])
    assert out.returncode != 0
    assert "benchmarks/" in out.stderr and "--course-dir DIR" in out.stderr


def test_lab_outside_a_course_folder_says_what_it_needs(installed):
    out = _run(
        [installed["bin"] / "deconv-course", "lab", "--no-browser"], installed["work"], installed["env"]
    )
    assert out.returncode == 2 and "--course-dir DIR" in out.stderr and "notebooks/" in out.stderr
    missing = installed["work"] / "no-such-course"
    out = _run(
        [installed["bin"] / "deconv-course", "lab", "--course-dir", missing],
        installed["work"],
        installed["env"],
    )
    assert out.returncode == 2 and "has no notebooks/" in out.stderr


def test_validate_grades_a_solution_from_outside_the_checkout(installed):
    notebook = installed["work"] / "ex01_two_meanings.ipynb"
    shutil.copy2(REPO / "solutions" / "ex01_two_meanings.ipynb", notebook)
    out = _run(
        [installed["bin"] / "deconv-course", "validate", notebook.name], installed["work"], installed["env"]
    )
    assert out.returncode == 0, out.stdout + out.stderr
    score = re.search(r"(\d+) / (\d+) points", out.stdout)
    assert score, out.stdout
    assert int(score.group(1)) == int(score.group(2)) > 0, out.stdout
