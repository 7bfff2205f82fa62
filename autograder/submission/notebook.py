"""Notebooks (and cells pasted from modules) as modules the worker imports, composed in the grader
from what `inspection.py` read inside the sandbox.

The module runs each kept top-level statement of each cell, compiled under the name
"NOTEBOOK, cell N" with the cell's own line numbers, so tracebacks and notes point at notebook
cells, never at a generated file. In definitions mode (the default) only imports, definitions
and constant assignments run (`inspection._choose_statements`), and, for at most SETTER_SECONDS
each, the code that sets a global they use; so a 150,000-step training cell is never re-run in
full. Guarded statements that fail are skipped, so one cell can never take the module down. A
template may go first, so that what the student's notebook does not define keeps the
template's version (the untouched template is "not implemented").
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..results.markdown import code_span

NotebookMode = Literal["definitions", "full"]
# How the module runs a kept statement: as is, skipped if it raises, or that and stopped after
# SETTER_SECONDS (code that sets a global a kept definition uses; it may be a training loop).
StatementRun = Literal["plain", "guarded", "limited"]
SETTER_SECONDS = 2.0


class CellPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int  # 1-based among all the notebook's cells, markdown included, as Jupyter shows them
    title: str | None  # the file a pasted cell stands for (`#@title Optim.py`)
    source: str  # with IPython-only lines replaced by `pass`
    statements: list[tuple[int, StatementRun]]  # (index in the cell's body, how it runs)


class InspectionNote(BaseModel):
    model_config = ConfigDict(frozen=True)

    what: str
    cell: int
    line: int | None = None
    text: str = ""  # student text: shown literally
    names: list[str] = []
    setter: dict | None = None  # for needs_unrun_global: {"cell": n, "text": ...}


class WrittenFile(BaseModel):
    """What a notebook's `%%writefile PATH` cells leave in PATH once it ran (`-a` appends)."""
    model_config = ConfigDict(frozen=True)

    path: str  # as the cell names it: student text
    cells: list[int]  # the cells that wrote it, in order
    text: str


class FileFacts(BaseModel):
    """What inspection read of one file of the upload (or the template)."""
    model_config = ConfigDict(frozen=True)

    kind: Literal["py", "ipynb", "unreadable"]
    error: str | None = None
    names: list[str] = []  # top-level functions and classes
    cells: list[CellPlan] = []
    notes: list[InspectionNote] = []
    written: list[WrittenFile] = []


class ModulePart(BaseModel):
    """Code the composed module runs: cells of a notebook (or of a .py read as one cell) under
    `origin`, or, with `whole`, one trusted source run as is (a .py template)."""
    model_config = ConfigDict(frozen=True)

    origin: str
    cells: list[CellPlan] = []
    whole: str | None = None


_LOADER = f'''\
def _autograder_load():
    import ast
    import linecache
    import signal
    namespace = globals()

    class _AutograderSlow(BaseException):
        pass

    def _autograder_slow(signum, frame):
        raise _AutograderSlow

    class _AutograderFailedImport:
        """What a name that a failed import would have bound is: using it says why it is missing."""

        def __init__(self, message):
            object.__setattr__(self, "_autograder_message", message)

        def _autograder_fail(self, *args, **kwargs):
            raise ModuleNotFoundError(object.__getattribute__(self, "_autograder_message"))

        __call__ = __getitem__ = __iter__ = __enter__ = _autograder_fail

        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            self._autograder_fail()

    def _autograder_bound(statement):
        if isinstance(statement, ast.Import):
            return [(a.asname or a.name).split(".")[0] for a in statement.names]
        return [a.asname or a.name for a in statement.names if a.name != "*"]

    def _autograder_cell(filename, source, statements=None):
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        if statements is None:  # trusted code, run as is
            exec(compile(source, filename, "exec"), namespace)
            return
        body = ast.parse(source, filename).body
        for index, run in statements:
            code = compile(ast.Module([body[index]], []), filename, "exec")
            if run == "plain":
                exec(code, namespace)
                continue
            limited = run == "limited"
            previous = signal.signal(signal.SIGALRM, _autograder_slow) if limited else None
            try:
                try:
                    if limited:  # again and again, past code that catches it
                        signal.setitimer(signal.ITIMER_REAL, {SETTER_SECONDS}, 0.05)
                    exec(code, namespace)
                finally:
                    if limited:
                        signal.setitimer(signal.ITIMER_REAL, 0)
            except ImportError as error:
                if isinstance(body[index], (ast.Import, ast.ImportFrom)):
                    for name in _autograder_bound(body[index]):
                        namespace.setdefault(name, _AutograderFailedImport(
                            f"{{error}}: `{{name}}` comes from an import in {{filename}} that failed while grading"))
            except (Exception, _AutograderSlow):
                pass
            if limited:
                signal.signal(signal.SIGALRM, previous)

'''


