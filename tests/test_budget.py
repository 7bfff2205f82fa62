"""A submission's time budget (grading_timeout_s) and its bound on worker restarts
(max_worker_restarts): when either runs out, the cases left fail with a message saying so, and
the grading ends with a report (so results.json is written) in bounded time."""

import shutil
import time

from support.cli import REPO

from autograder.grading import grade
from autograder.spec.assignment import load_assignment


def course_with(tmp_path, **settings):
    """conv1d with top-level spec settings changed."""
    course = tmp_path / "course"
    for part in ("assignments", "reference", "student_template"):
        shutil.copytree(REPO / part / "conv1d", course / part / "conv1d")
    spec = course / "assignments" / "conv1d" / "assignment.yaml"
    text = spec.read_text()
    extra = "".join(f"{key}: {value}\n" for key, value in settings.items())
    spec.write_text(text.replace("timeout_s: 5\n", f"timeout_s: 5\n{extra}", 1))
    return load_assignment("conv1d", course)


def submission(tmp_path, body: str):
    source = (REPO / "reference" / "conv1d" / "conv1D.py").read_text()
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "conv1D.py").write_text(source.replace(
        "        # Cross-correlation, O(n r) time and O(n) memory: no (n-r+1) x n array.\n",
        f"        # Cross-correlation, O(n r) time and O(n) memory: no (n-r+1) x n array.\n{body}"))
    return folder


def test_when_the_time_budget_runs_out_the_cases_left_fail_saying_so(tmp_path):
    assignment = course_with(tmp_path, grading_timeout_s=3)
    start = time.monotonic()
    report = grade(assignment, submission(tmp_path, "        import time; time.sleep(0.8)\n"))
    seconds = time.monotonic() - start
    assert report.status == "completed" and seconds < 8
    outcomes = [c.outcome for c in report.cases]
    first_late = next(i for i, c in enumerate(report.cases) if "budget" in c.message)
    late = report.cases[first_late:]
    assert 0 < first_late and all(c.outcome == "timeout" for c in late if "not run" in c.message)
    assert any("was stopped after" in c.message and "(3 s) ran out" in c.message for c in report.cases)
    assert any(c.message.startswith("not run: grading your submission took longer than its time budget of 3 s")
               for c in report.cases)
    assert outcomes.count("passed") >= 2  # what ran before the budget ran out was graded


def test_when_workers_keep_dying_the_cases_left_fail_saying_so(tmp_path):
    assignment = course_with(tmp_path, max_worker_restarts=2)
    report = grade(assignment, submission(tmp_path, "        import os, signal; os.kill(os.getpid(), signal.SIGKILL)\n"))
    died = [c.id for c in report.cases if c.outcome == "crashed" and "was killed" in c.message]
    not_run = [c.id for c in report.cases if c.outcome == "crashed"
               and c.message.startswith("not run: the Python process running your code died 3 times")]
    # The memory-checked cases run first, each in a worker of its own: A @ x dies, A.T @ y passes;
    # then the worker of the other cases dies twice more.
    assert died == ["forward/random[n=20,r=3]", "forward/random[n=8,r=1]", "matrix_free/forward_memory"]
    assert [c.id for c in report.cases if c.outcome == "passed"] == ["matrix_free/transpose_memory"]
    assert len(not_run) == len(report.cases) - 4  # the transpose cases too, though they would have passed
