"""The judge, scikit-learn style: a tiny outcome of a student's call goes in, and the exact case
result a student would read comes out."""

import numpy as np
import pytest
from support.literal_markdown import HOSTILE_TEXTS, assert_literal

from autograder.judging.judge import judge
from autograder.judging.verdict import describe
from autograder.sandbox.child.wire import Unsupported
from autograder.sandbox.runner import CallOutcome, ErrorInfo
from autograder.spec.cases import iter_cases
from autograder.spec.models import AssignmentSpec

SPEC = AssignmentSpec.model_validate({
    "name": "tiny", "title": "Tiny", "files": ["tiny.py"], "problems": [{"name": "p", "cases": [
        {"name": "values", "call": "f", "points": 2, "hint": "Add, do not multiply."},
        {"name": "memory", "call": "f", "max_extra_memory_mb": 4},
    ]}]})
VALUES, MEMORY = list(iter_cases(SPEC))
EXPECTED = np.array([1.0, 2.0, 3.0])


def judged(case, status, value=None, error=None, peak=None, memory_limit_mb=256):
    outcome = CallOutcome(id=case.id, status=status, value=value, error=error, peak_extra_memory_mb=peak,
                          seconds=0.25, output="hello\n")
    return judge(case, outcome, EXPECTED, {}, {}, memory_limit_mb)


HINT = "\n\n*Hint:* Add, do not multiply."


@pytest.mark.parametrize("status, value, error, outcome, message", [
    ("returned", EXPECTED.copy(), None, "passed", ""),
    ("returned", None, None, "not_implemented",
     "`output` is None where ndarray of shape (3,), dtype float64 was expected: this part looks not implemented yet."),
    ("returned", np.array([1.0, 2.0, 3.5]), None, "failed",
     "`output` is wrong in 1 of 3 entries (tolerance |error| <= 0 + 1e-07·|expected|). Largest absolute error 0.5 "
     "at index (2,); largest relative error 0.167 at index (2,). First wrong entry at index (2,)."),
    ("returned", np.zeros((3, 1)), None, "failed",
     "`output` has shape (3, 1); expected shape (3,). Check the output length and orientation."),
    ("returned", [1.0, 2.0, 3.0], None, "failed",
     "`output`: expected ndarray of shape (3,), dtype float64, got list of length 3. Return a numpy array "
     "(np.asarray(...) converts lists)."),
    ("raised", None, ErrorInfo(type="NotImplementedError", message="Implement f."), "not_implemented",
     "raised NotImplementedError (`Implement f.`): not implemented yet."),
    ("raised", None, ErrorInfo(type="NotImplementedError", message=""), "not_implemented",
     "raised NotImplementedError: not implemented yet."),
    ("raised", None, ErrorInfo(type="MemoryError", message=""), "over_memory",
     "your code ran out of memory (the limit is 256 MB)."),
    ("raised", None, ErrorInfo(type="ValueError", message="bad `x`", traceback='  File "tiny.py", line 2, in f\n'),
     "error", '`` ValueError: bad `x` ``\n\n~~~~\n  File "tiny.py", line 2, in f\n~~~~'),
    ("startup_failed", None, ErrorInfo(type="SyntaxError", message="invalid syntax (tiny.py, line 1)"), "error",
     "your code could not be imported: `SyntaxError: invalid syntax (tiny.py, line 1)`"),
    ("timeout", None, ErrorInfo(type="Timeout", message="did not finish within 2 s"), "timeout",
     "did not finish within 2 s. Look for an infinite loop, or work that grows much faster than the input."),
    ("crashed", None, ErrorInfo(type="Crash", message="the Python process running your code crashed with a "
                                                      "segmentation fault"), "crashed",
     "the Python process running your code crashed with a segmentation fault"),
])
def test_each_outcome_of_a_call_reads_as_its_message(status, value, error, outcome, message):
    result = judged(VALUES, status, value, error)
    assert (result.outcome, result.message) == (outcome, message + (HINT if outcome != "passed" else ""))
    assert result.score == (2 if outcome == "passed" else 0)
    assert (result.output, result.seconds) == ("hello\n", 0.25)  # what was printed and how long it took, as is


@pytest.mark.parametrize("peak, outcome, message", [
    (1.5, "passed", ""),
    (12.25, "over_memory", "the values are right, but the call used 12.2 MB of extra memory; the limit for this case "
                           "is 4 MB."),
    (None, "passed", "values correct; memory use could not be measured on this platform"),
])
def test_right_values_are_judged_on_memory_where_the_case_limits_it(peak, outcome, message):
    result = judged(MEMORY, "returned", EXPECTED.copy(), peak=peak)
    assert (result.outcome, result.message, result.peak_extra_memory_mb) == (outcome, message, peak)


def test_wrong_values_fail_on_their_values_whatever_the_memory():
    result = judged(MEMORY, "returned", EXPECTED + 1, peak=99.0)
    assert result.outcome == "failed" and result.message.startswith("`output` is wrong in 3 of 3 entries")


@pytest.mark.parametrize("error, outcome, words", [
    (ErrorInfo(type="MemoryError", message="Unable to allocate 122. MiB", traceback='  File "tiny.py", line 3\n'),
     "over_memory", ["asked for more memory than this case allows: at most 4 MB", "written or not",
                     "`MemoryError: Unable to allocate 122. MiB`", 'File "tiny.py", line 3']),
    (ErrorInfo(type="OSError", message="[Errno 12] Cannot allocate memory"), "over_memory",
     ["asked for more memory than this case allows"]),
    (ErrorInfo(type="BlockingIOError", message="[Errno 11] Resource temporarily unavailable"), "error",
     ["runs alone: it may not start processes or threads"]),
    (ErrorInfo(type="RuntimeError", message="can't start new thread"), "error", ["may not start processes or threads"]),
])
def test_what_a_memory_checked_call_may_not_do_reads_as_what_the_case_allows(error, outcome, words):
    result = judged(MEMORY, "raised", error=error)
    assert result.outcome == outcome and all(w in result.message for w in words), result.message


def test_calls_not_run_say_which_budget_ran_out():
    deadline = judged(VALUES, "not_run", error=ErrorInfo(type="Deadline", message="not run: out of time."))
    restarts = judged(VALUES, "not_run", error=ErrorInfo(type="Restarts", message="not run: died 11 times."))
    assert (deadline.outcome, restarts.outcome) == ("timeout", "crashed")
    assert deadline.message.startswith("not run: out of time.") and restarts.message.startswith("not run: died")


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_student_text_in_every_message_stays_literal(text):
    opaque = Unsupported(f"{text}.{text}")
    results = [judged(VALUES, "raised", error=ErrorInfo(type=text[:100], message=text, traceback=text)),
               judged(VALUES, "startup_failed", error=ErrorInfo(type="X", message=text, traceback=text)),
               judged(VALUES, "raised", error=ErrorInfo(type="E", message=text, module=text)),
               judged(VALUES, "returned", value=opaque), judged(VALUES, "returned", value={text: 1, "b": 2}),
               judged(MEMORY, "raised", error=ErrorInfo(type="MemoryError", message=text, traceback=text))]
    for result in results:
        assert_literal(result.message)
    assert_literal(f"a {describe({text: 1})} and {describe(opaque)}")