def module_source(parts: list[ModulePart]) -> str:
    """A module that runs `parts` in order, each under file names that say where its code came from."""
    lines = [f'"""Composed by the autograder from {", ".join(p.origin for p in parts)!r}."""\n\n', _LOADER]
    for part in parts:
        if part.whole is not None:
            name = f"{part.origin} (template)"
            lines.append(f"    _autograder_cell({name!r}, {part.whole!r})\n")
        for cell in part.cells:
            if cell.statements:
                lines.append(f"    _autograder_cell({cell_file(part.origin, cell.number)!r}, {cell.source!r}, "
                             f"{[tuple(s) for s in cell.statements]!r})\n")
    lines.append("\n\n_autograder_load()\ndel _autograder_load\n")
    return "".join(lines)


def cell_file(origin: str, number: int) -> str:
    """The file name tracebacks show for a cell's code (the worker keeps those frames)."""
    return f"{origin}, cell {number}"


def title_cells(facts: FileFacts, file_name: str) -> list[CellPlan]:
    """The cells pasted from `file_name` (`#@title Optim.py` stands for optim.py), by their titles."""
    wanted = file_name.lower()
    return [c for c in facts.cells if c.title and c.title.replace("\\", "/").rsplit("/", 1)[-1].lower() == wanted]


def describe(origin: str, note: InspectionNote) -> str:
    """A note for the student, in Markdown; the student's own text stays literal."""
    script = origin.lower().endswith(".py")  # a notebook's .py export is read as one cell: no cell to name
    where = code_span(origin) + ("" if script else f" cell {note.cell}") + (f", line {note.line}" if note.line else "")
    text = code_span(note.text) if note.text else ""
    names = ", ".join(code_span(n) for n in note.names)
    if note.what == "cell_magic":
        return f"{where} is a {text} cell magic, which only IPython runs; it was skipped"
    if note.what == "ipython_line":
        return f"{where}: {text} is an IPython command; it was skipped"
    if note.what == "syntax_error":
        return f"{where} has a syntax error ({text}); the cell was skipped"
    if note.what == "not_python":
        return f"{where} cannot be read as Python ({text}); it was skipped"
    if note.what == "too_large":
        return f"{where} ({text}) is too large to read within the grader's memory limit; it was skipped"
    if note.what == "too_deep":
        return f"{where} is nested too deeply to read; it was skipped"
    if note.what == "needs_unrun_name":
        return (f"{where}: {text} needs {names}, which only code that does not run while grading sets; "
                "it was skipped")
    if note.what == "runs_when_defined":
        return (f"{where}: {text} calls code while it is being defined (a decorator, a default value or its "
                "class body); that code runs while grading")
    if note.what == "needs_unrun_global":
        setter = note.setter or {}
        by = f"{code_span(str(setter.get('text', '')))} in cell {setter.get('cell')}" if setter else "other code"
        return (f"{where}: {text} uses the global {names}, set by {by}, which runs while grading for this only: it "
                f"is skipped if it fails or takes more than {SETTER_SECONDS:g} s")
    return f"{where}: {text}"
