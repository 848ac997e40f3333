"""A static check of *how* a graded function computes its answer.

The grader compares results; this module reads the notebook's code. For one graded function it
finds the definition that execution would leave (the last top-level binding of the name), then
every name that definition reaches: through module-level imports and assignments, through the
notebook's other functions, classes and lambdas that it uses (transitively, each once), and
through imports inside it. It reports

* ``"forbidden module"``: a reached name from a module the question does not allow, such as
  ``torch.nn.functional.conv_transpose2d`` where the question says NumPy only;
* ``"dynamic code"``: a way to reach code by string that no static check can follow:
  ``__import__``, ``importlib``, ``exec``, ``eval``, ``compile``, ``globals()``, ``vars()``,
  ``sys.modules``, ``getattr`` with a computed name, dunder attributes such as ``__dict__``,
  ``get_ipython()``, ``%run``, ... Notebook-level code (outside any function) that does this
  is reported for every question, since it can replace what any function calls;
* ``"unparsed cell"``: a cell that is not Python and mentions the function or a name it uses.

``getattr(obj, "name")`` with a constant name is read as ``obj.name`` and checked like it. NumPy,
pure Python and the ``check`` helper (``deconv_course.grading.check``) are always allowed; under
``NUMPY_ONLY`` so are a few plain standard modules (``math``, ``itertools``, ...), and every other
module is forbidden. The check is pure: it reads source text and never imports or runs it.

Limits: it checks how code is written, not what it does at run time. Data that carries code
(``np.load(..., allow_pickle=True)``, a file the notebook wrote and then imports under a standard
module's name), library internals, and objects handed in from outside (parameters, return values
of allowed calls) are not followed; results are still checked by the grader.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FORBIDDEN, DYNAMIC, UNPARSED = "forbidden module", "dynamic code", "unparsed cell"
ANY_OTHER = "*"  # in a policy: every module but NumPy and the plain standard modules below
NUMPY_ONLY = ("deconv_course", "torch", "scipy", "skimage", ANY_OTHER)
ALWAYS_ALLOWED = frozenset({"deconv_course.grading.check"})  # exactly: the module itself is not
_PLAIN = {"numpy", "math", "cmath", "itertools", "functools", "operator", "collections", "fractions", "decimal",
          "numbers", "statistics", "random", "string", "re", "typing", "dataclasses", "enum", "copy", "heapq",
          "bisect", "array", "time", "warnings", "abc", "contextlib", "types", "textwrap", "sys", "os",
          "__future__"}  # fmt: skip
_DYNAMIC_BUILTINS = {"__import__", "exec", "eval", "compile", "globals", "locals", "vars", "getattr",
                     "setattr", "delattr", "breakpoint", "get_ipython"}  # fmt: skip
_DYNAMIC_MODULES = ("importlib", "builtins", "runpy", "subprocess", "ctypes", "pickle", "marshal", "pkgutil",
                    "zipimport", "code", "codeop", "gc", "inspect", "sys.modules", "sys._getframe",
                    "sys.meta_path", "operator.attrgetter", "operator.methodcaller", "typing.get_type_hints",
                    "pydoc", "timeit", "doctest", "pdb", "cProfile", "profile", "trace", "unittest.mock",
                    "logging.config", "shelve", "copyreg", "numpy.ctypeslib", "numpy.f2py", "typing.ForwardRef",
                    "typing._eval_type", "string.Formatter", "IPython.get_ipython", "IPython.core")  # fmt: skip
_DYNAMIC_OS = re.compile(r"os\.(system|popen|exec\w*|spawn\w*|posix_spawn\w*|fork\w*)$")
_STARTS_PROCESS = re.compile(r"(subprocess(\.\w+)*|os\.(system|popen|spawn\w*|posix_spawn\w*|fork\w*))$")
_REACHED = {"sys", "os", "builtins", "importlib", "subprocess", "pickle"}
_WHOLE_MODULES = {"sys", "os", "operator"}  # passed around as objects, they can be searched by string
_DUNDERS = {"__dict__", "__globals__", "__builtins__", "__code__", "__closure__", "__subclasses__",
            "__bases__", "__base__", "__mro__", "__getattribute__", "__getattr__", "__setattr__",
            "__loader__", "__spec__", "__import__", "__self__", "__func__", "__wrapped__", "__reduce__",
            "__reduce_ex__", "f_globals", "f_locals", "f_builtins", "f_back", "tb_frame", "gi_frame",
            "cr_frame"}  # fmt: skip
_RUN_CELL_MAGICS = {"time", "timeit", "capture", "prun"}  # their body runs as Python in the kernel
_CODE_MAGICS = {"run", "load", "loadpy", "store", "macro", "rerun", "recall", "paste", "cpaste", "edit",
                "writefile", "file"}  # fmt: skip
_MAGIC_LINE = re.compile(r"\s*(?:[\w.,\s]+=\s*)?(%{1,2}|!)(\w*)")
_IMPORTS = (ast.Import, ast.ImportFrom)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)  # fmt: skip


@dataclass(frozen=True)
class Policy:
    """What one question forbids: module prefixes, exceptions to them, and the reason shown."""

    forbidden: tuple[str, ...] = NUMPY_ONLY
    allowed: tuple[str, ...] = ()
    reason: str = "this question asks for NumPy only"


@dataclass(frozen=True)
class Finding:
    """One reason to doubt how a function computes its answer; ``line`` is (cell, line in cell)."""

    kind: str
    name: str
    line: tuple[int, int]
    message: str


def _within(name: str, prefixes: Sequence[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _import_names(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """Local name -> qualified name, for one import statement (star imports left out)."""
    if isinstance(node, ast.Import):
        return {
            a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0] for a in node.names
        }
    module = "." * node.level + (node.module or "")
    return {a.asname or a.name: f"{module}.{a.name}" for a in node.names if a.name != "*"}


def _own_nodes(roots: list[ast.AST]) -> list[ast.AST]:
    """The nodes under ``roots`` that run in the same scope (nested scopes kept, not entered)."""
    out, stack = [], list(roots)
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return out


@dataclass
class _Scope:
    local: set[str]
    imports: dict[str, str]
    globals: set[str]
    is_class: bool


def _scope_of(node: ast.AST) -> _Scope:
    """The names a function, lambda, class or comprehension binds itself (Python's scoping rules)."""
    scope = _Scope(set(), {}, set(), isinstance(node, ast.ClassDef))
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = node.args
        scope.local |= {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x}
        roots = node.body if isinstance(node.body, list) else [node.body]
    elif isinstance(node, ast.ClassDef):
        roots = list(node.body)
    else:
        roots = [g.target for g in node.generators]
    nonlocal_names = set()
    for n in _own_nodes(roots):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            scope.local.add(n.id)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            scope.imports.update(_import_names(n))
        elif isinstance(n, ast.Global):
            scope.globals.update(n.names)
        elif isinstance(n, ast.Nonlocal):
            nonlocal_names.update(n.names)
        elif (
            isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)) and n.name
        ):
            scope.local.add(n.name)
    scope.local -= scope.globals | nonlocal_names
    return scope


