"""Jupyter notebooks (.ipynb) as submissions: turned into a .py module the worker can import.

The grader only parses the notebook (JSON, then Python's `ast`); nothing in it runs here. In
`definitions` mode (the default) only top-level imports, function and class definitions and
simple constant assignments are kept, so importing the module never re-runs a training loop or
a plot; imports are guarded, because notebooks import things (google.colab, matplotlib) that
grading does not need. In `full` mode every cell runs, as in the notebook. In both modes
IPython-only lines (`!pip ...`, `%matplotlib ...`) are skipped and a cell with a syntax error
is left out, each with a note naming the cell, so one bad cell never takes grading down.
"""

from __future__ import annotations

import ast
import builtins
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

NotebookMode = Literal["definitions", "full"]

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_DEFINITIONS = (ast.Import, ast.ImportFrom, *_DEFS)
_PARSE_FAILURES = (SyntaxError, ValueError, RecursionError, MemoryError)  # ValueError: null bytes
_MAX_DEPTH = 100  # deeper trees could overflow the recursion of ast.unparse and of our own walks


class NotebookError(ValueError):
    """Not a notebook we can read; the message is for the student."""


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based position among all cells, markdown included, as the notebook shows them
    source: str

    @property
    def label(self) -> str:
        first = next((line.strip() for line in self.source.splitlines() if line.strip()), "")
        return f"cell {self.number} (`{first[:40]}{'...' if len(first) > 40 else ''}`)"


@dataclass(frozen=True)
class Conversion:
    source: str
    notes: list[str]


@dataclass(frozen=True)
class StagedNotebook:
    path: PurePosixPath | None  # the notebook used, None if none fits
    source: str | None  # its code as a module
    notes: list[str]


def code_cells(text: str) -> list[Cell]:
    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise NotebookError(f"not valid JSON ({str(exc)[:100]})") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("no list of cells (only nbformat 4 notebooks are read; re-save it in Jupyter)")
    out = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if isinstance(source, str):
            out.append(Cell(number, source))
    return out


def to_module(text: str, mode: NotebookMode) -> Conversion:
    """The notebook's code as a module; raises NotebookError if `text` is not a notebook."""
    notes: list[str] = []
    parsed = [(cell, *code) for cell in code_cells(text) if (code := _parse(cell, notes)) is not None]
    if mode == "full":
        return Conversion("".join(f"# {cell.label}\n{code}\n\n" for cell, code, _ in parsed), notes)
    return Conversion(_definitions([(cell, tree) for cell, _, tree in parsed], notes), notes)


def defined_names(text: str) -> set[str]:
    """Top-level functions and classes the notebook defines (to tell which file it stands for)."""
    names = set()
    for cell in code_cells(text):
        if (code := _parse(cell, [])) is not None:
            names |= {s.name for s in code[1].body if isinstance(s, _DEFS)}
    return names


def stage_notebook(wanted: str, template_file: Path, upload: Path, candidates: list[PurePosixPath],
                   mode: NotebookMode) -> StagedNotebook:
    """The upload's notebook standing for `wanted` (a .py the spec names), converted.

    A notebook named like the file wins; otherwise the one defining most of the template's functions
    and classes; otherwise the only notebook there is."""
    notes: list[str] = []
    texts = {}
    for path in sorted((c for c in candidates if c.suffix == ".ipynb"), key=lambda c: (len(c.parts), str(c))):
        try:
            texts[path] = (upload / path).read_text(encoding="utf-8")
            code_cells(texts[path])
        except (OSError, UnicodeDecodeError, NotebookError) as exc:
            texts.pop(path, None)
            notes.append(f"`{path}` is not a readable notebook ({exc}); it was ignored")
    chosen = _choose(PurePosixPath(wanted), template_file, texts)
    if chosen is None:
        return StagedNotebook(None, None, notes)
    conversion = to_module(texts[chosen], mode)
    what = ("its imports, functions, classes and constant assignments (nothing else in the notebook runs "
            "while grading)" if mode == "definitions" else "all of its code, cell by cell")
    notes.append(f"grading notebook `{chosen}` as `{wanted}`: {what}")
    return StagedNotebook(chosen, conversion.source, notes + conversion.notes)


