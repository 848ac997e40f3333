"""A similarity report across a batch, for the instructor to review: never a verdict, never a score.

For each graded function, the code of every submission is *normalised*: parsed with :mod:`ast`
(nothing runs), docstrings dropped (comments never reach the tree), and arguments and local
names renamed canonically (``v0, v1, ...`` in order of first use), so that renaming variables
and re-commenting do not hide a copy. Two lists come out, in ``DIR/similarity.md`` and
``DIR/similarity.csv``:

* groups of submissions whose normalised code of one function is identical;
* groups whose WRONG answers are identical: the same digests of the returned values on every
  hidden case of a question that they did not pass (identical right answers say nothing).

Short functions are often written the same way by people who never met, and a common mistake is
common: a group is a reason to look, not a finding. Scores are never touched.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import hashlib
from collections import defaultdict
from pathlib import Path

from .questions import QUESTIONS

_SKIP = {"not attempted", "missing", "not callable", "passed", "forbidden method"}


class _Canon(ast.NodeTransformer):
    """Rename the function's arguments and local names to v0, v1, ... (globals and attributes kept)."""

    def __init__(self, local: set[str]) -> None:
        self.local, self.names = local, {}

    def _name(self, n: str) -> str:
        if n not in self.local:
            return n
        return self.names.setdefault(n, f"v{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._name(node.arg)
        node.annotation = None
        return node


def _strip_docstrings(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            first = body[0].value if body and isinstance(body[0], ast.Expr) else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                node.body = body[1:] or [ast.Pass()]


def normalise_function(fn: ast.FunctionDef) -> str:
    """The canonical text of one function definition (its name kept, the rest renamed)."""
    fn = ast.parse(ast.unparse(fn)).body[0]  # a copy
    _strip_docstrings(fn)
    local = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            local.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not fn:
            local.add(node.name)
    fn.returns = None
    canon = _Canon(local)
    fn.args = canon.visit(fn.args)
    fn.body = [canon.visit(stmt) for stmt in fn.body]
    fn.decorator_list = []
    return ast.unparse(fn)


def _is_stub(fn: ast.FunctionDef) -> bool:
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def function_codes(cells: list[str], names: set[str]) -> dict[str, str]:
    """name -> normalised code of the last definition of each graded function in the cells."""
    found: dict[str, str] = {}
    for src in cells:
        try:
            tree = ast.parse(src)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # IPython magics, broken cells: nothing to compare
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in names:
                if _is_stub(node):
                    found.pop(node.name, None)
                    continue
                with contextlib.suppress(RecursionError, ValueError, MemoryError):
                    found[node.name] = normalise_function(node)
    return found


def notebook_cells(path: Path) -> list[str]:
    from .runner import read_notebook

    try:
        nb = read_notebook(Path(path))
    except ValueError:
        return []
    return [str(c.get("source", "")) for c in nb.cells if c.get("cell_type") == "code"]


def _who(rep: dict) -> str:
    return f"{rep.get('student') or rep['submission']} ({rep['submission']})"


def similarity(reports: list[dict], notebooks: list[Path | None]) -> dict:
    """{"code": [groups], "wrong": [groups]}; each group {"question", "hash", "members": [...]}."""
    code: dict[tuple[str, str], list[dict]] = defaultdict(list)
    wrong: dict[tuple[str, tuple], list[dict]] = defaultdict(list)
    for rep, nb in zip(reports, notebooks):
        qs = {q["id"]: q for q in rep.get("questions", [])}
        names = {QUESTIONS[qid].name: qid for qid in qs if qid in QUESTIONS}
        if nb is not None:
            for name, text in function_codes(notebook_cells(nb), set(names)).items():
                code[(names[name], hashlib.sha256(text.encode()).hexdigest()[:12])].append(rep)
        for qid, q in qs.items():
            if q.get("status") in _SKIP:
                continue
            digests = tuple(c.get("digest") or c.get("status", "") for c in q.get("cases", []))
            if any(c.get("digest") for c in q.get("cases", [])):
                wrong[(qid, digests)].append(rep)

    def groups(d: dict) -> list[dict]:
        out = []
        for (qid, key), members in d.items():
            students = {m.get("student") or m["submission"] for m in members}
            if len(students) >= 2:
                h = key if isinstance(key, str) else hashlib.sha256(repr(key).encode()).hexdigest()[:12]
                out.append({"question": qid, "hash": h, "members": sorted(_who(m) for m in members)})
        return sorted(out, key=lambda g: (g["question"], -len(g["members"]), g["hash"]))

    return {"code": groups(code), "wrong": groups(wrong)}


def write_similarity(reports: list[dict], notebooks: list[Path | None], out_dir: Path) -> dict:
    """``similarity.md`` and ``similarity.csv`` in ``out_dir``; returns the groups."""
    sim = similarity(reports, notebooks)
    with open(out_dir / "similarity.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["kind", "question", "group", "size", "member"])
        for kind, label in (("code", "identical normalised code"), ("wrong", "identical wrong answers")):
            for g in sim[kind]:
                for m in g["members"]:
                    w.writerow([label, g["question"], g["hash"], len(g["members"]), m])
    lines = [
        "# Similarity report (for review; not a verdict, and no score depends on it)",
        "",
        "Short functions are often written alike independently, and a common mistake is common.",
        "",
    ]
    for kind, title in (("code", "Identical normalised code"), ("wrong", "Identical wrong answers")):
        lines += [f"## {title}", ""]
        if not sim[kind]:
            lines += ["None.", ""]
        for g in sim[kind]:
            lines.append(f"- **{g['question']}** (group {g['hash']}, {len(g['members'])} submissions):")
            lines += [f"  - {m}" for m in g["members"]]
        lines.append("")
    (out_dir / "similarity.md").write_text("\n".join(lines), encoding="utf-8")
    return sim
