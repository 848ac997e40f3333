"""Hand-written wrong and hostile submissions, built from the solution notebooks.

Each entry of :data:`SUBMISSIONS` says which solution notebook it starts from, which graded
functions it rewrites (whole cells, written out below by hand) and which cells it inserts. A test
writes them with :func:`write_all` into a temporary folder and grades them in one batch.
``EXPECTED`` holds what each submission has *earned*: its score, per-question statuses and the
hints its mistakes must trigger.

Run ``python tests/submissions/make_submissions.py DIR`` to write them for a manual look
(``deconv-course grade DIR --out grades -j 2``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"

# ------------------------------------------------------------------------------------------------
# wrong answers: the misconceptions the hints are aimed at
# ------------------------------------------------------------------------------------------------
CT_FLIPPED = '''
def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
    x = np.asarray(input, dtype=float)
    w = np.asarray(weight, dtype=float)[..., ::-1, ::-1]   # mistake: kernel flipped
    N, C_in, H, W = x.shape
    _, C_out, kh, kw = w.shape
    full_h = (H - 1) * stride + kh + output_padding
    full_w = (W - 1) * stride + kw + output_padding
    full = np.zeros((N, C_out, full_h, full_w))
    for i in range(H):
        for j in range(W):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
                "nc,cokl->nokl", x[:, :, i, j], w)
    return full[:, :, padding:full_h - padding, padding:full_w - padding]
'''

SIZE_OFF_BY_ONE = '''
def conv_transpose_output_size(input_size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    return (input_size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding  # no + 1
'''

CT_LAYOUT = '''
def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
    x = np.asarray(input, dtype=float)
    w = np.asarray(weight, dtype=float)
    N, C_in, H, W = x.shape
    C_out, _, kh, kw = w.shape          # mistake: Conv2d's (out, in) layout
    full_h = (H - 1) * stride + kh + output_padding
    full_w = (W - 1) * stride + kw + output_padding
    full = np.zeros((N, C_out, full_h, full_w))
    for i in range(H):
        for j in range(W):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
                "nc,ockl->nokl", x[:, :, i, j], w)
    return full[:, :, padding:full_h - padding, padding:full_w - padding]
'''

OPAD_ZERO = '''
def output_padding_for(input_size, kernel_size, stride=1, padding=0, dilation=1):
    return 0   # mistake: output_padding forgotten
'''

CT_ONE_SIDE = '''
def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
    x = np.asarray(input, dtype=float)
    w = np.asarray(weight, dtype=float)
    N, C_in, H, W = x.shape
    _, C_out, kh, kw = w.shape
    full_h = (H - 1) * stride + kh + output_padding
    full_w = (W - 1) * stride + kw + output_padding
    full = np.zeros((N, C_out, full_h, full_w))
    for i in range(H):
        for j in range(W):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
                "nc,cokl->nokl", x[:, :, i, j], w)
    return full[:, :, :full_h - 2 * padding, :full_w - 2 * padding]   # mistake: cropped at the end only
'''

CT_NO_OP = '''
def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
    x = np.asarray(input, dtype=float)
    w = np.asarray(weight, dtype=float)
    N, C_in, H, W = x.shape
    _, C_out, kh, kw = w.shape
    full_h = (H - 1) * stride + kh      # mistake: output_padding ignored
    full_w = (W - 1) * stride + kw
    full = np.zeros((N, C_out, full_h, full_w))
    for i in range(H):
        for j in range(W):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
                "nc,cokl->nokl", x[:, :, i, j], w)
    return full[:, :, padding:full_h - padding, padding:full_w - padding]
'''

DOC_INT_BUFFER = '''
def same_correlation(image, kernel):
    image = np.asarray(image)
    kernel = np.asarray(kernel)
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    out = np.zeros_like(image)          # mistake: inherits the image's int dtype
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out
'''

CONV2D_FLIPPED = '''
def conv2d(input, weight, bias=None, stride=1, padding=0):
    x = np.pad(np.asarray(input, dtype=float), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    w = np.asarray(weight, dtype=float)[..., ::-1, ::-1]   # mistake: true convolution
    N, C_in, H, W = x.shape
    C_out, _, kh, kw = w.shape
    oh, ow = (H - kh) // stride + 1, (W - kw) // stride + 1
    out = np.zeros((N, C_out, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("nckl,ockl->no", window, w)
    if bias is not None:
        out += np.asarray(bias, dtype=float)[None, :, None, None]
    return out
'''

POOL_GLOBAL = '''
def avg_pool2d(x, kernel_size):
    return np.asarray(x, dtype=float).mean(axis=(-2, -1))   # the article's global mean
'''

CONVOLVE_NOT_FLIPPED = '''
def convolve2d(image, kernel):
    return correlate2d(image, kernel)   # mistake: kernel not flipped
'''

# ------------------------------------------------------------------------------------------------
# hostile pieces
# ------------------------------------------------------------------------------------------------
MEANING_SYNTAX_ERROR = '''
def meaning(term)
    return "upsampling operator"
'''

MEANING_LOOP = '''
def meaning(term):
    while True:
        pass
'''

MEANING_SYS_EXIT = '''
def meaning(term):
    import sys
    sys.exit("I quit")
'''

MEANING_OS_EXIT = '''
def meaning(term):
    import os
    os._exit(0)
'''

MEANING_INT = '''
def meaning(term):
    return 42
'''

BLUR_NAN = '''
def circular_blur(image, psf):
    return np.full(np.shape(image), np.nan)
'''

MEANING_WRONG = '''
def meaning(term):
    return "no idea"
'''

BLUR_ZEROS = '''
def circular_blur(image, psf):
    return np.zeros(np.shape(image))
'''

TAMPER = '''
import numpy as np
import deconv_course.grading as grading
import deconv_course.grading.compare as compare
import deconv_course.grading.questions as questions
import deconv_course.grading.kernel_side.harness as harness
import torch

# a check that always praises
def check(*args, **kwargs):
    print("all public cases passed")

# comparisons that always succeed
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.testing.assert_allclose = lambda *a, **k: None
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True

# the grading modules, edited
compare.compare = lambda *a, **k: (True, "")
compare.judge_case = lambda *a, **k: {"status": "passed", "passed": True, "message": "", "hint": ""}
compare.score_question = lambda q, cases: (q.points, "passed")
grading.judge_case = compare.judge_case
grading.score_question = compare.score_question
harness.plain = lambda value, *a, **k: {"type": "str", "value": "forged"}
for q in list(questions.QUESTIONS.values()):
    object.__setattr__(q, "points", 1000)

# forge the harness's results after every cell, with an unsafe file name
def forge(result):
    import glob, json, os
    for folder in glob.glob(os.path.join(os.path.dirname(os.getcwd()), "io-*")):
        with open(os.path.join(folder, "results.json"), "w") as f:
            json.dump([{"status": "ok", "result": {"type": "array", "file": "../../../etc/passwd"}}] * 50, f)

get_ipython().events.register("post_run_cell", forge)
'''

MEMORY_HOG = '''
try:
    big = np.ones((1 << 31,))   # 16 GiB: refused under the grader's memory limit
except MemoryError:
    big = None
    raise
'''

FLOOD = '''
while True:
    print("x" * 10000)
'''

DOC_WRONG_SHAPE = '''
def same_correlation(image, kernel):
    image = np.asarray(image, dtype=float)
    return np.pad(image, 1)   # wrong shape
'''

CONV2D_INT = '''
def conv2d(input, weight, bias=None, stride=1, padding=0):
    x = np.pad(np.asarray(input, dtype=float), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    w = np.asarray(weight, dtype=float)
    N, C_in, H, W = x.shape
    C_out, _, kh, kw = w.shape
    oh, ow = (H - kh) // stride + 1, (W - kw) // stride + 1
    out = np.zeros((N, C_out, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("nckl,ockl->no", window, w)
    if bias is not None:
        out += np.asarray(bias, dtype=float)[None, :, None, None]
    return out.astype(np.int64)   # wrong dtype
'''

POOL_STRINGS = '''
def avg_pool2d(x, kernel_size):
    return ["not", "numbers"]
'''

BACKGROUND_MARKER = "deconv-background-child-3f9a1c"

# a child that would outlive the kernel; the test looks for MARKER in every process's argv
BACKGROUND_CHILD = '''
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", MARKER], start_new_session=True)
'''

# ------------------------------------------------------------------------------------------------
# the submissions: base solution, replaced functions, inserted cells (right after the set-up cell)
# ------------------------------------------------------------------------------------------------
SUBMISSIONS = {
    # wrong answers (partial marks, hints)
    "wrong_flipped_kernel.ipynb": ("ex03_algorithms", {"conv_transpose2d": CT_FLIPPED,
                                                       "conv_transpose_output_size": SIZE_OFF_BY_ONE}, []),
    "wrong_weight_layout.ipynb": ("ex03_algorithms", {"conv_transpose2d": CT_LAYOUT,
                                                      "output_padding_for": OPAD_ZERO}, []),
    "wrong_padding_side.ipynb": ("ex03_algorithms", {"conv_transpose2d": CT_ONE_SIDE}, []),
    "wrong_output_padding.ipynb": ("ex03_algorithms", {"conv_transpose2d": CT_NO_OP}, []),
    "wrong_ex04.ipynb": ("ex04_fixing_the_code", {"same_correlation": DOC_INT_BUFFER, "conv2d": CONV2D_FLIPPED,
                                                  "avg_pool2d": POOL_GLOBAL}, []),
    "wrong_ex02.ipynb": ("ex02_core_concepts", {"convolve2d": CONVOLVE_NOT_FLIPPED}, []),
    # hostile
    "hostile_syntax_error.ipynb": ("ex01_two_meanings", {"meaning": MEANING_SYNTAX_ERROR}, []),
    "hostile_exception.ipynb": ("ex01_two_meanings", {}, ['raise RuntimeError("boom")']),
    "hostile_endless_cell.ipynb": ("ex01_two_meanings", {}, ["while True:\n    pass"]),
    "hostile_endless_function.ipynb": ("ex01_two_meanings", {"meaning": MEANING_LOOP}, []),
    "hostile_sys_exit.ipynb": ("ex01_two_meanings", {"meaning": MEANING_SYS_EXIT}, ["import sys\nsys.exit(3)"]),
    "hostile_os_exit_cell.ipynb": ("ex01_two_meanings", {}, ["import os\nos._exit(1)"]),
    "hostile_os_exit_function.ipynb": ("ex01_two_meanings", {"meaning": MEANING_OS_EXIT}, []),
    "hostile_exit_builtin.ipynb": ("ex01_two_meanings", {}, ["exit()"]),
    "hostile_flood.ipynb": ("ex01_two_meanings", {}, [FLOOD]),
    "hostile_missing_function.ipynb": ("ex01_two_meanings", {"circular_blur": None}, []),
    "hostile_bad_returns.ipynb": ("ex01_two_meanings", {"meaning": MEANING_INT, "circular_blur": BLUR_NAN}, []),
    "hostile_shape_dtype.ipynb": ("ex04_fixing_the_code", {"same_correlation": DOC_WRONG_SHAPE,
                                                           "conv2d": CONV2D_INT, "avg_pool2d": POOL_STRINGS}, []),
    "hostile_tamper.ipynb": ("ex01_two_meanings", {"meaning": MEANING_WRONG, "circular_blur": BLUR_ZEROS},
                             [TAMPER]),
    "hostile_memory.ipynb": ("ex01_two_meanings", {}, [MEMORY_HOG]),
    # a child process left running: the kernel's whole process group is killed at the end
    "hostile_background_child.ipynb": ("ex01_two_meanings", {}, [BACKGROUND_CHILD]),
}

# score earned, and {question id: (status, substring of a hint or message or None)}
EXPECTED = {
    # the off-by-one size also breaks output_padding_for, which calls it
    "wrong_flipped_kernel.ipynb": (10, {"ex03.conv_transpose2d": ("failed", "kernel flipped"),
                                        "ex03.output_size": ("failed", "expected"),
                                        "ex03.output_padding": ("failed", None)}),
    "wrong_weight_layout.ipynb": (None, {"ex03.conv_transpose2d": ("partial", "weight layout"),
                                         "ex03.output_padding": (None, "output_padding missing")}),
    "wrong_padding_side.ipynb": (None, {"ex03.conv_transpose2d": ("partial", "padding cropped on one side")}),
    "wrong_output_padding.ipynb": (None, {"ex03.conv_transpose2d": ("partial", "output_padding missing")}),
    "wrong_ex04.ipynb": (4, {"ex04.same_correlation": ("failed", "integer output"),
                             "ex04.unfold": ("passed", None),  # left as solved: its 4 points are earned
                             "ex04.conv2d": ("failed", "kernel flipped"),
                             "ex04.avg_pool2d": ("failed", "global mean")}),
    "wrong_ex02.ipynb": (11, {"ex02.convolve2d": ("failed", "kernel not flipped")}),  # 13 - convolve2d's 2
    "hostile_syntax_error.ipynb": (2, {"ex01.meaning": ("missing", None), "ex01.circular_blur": ("passed", None)}),
    "hostile_exception.ipynb": (4, {}),
    "hostile_endless_cell.ipynb": (4, {}),
    "hostile_endless_function.ipynb": (2, {"ex01.meaning": ("failed", "took longer")}),
    "hostile_sys_exit.ipynb": (2, {"ex01.meaning": ("failed", "SystemExit")}),
    "hostile_os_exit_cell.ipynb": (4, {}),
    "hostile_os_exit_function.ipynb": (2, {"ex01.meaning": ("error", "died")}),
    "hostile_exit_builtin.ipynb": (4, {}),
    "hostile_flood.ipynb": (4, {}),
    "hostile_missing_function.ipynb": (2, {"ex01.circular_blur": ("missing", None)}),
    "hostile_bad_returns.ipynb": (0, {"ex01.meaning": ("failed", "return a string"),
                                      "ex01.circular_blur": ("failed", "NaN")}),
    "hostile_shape_dtype.ipynb": (4, {"ex04.same_correlation": ("failed", "wrong shape"),
                                      "ex04.unfold": ("passed", None),
                                      "ex04.conv2d": ("failed", "wrong dtype"),
                                      "ex04.avg_pool2d": ("failed", "not an array of numbers")}),
    "hostile_tamper.ipynb": (0, {}),
    "hostile_memory.ipynb": (4, {}),
    "hostile_background_child.ipynb": (4, {}),
}


def build(name: str, marker: str | None = None) -> nbformat.NotebookNode:
    base, functions, inserted = SUBMISSIONS[name]
    nb = nbformat.read(str(SOLUTIONS / f"{base}.ipynb"), as_version=4)
    for fname, src in functions.items():
        hits = [c for c in nb.cells if c.cell_type == "code" and f"def {fname}(" in c.source]
        if len(hits) != 1:
            raise LookupError(f"{base}: expected one cell defining {fname}, found {len(hits)}")
        if src is None:
            nb.cells.remove(hits[0])
        else:
            hits[0].source = src.strip("\n")
    # inserted cells go right after the set-up cell (the one that imports check)
    setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "import check" in c.source)
    for k, src in enumerate(inserted):
        if marker is not None:
            src = src.replace("MARKER", repr(marker))
        nb.cells.insert(setup + 1 + k, nbformat.v4.new_code_cell(src.strip("\n")))
    for cell in nb.cells:  # submissions arrive as saved by students: outputs do not matter
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def write_all(dest) -> list[Path]:
    """Write every submission plus three files that are not gradable notebooks; return the paths."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SUBMISSIONS:
        nbformat.write(build(name, marker=BACKGROUND_MARKER), str(dest / name))
        paths.append(dest / name)
    (dest / "not_a_notebook.ipynb").write_text("this is not JSON {", encoding="utf-8")
    (dest / "empty_object.ipynb").write_text("{}", encoding="utf-8")
    anon = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(anon, str(dest / "unknown_exercise.ipynb"))
    paths += [dest / "not_a_notebook.ipynb", dest / "empty_object.ipynb", dest / "unknown_exercise.ipynb"]
    return paths


if __name__ == "__main__":
    for p in write_all(sys.argv[1] if len(sys.argv) > 1 else "submissions_out"):
        print(p)
