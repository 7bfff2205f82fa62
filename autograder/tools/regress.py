"""Tests the autograder against what it must say about known submissions: the reference gets
full marks, the untouched template gets zero (every case "not implemented", no grader error),
every alternative solution gets full marks, and every mutant fails exactly the cases it
declares (`library.expectation_failures`). Run by a TA after editing a spec, and by our CI for
every assignment.

Each grading is a separate `autograder grade` process (`grading_process`), several at a time,
after the library validates (`library.validate`: every edit applies, every pattern matches a
case, every folder is declared). The rules, enforced here:
- the reference and every solution get full marks and a positive total;
- the template gets zero with every case "not implemented";
- every mutant fails the cases its `must_fail` names and passes the others (but `may_fail`),
  never with full marks unless what it fails is worth 0 points (an optional part), and with an
  outcome from its `outcomes` when those are given;
- no case of any grading is a grader error (a check or comparator that raised, a reference
  output no comparator can use): that is a regression whatever the entry expects;
- the library holds at least MIN_MUTANTS mutants, so that an assignment cannot pass regress by
  having no known mistakes.
`autograder build` refuses to build an assignment that breaks any of them (`failure_lines`).
"""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .. import settings
from ..results.outcomes import GradingStatus
from ..results.report import GradeReport
from ..spec.assignment import Assignment
from .grading_process import GradingJob, GradingOutcome, default_timeout_s, grade_in_process, upload_from_path
from .grading_slot import close_slots
from .library import (KnownSubmission, Mutant, expectation_failures, grader_fault_lines, materialize,
                      validate)
from .mistakes import warm_caches

MIN_MUTANTS = 10
EntryKind = Literal["reference", "template", "solution", "mutant"]


class RegressEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: EntryKind
    name: str
    expects: str
    status: GradingStatus
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

    def failure_lines(self) -> list[str]:
        """Every regression with what differs, then the library's own problems; empty when ok."""
        lines = []
        for e in self.regressions():
            lines.append(f"{e.kind} {e.name}: expected {e.expects}")
            lines += [f"    {p}" for p in e.problems]
        return lines + self.problems


class _Target(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: EntryKind
    name: str
    folder: Path
    mutant: Mutant | None = None


def regress(assignment: Assignment, *, jobs: int | None = None, timeout_s: float | None = None) -> RegressReport:
    start = time.monotonic()
    warm_caches(assignment)
    library = validate(assignment)
    timeout = timeout_s or default_timeout_s(assignment)
    root = settings.course_root()
    with tempfile.TemporaryDirectory(prefix="autograder-regress-") as tmp:
        made = Path(tmp)

        def known(kind: EntryKind, entry: KnownSubmission) -> _Target:
            return _Target(kind=kind, name=entry.name, folder=materialize(assignment, entry, made / kind),
                           mutant=entry if isinstance(entry, Mutant) else None)

        targets = [_Target(kind="reference", name="reference", folder=assignment.reference_dir),
                   _Target(kind="template", name="template", folder=assignment.template_dir),
                   *(known("solution", e) for e in library.solutions), *(known("mutant", e) for e in library.mutants)]
        # Mutants that must time out are the slowest gradings: start them first so they overlap the rest.
        order = sorted(targets, key=lambda t: not (t.mutant and "timeout" in t.mutant.outcomes))
        try:
            with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
                futures = {(t.kind, t.name): pool.submit(
                    grade_in_process, GradingJob(id=t.name, assignment=assignment.name, course_root=root,
                                                 upload=upload_from_path(t.folder), timeout_s=timeout)) for t in order}
                entries = [_judge(t, futures[t.kind, t.name].result()) for t in targets]
        finally:
            close_slots()
    problems = []
    if len(library.mutants) < MIN_MUTANTS:
        problems.append(f"the library holds {len(library.mutants)} mutants; each assignment keeps at least "
                        f"{MIN_MUTANTS} (assignments/{assignment.name}/mutants.yaml)")
    return RegressReport(assignment=assignment.name, problems=problems, entries=entries,
                         seconds=time.monotonic() - start)


def _judge(target: _Target, outcome: GradingOutcome) -> RegressEntry:
    report = outcome.report
    if report is None:
        problems = [f"{outcome.status}: {outcome.error}"]
    elif target.kind == "template":
        problems = _template_failures(report)
    else:
        problems = expectation_failures(target.mutant, report)
        if not problems and target.kind == "mutant" and report.score >= report.max_score and not _fails_optional(report):
            problems = ["full marks, but a mutant must lose points"]
        if not problems and target.kind != "mutant" and report.max_score <= 0:
            problems = ["no points to earn: the spec's cases are worth 0"]
    return RegressEntry(kind=target.kind, name=target.name, expects=_expects(target), status=outcome.status,
                        score=report.score if report else None, max_score=report.max_score if report else None,
                        problems=problems, report=report, seconds=outcome.seconds)


def _fails_optional(report: GradeReport) -> bool:
    """Whether a case worth 0 points failed: a mistake in an optional part (e.g. RMSProp in the
    optimizers homework) costs nothing, and its failed cases are what shows it was caught."""
    return any(c.outcome != "passed" and c.points == 0 for c in report.cases)


def _template_failures(report: GradeReport) -> list[str]:
    if faults := grader_fault_lines(report):
        return faults
    if report.status != "completed":
        return [f"grading did not complete: {report.status}: {report.message}"]
    return [f"{c.id}: {c.outcome}, but the untouched template must be 'not implemented'"
            for c in report.cases if c.outcome != "not_implemented"]


def _expects(target: _Target) -> str:
    if target.kind == "template":
        return "zero: every case not implemented"
    if target.mutant is not None:
        return "fails " + ", ".join(target.mutant.must_fail)
    return "full marks"
