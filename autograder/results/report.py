"""Our report of one grading run: what every reporter consumes (terminal table, results.json,
the gradebook's rows, the pytest plugin). Plain data, JSON both ways, so it crosses process
boundaries (`tools/grading_process.py`) unchanged."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..spec.models import Visibility
from .markdown import encodable
from .outcomes import CaseOutcome, RunStatus

# Text that may quote the student: always writable as UTF-8 (results.json, --json), whatever
# lone surrogates a path or a hostile string brought in and a message did not make literal.
Text = Annotated[str, AfterValidator(encodable)]


class CaseResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    number: str
    problem: str
    title: str
    points: float
    score: float
    outcome: CaseOutcome
    message: Text = ""  # Markdown for the student; any student text in it is already made literal
    output: Text = ""  # what the student's code printed during the case, as is
    seconds: float = 0.0
    visibility: Visibility = "visible"
    peak_extra_memory_mb: float | None = None
    # The library mutant whose output the student's matches on this case: the likely mistake.
    diagnosis: str | None = None
    # For the course staff, with outcome "grader_error": what failed in the grader or the
    # assignment's staff code (first line self-contained, then a traceback). Never shown to
    # students in results.json: it may quote the reference's values.
    grader_fault: str = ""


class GradeReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    assignment: str
    title: str
    status: RunStatus
    message: Text = ""
    cases: list[CaseResult] = Field(default_factory=list)
    seconds: float = 0.0
    notes: list[Text] = Field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.cases), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.points for c in self.cases), 6)

    def grader_faults(self) -> dict[str, str]:
        """Case id -> what failed (its first line), for every case the grader could not grade."""
        return {c.id: c.grader_fault.splitlines()[0] if c.grader_fault else "no detail recorded"
                for c in self.cases if c.outcome == "grader_error"}

    def problem_scores(self) -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        for c in self.cases:
            s, m = out.get(c.problem, (0.0, 0.0))
            out[c.problem] = (round(s + c.score, 6), round(m + c.points, 6))
        return out
