"""One submission, start to finish: spec -> cases -> isolated run -> judging -> report.

The one module that knows every stage; the stages know only those before them. `grade` raises
only for grader faults (a broken spec or reference); everything a submission can do, including
not existing, ends up as a `GradeReport`.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from .expected import KnownMistake, expected_outputs, known_mistakes
from .judging.checks import load_checks
from .judging.judge import case_result, judge
from .results.markdown import code, code_span
from .results.report import CaseResult, GradeReport
from .sandbox.inspection_run import confined_inspector
from .sandbox.plan import Limits, cpu_budget
from .sandbox.runner import Budget, CallOutcome, CallRequest, ErrorInfo, prepare_workspace, run_calls
from .sandbox.spawn import StartedWorker
from .sandbox.uids import grading_uid
from .spec.assignment import Assignment
from .spec.cases import Case, generate_inputs, select_cases
from .spec.loader import SpecError
from .submission.staging import StagedSubmission, SubmissionError, module_name, stage

# What the reader of the student's files may use: plenty for any notebook a course hands out, and
# under Gradescope's 768 MB, so that a cell too large to parse fails with MemoryError (that cell is
# skipped) instead of the whole reader being killed by the container (the file would be lost).
READER_MEMORY_MB = 512


class GradingPlan(BaseModel):
    """What grading a submission of the assignment needs before any submission is read: its cases,
    their inputs, the reference's outputs, the library's mistakes and the staff's checks. A batch
    makes it once and grades every submission with it (`prepare`); the inputs are read-only, so
    nothing a grading does to them reaches the next."""
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    assignment: Assignment
    cases: list[Case]
    inputs: dict[str, dict[str, Any]]
    expected: dict[str, Any]
    mistakes: dict[str, list[KnownMistake]]
    checks: dict[str, Callable[..., Any]]  # checks.CheckFunction


def prepare(assignment: Assignment, *, visible_only: bool = False, problem: str | None = None) -> GradingPlan:
    """The plan for grading the assignment's cases (only the visible ones, only one problem's)."""
    spec = assignment.spec
    cases = select_cases(assignment, visible_only)
    if problem is not None:
        names = [p.name for p in spec.problems]
        if problem not in names:
            raise SpecError(f"{assignment.name} has no problem {problem!r}; its problems: {', '.join(names)}")
        cases = [c for c in cases if c.problem == problem]
    inputs = {c.id: _read_only(generate_inputs(c)) for c in cases}
    return GradingPlan(assignment=assignment, cases=cases, inputs=inputs,
                       expected=expected_outputs(assignment, cases, inputs),
                       mistakes=known_mistakes(assignment, cases), checks=load_checks(assignment))


def _read_only(values: dict[str, Any]) -> dict[str, Any]:
    for value in values.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return values


def grade(assignment: Assignment | GradingPlan, upload: Path, *, visible_only: bool = False,
          started: StartedWorker | None = None, problem: str | None = None,
          sandbox_user: bool = True, lanes_at_once: bool = False) -> GradeReport:
    """`assignment`: the assignment, or the plan `prepare` made of it (then `visible_only` and
    `problem` are the plan's). `started`: a worker started earlier (`spawn.start`) to use first;
    it is discarded if the submission never gets to run. `problem`: grade that problem's cases
    only. `sandbox_user`: as root, run student code as a sandbox uid (Gradescope); False for a
    self-check on the student's own machine (Colab and Docker run as root), where the separate
    process, its limits and the seccomp filter stay but no uid drop is needed, so no folder has to
    be open to other users. `lanes_at_once`: run the spec's lanes at once (spare cores) rather
    than one after another; the verdicts are the same."""
    start = time.monotonic()
    try:
        plan = assignment if isinstance(assignment, GradingPlan) else \
            prepare(assignment, visible_only=visible_only, problem=problem)
        return _grade(plan, upload, started, sandbox_user, lanes_at_once, start)
    finally:
        if started is not None:
            started.discard()


def _grade(plan: GradingPlan, upload: Path, started: StartedWorker | None, sandbox_user: bool, lanes_at_once: bool,
           start: float) -> GradeReport:
    assignment, cases, inputs = plan.assignment, plan.cases, plan.inputs
    spec = assignment.spec
    budget = Budget.starting_now(spec.grading_timeout_s, spec.max_worker_restarts)

    def report(status: str, message: str = "", results: list[CaseResult] = (), notes: list[str] = ()) -> GradeReport:
        return GradeReport(assignment=spec.name, title=spec.title, status=status, message=message,
                           cases=list(results), notes=list(notes), seconds=time.monotonic() - start)

    uids = grading_uid() if sandbox_user else contextlib.nullcontext(None)
    with uids as uid, tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        base = Path(tmp)
        base.chmod(0o711)  # traversable, not listable, by the sandbox uid
        inspect = confined_inspector(base, uid=uid, memory_mb=min(spec.memory_limit_mb, READER_MEMORY_MB),
                                     timeout_s=spec.startup_timeout_s,
                                     budget=budget)
        try:
            staged = stage(spec.files, assignment.template_dir, Path(upload), base, uid, spec.notebook.mode, inspect)
        except SubmissionError as exc:
            return report("submission_error", f"Your submission could not be graded: {exc}",
                          [case_result(c, "error", "not run: the submission could not be read (see above)")
                           for c in cases])
        if staged.nothing_found:
            return report("submission_error", staged.nothing_found,
                          [case_result(c, "error", "not run: nothing in the submission could be graded (see above)")
                           for c in cases], staged.notes)
        requests = _requests(cases, inputs, spec.lanes)
        limits = Limits(cpu_seconds=cpu_budget(spec.startup_timeout_s, [r.timeout_s for r in requests]),
                        memory_mb=spec.memory_limit_mb)

        def run(folder: Path, root: Path, worker: StartedWorker | None,
                stop: Callable[[ErrorInfo], bool] | None = None) -> dict[str, CallOutcome]:
            workspace = prepare_workspace(folder, root, assignment.harness_path, uid,
                                          [(module_name(f), f) for f in spec.files])
            return {o.id: o for o in run_calls(workspace, requests, limits=limits, startup_timeout_s=spec.startup_timeout_s,
                                               uid=uid, started=worker, budget=budget, stop_on_failed_import=stop,
                                               lanes_at_once=lanes_at_once)}

        retried = _read_again(staged) if spec.notebook.mode == "definitions" else None
        outcomes = run(base, staged.root, started, retried)
        if retried is not None and (failed := _import_failures(staged, outcomes, retried, spec.startup_timeout_s)):
            # Once, and only for what failed: the definitions of a file are what its cases grade.
            again = base / "definitions"
            staged = stage(spec.files, assignment.template_dir, Path(upload), again, uid, spec.notebook.mode, inspect,
                           read_as_notebook={f: f"{why}, so it was read as a notebook is" for f, why in failed.items()})
            outcomes = run(again, staged.root, None)
        notes = staged.notes

    results = [judge(c, outcomes[c.id], plan.expected[c.id], inputs[c.id], plan.checks, spec.memory_limit_mb,
                     plan.mistakes.get(c.id, [])) for c in cases]
    if not_graded := sum(r.outcome == "grader_error" for r in results):
        # The run's status tells the staff (results.json's extra_data, batch, regress); the
        # student reads that it is not about their work. No case ids: hidden ones stay unnamed.
        return report("grader_error", f"{not_graded} case(s) could not be graded because of a problem in the "
                                      "autograder, not in your code; they count as full points for now. The course "
                                      "staff can see what went wrong.", results, notes)
    return report("completed", results=results, notes=notes)


_SYNTAX_ERRORS = frozenset({"SyntaxError", "IndentationError", "TabError"})  # read as a notebook, nothing is left


def _read_again(staged: StagedSubmission) -> Callable[[ErrorInfo], bool]:
    """Which failed imports grade the file again, read as a notebook: those of a graded .py staged
    as it is, but for a syntax error."""
    return lambda error: error.module in staged.copied and error.type not in _SYNTAX_ERRORS


def _import_failures(staged: StagedSubmission, outcomes: dict[str, CallOutcome], read_again: Callable[[ErrorInfo], bool],
                     startup_timeout_s: float) -> dict[str, str]:
    """The graded .py files staged as they are whose import raised (`read_again`) or took too long
    (a driver left outside `if __name__ == "__main__":`, a test that fails at the bottom), with
    why, in Markdown: their functions may still be right."""
    failed = {}
    for outcome in outcomes.values():
        err = outcome.error
        if outcome.status == "startup_timeout":
            for f in staged.copied:
                failed.setdefault(f, f"importing {code_span(f)} took longer than {startup_timeout_s:g} s")
        elif err is not None and read_again(err):
            failed.setdefault(err.module, f"{code_span(err.module)} could not be imported "
                                          f"({code(f'{err.type}: {err.message}')})")
    return failed


def _requests(cases: list[Case], inputs: dict[str, dict[str, Any]], lanes: int) -> list[CallRequest]:
    """The calls in run order, each with its phase and lane. Visible cases first: student code
    sees a hidden case's inputs, and may keep them (in HOME, in memory), but no visible case runs
    after it to print them. A memory-checked case has a worker of its own; the others share the
    `lanes` workers, which serve the visible ones and then, once all of those have ended, the
    hidden ones. So four phases: visible memory-checked, visible others, hidden others, hidden
    memory-checked. In each shared phase the costliest case goes first to the lane with the least
    cost so far (the lowest of equals), so that cases of equal cost take turns."""
    requests = []
    for phase in range(4):
        chosen = [c for c in cases if _phase(c) == phase]
        lane = {c.id: 0 for c in chosen}
        if phase in (1, 2):
            load = [0.0] * lanes
            for case in sorted(chosen, key=lambda c: -c.cost):
                lane[case.id] = min(range(lanes), key=load.__getitem__)
                load[lane[case.id]] += case.cost
        requests += [CallRequest(id=c.id, call=c.call, args=inputs[c.id], timeout_s=c.timeout_s,
                                 max_extra_memory_mb=c.max_extra_memory_mb, phase=phase, lane=lane[c.id])
                     for c in chosen]
    return requests


def _phase(case: Case) -> int:
    hidden, alone = case.visibility != "visible", case.max_extra_memory_mb is not None
    return 2 * hidden + (alone == hidden)
