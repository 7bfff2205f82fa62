"""From what happened in the student process to a case result with its message: the comparison
of returned values (by the case's comparator), or why there is nothing to compare."""

from __future__ import annotations

from typing import Any

from ..results.markdown import code, code_block, code_span
from ..results.outcomes import CaseOutcome
from ..results.report import CaseResult
from ..sandbox.runner import CallOutcome, ErrorInfo
from ..spec.cases import Case
from ..spec.models import AllClose, Check, ComparatorSpec, Exact, RelError
from .checks import CheckFunction
from .comparators import compare_values
from .svd import compare_svd
from .verdict import PASS, Verdict, describe


def compare(spec: ComparatorSpec, expected: Any, actual: Any, *, inputs: dict[str, Any],
            params: dict[str, Any], checks: dict[str, CheckFunction]) -> Verdict:
    """The verdict of the case's comparator on the student's `actual` output."""
    if isinstance(spec, Check):
        if spec.function not in checks:
            raise LookupError(f"the spec names check {spec.function!r}, which the checks module lacks")
        result = checks[spec.function](actual, expected=expected, inputs=inputs, params=params, **spec.options)
        if isinstance(result, Verdict):
            return result
        if result is None:
            return PASS
        return Verdict("not_implemented" if actual is None else "failed", result)
    if isinstance(spec, (AllClose, RelError, Exact)):
        return compare_values(spec, expected, actual) or PASS
    return compare_svd(spec, expected, actual)


def judge(case: Case, outcome: CallOutcome, expected: Any, inputs: dict[str, Any],
          checks: dict[str, CheckFunction], memory_limit_mb: int) -> CaseResult:
    """Maps what happened in the student process to a case result, with a message for the student."""
    err = outcome.error
    if outcome.status == "returned":
        try:
            verdict = compare(case.compare, expected, outcome.value, inputs=inputs, params=case.params, checks=checks)
        except Exception as exc:  # a staff check that chokes on odd output must not sink the whole run
            return case_result(case, "failed", f"Your output ({describe(outcome.value)}) could not be checked "
                                               f"({code(f'{type(exc).__name__}: {exc}')}). If it looks right to you, "
                                               "tell the course staff.", outcome)
        if verdict.passed and case.max_extra_memory_mb is not None:
            return _memory_verdict(case, outcome)
        return case_result(case, verdict.outcome, verdict.message, outcome)
    trace = f"\n\n{code_block(err.traceback)}" if err is not None and err.traceback else ""
    alone = case.max_extra_memory_mb is not None
    if outcome.status == "raised":
        if err.module is not None:
            return case_result(case, "error", f"{code_span(err.module)} could not be imported, so this case could not "
                                              f"run: {code(f'{err.type}: {err.message}')}{trace}", outcome)
        if err.type == "NotImplementedError":
            return case_result(case, "not_implemented", "raised NotImplementedError: not implemented yet.", outcome)
        if alone and _allocation_refused(err):
            return case_result(case, "over_memory", f"your code asked for more memory than this case allows: at most "
                                                    f"{case.max_extra_memory_mb:g} MB beyond what it held before the "
                                                    "call, counted by what it allocates, written or not "
                                                    f"({code(f'{err.type}: {err.message}')}).{trace}", outcome)
        if err.type == "MemoryError":
            return case_result(case, "over_memory", f"your code ran out of memory (the limit is {memory_limit_mb} MB).",
                               outcome)
        refused = err.type == "BlockingIOError" or (err.type == "RuntimeError" and "new thread" in err.message)
        why = " A memory-checked call runs alone: it may not start processes or threads." if alone and refused else ""
        return case_result(case, "error", f"{code(f'{err.type}: {err.message}')}{why}{trace}", outcome)
    if outcome.status == "startup_failed":
        return case_result(case, "error", f"your code could not be imported: {code(f'{err.type}: {err.message}')}"
                                          f"{trace}", outcome)
    if outcome.status in ("timeout", "startup_timeout"):
        return case_result(case, "timeout", f"{err.message}. Look for an infinite loop, or work that grows much "
                                            "faster than the input.", outcome)
    if outcome.status == "not_run":  # the submission's time or restarts ran out, or its call could not be limited
        return case_result(case, "timeout" if err.type == "Deadline" else "crashed", err.message, outcome)
    message = err.message if err else outcome.status
    if alone:
        message += (f". A memory-checked call may allocate at most {case.max_extra_memory_mb:g} MB beyond what your "
                    "code held before it; code that ignores a refused allocation crashes")
    return case_result(case, "crashed", message, outcome)


def _allocation_refused(err: ErrorInfo) -> bool:
    """MemoryError, or the ENOMEM of an mmap or os call, under the call's data limit."""
    return err.type == "MemoryError" or (err.type in ("OSError", "error") and err.message.startswith("[Errno 12]"))


def case_result(case: Case, outcome: CaseOutcome, message: str = "", call: CallOutcome | None = None) -> CaseResult:
    """The result of `case`: full points if passed, none otherwise; the case's hint follows a failure."""
    if outcome != "passed" and case.hint:
        message = f"{message}\n\n*Hint:* {case.hint}"
    return CaseResult(
        id=case.id, number=case.number, problem=case.problem, title=case.title, points=case.points,
        score=case.points if outcome == "passed" else 0.0, outcome=outcome, message=message,
        output=call.output if call else "", seconds=call.seconds if call else 0.0,
        visibility=case.visibility, peak_extra_memory_mb=call.peak_extra_memory_mb if call else None,
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
