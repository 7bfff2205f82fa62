"""Gradescope's side: results.json made from our report, and the part of
submission_metadata.json grading reads (the assignment's total points)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..results.markdown import code_block
from ..results.outcomes import FULL_POINTS, OUTCOME_WORDS
from ..results.report import CaseResult, GradeReport
from ..spec.models import Visibility

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


def to_gradescope(report: GradeReport, total_points: float | None = None) -> GradescopeResults:
    """`total_points` (from submission_metadata.json) rescales the score when the Gradescope
    assignment is worth a different total than the spec."""
    tests = [
        GradescopeTest(
            name=f"{c.problem}: {c.title}", number=c.number, score=c.score, max_score=c.points,
            # A case we could not grade is not the student's failure: it shows with its points
            # (the policy of outcomes.FULL_POINTS) and says it was not graded; extra_data says why.
            status="passed" if c.outcome in FULL_POINTS else "failed",
            output=case_markdown(c), visibility=c.visibility, tags=[c.problem, c.outcome],
            extra_data={"id": c.id, "outcome": c.outcome, "seconds": round(c.seconds, 4),
                        **({"diagnosis": c.diagnosis} if c.diagnosis else {})},
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
    if report.status == "grader_error" and report.cases:
        lines.append(report.message)
    elif report.status != "completed":
        lines = [report.message]
    lines += [f"- {note}" for note in report.notes]
    return GradescopeResults(score=score, execution_time=round(report.seconds, 3), output="\n\n".join(lines),
                             tests=tests, extra_data={"status": report.status, "assignment": report.assignment})


def case_markdown(c: CaseResult) -> str:
    parts = [f"**{OUTCOME_WORDS[c.outcome].label}**" + ("" if c.outcome == "passed" else f": {c.message}")]
    if c.output:
        parts.append(f"Your code printed:\n{code_block(c.output)}")
    return "\n\n".join(parts)


def failure_results(message: str, *, execution_time: float | None = None) -> GradescopeResults:
    """Valid results.json for when grading could not complete: the student sees why."""
    return GradescopeResults(score=0.0, execution_time=execution_time, output=message,
                             extra_data={"status": "grader_error"})


class _AssignmentMetadata(BaseModel):
    model_config = ConfigDict(extra="ignore")

    total_points: float | None = None


class SubmissionMetadata(BaseModel):
    """The part of Gradescope's submission_metadata.json grading uses."""
    model_config = ConfigDict(extra="ignore")

    assignment: _AssignmentMetadata = _AssignmentMetadata()


def total_points(metadata_path: Path) -> float | None:
    """The assignment's total on Gradescope, when the metadata gives a positive one."""
    if not metadata_path.is_file():
        return None
    try:
        metadata = SubmissionMetadata.model_validate_json(metadata_path.read_bytes())
    except (OSError, ValidationError) as exc:
        print(f"autograder: ignoring {metadata_path}: {exc}", file=sys.stderr)
        return None
    points = metadata.assignment.total_points
    return points if points is not None and points > 0 else None
