"""Tests the autograder against what it must say about known submissions: the reference gets
full marks, the untouched template gets zero (every case "not implemented", no grader error),
every alternative solution gets full marks, and every mutant fails exactly the cases it
declares (`library.expectation_failures`). Run by a TA after editing a spec, and by our CI for
every assignment.

Each grading is a separate `autograder grade` process (`gradejob`), several at a time.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .assignments import Assignment, course_root
from .gradejob import GradeJob, JobOutcome, JobStatus, default_timeout_s, run_grade_job, upload_from_path
from .library import LibraryEntry, expectation_failures, mutants, solutions
from .results import GradeReport

MIN_MUTANTS = 10
EntryKind = Literal["reference", "template", "solution", "mutant"]


class RegressEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: EntryKind
    name: str
    expects: str
    status: JobStatus
    score: float | None = None
    max_score: float | None = None
    problems: list[str]  # how the verdict differs from what this entry promises; empty when it does not
    report: GradeReport | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


class RegressReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    assignment: str
    problems: list[str]  # about the library as a whole
    entries: list[RegressEntry]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and all(e.ok for e in self.entries)

    def regressions(self) -> list[RegressEntry]:
        return [e for e in self.entries if not e.ok]


class _Target(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: EntryKind
    name: str
    entry: LibraryEntry


def regress(assignment: Assignment, *, jobs: int | None = None, timeout_s: float | None = None) -> RegressReport:
    start = time.monotonic()
    library_mutants = mutants(assignment)
    targets = [
        _Target(kind="reference", name="reference",
                entry=LibraryEntry(name="reference", path=assignment.reference_dir, kind="solution")),
        _Target(kind="template", name="template",
                entry=LibraryEntry(name="template", path=assignment.template_dir, kind="solution")),
        *[_Target(kind="solution", name=e.name, entry=e) for e in solutions(assignment)],
        *[_Target(kind="mutant", name=e.name, entry=e) for e in library_mutants],
    ]
    timeout = timeout_s or default_timeout_s(assignment)
    root = course_root()
    # Mutants that must time out are the slowest gradings: start them first so they overlap the rest.
    order = sorted(targets, key=lambda t: not (t.entry.mutant and "timeout" in t.entry.mutant.outcomes))
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        futures = {(t.kind, t.name): pool.submit(
            run_grade_job, GradeJob(id=t.name, assignment=assignment.name, course_root=root,
                                    upload=upload_from_path(t.entry.path), timeout_s=timeout)) for t in order}
        entries = [_judge(t, futures[t.kind, t.name].result()) for t in targets]
    problems = []
    if len(library_mutants) < MIN_MUTANTS:
        problems.append(f"the library holds {len(library_mutants)} mutants; each assignment keeps at least "
                        f"{MIN_MUTANTS} (assignments/{assignment.name}/mutants/)")
    return RegressReport(assignment=assignment.name, problems=problems, entries=entries,
                         seconds=time.monotonic() - start)


def _judge(target: _Target, outcome: JobOutcome) -> RegressEntry:
    report = outcome.report
    if report is None:
        problems = [f"{outcome.status}: {outcome.error}"]
    elif target.kind == "template":
        problems = _template_failures(report)
    else:
        problems = expectation_failures(target.entry, report)
        if not problems and target.kind == "mutant" and report.score >= report.max_score:
            problems = ["full marks, but a mutant must lose points"]
        if not problems and target.kind != "mutant" and report.max_score <= 0:
            problems = ["no points to earn: the spec's cases are worth 0"]
    return RegressEntry(kind=target.kind, name=target.name, expects=_expects(target), status=outcome.status,
                        score=report.score if report else None, max_score=report.max_score if report else None,
                        problems=problems, report=report, seconds=outcome.seconds)


def _template_failures(report: GradeReport) -> list[str]:
    if report.status != "completed":
        return [f"grading did not complete: {report.status}: {report.message}"]
    return [f"{c.id}: {c.outcome}, but the untouched template must be 'not implemented'"
            for c in report.cases if c.outcome != "not_implemented"]


def _expects(target: _Target) -> str:
    if target.kind == "template":
        return "zero: every case not implemented"
    if target.kind == "mutant":
        return "fails " + ", ".join(target.entry.mutant.must_fail)
    return "full marks"