def _prepare(source: str) -> tuple[str | None, list[tuple[str, int]]]:
    """Blank out IPython magics and shell lines; also return the magics that bring in code."""
    lines, magics = source.splitlines(), []
    head = _MAGIC_LINE.match(lines[0]) if lines else None
    if head and head.group(1) == "%%":
        if head.group(2) in _CODE_MAGICS:
            magics.append(("%%" + head.group(2), 1))
        if head.group(2) not in _RUN_CELL_MAGICS:
            return None, magics
        lines[0] = ""
    for i, line in enumerate(lines):
        m = _MAGIC_LINE.match(line)
        if m and (m.group(1) == "!" or m.group(2)):
            if m.group(1) != "!" and m.group(2) in _CODE_MAGICS:
                magics.append(("%" + m.group(2), i + 1))
            lines[i] = ""
    return "\n".join(lines), magics


class _Notebook:
    """The parsed code cells and what each module-level name may be bound to."""

    def __init__(self, cells: Sequence[tuple[int, str]]):
        self.unparsed: list[tuple[int, int, str, str]] = []  # cell, line, error, source
        self.magics: list[tuple[str, int, int]] = []  # name, cell, line
        self.bindings: dict[str, list[tuple[int, str | ast.AST, int]]] = {}  # cell, value, line
        self.stars: list[str] = []
        self.trees: list[tuple[int, ast.Module]] = []
        for index, source in cells:
            code, magics = _prepare(source)
            self.magics += [(name, index, line) for name, line in magics]
            if code is None:
                continue
            try:
                self.trees.append((index, ast.parse(code)))
            except SyntaxError as err:
                self.unparsed.append((index, err.lineno or 1, err.msg, source))
                for i, line in enumerate(code.splitlines()):  # IPython's "automagic": `run x.py`
                    word = re.match(r"\s*(\w+)\s+\S", line)
                    if word and word.group(1) in _CODE_MAGICS and not _compiles(line.strip()):
                        self.magics.append(("%" + word.group(1), index, i + 1))
        for cell, tree in self.trees:
            self._collect(tree.body, cell, conditional=False)
            for node in _own_nodes([tree]):  # module-level calls may mutate an object: a.update(...)
                root = self._mutated(node, assignments=False)
                if root:
                    self._bind(root, cell, node, True, node.lineno)
            for func in ast.walk(tree):  # a function run at module level may bind or patch globals
                if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    scope = _scope_of(func)
                    for n in ast.walk(func):
                        for name, qualified in _import_names(n).items() if isinstance(n, _IMPORTS) else ():
                            if name in scope.globals:  # `global F; import torch.nn.functional as F`
                                self._bind(name, cell, qualified, True, n.lineno)
                        root = self._mutated(n, assignments=True)
                        if root and root not in scope.local and root not in scope.imports:
                            self._bind(root, cell, func, True, func.lineno)  # `np.einsum = ...`
                    for name in scope.globals:
                        self._bind(name, cell, func, True, func.lineno)

    def _mutated(self, node: ast.AST, assignments: bool) -> str | None:
        """The name whose object ``node`` may change in place: a.b = v, a[k] = v, setattr(a, ...), a.m()."""
        if assignments and isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            return next((_root(t) for t in targets if isinstance(t, (ast.Attribute, ast.Subscript))), None)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "setattr" and node.args:
                return _root(node.args[0])
            name = _root(getattr(node.func, "value", None))  # a method call, not np.testing.f(...)
            if name and any(not isinstance(v, str) for _, v, _ in self.bindings.get(name, [])):
                return name
        return None

    def _bind(self, name: str, cell: int, value: str | ast.AST, conditional: bool, line: int = 1) -> None:
        if conditional:
            self.bindings.setdefault(name, []).append((cell, value, line))
        else:
            self.bindings[name] = [(cell, value, line)]

    def _collect(self, body: list[ast.stmt], cell: int, conditional: bool) -> None:
        """Record the bindings of module-level statements in order; later ones replace earlier."""
        for stmt in body:
            for name, value in _header_bindings(stmt):
                self._bind(name, cell, value, conditional=True)
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                    self.stars.append("." * stmt.level + (stmt.module or ""))
                for name, qualified in _import_names(stmt).items():
                    self._bind(name, cell, qualified, conditional, stmt.lineno)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._bind(stmt.name, cell, stmt, conditional)
            elif isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and stmt.value is not None:
                for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    for n in ast.walk(target):
                        if isinstance(n, ast.Name):  # `a = v` rebinds a; `a.b = v`, `a[k] = v` mutate a
                            rebind = isinstance(n.ctx, ast.Store) and not isinstance(stmt, ast.AugAssign)
                            self._bind(n.id, cell, stmt.value, conditional or not rebind)
            else:
                for part in ("body", "orelse", "finalbody", "handlers", "cases"):
                    inner = getattr(stmt, part, None) or []
                    inner = [s for x in inner for s in (x.body if hasattr(x, "pattern") or
                             isinstance(x, ast.ExceptHandler) else [x])]  # fmt: skip
                    self._collect(inner, cell, conditional=True)


