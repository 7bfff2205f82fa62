"""What a batch folder says about the class: the numbers behind `autograder report`'s page,
read from `DIR/manifest.json` and `DIR/results/<id>/outcome.json` (`tools/batch.py`), apart
from the page so that they can be checked without a browser.

Scores count every submission with a verdict (an unusable upload scores 0, as in grades.csv);
pass rates count the submissions graded to completion, since an unusable upload ran no case.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from pathlib import Path
from typing import get_args

from pydantic import BaseModel, ConfigDict, ValidationError

from ..results.outcomes import VERDICT_STATUSES, GradingStatus, VerdictOutcome
from ..results.report import CaseResult, GradeReport
from .batch import BatchManifest, StoredOutcome, outcome_dir

SLOWEST = 10  # submissions listed by grading time
MAX_BINS = 25  # about the most bins a histogram has: they are whole points wide
_VERDICT_OUTCOMES = frozenset(get_args(VerdictOutcome))  # what a comparator decided


class ReportError(Exception):
    """The folder is not one `autograder batch` wrote; the message names the file and why."""


class ScoreBin(BaseModel):
    """Submissions whose total is in [low, high)."""
    model_config = ConfigDict(frozen=True)

    low: float
    high: float
    count: int


class CaseRate(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    number: str
    problem: str
    title: str
    points: float
    graded: int  # completed submissions that have this case
    passed: int
    outcomes: dict[str, int]  # outcome -> submissions, for every outcome seen

    @property
    def rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None


class ProblemRate(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    cases: int
    points: float
    graded: int
    all_passed: int  # submissions that passed every case of the problem
    mean_score: float | None

    @property
    def rate(self) -> float | None:
        return self.all_passed / self.graded if self.graded else None


class Diagnosis(BaseModel):
    """A library mistake that students' outputs matched, and who made it."""
    model_config = ConfigDict(frozen=True)

    mistake: str
    submissions: list[str]
    cases: list[str]  # case numbers where it was seen, in spec order


class SubmissionIssue(BaseModel):
    """A submission without a verdict (the grader failed, timed out, recorded nothing), or an
    unusable upload (a verdict: the student's to fix)."""
    model_config = ConfigDict(frozen=True)

    id: str
    status: GradingStatus
    error: str


class CaseFaults(BaseModel):
    """The cases of one completed submission whose run ended without a verdict on its values:
    the code raised, timed out, crashed or ran out of memory."""
    model_config = ConfigDict(frozen=True)

    id: str
    cases: list[str]  # numbers, in spec order
    of: int  # the submission's cases
    outcomes: dict[str, int]  # outcome -> cases
    example: str  # the first line of the first such case's message


class Timing(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    seconds: float
    status: GradingStatus
    score: float | None


class ClassStatistics(BaseModel):
    model_config = ConfigDict(frozen=True)

    folder: str
    assignment: str
    title: str
    submissions: int
    statuses: dict[str, int]  # status -> submissions
    max_score: float | None  # None when no submission has a report
    scores: list[float]  # totals of the submissions with a verdict, sorted
    histogram: list[ScoreBin]
    graded: int  # submissions graded to completion: what pass rates count
    problems: list[ProblemRate]
    cases: list[CaseRate]
    diagnoses: list[Diagnosis]
    no_verdict: list[SubmissionIssue]
    unusable: list[SubmissionIssue]
    case_faults: list[CaseFaults]  # most cases first
    slowest: list[Timing]
    stale: list[str]  # graded against other assignment files than the last batch run's

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores) if self.scores else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.scores) if self.scores else None


def class_statistics(out: Path) -> ClassStatistics:
    """Raises ReportError when `out` has no readable manifest; a submission whose outcome is
    missing or unreadable is listed without a verdict, naming the file."""
    manifest = read_manifest(out)
    stored: dict[str, StoredOutcome] = {}
    no_verdict: list[SubmissionIssue] = []
    for source in manifest.sources:
        found = _read_outcome(out, source.id)
        if isinstance(found, str):
            no_verdict.append(SubmissionIssue(id=source.id, status="grader_error", error=found))
            continue
        stored[source.id] = found
        if found.status not in VERDICT_STATUSES:
            no_verdict.append(SubmissionIssue(id=source.id, status=found.status, error=found.error))

    reports = {sid: s.report for sid, s in stored.items() if s.report is not None}
    completed = {sid: r for sid, r in reports.items() if stored[sid].status == "completed"}
    scored = {sid: r for sid, r in reports.items() if stored[sid].status in VERDICT_STATUSES}
    max_score = max((r.max_score for r in reports.values()), default=None)
    scores = sorted(r.score for r in scored.values())
    statuses = Counter(stored[s.id].status if s.id in stored else "grader_error" for s in manifest.sources)
    cases = case_rates(completed)
    return ClassStatistics(
        folder=str(out), assignment=manifest.assignment,
        title=next((r.title for r in reports.values()), manifest.assignment),
        submissions=len(manifest.sources), statuses=dict(sorted(statuses.items())), max_score=max_score,
        scores=scores, histogram=score_histogram(scores, max_score) if max_score is not None else [],
        graded=len(completed), problems=problem_rates(completed, manifest.problems, cases), cases=cases,
        diagnoses=diagnoses(completed), no_verdict=no_verdict,
        unusable=[SubmissionIssue(id=sid, status=s.status, error=s.error) for sid, s in stored.items()
                  if s.status == "submission_error"],
        case_faults=case_faults(completed), slowest=slowest(stored),
        stale=[sid for sid, s in stored.items() if s.fingerprint != manifest.fingerprint])


