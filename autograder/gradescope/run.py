"""Gradescope's grading step: `python -m autograder.gradescope.run ASSIGNMENT`, called by
`run_autograder` with the course (spec, harness, baked expected values) under source/course.

Grades `$AUTOGRADER_ROOT/submission` into `$AUTOGRADER_ROOT/results/results.json` through the
`grade` command itself, scaled to the assignment's total points from `submission_metadata.json`.
Goes through that one command rather than the whole CLI, so that no other command's imports
can break grading.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from ..commands import grade as grade_command


class AssignmentMetadata(BaseModel):
    model_config = ConfigDict(extra="ignore")

    total_points: float | None = None


class SubmissionMetadata(BaseModel):
    """The part of Gradescope's submission_metadata.json we use."""
    model_config = ConfigDict(extra="ignore")

    assignment: AssignmentMetadata = AssignmentMetadata()


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_autograder")
    parser.add_argument("assignment")
    name = parser.parse_args(argv).assignment
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    grade_args = [name, str(root / "submission"), "--results", str(root / "results" / "results.json")]
    points = total_points(root / "submission_metadata.json")
    if points is not None:
        grade_args += ["--total-points", repr(points)]
    grade_parser = argparse.ArgumentParser(prog="autograder grade")
    grade_command.add_arguments(grade_parser)
    return grade_command.run(grade_parser.parse_args(grade_args))


if __name__ == "__main__":
    code = main()
    if grade_command.SKIP_TEARDOWN:  # as cli.entry does for the same command
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