def _root(node: ast.AST | None) -> str | None:
    """``a`` for ``a``, ``a.b.c`` or ``a[k].b``; None when the chain does not start at a name."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _header_bindings(stmt: ast.stmt) -> list[tuple[str, ast.AST]]:
    """Names bound by the header of a compound statement (for, with, except) and by `:=`."""
    pairs: list[tuple[ast.AST | None, ast.AST]] = []
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        pairs.append((stmt.target, stmt.iter))
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        pairs += [(item.optional_vars, item.context_expr) for item in stmt.items]
    elif isinstance(stmt, ast.Try):
        pairs += [(ast.Name(h.name), h.type) for h in stmt.handlers if h.name and h.type]
    pairs += [(n.target, n.value) for n in _own_nodes([stmt]) if isinstance(n, ast.NamedExpr)]
    return [
        (n.id, value)
        for target, value in pairs
        if target
        for n in ast.walk(target)
        if isinstance(n, ast.Name)
    ]


def _compiles(line: str) -> bool:
    try:
        ast.parse(line)
    except SyntaxError:
        return False
    return True


class _Walker(ast.NodeVisitor):
    """Visits what a function reaches, resolving names scope by scope, and records the hits.

    With ``follow=False`` it checks notebook-level code only: it does not enter function bodies
    or follow names into their definitions, and only dynamic code counts.
    """

    def __init__(self, nb: _Notebook, policy: Policy, follow: bool = True):
        self.nb, self.policy, self.follow = nb, policy, follow
        self.scopes: list[_Scope] = []
        self.visited: set[int] = set()
        self.unresolved: set[str] = set()
        self.hits: dict[tuple[str, str, int, int], None] = {}  # an ordered set
        self.pending: list[tuple[int, ast.AST]] = []  # definitions reached, still to visit
        self.cell = 0

    def walk(self, cell: int, node: ast.AST) -> None:
        """Visit a module-level node of ``cell``, then every definition it reaches."""
        self.pending.append((cell, node))
        while self.pending:
            self.cell, node = self.pending.pop()
            self.scopes = []
            self.visit(node)

    def _scoped(self, node: ast.AST, inner: list) -> None:
        self.scopes.append(_scope_of(node))
        for child in inner:
            self.visit(child)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        a = node.args  # decorators, defaults and annotations run in the enclosing scope
        args = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
        for child in [*getattr(node, "decorator_list", []), *a.defaults, *a.kw_defaults,
                      getattr(node, "returns", None), *[x.annotation for x in args if x]]:  # fmt: skip
            if child is not None:
                self.visit(child)
        if self.follow:
            self._scoped(node, node.body if isinstance(node.body, list) else [node.body])

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for child in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(child)
        self._scoped(node, node.body)

    def _comprehension(self, node: ast.AST) -> None:
        self._scoped(node, list(ast.iter_child_nodes(node)))

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            for qualified in self._resolve(node.id):
                self.check(qualified, node.lineno)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attrs, root = [], node
        while isinstance(root, ast.Attribute):
            attrs.insert(0, root.attr)
            root = root.value
        for attr in attrs:
            if attr in _DUNDERS:
                self._hit(DYNAMIC, attr, node.lineno)
        if not isinstance(root, ast.Name):
            self.visit(root)
        elif isinstance(root.ctx, ast.Load):
            for qualified in self._resolve(root.id):
                self.check(".".join([qualified, *attrs]), node.lineno)

    def visit_Compare(self, node: ast.Compare) -> None:
        # `"google.colab" in sys.modules` only asks whether a module is loaded: it fetches nothing
        right = node.comparators[0]
        if (len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn))
                and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
                and isinstance(right, ast.Attribute) and right.attr == "modules"
                and isinstance(right.value, ast.Name) and self._resolve(right.value.id) == ["sys"]):  # fmt: skip
            return
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        f, args = node.func, node.args
        if (isinstance(f, ast.Name) and f.id in ("getattr", "setattr", "delattr", "hasattr")
                and self._resolve(f.id) == [f"builtins.{f.id}"] and len(args) >= 2
                and isinstance(args[1], ast.Constant) and isinstance(args[1].value, str)):  # fmt: skip
            self.visit(ast.copy_location(ast.Attribute(args[0], args[1].value, ast.Load()), node))
            for child in [*args[2:], *node.keywords]:  # getattr(obj, "name") reads as obj.name
                self.visit(child)
        else:
            self.generic_visit(node)

    def _resolve(self, name: str) -> list[str]:
        """The qualified names ``name`` may stand for here; notebook definitions are visited."""
        for depth, scope in enumerate(reversed(self.scopes)):
            if scope.is_class and depth > 0:  # a class body is not visible from its methods
                continue
            if name in scope.globals:
                break
            if name in scope.imports:
                return [scope.imports[name]]
            if name in scope.local:
                return []  # a local: the code that binds it is visited where it stands
        if name in self.nb.bindings:
            found = []
            for cell, value, _ in self.nb.bindings[name]:
                if isinstance(value, str):
                    found.append(value)
                elif self.follow and id(value) not in self.visited:
                    self.visited.add(id(value))  # each definition once: recursion terminates
                    self.pending.append((cell, value))
            return found
        if name == "__builtins__":
            return ["builtins"]
        if hasattr(builtins, name) or name in ("get_ipython", "display"):
            return [f"builtins.{name}"]
        self.unresolved.add(name)
        return [f"{module}.{name}" for module in self.nb.stars]

    def check(self, qualified: str, line: int) -> None:
        """Record ``qualified`` (a dotted name used on ``line``) when the policy or a rule says so."""
        parts = qualified.split(".")
        if qualified in ALWAYS_ALLOWED:
            return
        for i in range(1, len(parts)):
            if parts[i] in _REACHED:  # a module reached through another one: os.sys.modules
                self.check(".".join(parts[i:]), line)
        if parts[0] == "builtins" and len(parts) > 1:
            if parts[1] in _DYNAMIC_BUILTINS:
                self._hit(DYNAMIC, parts[1], line)
        elif (
            qualified in _WHOLE_MODULES
            or _within(qualified, _DYNAMIC_MODULES)
            or _DYNAMIC_OS.match(qualified)
        ):
            self._hit(DYNAMIC, qualified, line)
        elif self.follow and not _within(qualified, self.policy.allowed):
            forbidden = self.policy.forbidden
            if _within(qualified, forbidden) or (ANY_OTHER in forbidden and parts[0] not in _PLAIN):
                self._hit(FORBIDDEN, qualified, line)

    def _hit(self, kind: str, name: str, line: int) -> None:
        self.hits.setdefault((kind, name, self.cell, line))


def _as_policy(policy: Policy | Sequence[str]) -> Policy:
    if isinstance(policy, Policy):
        return policy
    forbidden = tuple(policy)
    if ANY_OTHER in forbidden or {"torch", "scipy", "skimage"} <= set(forbidden):
        return Policy(forbidden)
    return Policy(forbidden, reason=f"this question does not allow {', '.join(forbidden)}")


def code_cells(notebook: Mapping | Sequence[str]) -> list[tuple[int, str]]:
    """(cell index, source) of each code cell of an nbformat-like dict or a list of sources."""
    if isinstance(notebook, Mapping):
        return [(i, "".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                for i, c in enumerate(notebook.get("cells", [])) if c.get("cell_type") == "code"]  # fmt: skip
    return list(enumerate(notebook))


def _findings(nb: _Notebook, name: str, policy: Policy, label: str) -> list[Finding]:
    if name not in nb.bindings:
        return []  # never defined: the grader reports it missing
    walker = _Walker(nb, policy)
    walker.visited.update(id(value) for _, value, _ in nb.bindings[name])
    for cell, value, line in nb.bindings[name]:
        if isinstance(value, str):  # the graded name imported, e.g. `from torch... import conv2d`
            walker.cell = cell
            walker.check(value, line)
        else:
            walker.walk(cell, value)
    top = _Walker(nb, policy, follow=False)
    for cell, tree in nb.trees:
        top.walk(cell, tree)
    out = []
    for kind, what, cell, line in walker.hits:
        where = f"(cell {cell}, line {line})"
        if kind == FORBIDDEN:
            message = f"{label} calls {what} {where}; {policy.reason}"
        else:
            message = f"{label} uses {what} {where}, which can run code this check cannot see"
        out.append(Finding(kind, what, (cell, line), message))
    # starting a process at notebook level cannot rebind a name; only code that runs code can
    top_hits = [(w, c, n) for _, w, c, n in top.hits if not _STARTS_PROCESS.match(w)]
    for what, cell, line in top_hits + nb.magics:
        where = f"(cell {cell}, line {line})"
        out.append(Finding(DYNAMIC, what, (cell, line),
                           f"notebook-level code uses {what} {where}, which can change what {label} calls"))  # fmt: skip
    words = "|".join(map(re.escape, [name, *sorted(walker.unresolved)]))  # cells that may define them:
    mentioned = re.compile(rf"(def|class)\s+({words})\b|\b({words})\s*(=[^=]|:=)|import\s.*\b({words})\b")
    for cell, line, error, source in nb.unparsed:
        if mentioned.search(source):
            out.append(Finding(UNPARSED, f"cell {cell}", (cell, line),
                               f"cell {cell} does not parse (line {line}: {error}); what it defines for "
                               f"{label} cannot be checked"))  # fmt: skip
    return out


def check_function(cells: Sequence[str], name: str, policy: Policy | Sequence[str] = NUMPY_ONLY,
                   label: str | None = None) -> list[Finding]:  # fmt: skip
    """Findings for the function ``name`` in a notebook's code cells; an empty list means clean."""
    return _findings(_Notebook(list(enumerate(cells))), name, _as_policy(policy), label or name)


