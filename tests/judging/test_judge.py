"""The judge, scikit-learn style: a tiny outcome of a student's call goes in, and the exact case
result a student would read comes out."""

import numpy as np
import pytest

from autograder.judging.judge import judge
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
