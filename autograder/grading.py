"""One submission, start to finish: spec -> cases -> isolated run -> comparison -> report.

`grade` raises only for grader faults (a broken spec or reference); everything a submission
can do, including not existing, ends up as a `GradeReport`.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from .assignments import Assignment
from .cases import Case, generate_inputs, iter_cases
from .compare import CheckFunction, compare, describe
from .expected import expected_outputs
from .limits import Limits
from .results import CaseResult, GradeReport, code_block, code_span
from .runner import CallOutcome, CallRequest, cpu_budget, prepare_workspace, run_calls
from .submission import SubmissionError, stage
from .uidslots import grading_uid
from .worker_process import StartedWorker


def select_cases(assignment: Assignment, visible_only: bool = False) -> list[Case]:
    return [c for c in iter_cases(assignment.spec) if not visible_only or c.visibility == "visible"]


def grade(assignment: Assignment, upload: Path, *, visible_only: bool = False,
          started: StartedWorker | None = None) -> GradeReport:
    """`started`: a worker started earlier (`worker_process.start`) to use first; it is
    discarded if the submission never gets to run."""
    try:
        return _grade(assignment, upload, visible_only, started)
    finally:
        if started is not None:
            started.discard()


def _grade(assignment: Assignment, upload: Path, visible_only: bool, started: StartedWorker | None) -> GradeReport:
    start = time.monotonic()
    spec = assignment.spec
    cases = select_cases(assignment, visible_only)
    inputs = {c.id: generate_inputs(c) for c in cases}
    expected = expected_outputs(assignment, cases, inputs)
    checks = _check_functions(assignment)

    def report(status: str, message: str = "", results: list[CaseResult] = (), notes: list[str] = ()) -> GradeReport:
        return GradeReport(assignment=spec.name, title=spec.title, status=status, message=message,
                           cases=list(results), notes=list(notes), seconds=time.monotonic() - start)

    with grading_uid() as uid, tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        base = Path(tmp)
        try:
            staged = stage(spec.files, assignment.template_dir, Path(upload), base, uid, spec.notebook.mode)
        except SubmissionError as exc:
            return report("submission_error", f"Your submission could not be graded: {exc}",
                          [_unrun(c, f"not run: {exc}") for c in cases])
        if not staged.found:
            wanted = ", ".join(f"`{f}`" for f in spec.files)
            message = f"Your submission contains none of the files this assignment grades ({wanted})."
            return report("submission_error", message, [_unrun(c, message) for c in cases])
        notes = list(staged.notes) + [f"`{f}` is missing from your submission" for f in staged.missing]
        workspace = prepare_workspace(base, staged.root, assignment.harness_path, uid)
        # Visible cases first: student code sees a hidden case's inputs, and may keep them (in
        # HOME, in memory), but no visible case runs after it to print them.
        run_order = sorted(cases, key=lambda c: c.visibility != "visible")
        requests = [CallRequest(id=c.id, call=c.call, args=inputs[c.id], timeout_s=c.timeout_s,
                                measure_memory=c.max_extra_memory_mb is not None) for c in run_order]
        limits = Limits(cpu_seconds=cpu_budget(spec.startup_timeout_s, requests), memory_mb=spec.memory_limit_mb)
        outcomes = {o.id: o for o in run_calls(workspace, requests, limits=limits,
                                               startup_timeout_s=spec.startup_timeout_s, uid=uid,
                                               started=started)}

    results = [judge(c, outcomes[c.id], expected[c.id], inputs[c.id], checks, spec.memory_limit_mb) for c in cases]
    return report("completed", results=results, notes=notes)


def _check_functions(assignment: Assignment) -> dict[str, CheckFunction]:
    module = assignment.checks_module()
    if module is None:
        return {}
    return {name: getattr(module, name) for name in dir(module)
            if not name.startswith("_") and callable(getattr(module, name))}


def _unrun(case: Case, message: str) -> CaseResult:
    return _result(case, "error", message)


def _result(case: Case, outcome: str, message: str = "", outcome_obj: CallOutcome | None = None) -> CaseResult:
    if outcome != "passed" and case.hint:
        message = f"{message}\n\n*Hint:* {case.hint}"
    return CaseResult(
        id=case.id, number=case.number, problem=case.problem, title=case.title, points=case.points,
        score=case.points if outcome == "passed" else 0.0, outcome=outcome, message=message,
        output=outcome_obj.output if outcome_obj else "", seconds=outcome_obj.seconds if outcome_obj else 0.0,
        visibility=case.visibility,
        peak_extra_memory_mb=outcome_obj.peak_extra_memory_mb if outcome_obj else None,
    )


def judge(case: Case, outcome: CallOutcome, expected: Any, inputs: dict[str, Any],
          checks: dict[str, CheckFunction], memory_limit_mb: int) -> CaseResult:
    """Maps what happened in the student process to a case result, with a message for the student."""
    err = outcome.error
    if outcome.status == "returned":
        try:
            verdict = compare(case.compare, expected, outcome.value, inputs=inputs, params=case.params, checks=checks)
        except Exception as exc:  # a staff check that chokes on odd output must not sink the whole run
            return _result(case, "failed", f"Your output ({describe(outcome.value)}) could not be checked "
                                           f"({type(exc).__name__}: {exc}). If it looks right to you, tell "
                                           "the course staff.", outcome)
        if verdict.passed and case.max_extra_memory_mb is not None:
            return _memory_verdict(case, outcome)
        return _result(case, verdict.outcome, verdict.message, outcome)
    if outcome.status == "raised":
        if err.type == "NotImplementedError":
            return _result(case, "not_implemented", "raised NotImplementedError: not implemented yet.", outcome)
        if err.type == "MemoryError":
            return _result(case, "over_memory", f"your code ran out of memory (the limit is {memory_limit_mb} MB).",
                           outcome)
        trace = f"\n\n{code_block(err.traceback)}" if err.traceback else ""
        return _result(case, "error", f"{code_span(f'{err.type}: {err.message}')}{trace}", outcome)
    if outcome.status == "startup_failed":
        trace = f"\n\n{code_block(err.traceback)}" if err.traceback else ""
        return _result(case, "error", f"your code could not be imported: {code_span(f'{err.type}: {err.message}')}{trace}",
                       outcome)
    if outcome.status in ("timeout", "startup_timeout"):
        return _result(case, "timeout", f"{err.message}. Look for an infinite loop, or work that grows much "
                                        "faster than the input.", outcome)
    return _result(case, "crashed", err.message if err else outcome.status, outcome)


def _memory_verdict(case: Case, outcome: CallOutcome) -> CaseResult:
    peak, limit = outcome.peak_extra_memory_mb, case.max_extra_memory_mb
    if peak is None:
        return _result(case, "passed", "values correct; memory use could not be measured on this platform", outcome)
    if peak > limit:
        return _result(case, "over_memory", f"the values are right, but the call used {peak:.1f} MB of extra "
                                            f"memory; the limit for this case is {limit:g} MB.", outcome)
    return _result(case, "passed", "", outcome)
