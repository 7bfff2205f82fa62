"""Grades a whole class: one isolated grading process per submission (`gradejob`), N at a time
on this machine or as tasks on an existing Dask cluster, with the same jobs and outcomes either
way, so both write the same grades.csv.

Writes, under the output folder:
- `results/<id>/results.json`: Gradescope's format, what the student would see;
- `results/<id>/outcome.json`: our full report, and what resuming needs (`StoredOutcome`);
- `manifest.json`: the submissions found and who submitted them (`BatchManifest`);
- `grades.csv`: one row per submission (`gradebook`).

Re-running skips a submission whose stored outcome is a verdict (completed, or an unusable
upload) for the same bytes under the same assignment files; grader failures and timeouts are
retried, and `force` regrades everything.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .. import settings
from ..files import fingerprint, tree_entries, write_atomic
from ..results.outcomes import VERDICT_STATUSES, GradingStatus
from ..results.report import GradeReport
from ..spec.assignment import Assignment
from .gradebook import Gradebook, GradeRow, write_gradebook
from .grading_process import (GradingJob, GradingOutcome, UploadTooLarge, default_timeout_s,
                       failed_outcome, grade_in_process)
from .grading_slot import close_slots
from .mistakes import warm_caches
from .roster import SubmissionSource, discover, load_upload


class BatchError(Exception):
    """The batch cannot run at all; the message is for the TA."""


class BatchManifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    assignment: str
    submissions: str
    fingerprint: str
    problems: list[str]
    sources: list[SubmissionSource]
    ignored: list[str]


class StoredOutcome(BaseModel):
    """results/<id>/outcome.json."""
    model_config = ConfigDict(frozen=True)

    fingerprint: str  # of the assignment files the verdict came from
    upload_sha256: str  # of the bytes graded
    status: GradingStatus
    error: str = ""
    report: GradeReport | None = None
    seconds: float = 0.0


class BatchSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    submissions: int
    graded: int
    skipped: int
    statuses: dict[str, int]  # status -> submissions, over the whole grades.csv
    csv: Path
    ignored: list[str]

    @property
    def failures(self) -> int:
        return sum(n for s, n in self.statuses.items() if s not in VERDICT_STATUSES)


def run_batch(assignment: Assignment, submissions: Path, out: Path, *, workers: int | None = None,
              scheduler: str | None = None, force: bool = False, timeout_s: float | None = None,
              progress: bool = True) -> BatchSummary:
    from tqdm import tqdm  # optional extra `autograder[dask]`: other commands must start without it

    intake = discover(submissions)
    warm_caches(assignment)
    fingerprint = assignment_fingerprint(assignment)
    problems = [p.name for p in assignment.spec.problems]
    write_atomic(out / "manifest.json", BatchManifest(
        assignment=assignment.name, submissions=str(submissions), fingerprint=fingerprint, problems=problems,
        sources=intake.sources, ignored=intake.ignored))
    timeout = timeout_s or default_timeout_s(assignment)
    root = settings.course_root()
    graded = skipped = 0
    with _backend(workers, scheduler) as backend, \
            tqdm(total=len(intake.sources), unit="submission", disable=None if progress else True) as bar:
        pending: dict[Any, tuple[GradingJob, str]] = {}

        def finish(done: set) -> None:
            nonlocal graded
            for future in done:
                job, digest = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # e.g. Dask's KilledWorker: a fault around one job must not sink the batch
                    outcome = failed_outcome(job.id, "grader_error", " ".join(f"{type(exc).__name__}: {exc}".split()))
                _store(out, job.id, fingerprint, digest, outcome)
                graded += 1
                bar.update()

        for source in intake.sources:
            try:
                upload = load_upload(source)
            except UploadTooLarge as exc:
                _store(out, source.id, fingerprint, "", failed_outcome(source.id, "submission_error", str(exc)))
                graded += 1
                bar.update()
                continue
            digest = upload.sha256()
            if not force and _has_verdict(out, source.id, fingerprint, digest):
                skipped += 1
                bar.update()
                continue
            # A bounded window: payloads are read as workers free up, not all held at once.
            while len(pending) >= 2 * backend.capacity:
                finish(backend.wait(set(pending)))
            job = GradingJob(id=source.id, assignment=assignment.name, course_root=root, upload=upload,
                           timeout_s=timeout)
            pending[backend.submit(job)] = (job, digest)
        while pending:
            finish(backend.wait(set(pending)))

    rows = [_row(source, load_stored(out, source.id), problems) for source in intake.sources]
    write_gradebook(out / "grades.csv", Gradebook(problems=problems, rows=rows))
    return BatchSummary(submissions=len(rows), graded=graded, skipped=skipped,
                        statuses=dict(Counter(r.status for r in rows)),
                        csv=out / "grades.csv", ignored=intake.ignored)


def assignment_fingerprint(assignment: Assignment) -> str:
    """Everything a verdict depends on besides the submission: the spec, harness and checks (not
    the library of mutants and solutions), the reference and the template."""
    return fingerprint([*tree_entries(assignment.dir, "assignment", skip_top=("mutants", "solutions",
                                                                               "mutants.yaml", "solutions.yaml")),
                        *tree_entries(assignment.reference_dir, "reference"),
                        *tree_entries(assignment.template_dir, "template")])


def outcome_dir(out: Path, submission_id: str) -> Path:
    return out / "results" / submission_id


def load_stored(out: Path, submission_id: str) -> StoredOutcome | None:
    try:
        return StoredOutcome.model_validate_json((outcome_dir(out, submission_id) / "outcome.json").read_text())
    except (OSError, ValidationError):
        return None


def _has_verdict(out: Path, submission_id: str, fingerprint: str, digest: str) -> bool:
    stored = load_stored(out, submission_id)
    return (stored is not None and stored.status in VERDICT_STATUSES
            and (stored.fingerprint, stored.upload_sha256) == (fingerprint, digest))


def _store(out: Path, submission_id: str, fingerprint: str, digest: str, outcome: GradingOutcome) -> None:
    folder = outcome_dir(out, submission_id)
    write_atomic(folder / "results.json", outcome.results)
    write_atomic(folder / "outcome.json", StoredOutcome(
        fingerprint=fingerprint, upload_sha256=digest, status=outcome.status, error=outcome.error,
        report=outcome.report, seconds=outcome.seconds))


def _row(source: SubmissionSource, stored: StoredOutcome | None, problems: list[str]) -> GradeRow:
    people = source.submitters

    def joined(field: Callable[[Any], str]) -> str:
        return "; ".join(field(p) for p in people) if any(field(p) for p in people) else ""

    identity = dict(id=source.id, name=joined(lambda p: p.name), email=joined(lambda p: p.email),
                    sid=joined(lambda p: p.sid))
    if stored is None or stored.report is None:
        return GradeRow(**identity, scores={p: None for p in problems}, total=None,
                        status=stored.status if stored else "grader_error",
                        error=stored.error if stored else "no outcome was recorded")
    by_problem = stored.report.problem_scores()
    return GradeRow(**identity, scores={p: by_problem[p][0] if p in by_problem else None for p in problems},
                    total=stored.report.score, status=stored.status, error=stored.error)


class _Threads:
    """This machine: threads, each grading one submission at a time in its grading slot."""

    def __init__(self, workers: int | None) -> None:
        self.capacity = workers or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(max_workers=self.capacity)

    def submit(self, job: GradingJob) -> Future:
        return self._pool.submit(grade_in_process, job)

    def wait(self, futures: set) -> set:
        return wait(futures, return_when=FIRST_COMPLETED).done

    def close(self) -> None:
        self._pool.shutdown()
        close_slots()


class _Dask:
    """An existing Dask cluster: one task per submission, outcomes come back to this process,
    which writes every file. Workers need the autograder and the course at the same path."""

    def __init__(self, address: str) -> None:
        from distributed import Client  # optional extra `autograder[dask]`, only `--scheduler` needs it

        try:
            self._client = Client(address, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise BatchError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.capacity = max(1, sum(self._client.nthreads().values()))

    def submit(self, job: GradingJob) -> Any:
        return self._client.submit(grade_in_process, job, pure=False)

    def wait(self, futures: set) -> set:
        from distributed import wait as dask_wait

        return set(dask_wait(list(futures), return_when="FIRST_COMPLETED").done)

    def close(self) -> None:
        self._client.close()


@contextmanager
def _backend(workers: int | None, scheduler: str | None) -> Iterator[_Threads | _Dask]:
    backend = _Dask(scheduler) if scheduler else _Threads(workers)
    try:
        yield backend
    finally:
        backend.close()
