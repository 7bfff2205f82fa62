"""From what happened in the student process to a case result with its message: the comparison
of returned values (by the case's comparator), or why there is nothing to compare."""

from __future__ import annotations

from typing import Any

from ..results.markdown import code_block, code_span
from ..results.outcomes import CaseOutcome
from ..results.report import CaseResult
from ..sandbox.runner import CallOutcome
from ..spec.cases import Case
from .checks import CheckFunction
from ..expected import KnownMistake
from .compare import compare
from .diagnosis import diagnose
from .verdict import describe


def judge(case: Case, outcome: CallOutcome, expected: Any, inputs: dict[str, Any],
          checks: dict[str, CheckFunction], memory_limit_mb: int, mistakes: list[KnownMistake] = ()) -> CaseResult:
    """Maps what happened in the student process to a case result, with a message for the student;
    a wrong output that matches one of the known `mistakes` on this case says which."""
    err = outcome.error
    if outcome.status == "returned":
        try:
            verdict = compare(case.compare, expected, outcome.value, inputs=inputs, params=case.params, checks=checks)
        except Exception as exc:  # a staff check that chokes on odd output must not sink the whole run
            return case_result(case, "failed", f"Your output ({describe(outcome.value)}) could not be checked "
                                               f"({type(exc).__name__}: {exc}). If it looks right to you, tell "
                                               "the course staff.", outcome)
        if verdict.passed and case.max_extra_memory_mb is not None:
            return _memory_verdict(case, outcome)
        found = None if verdict.passed else diagnose(case.compare, expected, outcome.value, list(mistakes),
                                                     inputs=inputs, params=case.params, checks=checks)
        if found is None:
            return case_result(case, verdict.outcome, verdict.message, outcome)
        return case_result(case, verdict.outcome, f"{verdict.message}\n\n{found.words}", outcome, found.name)
    if outcome.status == "raised":
        if err.module is not None:
            trace = f"\n\n{code_block(err.traceback)}" if err.traceback else ""
            return case_result(case, "error", f"{code_span(err.module)} could not be imported, so this case could not "
                                              f"run: {code_span(f'{err.type}: {err.message}')}{trace}", outcome)
        if err.type == "NotImplementedError":
            said = f" ({code_span(err.message)})" if err.message.strip() else ""
            return case_result(case, "not_implemented", f"raised NotImplementedError{said}: not implemented yet.",
                               outcome)
        if err.type == "MemoryError":
            return case_result(case, "over_memory", f"your code ran out of memory (the limit is {memory_limit_mb} MB).",
                               outcome)
        trace = f"\n\n{code_block(err.traceback)}" if err.traceback else ""
        return case_result(case, "error", f"{code_span(f'{err.type}: {err.message}')}{trace}", outcome)
    if outcome.status == "startup_failed":
        trace = f"\n\n{code_block(err.traceback)}" if err.traceback else ""
        return case_result(case, "error", "your code could not be imported: "
                                          f"{code_span(f'{err.type}: {err.message}')}{trace}", outcome)
    if outcome.status in ("timeout", "startup_timeout"):
        return case_result(case, "timeout", f"{err.message}. Look for an infinite loop, or work that grows much "
                                            "faster than the input.", outcome)
    return case_result(case, "crashed", err.message if err else outcome.status, outcome)


def case_result(case: Case, outcome: CaseOutcome, message: str = "", call: CallOutcome | None = None,
                diagnosis: str | None = None) -> CaseResult:
    """The result of `case`: full points if passed, none otherwise; the case's hint follows a failure."""
    if outcome != "passed" and case.hint:
        message = f"{message}\n\n*Hint:* {case.hint}"
    return CaseResult(
        id=case.id, number=case.number, problem=case.problem, title=case.title, points=case.points,
        score=case.points if outcome == "passed" else 0.0, outcome=outcome, message=message,
        output=call.output if call else "", seconds=call.seconds if call else 0.0,
        visibility=case.visibility, peak_extra_memory_mb=call.peak_extra_memory_mb if call else None,
        diagnosis=diagnosis,
    )


def _memory_verdict(case: Case, outcome: CallOutcome) -> CaseResult:
    peak, limit = outcome.peak_extra_memory_mb, case.max_extra_memory_mb
    if peak is None:
        return case_result(case, "passed", "values correct; memory use could not be measured on this platform",
                           outcome)
    if peak > limit:
        return case_result(case, "over_memory", f"the values are right, but the call used {peak:.1f} MB of extra "
                                                f"memory; the limit for this case is {limit:g} MB.", outcome)
    return case_result(case, "passed", "", outcome)
