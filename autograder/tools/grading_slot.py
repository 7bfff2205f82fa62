"""A grading slot: one long-lived grading process that grades one submission after another, as
`autograder grade` would, for a batch (or regress) worker thread, so that the grader's start-up
and the assignment's imports are paid once per slot instead of once per submission.

The slot is trusted code only. It grades each submission by running the `grade` command's own
`run` in-process (the same results.json, the same report), and its workers are forked from a
fork server that has loaded the assignment's harness imports (torch, matplotlib) once
(`sandbox/spawn.ForkServer`): each submission still gets processes of its own, under the sandbox
uid its job was given, from a server that never runs student code, so nothing a submission does
(patching torch, numpy's error state, threads, RNG state, files) reaches the next one. The
slot's own state carries over (the loaded spec, caches), which the verdicts do not depend on.

A slot that dies or outlives a job's deadline is killed with everything it started and replaced
for the next job: the crash boundary is still one submission. `GradingSlot` is the batch side;
`python -m autograder.tools.grading_slot ASSIGNMENT` is the slot, reading one `SlotJob` per
line on stdin and answering one `SlotReply` per line.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import io
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .. import settings


class SlotJob(BaseModel):
    model_config = ConfigDict(frozen=True)

    submission: Path
    results: Path
    tmpdir: Path  # the grading's own temp folder
    uid: int | None  # the sandbox uid the caller holds for this grading


class SlotReply(BaseModel):
    """What `autograder grade ... --json` would have returned: exit code, stdout, stderr."""
    model_config = ConfigDict(frozen=True)

    code: int
    stdout: str
    stderr: str


class GradingSlot:
    """The batch side of one slot: started when first needed, replaced after a death or timeout."""

    def __init__(self, assignment: str, course_root: Path) -> None:
        self.assignment = assignment
        self.course_root = course_root
        self._proc: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()  # the slot's own stderr: what it said when it died
        self.closed = False

    def grade(self, job: SlotJob, timeout_s: float) -> SlotReply | None:
        """The grading's reply, or None when it outlived `timeout_s` (the slot is then killed)."""
        proc = self._running()
        deadline = time.monotonic() + timeout_s
        try:
            proc.stdin.write(job.model_dump_json() + "\n")
            proc.stdin.flush()
        except OSError:
            return self._died(job)
        line = ""
        while not line.endswith("\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
                self._kill(job)
                return None
            chunk = proc.stdout.readline()
            if not chunk:
                return self._died(job)
            line += chunk
        return SlotReply.model_validate_json(line)

    def close(self) -> None:
        """Ends the slot between gradings: it exits when its input closes."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        self._log.close()
        self.closed = True

    def _running(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._log.seek(0)
            self._log.truncate()
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "autograder.tools.grading_slot", self.assignment],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True,
                env={**os.environ, settings.COURSE_ROOT: str(self.course_root)})
        return self._proc

    def _died(self, job: SlotJob) -> SlotReply:
        code = self._kill(job)
        self._log.seek(0)
        said = self._log.read().decode("utf-8", errors="replace")[-4000:]
        return SlotReply(code=code or 1, stdout="", stderr=said or f"the grading slot exited with status {code}")

    def _kill(self, job: SlotJob) -> int | None:
        """Kills the slot with its workers and whatever else the submission started; its exit status."""
        from ..sandbox.cleanup import remove_files_of, stop_and_kill_tree

        proc, self._proc = self._proc, None
        if proc is None:
            return None
        stop_and_kill_tree(proc.pid, job.uid)
        code = proc.wait()
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        if job.uid is not None:
            remove_files_of(job.uid)  # the grading's own cleanup never ran
        return code


# --- one slot per thread of this process, for as long as the process lives -------------------

_slots = threading.local()
_every_slot: list[GradingSlot] = []
_every_slot_lock = threading.Lock()


def slot_for(assignment: str, course_root: Path) -> GradingSlot:
    """This thread's slot for the assignment (a batch thread, a Dask worker's thread)."""
    mine = getattr(_slots, "by_assignment", None)
    if mine is None:
        mine = _slots.by_assignment = {}
    key = (assignment, str(course_root))
    if key not in mine or mine[key].closed:
        mine[key] = GradingSlot(assignment, course_root)
        with _every_slot_lock:
            _every_slot.append(mine[key])
    return mine[key]


@atexit.register
def close_slots() -> None:
    """Ends every slot of this process (each finishes the grading it is in, if any)."""
    with _every_slot_lock:
        slots, _every_slot[:] = list(_every_slot), []
    for slot in slots:
        slot.close()
    _slots.__dict__.clear()


# --- the slot process -------------------------------------------------------------------------

def serve(assignment: str) -> None:
    from ..commands import grade as grade_command
    from ..sandbox import spawn

    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever else writes to stdout goes to our log, not into a reply
    try:
        plan = grade_command.plan_for(assignment)
    except Exception:  # then every grading fails as `autograder grade` would, saying why
        plan = None
    with spawn.serving_forks(spawn.assignment_imports(assignment)):
        for line in sys.stdin:
            job = SlotJob.model_validate_json(line)
            os.environ["TMPDIR"] = str(job.tmpdir)
            tempfile.tempdir = str(job.tmpdir)
            if job.uid is None:
                os.environ.pop(settings.SANDBOX_UID, None)
            else:
                os.environ[settings.SANDBOX_UID] = str(job.uid)
            args = argparse.Namespace(assignment=assignment, submission=job.submission, results=job.results,
                                      total_points=None, metadata=None, json=True, quiet=False)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = grade_command.run(args, plan, lanes_at_once=False)  # the other slots use the cores
            replies.write(SlotReply(code=code, stdout=out.getvalue(), stderr=err.getvalue()).model_dump_json() + "\n")
            replies.flush()


if __name__ == "__main__":
    serve(sys.argv[1])
