"""Tests of the static method check (deconv_course.grading.methods): what a graded function may call, and how."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deconv_course.grading.methods import (
    DYNAMIC,
    FORBIDDEN,
    NUMPY_ONLY,
    POLICY,
    UNPARSED,
    Finding,
    Policy,
    check_function,
    check_notebook,
    code_cells,
)

REPO = next(p for p in [Path(__file__).resolve().parents[1]] if (p / "solutions").is_dir())
SOLUTIONS = sorted((REPO / "solutions").glob("ex0*.ipynb"))
EXERCISES = sorted((REPO / "exercises").glob("ex0*.ipynb"))
HEAD = "import numpy as np\nfrom deconv_course.grading import check\n"


def found(cells: list[str], name: str = "f", policy=NUMPY_ONLY) -> list[tuple[str, str]]:
    """(kind, name) of every finding for ``name`` in ``cells`` (HEAD prepended as cell 0)."""
    return [(x.kind, x.name) for x in check_function([HEAD, *cells], name, policy)]


def questions_of(notebook: dict) -> dict[str, str]:
    """Question id -> the function defined last before its check("...") cell."""
    out, last = {}, None
    for _, source in code_cells(notebook):
        last = ([last, *re.findall(r"^def (\w+)", source, re.M)])[-1]
        out.update({qid: last for qid in re.findall(r'check\("([\w.]+)"', source)})
    return out


# --------------------------------------------------------------------------------------------
# the course's own notebooks and the policy table
# --------------------------------------------------------------------------------------------
def test_policy_covers_every_question_of_the_solutions():
    from deconv_course.grading.questions import EXERCISES as EXERCISE_IDS
    from deconv_course.grading.questions import QUESTIONS

    seen = {}
    for path in SOLUTIONS:
        seen.update(questions_of(json.loads(path.read_text())))
    assert len(SOLUTIONS) == len(EXERCISE_IDS) and set(POLICY) == set(QUESTIONS)
    assert seen == {qid: fn for qid, (fn, _) in POLICY.items()}


@pytest.mark.parametrize("path", SOLUTIONS + EXERCISES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_reference_solutions_and_stubs_are_clean(path):
    notebook = json.loads(path.read_text())
    from deconv_course.grading.questions import exercise_in

    mine = {qid: v for qid, v in POLICY.items() if qid.startswith(exercise_in(path.name) + ".")}
    assert mine
    assert check_notebook(notebook, mine) == {qid: [] for qid in mine}


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_solution_flagged_once_it_cheats(path):
    """Not vacuous: a later cell that redefines each graded function with torch is found."""
    notebook = json.loads(path.read_text())
    from deconv_course.grading.questions import exercise_in

    mine = {qid: v for qid, v in POLICY.items() if qid.startswith(exercise_in(path.name) + ".")}
    cheat = "".join(
        f"def {fn}(*a, **k):\n    import torch\n    return torch.zeros(1)\n" for fn, _ in mine.values()
    )
    notebook["cells"].append({"cell_type": "code", "source": cheat})
    for qid, findings in check_notebook(notebook, mine).items():
        assert [(x.kind, x.name) for x in findings] == [(FORBIDDEN, "torch.zeros")], qid
        assert findings[0].line[0] == len(notebook["cells"]) - 1


# --------------------------------------------------------------------------------------------
# forbidden modules: direct, aliased, assigned, transitive
# --------------------------------------------------------------------------------------------
def test_finding_names_the_call_cell_and_line():
    cells = [
        "import torch.nn.functional as F",
        "x = 1",
        "y = 2",
        "def conv_transpose2d(x, w):\n    return F.conv_transpose2d(x, w)",
    ]
    (finding,) = check_function(cells, "conv_transpose2d", label="ex03.conv_transpose2d")
    assert finding == Finding(
        FORBIDDEN,
        "torch.nn.functional.conv_transpose2d",
        (3, 2),
        "ex03.conv_transpose2d calls torch.nn.functional.conv_transpose2d (cell 3, line 2); "
        "this question asks for NumPy only",
    )


@pytest.mark.parametrize(
    ("imports", "call", "name"),
    [
        (
            "import torch",
            "torch.nn.functional.conv_transpose2d(x, w)",
            "torch.nn.functional.conv_transpose2d",
        ),
        (
            "import torch.nn.functional as F",
            "F.conv_transpose2d(x, w)",
            "torch.nn.functional.conv_transpose2d",
        ),
        ("from torch.nn import functional as F", "F.conv2d(x, w)", "torch.nn.functional.conv2d"),
        ("from scipy.signal import convolve2d", "convolve2d(x, w)", "scipy.signal.convolve2d"),
        ("import scipy.ndimage as ndi", "ndi.convolve(x, w, mode='wrap')", "scipy.ndimage.convolve"),
        ("from skimage import restoration", "restoration.wiener(x, w, 0.1)", "skimage.restoration.wiener"),
        (
            "from deconv_course import numpy_ops as nops",
            "nops.conv_transpose2d(x, w)",
            "deconv_course.numpy_ops.conv_transpose2d",
        ),
        (
            "from deconv_course.numpy_ops import conv_transpose2d as ct",
            "ct(x, w)",
            "deconv_course.numpy_ops.conv_transpose2d",
        ),
        (
            "import deconv_course.restoration",
            "deconv_course.restoration.wiener(x, w, 1)",
            "deconv_course.restoration.wiener",
        ),
    ],
)
def test_direct_and_aliased_calls(imports, call, name):
    assert found([imports, f"def f(x, w):\n    return {call}"]) == [(FORBIDDEN, name)]


def test_numpy_pure_python_stdlib_and_check_are_fine():
    body = "import math, itertools\n    return np.fft.ifft2(np.einsum('ij->ji', x)) * math.pi + len(list(itertools.chain(check('ex01.meaning'))))"
    assert found([f"def f(x):\n    {body}"]) == []


def test_grading_helper_allowed_but_not_the_rest_of_grading():
    cells = [
        "from deconv_course import grading",
        "def f(x):\n    grading.check('ex01.meaning')\n    return grading.questions.QUESTIONS",
    ]
    assert found(cells) == [(FORBIDDEN, "deconv_course.grading.questions.QUESTIONS")]


@pytest.mark.parametrize(
    "binding",
    [
        "f = nops.conv_transpose2d",
        "f = lambda x, w: nops.conv_transpose2d(x, w)",
        "f = functools.partial(nops.conv_transpose2d, stride=2)",
        "my = nops.conv_transpose2d\nf = my",
        "f, g = nops.conv_transpose2d, np.zeros",
    ],
)
def test_graded_name_assigned_to_a_forbidden_function(binding):
    cells = ["import functools\nfrom deconv_course import numpy_ops as nops", binding]
    assert found(cells) == [(FORBIDDEN, "deconv_course.numpy_ops.conv_transpose2d")]


def test_graded_name_imported_directly():
    assert found(["from torch.nn.functional import conv2d as f"]) == [
        (FORBIDDEN, "torch.nn.functional.conv2d")
    ]


def test_helper_in_another_cell_is_followed():
    cells = [
        "import scipy.signal",
        "def _helper(x):\n    return scipy.signal.correlate2d(x, x)",
        "def _mid(x):\n    return _helper(x)",
        "def f(x):\n    return _mid(x) + 1",
    ]
    findings = check_function([HEAD, *cells], "f")
    assert [(x.name, x.line) for x in findings] == [("scipy.signal.correlate2d", (2, 2))]


def test_recursion_cycles_terminate():
    clean = [
        "def a(n):\n    return b(n - 1) if n else 0",
        "def b(n):\n    return a(n)",
        "def f(n):\n    return f(n - 1) + a(n) if n else 0",
    ]
    assert found(clean) == []
    cheat = [*clean[:1], "import torch\ndef b(n):\n    return a(n) + torch.ones(1)", clean[2]]
    assert found(cheat) == [(FORBIDDEN, "torch.ones")]


def test_class_with_call_and_instances():
    cells = [
        "import torch.nn.functional as F",
        "class Ct:\n    def __call__(self, x, w):\n        return F.conv_transpose2d(x, w)",
        "f = Ct()",
    ]
    assert found(cells) == [(FORBIDDEN, "torch.nn.functional.conv_transpose2d")]
    staticmethod_ = [
        "import torch.nn.functional as F",
        "class H:\n    ct = staticmethod(F.conv2d)",
        "def f(x, w):\n    return H.ct(x, w)",
    ]
    assert found(staticmethod_) == [(FORBIDDEN, "torch.nn.functional.conv2d")]


def test_imports_inside_the_function():
    assert found(["def f(x):\n    import torch\n    return torch.flip(x, (0,))"]) == [
        (FORBIDDEN, "torch.flip")
    ]
    assert found(["def f(x):\n    from scipy import ndimage as n\n    return n.shift(x, 1)"]) == [
        (FORBIDDEN, "scipy.ndimage.shift")
    ]
    assert found(
        ["def f(x):\n    def g():\n        import skimage\n        return skimage.data\n    return g()"]
    ) == [(FORBIDDEN, "skimage.data")]


def test_decorators_and_default_arguments_are_reached():
    cells = ["import torch.nn.functional as F", "def f(x, w, _ct=F.conv_transpose2d):\n    return _ct(x, w)"]
    assert found(cells) == [(FORBIDDEN, "torch.nn.functional.conv_transpose2d")]
    decorated = ["import torch.nn.functional as F", "@lambda fn: F.conv2d\ndef f(x, w):\n    return x"]
    assert found(decorated) == [(FORBIDDEN, "torch.nn.functional.conv2d")]


def test_last_definition_counts():
    cheat = "import torch\ndef f(x):\n    return torch.flip(x, (0,))"
    clean = "def f(x):\n    return x[::-1]"
    assert found([cheat, clean]) == []
    assert found([clean, cheat]) == [(FORBIDDEN, "torch.flip")]
    assert found(["from deconv_course.numpy_ops import conv2d as f", clean]) == []
    assert found([clean, "from deconv_course.numpy_ops import conv2d as f"]) == [
        (FORBIDDEN, "deconv_course.numpy_ops.conv2d")
    ]


def test_conditional_bindings_are_all_kept():
    cells = [
        "try:\n    import torch.nn.functional as F\nexcept ImportError:\n    F = None",
        "def f(x, w):\n    return F.conv2d(x, w)",
    ]
    assert found(cells) == [(FORBIDDEN, "torch.nn.functional.conv2d")]
    branch = [
        "import torch\nif True:\n    def f(x):\n        return torch.abs(x)\nelse:\n    def f(x):\n        return abs(x)"
    ]
    assert found(branch) == [(FORBIDDEN, "torch.abs")]


# --------------------------------------------------------------------------------------------
# scoping: locals shadow, but only where Python says so
# --------------------------------------------------------------------------------------------
def test_locals_and_parameters_shadow_module_aliases():
    cells = [
        "import torch.nn.functional as F",
        "def f(x, psf):\n    F = np.fft.fft2(x)\n    H = np.fft.fft2(psf)\n    return np.real(np.fft.ifft2(F / H))",
    ]
    assert found(cells) == []
    assert found(["import torch as t", "def f(t, x):\n    return t(x)"]) == []


def test_nested_scopes_do_not_hide_globals():
    comprehension = [
        "import torch.nn.functional as F",
        "def f(x, w):\n    _ = [0 for F in ()]\n    return F.conv2d(x, w)",
    ]
    assert found(comprehension) == [(FORBIDDEN, "torch.nn.functional.conv2d")]
    class_attr = [
        "import torch.nn.functional as F",
        "class C:\n    F = None\n    def __call__(self, x, w):\n        return F.conv2d(x, w)",
        "f = C()",
    ]
    assert found(class_attr) == [(FORBIDDEN, "torch.nn.functional.conv2d")]
    inner = [
        "import torch.nn.functional as F",
        "def f(x, w):\n    def g():\n        F = 1\n        return F\n    return F.conv2d(x, w) + g()",
    ]
    assert found(inner) == [(FORBIDDEN, "torch.nn.functional.conv2d")]


def test_global_statement_binding_a_module_name():
    cells = [
        "def setup():\n    global F\n    import torch.nn.functional as F",
        "setup()",
        "def f(x, w):\n    return F.conv2d(x, w)",
    ]
    assert found(cells) == [(FORBIDDEN, "torch.nn.functional.conv2d")]


def test_monkeypatched_objects_and_modules():
    patched_np = [
        "import torch",
        "np.einsum = lambda *a: torch.einsum(*a)",
        "def f(x):\n    return np.einsum('ij->ji', x)",
    ]
    assert found(patched_np) == [(FORBIDDEN, "torch.einsum")]
    namespace = [
        "import types, torch",
        "h = types.SimpleNamespace()",
        "h.ct = torch.flip",
        "def f(x):\n    return h.ct(x)",
    ]
    assert found(namespace) == [(FORBIDDEN, "torch.flip")]
    setattr_ = [
        "import torch",
        "setattr(np, 'einsum', torch.einsum)",
        "def f(x):\n    return np.einsum('ij->ji', x)",
    ]
    assert found(setattr_) == [(FORBIDDEN, "torch.einsum")]
    in_a_function = [
        "import torch",
        "def setup():\n    np.einsum = torch.einsum",
        "setup()",
        "def f(x):\n    return np.einsum('ij->ji', x)",
    ]
    assert found(in_a_function) == [(FORBIDDEN, "torch.einsum")]
    registry = ["import torch", "reg = {}", "reg.update(ct=torch.flip)", "def f(x):\n    return reg['ct'](x)"]
    assert found(registry) == [(FORBIDDEN, "torch.flip")]


def test_notebook_level_comparison_with_torch_is_not_a_patch():
    cells = [
        "import torch\nimport torch.nn.functional as F",
        "def f(x):\n    return np.flip(x)",
        "np.testing.assert_allclose(f(np.ones(3)), F.pad(torch.ones(3), (0, 0)).numpy())",
    ]
    assert found(cells) == []


def test_star_imports():
    assert found(["from torch.nn.functional import *", "def f(x, w):\n    return conv2d(x, w)"]) == [
        (FORBIDDEN, "torch.nn.functional.conv2d")
    ]


# --------------------------------------------------------------------------------------------
# dynamic code
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("return __import__('torch').flip(x)", "__import__"),
        ("import importlib\n    return importlib.import_module('torch').flip(x)", "importlib.import_module"),
        ("from importlib import import_module as im\n    return im('torch')", "importlib.import_module"),
        ("exec('import torch')\n    return x", "exec"),
        ("return eval('x')", "eval"),
        ("return compile('1', 's', 'eval')", "compile"),
        ("return globals()['F'].conv2d(x, x)", "globals"),
        ("return vars()['x']", "vars"),
        ("return locals()['x']", "locals"),
        ("import sys\n    return sys.modules['torch']", "sys.modules"),
        ("import os\n    return os.sys.modules['torch']", "sys.modules"),
        ("import builtins\n    return builtins.__import__('torch')", "__import__"),
        ("import builtins\n    return builtins.exec", "exec"),
        ("return __builtins__", "builtins"),
        ("import runpy\n    return runpy.run_path('a.py')", "runpy.run_path"),
        ("import subprocess\n    return subprocess.check_output(['python'])", "subprocess.check_output"),
        ("import os\n    return os.system('python a.py')", "os.system"),
        ("return x.__dict__", "__dict__"),
        ("return f.__globals__['np']", "__globals__"),
        ("return ().__class__.__base__.__subclasses__()", "__base__"),
        ("return get_ipython().run_cell('1')", "get_ipython"),
        ("name = 'con' + 'v2d'\n    return getattr(x, name)", "getattr"),
        ("g = getattr\n    return g(x, 'shape')", "getattr"),
        ("import sys\n    m = sys\n    return m", "sys"),
        ("import pickle\n    return pickle.loads(x)", "pickle.loads"),
        (
            "import typing\n    return typing.ForwardRef('torch')._evaluate({}, {}, frozenset())",
            "typing.ForwardRef",
        ),
        ("import string\n    return string.Formatter().get_field('0.x', [x], {})", "string.Formatter"),
        ("import pydoc\n    return pydoc.locate('torch.flip')(x)", "pydoc.locate"),
        ("import timeit\n    return timeit.timeit('import torch', number=1)", "timeit.timeit"),
        ("from unittest import mock\n    return mock.patch('torch.flip')", "unittest.mock.patch"),
    ],
)
def test_dynamic_escapes(body, name):
    assert (DYNAMIC, name) in found([f"def f(x):\n    {body}"])


def test_getattr_chain_of_the_issue():
    findings = found(["def f(x):\n    return getattr(__import__('sys').modules['torch'], 'flip')(x)"])
    assert (DYNAMIC, "__import__") in findings and (DYNAMIC, "getattr") not in findings


def test_getattr_with_a_constant_name_reads_as_an_attribute():
    assert found(["def f(x):\n    return getattr(x, 'shape', None), hasattr(x, 'ndim')"]) == []
    assert found(
        ["import torch.nn.functional as F", "def f(x, w):\n    return getattr(F, 'conv2d')(x, w)"]
    ) == [(FORBIDDEN, "torch.nn.functional.conv2d")]
    assert found(["def f(x):\n    return getattr(x, '__dict__')"]) == [(DYNAMIC, "__dict__")]


def test_notebook_defined_names_shadow_builtins():
    assert found(["def eval(x):\n    return x", "def f(x):\n    return eval(x)"]) == []


def test_notebook_level_dynamic_code_counts_for_every_question():
    cells = ["exec(open('cheat.py').read())", "def f(x):\n    return x", "def g(x):\n    return x"]
    result = check_notebook([HEAD, *cells], {"q.f": ("f", NUMPY_ONLY), "q.g": ("g", NUMPY_ONLY)})
    for qid, findings in result.items():
        assert [(x.kind, x.name, x.line) for x in findings] == [(DYNAMIC, "exec", (1, 1))]
        assert (
            "notebook-level code uses exec (cell 1, line 1), which can change what " + qid
            in findings[0].message
        )


def test_notebook_level_imports_and_calls_of_torch_are_fine_when_not_reached():
    cells = [
        "import torch\nimport torch.nn.functional as F",
        "def f(x):\n    return x",
        "print(F.conv2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 1, 1)))",
    ]
    assert found(cells) == []


# --------------------------------------------------------------------------------------------
# magics, shell lines and cells that do not parse
# --------------------------------------------------------------------------------------------
def test_magics_and_shell_lines_are_tolerated():
    cells = [
        "%matplotlib inline\n!pip list\nfiles = !ls\nimport torch",
        "%%bash\necho hi",
        "%%time\ndef f(x):\n    %time y = 1\n    return torch.flip(x)",
    ]
    assert found(cells) == [(FORBIDDEN, "torch.flip")]
    assert found(["%%html\n<b>def f(x): return torch.flip(x)</b>"]) == []


@pytest.mark.parametrize(
    "cell",
    [
        "%run solutions/ex03_algorithms.ipynb",
        "%load cheat.py",
        "run cheat.py",
        "%%writefile cheat.py\nimport torch",
    ],
)
def test_magics_that_bring_in_code_are_dynamic(cell):
    assert [k for k, _ in found([cell, "def f(x):\n    return x"])] == [DYNAMIC]


def test_a_cell_that_does_not_parse_is_skipped_and_reported_when_relevant():
    assert found(["def g(:\n    pass", "def f(x):\n    return x"]) == []
    assert found(["def f(x):\n    return x", "def f(x)\n    return torch.flip(x)"]) == [(UNPARSED, "cell 2")]
    assert found(["def f(x):\n    return x", "f = lambda x: x +", "f?"]) == [(UNPARSED, "cell 2")]
    assert found(["def f(x):\n    return x", "f(1 2)", "f??"]) == []
    (finding,) = check_function(["def f(x):\n    return helper(x)", "def helper(x) return x"], "f")
    assert finding.kind == UNPARSED and finding.line == (1, 1) and "cell 1 does not parse" in finding.message


def test_function_never_defined_gives_no_findings():
    assert found(["import torch", "x = torch.ones(3)"]) == []
    assert check_function([], "f") == []


# --------------------------------------------------------------------------------------------
# policies
# --------------------------------------------------------------------------------------------
def test_policy_that_allows_torch():
    cells = [
        "import torch.nn.functional as F\nfrom deconv_course import numpy_ops",
        "def f(x, w):\n    return F.conv2d(x, w) + numpy_ops.conv2d(x, w)",
    ]
    findings = check_function([HEAD, *cells], "f", ("deconv_course",))
    assert [(x.kind, x.name) for x in findings] == [(FORBIDDEN, "deconv_course.numpy_ops.conv2d")]
    assert findings[0].message.endswith("this question does not allow deconv_course")


def test_allowed_exceptions_of_the_policy_table():
    rl = POLICY["ex03b.richardson_lucy"][1]
    assert (
        found(
            ["import scipy.signal", "def f(x):\n    return scipy.signal.convolve(x, x, mode='same')"],
            policy=rl,
        )
        == []
    )
    assert found(
        ["from scipy.signal import fftconvolve", "def f(x):\n    return fftconvolve(x, x)"], policy=rl
    ) == [(FORBIDDEN, "scipy.signal.fftconvolve")]
    rc = POLICY["ex05.resize_conv"][1]
    assert (
        found(
            [
                "from deconv_course.numpy_ops import conv2d, conv_transpose2d",
                "def f(x):\n    return conv2d(x, x)",
            ],
            policy=rc,
        )
        == []
    )
    assert found(
        [
            "from deconv_course.numpy_ops import conv_transpose2d",
            "def f(x):\n    return conv_transpose2d(x, x)",
        ],
        policy=rc,
    ) == [(FORBIDDEN, "deconv_course.numpy_ops.conv_transpose2d")]


def test_numpy_only_forbids_every_other_third_party_module():
    assert found(["import cheat", "def f(x):\n    return cheat.answer(x)"]) == [(FORBIDDEN, "cheat.answer")]
    assert found(["import cv2", "def f(x):\n    return cv2.filter2D(x, -1, x)"]) == [
        (FORBIDDEN, "cv2.filter2D")
    ]
    assert found(["import cheat", "def f(x):\n    return cheat.answer(x)"], policy=Policy(("torch",))) == []
    assert found(["import json", "def f(x):\n    return json.loads(x)"]) == [(FORBIDDEN, "json.loads")]


def test_code_cells_keeps_notebook_indices():
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# t"]},
            {"cell_type": "code", "source": ["import torch\n", "def f(x):\n", "    return torch.flip(x)"]},
        ]
    }
    assert code_cells(notebook) == [(1, "import torch\ndef f(x):\n    return torch.flip(x)")]
    assert check_notebook(notebook, {"q": ("f", NUMPY_ONLY)})["q"][0].line == (1, 3)


def test_asking_whether_a_module_is_loaded_is_not_dynamic_code():
    """The Colab set-up cell that starts every notebook tests ``"google.colab" in sys.modules``."""
    import sys as _sys

    _sys.path.insert(0, str(REPO / "tools"))
    try:
        from colab_cell import cell_source
    finally:
        _sys.path.pop(0)
    body = "def meaning(term):\n    return 'inverse-problem solver'\n"
    assert check_function([cell_source(), body], "meaning") == []
    assert check_function(["import sys\nif 'torch' not in sys.modules:\n    pass\n", body], "meaning") == []
    # fetching from sys.modules is still found, at notebook level and inside the function
    fetch = "import sys\nF = sys.modules['torch']\n"
    assert [f.name for f in check_function([fetch, body], "meaning")] == ["sys.modules"]
    inside = "import sys\ndef meaning(term):\n    return sys.modules.get('x')\n"
    assert [f.name for f in check_function([inside], "meaning")] == ["sys.modules.get"]