def _choose(wanted: PurePosixPath, template_file: Path, texts: dict[PurePosixPath, str]) -> PurePosixPath | None:
    for path in texts:
        if path.stem == wanted.stem:
            return path
    needed = _template_names(template_file)
    scores = {path: len(needed & defined_names(text)) for path, text in texts.items()}
    best = max(scores, key=scores.get, default=None)  # dicts keep the shallowest-first order on ties
    if best is not None and scores[best] > 0:
        return best
    return next(iter(texts)) if len(texts) == 1 else None


def _template_names(template_file: Path) -> set[str]:
    try:
        tree = ast.parse(template_file.read_text())
    except (OSError, *_PARSE_FAILURES):
        return set()
    return {s.name for s in tree.body if isinstance(s, _DEFS)}


def _parse(cell: Cell, notes: list[str]) -> tuple[str, ast.Module] | None:
    """The cell's code without IPython-only lines, and its tree; None (with a note) if it is not Python."""
    lines = cell.source.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("%%"):
        notes.append(f"{cell.label} is a `{first.split()[0]}` cell magic, which only IPython runs; it was skipped")
        return None
    try:
        return _bounded(cell, cell.source, ast.parse(cell.source), notes)
    except _PARSE_FAILURES:
        pass
    magic = [i for i, line in enumerate(lines) if line.lstrip().startswith(("!", "%"))]
    for i in magic:
        indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
        notes.append(f"cell {cell.number}, line {i + 1}: `{lines[i].strip()[:60]}` is an IPython command; it was "
                     "skipped")
        lines[i] = indent + "pass"
    code = "\n".join(lines)
    try:
        return _bounded(cell, code, ast.parse(code), notes)
    except SyntaxError as exc:
        notes.append(f"{cell.label} has a syntax error at line {exc.lineno} ({exc.msg}); it was skipped")
    except _PARSE_FAILURES as exc:
        notes.append(f"{cell.label} cannot be read as Python ({type(exc).__name__}); it was skipped")
    return None


def _bounded(cell: Cell, code: str, tree: ast.Module, notes: list[str]) -> tuple[str, ast.Module] | None:
    deepest, stack = 0, [(tree, 1)]
    while stack and deepest <= _MAX_DEPTH:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    if deepest > _MAX_DEPTH:
        notes.append(f"{cell.label} is nested more than {_MAX_DEPTH} levels deep; it was skipped")
        return None
    return code, tree


def _definitions(parsed: list[tuple[Cell, ast.Module]], notes: list[str]) -> str:
    available = set(dir(builtins)) | {"__name__", "__file__"}
    unrun: dict[str, tuple[Cell, ast.stmt]] = {}  # globals only code that does not run here would set
    kept: list[tuple[Cell, ast.stmt]] = []
    star_import = False  # `from m import *` binds names we cannot list
    for cell, tree in parsed:
        for stmt in tree.body:
            if not _is_definition(stmt):
                for name in _stored(stmt) - available:
                    unrun.setdefault(name, (cell, stmt))
                continue
            star_import |= isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names)
            missing = set() if star_import else _read_at_definition(stmt) - available
            if missing:
                notes.append(f"{cell.label}: `{_title(stmt)}` needs {_names(missing)}, which only code that does "
                             "not run while grading sets; it was skipped")
                continue
            kept.append((cell, stmt))
            available |= _stored(stmt)
    for cell, stmt in kept:
        if isinstance(stmt, _DEFS):
            used = (_free_names(stmt) & set(unrun)) - available
            if used:
                where = ", ".join(f"`{n}` (set by `{_title(unrun[n][1])}` in cell {unrun[n][0].number})"
                                  for n in sorted(used))
                notes.append(f"`{stmt.name}` uses the global {where}, which is not set while grading: pass "
                             "what it needs as an argument")
    return "".join(_emit(cell, stmt) for cell, stmt in _hoist_future(kept))


