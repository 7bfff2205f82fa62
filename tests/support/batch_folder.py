"""A batch folder written by hand (manifest.json, results/<id>/outcome.json), with exactly the
outcomes a test wants, in the files and models `autograder batch` writes."""

from __future__ import annotations

from pathlib import Path

from autograder.files import write_atomic
from autograder.results.report import CaseResult, GradeReport
from autograder.tools.batch import BatchManifest, StoredOutcome, outcome_dir
from autograder.tools.roster import SubmissionSource

FINGERPRINT = "f" * 64


def case(number: str, problem: str, outcome: str, *, points: float = 1.0, diagnosis: str | None = None,
         message: str = "", title: str | None = None) -> CaseResult:
    return CaseResult(id=f"{problem}/case_{number}", number=number, problem=problem,
                      title=title or f"case {number} of {problem}", points=points,
                      score=points if outcome == "passed" else 0.0, outcome=outcome, message=message,
                      diagnosis=diagnosis)


def stored(status: str = "completed", cases: list[CaseResult] | None = None, *, seconds: float = 1.0,
           error: str = "", fingerprint: str = FINGERPRINT, title: str = "A toy assignment") -> StoredOutcome:
    report = None if cases is None else GradeReport(assignment="toy", title=title, status=status,
                                                      message=error, cases=cases)
    return StoredOutcome(fingerprint=fingerprint, upload_sha256="0" * 64, status=status, error=error, report=report,
                         seconds=seconds)


def write_batch_folder(out: Path, outcomes: dict[str, StoredOutcome | str | None], problems: list[str]) -> Path:
    """`outcomes`: per submission id, its stored outcome, raw text for outcome.json, or None for
    no outcome.json at all. Submissions are listed in the manifest in this order."""
    write_atomic(out / "manifest.json", BatchManifest(
        assignment="toy", submissions="/class", fingerprint=FINGERPRINT, problems=problems,
        sources=[SubmissionSource(id=sid, origin=f"/class/{sid}", path=Path("/class") / sid) for sid in outcomes],
        ignored=[]))
    for sid, outcome in outcomes.items():
        if outcome is not None:
            write_atomic(outcome_dir(out, sid) / "outcome.json", outcome)
    return out
