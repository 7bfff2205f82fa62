"""A grading slot (`tools/grading_slot.py`) grades one submission after another, its workers forked
from a fork server that loaded the harness's imports once, and each verdict must be the one
`autograder grade` gives the submission alone: the same results.json but for timings. Nothing a
submission does at import (patching numpy or torch, numpy's error state and RNG, a thread left
running, a file in /tmp) may reach the submissions graded after it. Real processes throughout:
the slot, its fork server, sandboxed workers."""

import json
import shutil

import pytest
from support.cli import REPO, run_cli
from support.library import library_folder

from autograder import settings
from autograder.reporters.gradescope import GradescopeResults
from autograder.tools.grading_process import GradingJob, grade_in_process, upload_from_path
from autograder.tools.grading_slot import close_slots

PATCHES_NUMPY = '''
import threading
import time

import numpy as np

np.correlate = lambda *args, **kwargs: np.zeros(3)  # every later np.correlate would be wrong
np.seterr(all="raise")  # and every later underflow an exception
np.random.seed(0)
np.set_printoptions(precision=1)
threading.Thread(target=lambda: [time.sleep(0.001) for _ in iter(int, 1)], daemon=True).start()
open("/tmp/autograder-slot-planted", "w").write("left behind")
'''

# In definitions mode a notebook keeps imports and definitions only: default values run at import.
PATCHES_TORCH = '''import threading
import time

import numpy as np
import torch


def _left_behind(_dtype=torch.set_default_dtype(torch.float64),
                 _forward=setattr(torch.nn.Linear, "forward", lambda self, x: x * 0),
                 _svd=setattr(np.linalg, "svd", lambda *a, **k: None),
                 _errors=np.seterr(all="raise"),
                 _thread=threading.Thread(target=lambda: [time.sleep(0.001) for _ in iter(int, 1)],
                                          daemon=True).start()):
    pass
'''


def without_timings(results: GradescopeResults) -> dict:
    data = json.loads(results.model_dump_json())
    data.pop("execution_time")
    for test in data["tests"]:
        test["extra_data"].pop("seconds", None)
    return data


def alone(assignment: str, folder, tmp_path) -> dict:
    path = tmp_path / f"alone-{folder.name}.json"
    result = run_cli("grade", assignment, str(folder), "--results", str(path), "--quiet")
    assert result.returncode == 0, result.stderr
    return without_timings(GradescopeResults.model_validate_json(path.read_text()))


@pytest.fixture
def slot():
    """Grades in this thread's slot (one slot: every job after the first reuses it)."""
    def grade(assignment: str, folder):
        job = GradingJob(id=folder.name, assignment=assignment, course_root=settings.course_root(),
                         upload=upload_from_path(folder), timeout_s=300)
        return grade_in_process(job)
    yield grade
    close_slots()


def test_a_slot_gives_the_verdicts_of_gradings_alone(slot, tmp_path):
    folders = [REPO / "reference/conv1d", REPO / "student_template/conv1d",
               *(library_folder("conv1d", name) for name in
                 ("wrong_adjoint", "crashes_process", "hangs_when_r_is_1", "memory_blowup", "dense_circulant"))]
    graded = [slot("conv1d", folder) for folder in folders]
    for folder, outcome in zip(folders, graded):
        assert outcome.status == "completed", (folder.name, outcome.error)
        assert without_timings(outcome.results) == alone("conv1d", folder, tmp_path), folder.name


def test_a_slot_runs_the_lanes_in_turn_with_the_verdicts_of_lanes_at_once(slot, tmp_path):
    """linearized_features shares its cases between two lanes: `autograder grade` runs them at
    once, a slot (whose neighbours keep the other cores busy) one after another."""
    from autograder.sandbox.spawn import spare_cores
    from autograder.spec.assignment import load_assignment
    assert load_assignment("linearized_features").spec.lanes == 2 and spare_cores()
    folders = [REPO / "student_template/linearized_features",
               *(library_folder("linearized_features", name) for name in
                 ("plot_gradients_never_cleared", "features_never_cleared", "ascending_order"))]
    for folder in folders:
        outcome = slot("linearized_features", folder)
        assert outcome.status == "completed", (folder.name, outcome.error)
        assert outcome.report.score < outcome.report.max_score, folder.name
        assert without_timings(outcome.results) == alone("linearized_features", folder, tmp_path), folder.name


def test_what_a_submission_patches_at_import_does_not_reach_the_next(slot, tmp_path):
    patcher = tmp_path / "patcher"
    patcher.mkdir()
    (patcher / "conv1D.py").write_text((REPO / "reference/conv1d/conv1D.py").read_text() + PATCHES_NUMPY)
    reference = REPO / "reference/conv1d"
    first = slot("conv1d", patcher)
    assert first.report.score < first.report.max_score  # the patched np.correlate did reach its own cases
    after = slot("conv1d", reference)
    assert after.report.score == after.report.max_score
    assert without_timings(after.results) == alone("conv1d", reference, tmp_path)


def test_a_submission_that_patches_torch_changes_nothing_for_the_next(slot, tmp_path):
    patcher = tmp_path / "torch_patcher"
    shutil.copytree(REPO / "reference/linearized_features", patcher)
    book = json.loads((patcher / "q_linearized_features.ipynb").read_text())
    book["cells"].insert(0, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                             "source": PATCHES_TORCH.splitlines(keepends=True)})
    (patcher / "q_linearized_features.ipynb").write_text(json.dumps(book))
    reference = REPO / "reference/linearized_features"
    first = slot("linearized_features", patcher)
    assert first.report.score < first.report.max_score
    after = slot("linearized_features", reference)
    assert after.report.score == after.report.max_score
    assert without_timings(after.results) == alone("linearized_features", reference, tmp_path)


def test_a_slot_that_dies_is_replaced_and_the_submission_is_a_grader_error(slot, monkeypatch):
    """A grader crash (here: the slot killed from outside mid-grading) costs that submission only."""
    import os
    import signal
    import threading

    from autograder.tools import grading_slot

    real = grading_slot.GradingSlot.grade

    def killed_meanwhile(self, job, timeout_s):
        proc = self._running()
        threading.Timer(0.5, lambda: os.kill(proc.pid, signal.SIGKILL)).start()
        return real(self, job, timeout_s)

    monkeypatch.setattr(grading_slot.GradingSlot, "grade", killed_meanwhile)
    hang = library_folder("conv1d", "hangs_when_r_is_1")  # long enough to be killed in the middle
    died = slot("conv1d", hang)
    assert died.status == "grader_error" and "exited with status -9" in died.error
    monkeypatch.setattr(grading_slot.GradingSlot, "grade", real)
    assert slot("conv1d", REPO / "reference/conv1d").report.score == 23
