"""The self-check from inside a notebook (Jupyter, Colab, VS Code): `autograder.check("conv1d")`.

It grades the visible cases, as `python -m autograder check` does and with the same messages,
on what the student has right now: a graded file edited on disk, else the code the kernel has
executed (its cells in execution order, definitions only), so nothing needs saving first. The
grading runs in a separate `autograder check` process, which runs the student's code in the
sandboxed worker; the kernel only collects its cells and shows the result, as an HTML table
where the notebook renders HTML and as text elsewhere.
"""

from __future__ import annotations

import ast
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import settings
from .reporters.terminal import format_report
from .results.outcomes import OUTCOME_WORDS
from .results.report import CaseResult, GradeReport
from .spec.assignment import list_assignments, load_assignment

KERNEL_NOTEBOOK = "kernel.ipynb"  # the kernel's executed cells, as the upload holds them


class CheckError(Exception):
    """The check cannot run (no such assignment, the grader failed); the message says why."""


class CheckResult:
    """What `check` found: the report, and the views a notebook shows."""

    def __init__(self, report: GradeReport) -> None:
        self.report = report

    @property
    def score(self) -> float:
        return self.report.score

    @property
    def max_score(self) -> float:
        return self.report.max_score

    @property
    def passed(self) -> bool:
        return self.report.status == "completed" and all(c.outcome == "passed" for c in self.report.cases)

    @property
    def cases(self) -> list[CaseResult]:
        return self.report.cases

    def __repr__(self) -> str:
        return format_report(self.report)

    def _repr_html_(self) -> str:
        return render_html(self.report)


def check(assignment: str | None = None, problem: str | None = None, *, timeout_s: float = 600) -> CheckResult:
    """Grades the visible cases of `assignment` (the handout's only one when left out), or of
    one `problem` of it, on the graded files edited on disk and the cells this kernel ran."""
    root = settings.course_root()
    name = assignment or _only_assignment(root)
    spec = load_assignment(name, root=root).spec
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        upload = Path(tmp) / "upload"
        _collect(spec.files, root, name, upload, executed_cells())
        command = [sys.executable, "-m", "autograder", "check", name, str(upload), "--json"]
        if problem is not None:
            command += ["--problem", problem]
        try:
            done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=timeout_s,
                                  env=_environment(root))
        except subprocess.TimeoutExpired:
            raise CheckError(f"the check took longer than {timeout_s:g} s and was stopped") from None
    try:
        return CheckResult(GradeReport.model_validate_json(done.stdout))
    except ValueError:
        raise CheckError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else
                         f"the check exited with status {done.returncode}") from None


def executed_cells() -> list[str]:
    """The code of the cells this kernel executed, in execution order (none outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return []
    shell = get_ipython()
    if shell is None:
        return []
    return [cell for cell in shell.user_ns.get("In", [])[1:] if isinstance(cell, str) and cell.strip()]


def _only_assignment(root: Path) -> str:
    names = list_assignments(root)
    if len(names) != 1:
        raise CheckError(f"name the assignment to check: this handout holds {', '.join(names) or 'none'}")
    return names[0]


def _collect(files: list[str], root: Path, name: str, upload: Path, cells: list[str]) -> None:
    """The upload to grade: each graded .py the student edited on disk (its untouched copy only
    when the kernel's cells define none of what it defines: it would hide them), and the kernel's
    cells as a notebook, which stands for a graded notebook and for any graded .py its cells define."""
    upload.mkdir()
    template = root / "student_template" / name
    for file in files:
        mine, pristine = root / file, template / file
        if file.endswith(".ipynb"):
            if not cells and mine.is_file():
                _copy(mine, upload / file)
            continue
        edited = not (pristine.is_file() and mine.read_bytes() == pristine.read_bytes())
        if mine.is_file() and (edited or not _define_any(cells, _top_level_names(pristine.read_text()))):
            _copy(mine, upload / file)
    if cells:
        notebooks = [f for f in files if f.endswith(".ipynb")]
        target = upload / (notebooks[0] if notebooks else KERNEL_NOTEBOOK)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": cell}
            for cell in cells]}))


def _top_level_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {s.name for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _define_any(cells: list[str], names: set[str]) -> bool:
    """Whether the kernel's cells (the student's own, in the student's own kernel) define any of `names`."""
    return any(names & _top_level_names(cell) for cell in cells)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _environment(root: Path) -> dict[str, str]:
    return {**os.environ, settings.COURSE_ROOT: str(root)}


# --- the HTML view ------------------------------------------------------------------------

_COLOURS = {"passed": "#1a7f37", "not_implemented": "#9a6700"}


def render_html(report: GradeReport) -> str:
    """A table of the cases and, below it, what went wrong in each failed one, as the CLI says it.
    Messages are Markdown whose student text is already literal; raw HTML in them is escaped."""
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": False})
    rows = "".join(
        f"<tr><td>{html.escape(c.number)}</td><td>{html.escape(f'{c.problem}: {c.title}')}</td>"
        f"<td style='text-align:right'>{c.score:g}/{c.points:g}</td>"
        f"<td style='color:{_COLOURS.get(c.outcome, '#cf222e')}'>{html.escape(OUTCOME_WORDS[c.outcome].label)}</td></tr>"
        for c in report.cases)
    failures = "".join(
        f"<details open><summary><b>{html.escape(f'{c.number} {c.problem}: {c.title}')}</b> — "
        f"{html.escape(OUTCOME_WORDS[c.outcome].label)}</summary>{markdown.render(c.message)}"
        + (f"<p>Your code printed:</p><pre>{html.escape(c.output)}</pre>" if c.output.strip() else "")
        + "</details>" for c in report.cases if c.outcome != "passed")
    notes = "".join(f"<li>{markdown.renderInline(n)}</li>" for n in report.notes)
    status = "" if report.status == "completed" else f"<div>{markdown.render(report.message)}</div>"
    return (f"<div><p><b>{html.escape(report.title)}</b>: {report.score:g} / {report.max_score:g} points on the "
            f"visible cases ({report.seconds:.2f} s)</p>{status}"
            f"<table><thead><tr><th>#</th><th>case</th><th>points</th><th>result</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>" + (f"<ul>{notes}</ul>" if notes else "") + failures + "</div>")
