"""Results: our report of a grading run, and Gradescope's results.json made from it.

`GradeReport` is what every reporter consumes (terminal table, results.json, CSV rows, the
pytest plugin); it crosses process boundaries as JSON. `write_atomic` never leaves a partial
file behind, so Gradescope sees either the old file or a complete new one.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .spec import Visibility

CaseOutcome = Literal["passed", "failed", "not_implemented", "error", "timeout", "crashed", "over_memory"]
RunStatus = Literal["completed", "submission_error", "grader_error"]


class CaseResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    number: str
    problem: str
    title: str
    points: float
    score: float
    outcome: CaseOutcome
    message: str = ""
    output: str = ""
    seconds: float = 0.0
    visibility: Visibility = "visible"
    peak_extra_memory_mb: float | None = None


class GradeReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    assignment: str
    title: str
    status: RunStatus
    message: str = ""
    cases: list[CaseResult] = Field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = Field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.cases), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.points for c in self.cases), 6)

    def problem_scores(self) -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        for c in self.cases:
            s, m = out.get(c.problem, (0.0, 0.0))
            out[c.problem] = (round(s + c.score, 6), round(m + c.points, 6))
        return out


# --- Gradescope's results.json -------------------------------------------------------------

OutputFormat = Literal["text", "html", "simple_format", "md", "ansi"]


class GradescopeTest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    number: str | None = None
    score: float
    max_score: float
    status: Literal["passed", "failed"]
    output: str = ""
    output_format: OutputFormat = "md"
    visibility: Visibility = "visible"
    tags: list[str] = Field(default_factory=list)
    extra_data: dict = Field(default_factory=dict)


class GradescopeResults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: float | None = None
    execution_time: float | None = None
    output: str = ""
    output_format: OutputFormat = "md"
    visibility: Visibility = "visible"
    stdout_visibility: Visibility = "hidden"
    tests: list[GradescopeTest] = Field(default_factory=list)
    extra_data: dict = Field(default_factory=dict)


_OUTCOME_LABEL = {
    "passed": "Passed", "failed": "Wrong answer", "not_implemented": "Not implemented",
    "error": "Your code raised an exception", "timeout": "Time limit exceeded",
    "crashed": "Crashed", "over_memory": "Used too much memory",
}


def to_gradescope(report: GradeReport, total_points: float | None = None) -> GradescopeResults:
    """`total_points` (from submission_metadata.json) rescales the score when the Gradescope
    assignment is worth a different total than the spec."""
    tests = [
        GradescopeTest(
            name=f"{c.problem}: {c.title}", number=c.number, score=c.score, max_score=c.points,
            status="passed" if c.outcome == "passed" else "failed",
            output=_case_markdown(c), visibility=c.visibility, tags=[c.problem, c.outcome],
            extra_data={"id": c.id, "outcome": c.outcome, "seconds": round(c.seconds, 4)},
        )
        for c in report.cases
    ]
    score = report.score
    if total_points is not None and report.max_score > 0 and total_points != report.max_score:
        score = round(score * total_points / report.max_score, 4)
    visible = [c for c in report.cases if c.visibility == "visible"]
    if len(visible) == len(report.cases):
        lines = [f"**{report.title}**: {report.score:g} / {report.max_score:g} points."]
    else:  # the total would reveal how the cases students cannot see went
        lines = [f"**{report.title}**: {sum(c.score for c in visible):g} / {sum(c.points for c in visible):g} "
                 "points on the cases shown now; more cases are graded and shown later."]
    if report.status != "completed":
        lines = [report.message]
    lines += [f"- {note}" for note in report.notes]
    return GradescopeResults(score=score, execution_time=round(report.seconds, 3), output="\n\n".join(lines),
                             tests=tests, extra_data={"status": report.status, "assignment": report.assignment})


def _case_markdown(c: CaseResult) -> str:
    parts = [f"**{_OUTCOME_LABEL[c.outcome]}**" + ("" if c.outcome == "passed" else f": {c.message}")]
    if c.output:
        parts.append(f"Your code printed:\n{code_block(c.output)}")
    return "\n\n".join(parts)


def code_block(text: str) -> str:
    """A fenced block that student text cannot close early: the fence outruns any tilde run in it."""
    longest = max((len(run) for run in re.findall(r"~+", text)), default=0)
    fence = "~" * max(4, longest + 1)
    return f"{fence}\n{text.rstrip(chr(10))}\n{fence}"


def code_span(text: str) -> str:
    """Inline code that backticks in student text cannot close early (CommonMark's rule)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {text} {ticks}" if longest else f"`{text}`"


def failure_results(message: str, *, execution_time: float | None = None) -> GradescopeResults:
    """Valid results.json for when grading could not complete: the student sees why."""
    return GradescopeResults(score=0.0, execution_time=execution_time, output=message,
                             extra_data={"status": "grader_error"})


def write_atomic(path: Path, model: BaseModel) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(model.model_dump_json(indent=2))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
