"""The outcome vocabulary: what became of a case, of a grading run and of a graded submission,
with the one table of words students and TAs see for each."""

from __future__ import annotations

from typing import Literal, NamedTuple

# What a comparator or check decides about returned values.
VerdictOutcome = Literal["passed", "failed", "not_implemented"]
# What became of one case: a verdict, why there is none because of the student's code, or
# "grader_error": the grader or the assignment's staff code failed on it (a check or comparator
# that raised, a reference output no comparator can use), so there is no verdict on the student.
CaseOutcome = Literal[VerdictOutcome, "error", "timeout", "crashed", "over_memory", "grader_error"]
# The points policy (docs/authoring.md): a case the grader could not grade gets its full points,
# so a student is never charged for a staff mistake; its run reads "grader_error" for the staff.
FULL_POINTS: tuple[CaseOutcome, ...] = ("passed", "grader_error")
# What became of a grading run of one submission: "grader_error" when the grader failed on the
# whole run or on any of its cases.
RunStatus = Literal["completed", "submission_error", "grader_error"]
# What became of a submission in a TA tool that grades in a separate process (batch, regress):
# a run status, or "timeout" when that process had to be stopped.
GradingStatus = Literal[RunStatus, "timeout"]
# The statuses that are a verdict on the submission; the others are the grader's failures.
VERDICT_STATUSES: tuple[GradingStatus, ...] = ("completed", "submission_error")


class OutcomeWords(NamedTuple):
    label: str  # results.json and the HTML table, after the case name
    mark: str  # the terminal table's column


OUTCOME_WORDS: dict[CaseOutcome, OutcomeWords] = {
    "passed": OutcomeWords("Passed", "PASS"),
    "failed": OutcomeWords("Wrong answer", "FAIL"),
    "not_implemented": OutcomeWords("Not implemented", "TODO"),
    "error": OutcomeWords("Your code raised an exception", "ERROR"),
    "timeout": OutcomeWords("Time limit exceeded", "TIMEOUT"),
    "crashed": OutcomeWords("Crashed", "CRASH"),
    "over_memory": OutcomeWords("Used too much memory", "MEMORY"),
    "grader_error": OutcomeWords("Not graded because of a problem in the autograder", "NOT GRADED"),
}