def check_notebook(notebook: Mapping | Sequence[str],
                   questions: Mapping[str, tuple[str, Policy | Sequence[str]]]) -> dict[str, list[Finding]]:  # fmt: skip
    """Findings per question id, for ``questions`` = {id: (function name, policy or forbidden)}."""
    nb = _Notebook(code_cells(notebook))
    return {qid: _findings(nb, fn, _as_policy(policy), qid) for qid, (fn, policy) in questions.items()}


_NUMPY = Policy()
_SCIPY_CONVOLVE = Policy(allowed=("scipy.signal.convolve",), reason="this question allows NumPy and scipy.signal.convolve only")  # fmt: skip
_SCIPY_OPTIMIZE = Policy(allowed=("scipy.optimize",), reason="this question allows NumPy and scipy.optimize only")  # fmt: skip
_COURSE_CONV2D = Policy(allowed=("deconv_course.numpy_ops.conv2d",), reason="this question allows NumPy and the imported conv2d only")  # fmt: skip
_BY_HAND = Policy(forbidden=("numpy", *NUMPY_ONLY), reason="this question asks for numbers you computed by hand: return literal lists and call no library")  # fmt: skip

# Question id -> (graded function, policy). Every exercise's header says "use NumPy only unless a
# question allows more"; each comment quotes what the question's own text adds.
POLICY: dict[str, tuple[str, Policy]] = {
    # returns "upsampling operator" or "inverse-problem solver": the header rule only
    "ex01.meaning": ("meaning", _NUMPY),
    # "Tip: np.roll(image, (a, b), axis=(0, 1)) ..."
    "ex01.circular_blur": ("circular_blur", _NUMPY),
    # "It must equal scipy.signal.correlate2d(image, kernel, mode="valid") (don't call it)."
    "ex02.correlate2d": ("correlate2d", _NUMPY),
    # "(you may call your correlate2d). It must equal scipy.signal.convolve2d(...)"
    "ex02.convolve2d": ("convolve2d", _NUMPY),
    # "This is what F.linear(F.avg_pool2d(F.conv2d(x, k, padding=1), 2).flatten(), W, b) computes."
    "ex02.recipe_forward": ("recipe_forward", _NUMPY),
    # "The function must not compute anything: no NumPy, no PyTorch, just your numbers"
    "ex02.predict_by_hand": ("predicted_output", _BY_HAND),
    # "C @ x equals F.conv1d(x, kernel, stride=stride, padding=padding) ... NumPy only."
    "ex02.conv_matrix1d": ("conv_matrix1d", _NUMPY),
    # "returning an int: the output size of PyTorch's ConvTranspose2d along one axis"
    "ex03.output_size": ("conv_transpose_output_size", _NUMPY),
    # "the int that makes ConvTranspose2d restore input_size"
    "ex03.output_padding": ("output_padding_for", _NUMPY),
    # "C @ x.ravel() equals the cross-correlation F.conv2d(x, kernel, ...) flattened"
    "ex03.conv_matrix": ("conv_matrix", _NUMPY),
    # "equal to torch.nn.functional.conv_transpose2d ... by scatter"
    "ex03.conv_transpose2d": ("conv_transpose2d", _NUMPY),
    # "insert stride - 1 zeros ... cross-correlate ('valid') with the kernel flipped"
    "ex03.zero_insert": ("conv_transpose2d_zero_insert", _NUMPY),
    # "returning True when <forward(x), y> = <x, backward(y)> for random x and y"
    "ex03.is_adjoint": ("is_adjoint", _NUMPY),
    # "zero-pad ... roll ... and return the 2-D FFT"
    "ex03b.psf2otf": ("psf2otf", _NUMPY),
    # "(This equals skimage.restoration.wiener(image, psf, balance, ...).)"
    "ex03b.wiener": ("wiener_filter", _NUMPY),
    # "where * is scipy.signal.convolve(..., mode="same") (you may use it here)"
    "ex03b.richardson_lucy": ("richardson_lucy", _SCIPY_CONVOLVE),
    # "bisect ... or use a root finder from scipy.optimize"
    "ex03b.discrepancy": ("discrepancy_balance", _SCIPY_OPTIMIZE),
    # "any rule that uses only the blurred image, the PSF and sigma ... NumPy and scipy.optimize"
    "ex03b.choose_lambda": ("choose_lambda", _SCIPY_OPTIMIZE),
    # "J = alpha * image + (1 - alpha) * blurred ... NumPy only"
    "ex03b.edge_taper": ("edge_taper", _NUMPY),
    # "one division per frequency ... NumPy only"
    "ex03b.admm_x_update": ("admm_x_update", _NUMPY),
    # "return "gaussian" or "poisson""
    "ex03b.noise_model": ("noise_model", _NUMPY),
    # "computes, written with NumPy" (F.conv2d(..., padding="same") is what it equals)
    "ex04.same_correlation": ("same_correlation", _NUMPY),
    # "equal to torch.nn.functional.unfold(input, kernel_size, ...)" (the header: NumPy only)
    "ex04.unfold": ("unfold", _NUMPY),
    # "equal to torch.nn.functional.conv2d" (with stride, padding, dilation, groups)
    "ex04.conv2d": ("conv2d", _NUMPY),
    # "equal to F.avg_pool2d(x, kernel_size, stride, padding)"
    "ex04.avg_pool2d": ("avg_pool2d", _NUMPY),
    # "the output for an all-ones input and an all-ones kernel"
    "ex05.overlap_map": ("overlap_map", _NUMPY),
    # "equal to F.pixel_shuffle"
    "ex05.pixel_shuffle": ("pixel_shuffle", _NUMPY),
    # "The imported conv2d may help." (the exercise imports deconv_course.numpy_ops.conv2d)
    "ex05.resize_conv": ("resize_conv", _COURSE_CONV2D),
    # "Count multiply-adds ... returning the pair (scatter, zero_insertion)"
    "ex05.upsampling_cost": ("transposed_conv_macs", _NUMPY),
    # "returning E_s as a float, with NumPy (np.fft.fft2)"
    "ex05.checkerboard_energy": ("checkerboard_energy", _NUMPY),
    # "returning W of shape (C_out * r * r, C_in, k, k), NumPy only"
    "ex05.icnr": ("icnr", _NUMPY),
    # "returning a dict from "q1" ... "q10" to your letter"
    "ex06.quiz": ("quiz_answers", _NUMPY),
}
