"""From what happened in the student process to a case result with its message: the comparison
of returned values (by the case's comparator), or why there is nothing to compare."""

from __future__ import annotations

import sysconfig
import traceback
from pathlib import Path
from typing import Any

from ..expected import KnownMistake
from ..results.markdown import code, code_block, code_span
from ..results.outcomes import FULL_POINTS, CaseOutcome
from ..results.report import CaseResult
from ..sandbox.runner import CallOutcome, ErrorInfo
from ..spec.cases import Case
from ..spec.models import Check
from .checks import CheckFunction
from .compare import compare
from .diagnosis import diagnose
from .verdict import GraderFault, describe

# Code that is not the assignment's: the grader's own package, the standard library, installed packages.
_LIBRARY_DIRS = tuple(dict.fromkeys([str(Path(__file__).resolve().parent.parent)] + [
    sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")]))


def judge(case: Case, outcome: CallOutcome, expected: Any, inputs: dict[str, Any],
          checks: dict[str, CheckFunction], memory_limit_mb: int, mistakes: list[KnownMistake] = ()) -> CaseResult:
    """Maps what happened in the student process to a case result, with a message for the student;
    a wrong output that matches one of the known `mistakes` on this case says which."""
    err = outcome.error
    if outcome.status == "returned":
        try:
            verdict = compare(case.compare, expected, outcome.value, inputs=inputs, params=case.params, checks=checks)
        except Exception as exc:  # a comparator or staff check that fails is ours to fix, never the student's fault
            return grader_error(case, _fault(case, exc), outcome)
        if verdict.passed and case.max_extra_memory_mb is not None:
            return _memory_verdict(case, outcome)
        found = None if verdict.passed else diagnose(case.compare, expected, outcome.value, list(mistakes),
                                                     inputs=inputs, params=case.params, checks=checks)
        if found is None:
            return case_result(case, verdict.outcome, verdict.message, outcome)
        return case_result(case, verdict.outcome, f"{verdict.message}\n\n{found.words}", outcome, found.name)
    trace = f"\n\n{code_block(err.traceback)}" if err is not None and err.traceback else ""
    alone = case.max_extra_memory_mb is not None
    if outcome.status == "raised":
        if err.module is not None:
            return case_result(case, "error", f"{code_span(err.module)} could not be imported, so this case could not "
                                              f"run: {code(f'{err.type}: {err.message}')}{trace}", outcome)
        if err.type == "NotImplementedError":
            said = f" ({code(err.message)})" if err.message.strip() else ""
            return case_result(case, "not_implemented", f"raised NotImplementedError{said}: not implemented yet.",
                               outcome)
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


def case_result(case: Case, outcome: CaseOutcome, message: str = "", call: CallOutcome | None = None,
                diagnosis: str | None = None, grader_fault: str = "") -> CaseResult:
    """The result of `case`: full points if passed (or not graded by our fault), none otherwise;
    the case's hint follows a failure of the student's."""
    if outcome not in FULL_POINTS and case.hint:
        message = f"{message}\n\n*Hint:* {case.hint}"
    return CaseResult(
        id=case.id, number=case.number, problem=case.problem, title=case.title, points=case.points,
        score=case.points if outcome in FULL_POINTS else 0.0, outcome=outcome, message=message,
        output=call.output if call else "", seconds=call.seconds if call else 0.0,
        visibility=case.visibility, peak_extra_memory_mb=call.peak_extra_memory_mb if call else None,
        diagnosis=diagnosis, grader_fault=grader_fault,
    )


def grader_error(case: Case, fault: str, call: CallOutcome | None = None) -> CaseResult:
    """A case the grader could not grade: full points, and a message that says it is not the
    student's doing. What failed (`fault`) is for the staff only: it may quote reference values."""
    returned = f" Your code returned {describe(call.value)}." if call is not None and call.status == "returned" else ""
    message = ("the problem is on the course staff's side, not in your code, so this case counts as full points "
               f"for now.{returned} The staff can see what went wrong; if they fix it and regrade, this case is "
               "graded like the others.")
    return case_result(case, "grader_error", message, call, grader_fault=fault)


def _fault(case: Case, exc: Exception) -> str:
    """The first line says what failed and where; a traceback of the staff code follows."""
    what = (f"check {case.compare.function!r}" if isinstance(case.compare, Check)
            else f"comparator {case.compare.kind!r}")
    if isinstance(exc, GraderFault):
        return f"{what}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    # Where in the staff's code (checks.py), rather than deep in numpy: the line to fix.
    staff = [f for f in frames if not f.filename.startswith(_LIBRARY_DIRS)] or frames
    at = f" at {Path(staff[-1].filename).name}:{staff[-1].lineno} in {staff[-1].name}" if staff else ""
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return f"{what} raised {type(exc).__name__}: {exc}{at}\n{trace[-4000:]}"


def _memory_verdict(case: Case, outcome: CallOutcome) -> CaseResult:
    peak, limit = outcome.peak_extra_memory_mb, case.max_extra_memory_mb
    if peak is None:
        return case_result(case, "passed", "values correct; memory use could not be measured on this platform",
                           outcome)
    if peak > limit:
        return case_result(case, "over_memory", f"the values are right, but the call used {peak:.1f} MB of extra "
                                                f"memory; the limit for this case is {limit:g} MB.", outcome)
    return case_result(case, "passed", "", outcome)