def read_manifest(out: Path) -> BatchManifest:
    path = out / "manifest.json"
    if not out.is_dir():
        raise ReportError(f"{out}: not a folder")
    try:
        return BatchManifest.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise ReportError(f"{path}: missing; give the folder `autograder batch --out` wrote") from None
    except OSError as exc:
        raise ReportError(f"{path}: {exc.strerror}") from None
    except ValidationError as exc:
        raise ReportError(f"{path}: not a batch manifest: {_first_error(exc)}") from None


def _read_outcome(out: Path, submission_id: str) -> StoredOutcome | str:
    """The stored outcome, or why there is none (naming the file)."""
    path = outcome_dir(out, submission_id) / "outcome.json"
    shown = path.relative_to(out).as_posix()
    try:
        return StoredOutcome.model_validate_json(path.read_text())
    except FileNotFoundError:
        return f"no outcome was recorded ({shown} is missing)"
    except OSError as exc:
        return f"{shown}: {exc.strerror}"
    except ValidationError as exc:
        return f"{shown} is not a stored outcome: {_first_error(exc)}"


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where + ': ' if where else ''}{error['msg']}{more}"


def score_histogram(scores: list[float], max_score: float) -> list[ScoreBin]:
    """Bins a whole number of points wide, from 0 up to one holding max_score: with at most
    MAX_BINS points, the last bin [max, max + 1) holds exactly the full marks."""
    width = max(1, math.ceil(max_score / MAX_BINS))
    count = math.floor(max_score / width + 1e-9) + 1
    counts = [0] * count
    for score in scores:
        counts[min(count - 1, max(0, math.floor(score / width + 1e-9)))] += 1
    return [ScoreBin(low=i * width, high=(i + 1) * width, count=n) for i, n in enumerate(counts)]


def case_rates(completed: dict[str, GradeReport]) -> list[CaseRate]:
    """One row per case, in spec order (the order of the reports' cases)."""
    by_case: dict[str, list[CaseResult]] = {}
    for report in completed.values():
        for case in report.cases:
            by_case.setdefault(case.id, []).append(case)
    rates = []
    for results in by_case.values():
        first = results[0]
        outcomes = dict(Counter(r.outcome for r in results))
        rates.append(CaseRate(id=first.id, number=first.number, problem=first.problem, title=first.title,
                              points=first.points, graded=len(results), passed=outcomes.get("passed", 0),
                              outcomes=outcomes))
    return rates


def problem_rates(completed: dict[str, GradeReport], problems: list[str], cases: list[CaseRate]) -> list[ProblemRate]:
    """In the manifest's (spec) order, then any problem only the reports name."""
    names = problems + [c.problem for c in cases if c.problem not in problems]
    rates = []
    for name in dict.fromkeys(names):
        having = [r for r in completed.values() if any(c.problem == name for c in r.cases)]
        scores = [r.problem_scores()[name][0] for r in having]
        rates.append(ProblemRate(
            name=name, cases=sum(c.problem == name for c in cases),
            points=sum(c.points for c in cases if c.problem == name), graded=len(having),
            all_passed=sum(all(c.outcome == "passed" for c in r.cases if c.problem == name) for r in having),
            mean_score=statistics.fmean(scores) if scores else None))
    return rates


def diagnoses(completed: dict[str, GradeReport]) -> list[Diagnosis]:
    """Most often made first; a mistake's cases in spec order."""
    order = {c.id: i for r in completed.values() for i, c in enumerate(r.cases)}
    who: dict[str, set[str]] = {}
    where: dict[str, dict[str, str]] = {}  # mistake -> case id -> case number
    for sid, report in completed.items():
        for case in report.cases:
            if case.diagnosis is not None:
                who.setdefault(case.diagnosis, set()).add(sid)
                where.setdefault(case.diagnosis, {})[case.id] = case.number
    found = [Diagnosis(mistake=m, submissions=sorted(who[m]),
                       cases=[where[m][c] for c in sorted(where[m], key=order.__getitem__)]) for m in who]
    return sorted(found, key=lambda d: (-len(d.submissions), d.mistake))


def case_faults(completed: dict[str, GradeReport]) -> list[CaseFaults]:
    """Per submission rather than per case: code that does not import fails every case the
    same way, which is one line for a TA to read, not one per case. (Per case, the case
    table counts every outcome.)"""
    found = []
    for sid, report in completed.items():
        faults = [c for c in report.cases if c.outcome not in _VERDICT_OUTCOMES]
        if faults:
            found.append(CaseFaults(id=sid, cases=[c.number for c in faults], of=len(report.cases),
                                    outcomes=dict(Counter(c.outcome for c in faults)),
                                    example=_first_line(faults[0].message)))
    return sorted(found, key=lambda f: (-len(f.cases), f.id))


def _first_line(message: str, limit: int = 200) -> str:
    line = next((line.strip() for line in message.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[:limit - 1] + "…"


def slowest(stored: dict[str, StoredOutcome], count: int = SLOWEST) -> list[Timing]:
    ranked = sorted(stored.items(), key=lambda kv: (-kv[1].seconds, kv[0]))[:count]
    return [Timing(id=sid, seconds=s.seconds, status=s.status,
                   score=s.report.score if s.report is not None and s.status in VERDICT_STATUSES else None)
            for sid, s in ranked]
