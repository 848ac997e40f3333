"""The package's layout rules: imports run one way, downwards; the student side never loads the answer key.

The map is DESIGN's (README, "The helper package"): `_checks`, `_paths`, `arithmetic`, `data` and
`timing` at the ground; `numpy_ops` and `restoration` on them; `torch_ops` and `plotting` above;
`learned_restoration`, `widgets`, `workspace` and `grading` above those; `cli` on top.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "deconv_course"
LEVEL = {
    "i18n": -2, "_checks": -1, "_paths": -1, "arithmetic": 0, "data": 0, "timing": 0,
    "numpy_ops": 1, "restoration": 1,
    "torch_ops": 2, "plotting": 2,
    "learned_restoration": 3, "widgets": 3, "workspace": 3, "grading": 3, "environment": 3,
    "cli": 4,
}  # fmt: skip
MAX_LINES = 650


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.with_suffix("").relative_to(PACKAGE.parent).parts
        yield path, parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path, parts: tuple[str, ...]):
    """Every ``deconv_course.X...`` a module imports (absolute or relative), with its line."""
    package = list(parts) if path.name == "__init__.py" else list(parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] if base == "deconv_course" else [base]
        else:
            continue
        for name in names:
            if name.startswith("deconv_course."):
                yield name.split("."), node.lineno


def test_every_top_level_module_has_a_level():
    tops = {parts[1] for _, parts in _modules() if len(parts) > 1}
    assert tops <= set(LEVEL), f"add these to the layout map (README and this test): {tops - set(LEVEL)}"


def test_imports_run_downwards():
    wrong = []
    for path, parts in _modules():
        if len(parts) < 2:
            continue
        for target, line in _imports(path, parts):
            top = target[1]
            if top in LEVEL and top != parts[1] and LEVEL[top] >= LEVEL[parts[1]]:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {'.'.join(target)}")
    assert not wrong, "imports that do not run downwards:\n" + "\n".join(wrong)


def test_numpy_ops_never_imports_torch():
    for path in (PACKAGE / "numpy_ops").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mods = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        mods += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in mods if m.split(".")[0] == "torch"], path.name


def test_no_module_is_much_over_600_lines():
    long = {
        p.relative_to(PACKAGE).as_posix(): n
        for p, _ in _modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, long


STUDENT_SIDE = [
    "deconv_course.grading",
    "deconv_course.grading.feedback",
    "deconv_course.grading.render",
    "deconv_course.grading.public",
    "deconv_course.grading.progress_log",
    "deconv_course.grading.methods",
    "deconv_course.grading.compare",
    "deconv_course.grading.model",
    "deconv_course.grading.kernel_side.harness",
    "deconv_course.numpy_ops",
    "deconv_course.restoration",
]


@pytest.mark.parametrize("module", STUDENT_SIDE)
def test_the_student_side_never_imports_the_answer_key(module):
    code = (
        "import sys\n"
        "sys.modules['deconv_course.grading.questions'] = None  # the answer key is absent\n"
        f"import {module}\n"
        "from deconv_course.grading import check, hint, progress\n"
        "assert 'deconv_course.grading.questions' not in [m for m in sys.modules if sys.modules[m]]\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