def _is_definition(stmt: ast.stmt) -> bool:
    if isinstance(stmt, _DEFINITIONS):
        return True
    if isinstance(stmt, ast.Assign):
        return all(_is_name_target(t) for t in stmt.targets) and _is_constant(stmt.value)
    if isinstance(stmt, ast.AnnAssign):
        return isinstance(stmt.target, ast.Name) and stmt.value is not None and _is_constant(stmt.value)
    return False


def _is_name_target(node: ast.expr) -> bool:
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_is_name_target(e) for e in node.elts)
    return isinstance(node, ast.Name)


def _is_constant(node: ast.expr | None) -> bool:
    """Literals and arithmetic on them, names, attributes (torch.float64), lambdas: nothing that calls."""
    if node is None or isinstance(node, (ast.Constant, ast.Name, ast.Lambda)):
        return True
    if isinstance(node, ast.Attribute):
        return _is_constant(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_constant(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(_is_constant(k) and _is_constant(v) for k, v in zip(node.keys, node.values))
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    return False


def _stored(stmt: ast.stmt) -> set[str]:
    """Global names a top-level statement binds."""
    if isinstance(stmt, _DEFS):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"}
    return {n.id for n in _walk_outside_scopes(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _read_at_definition(stmt: ast.stmt) -> set[str]:
    """Names the statement reads when it runs (a def's decorators and defaults, not its body; a class's
    body, minus what the body itself binds)."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return set()
    loads = {n.id for n in _walk_outside_scopes(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if isinstance(stmt, ast.ClassDef):
        loads -= {name for child in stmt.body for name in _stored(child)}
    return loads


def _walk_outside_scopes(node: ast.AST) -> Iterator[ast.AST]:
    """ast.walk, minus the bodies of functions and lambdas (they run later, when called)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        parts = [*getattr(node, "decorator_list", []), *args.defaults, *[d for d in args.kw_defaults if d],
                 *[a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.annotation],
                 *([node.returns] if getattr(node, "returns", None) else [])]
        for part in parts:
            yield from _walk_outside_scopes(part)
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk_outside_scopes(child)


def _free_names(stmt: ast.stmt) -> set[str]:
    """Names a definition reads that nothing inside it binds: the globals it depends on."""
    loads, stores = set(), set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else stores).add(node.id)
        elif isinstance(node, ast.arg):
            stores.add(node.arg)
    return loads - stores


def _hoist_future(kept: list[tuple[Cell, ast.stmt]]) -> list[tuple[Cell, ast.stmt]]:
    # `from __future__` must open the module; everywhere else it is a syntax error.
    future = [(c, s) for c, s in kept if isinstance(s, ast.ImportFrom) and s.module == "__future__"]
    return future + [item for item in kept if item not in future]


def _emit(cell: Cell, stmt: ast.stmt) -> str:
    code = ast.unparse(stmt)
    if isinstance(stmt, (ast.Import, ast.ImportFrom)) and getattr(stmt, "module", None) != "__future__":
        # A notebook-only import (google.colab, matplotlib) must not stop the rest from loading.
        code = "try:\n    " + code + "\nexcept ImportError:\n    pass"
    return f"# {cell.label}\n{code}\n\n"


def _title(stmt: ast.stmt) -> str:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f"def {stmt.name}"
    if isinstance(stmt, ast.ClassDef):
        return f"class {stmt.name}"
    return ast.unparse(stmt).splitlines()[0][:40]


def _names(names: set[str]) -> str:
    return ", ".join(f"`{n}`" for n in sorted(names))
