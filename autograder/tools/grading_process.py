"""One grading, as `autograder grade` does it, in this thread's grading slot (`grading_slot.py`):
the unit of work of `batch` and `regress`.

The slot, a grading process of its own, is the crash boundary: whatever happens while grading
one submission (a grader bug, a hang past every per-case deadline, a student process that takes
its grader down) costs that submission only, the slot being killed and replaced, and an overall
deadline bounds the whole run. A job is plain data both ways and carries the submission as
bytes, so the same function runs in a local thread or as a task on a Dask worker, which then
needs the autograder and the course (at `course_root`) but not the submissions' filesystem.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, ValidationError

from ..files import fingerprint
from ..reporters.gradescope import GradescopeResults, failure_results
from ..results.markdown import code, code_block
from ..results.outcomes import GradingStatus
from ..results.report import GradeReport
from ..sandbox.uids import sandbox_uid_slot
from ..spec.assignment import Assignment
from ..submission.archive import MAX_ZIP_BYTES
from .grading_slot import SlotJob, slot_for


class Upload(BaseModel):
    """A submission as bytes: a folder's regular files by relative path, or one file (.zip, .py)."""
    model_config = ConfigDict(frozen=True)

    name: str
    is_folder: bool
    files: dict[str, bytes]

    def sha256(self) -> str:
        return fingerprint([(f"{self.name}/{self.is_folder}", b""), *sorted(self.files.items())])

    def write_to(self, folder: Path) -> Path:
        """Recreates the upload under `folder`; returns what to grade (the folder or the file)."""
        unsafe = [rel for rel, nested in [(self.name, False), *((f, self.is_folder) for f in self.files)]
                  if not _safe_relative(rel, nested)]
        if unsafe:
            raise ValueError(f"unsafe file name in upload {self.name!r}: {unsafe[0]!r}")
        target = folder / self.name if self.is_folder else folder
        target.mkdir(parents=True, exist_ok=True)
        for rel, data in self.files.items():
            path = target.joinpath(*PurePosixPath(rel).parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return target if self.is_folder else target / self.name


def _safe_relative(name: str, nested: bool) -> bool:
    path = PurePosixPath(name)
    return bool(path.parts) and not path.is_absolute() and ".." not in path.parts and (nested or len(path.parts) == 1)


class UploadTooLarge(Exception):
    """More bytes than grading would ever unpack; the message is for the student."""


def upload_from_path(path: Path) -> Upload:
    """A folder's regular files (links are not followed), or a single file."""
    if path.is_dir():
        found = [p for dirpath, _, names in os.walk(path) for p in (Path(dirpath, n) for n in names)
                 if p.is_file() and not p.is_symlink()]
    else:
        found = [path]
    if sum(p.stat().st_size for p in found) > MAX_ZIP_BYTES:
        raise UploadTooLarge(f"{path.name} holds more than {MAX_ZIP_BYTES // 2**20} MB")
    if path.is_dir():
        return Upload(name=path.name, is_folder=True,
                      files={p.relative_to(path).as_posix(): p.read_bytes() for p in found})
    return Upload(name=path.name, is_folder=False, files={path.name: path.read_bytes()})


class GradingJob(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    assignment: str
    course_root: Path
    upload: Upload
    timeout_s: float


class GradingOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    status: GradingStatus
    error: str = ""  # one line for the TA: why there is no verdict, or why the upload was unusable
    report: GradeReport | None = None
    results: GradescopeResults  # what the student would see: results.json
    seconds: float = 0.0


def failed_outcome(job_id: str, status: GradingStatus, error: str, seconds: float = 0.0) -> GradingOutcome:
    """An outcome without a report; its results.json tells the student why."""
    # `error` is ours, but may quote the submission (a file name, an exception message).
    message = (f"Your submission could not be graded: {code(error)}" if status == "submission_error" else
               "The autograder could not grade this submission; this is not a verdict on your work. Please tell "
               f"the course staff.\n\n{code_block(error)}")
    return GradingOutcome(id=job_id, status=status, error=error, seconds=seconds,
                      results=failure_results(message, execution_time=seconds))


def default_timeout_s(assignment: Assignment) -> float:
    """The grading's own budget (`grading_timeout_s`, which bounds every worker it runs) and a
    minute for what comes before and after it: starting Python, the expected values, results."""
    return assignment.spec.grading_timeout_s + 60


def grade_in_process(job: GradingJob) -> GradingOutcome:
    """Never raises for anything a submission does; a grader failure becomes a `grader_error`."""
    start = time.monotonic()

    def outcome(status: GradingStatus, error: str, results: GradescopeResults | None = None,
                report: GradeReport | None = None) -> GradingOutcome:
        seconds = time.monotonic() - start
        if results is None:
            return failed_outcome(job.id, status, error, seconds)
        return GradingOutcome(id=job.id, status=status, error=error, report=report, results=results, seconds=seconds)

    # The slot outlives the folder: nothing of this grading is left when the next one gets its uid.
    with sandbox_uid_slot() as uid, tempfile.TemporaryDirectory(prefix="autograder-job-") as tmp:
        work = Path(tmp)
        try:
            upload = job.upload.write_to(work / "upload")
        except ValueError as exc:
            return outcome("submission_error", str(exc))
        # The grading's own temp folder goes inside ours, so a killed grading leaves nothing behind;
        # traversable (not listable) by the sandbox uid, which runs the student's code in there.
        work.chmod(0o711)
        (work / "tmp").mkdir(mode=0o711)
        results_path = work / "results.json"
        reply = slot_for(job.assignment, job.course_root).grade(
            SlotJob(submission=upload, results=results_path, tmpdir=work / "tmp", uid=uid), job.timeout_s)
        if reply is None:
            return outcome("timeout", f"grading took longer than {job.timeout_s:g} s and was stopped")
        results = _read_results(results_path)
        if reply.code != 0:
            return outcome("grader_error", _last_complaint(reply.stderr) or
                           f"the grading process exited with status {reply.code}", results)
        try:
            report = GradeReport.model_validate_json(reply.stdout)
        except ValidationError:
            return outcome("grader_error", "the grading process printed no readable report", results)
        if report.grader_faults():  # what the TA must fix, not what the student read
            error = ("grader error: " + "; ".join(f"{case_id}: {' '.join(fault.split())}"
                                                  for case_id, fault in report.grader_faults().items()))[:1000]
        else:
            error = " ".join(report.message.split()) if report.status != "completed" else ""
        return outcome(report.status, error, results, report)


def _last_complaint(stderr: str) -> str:
    """The grader's own last message (`autograder: ...`, possibly several lines), on one line."""
    lines = stderr.strip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("autograder:")]
    return " ".join(" ".join(lines[starts[-1] if starts else -1:]).split())[:1000]


def _read_results(path: Path) -> GradescopeResults | None:
    try:
        return GradescopeResults.model_validate_json(path.read_text())
    except (OSError, ValidationError):
        return None
