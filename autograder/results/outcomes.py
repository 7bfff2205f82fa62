"""The outcome vocabulary: what became of a case, of a grading run and of a graded submission,
with the one table of words students and TAs see for each."""

from __future__ import annotations

from typing import Literal, NamedTuple

# What a comparator or check decides about returned values.
VerdictOutcome = Literal["passed", "failed", "not_implemented"]
# What became of one case: a verdict, or why there is none.
CaseOutcome = Literal[VerdictOutcome, "error", "timeout", "crashed", "over_memory"]
# What became of a grading run of one submission.
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
}
