"""Grading one submission: a plan (`grading.prepare`) made once and used for many submissions, as a
batch's slot does, grades each as grading it alone would; and the order the cases run in: no
visible case after a hidden one (student code may keep a hidden case's inputs and print them),
and as few fresh workers as that allows."""

import re
from itertools import groupby

import numpy as np
import pytest
from support.cli import REPO

from autograder.grading import _requests, grade, prepare
from autograder.spec.assignment import load_assignment
from autograder.spec.cases import select_cases


def _verdicts(report):
    return [c.model_dump(exclude={"seconds", "output", "peak_extra_memory_mb"}) for c in report.cases]  # measured


def test_a_plan_grades_each_submission_as_grading_it_alone(tmp_path):
    assignment = load_assignment("conv1d")
    plan = prepare(assignment)
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    source = (REPO / "reference" / "conv1d" / "conv1D.py").read_text()
    (wrong / "conv1D.py").write_text(source.replace('mode="full"', 'mode="same"'))
    assert 'mode="same"' in (wrong / "conv1D.py").read_text()

    first_wrong = grade(plan, wrong)
    reference = grade(plan, assignment.reference_dir)
    second_wrong = grade(plan, wrong)

    assert reference.score == reference.max_score
    assert first_wrong.score < first_wrong.max_score
    assert _verdicts(reference) == _verdicts(grade(assignment, assignment.reference_dir))
    assert _verdicts(first_wrong) == _verdicts(second_wrong) == _verdicts(grade(assignment, wrong))


def test_a_plans_inputs_cannot_be_changed_by_the_grader():
    """The judge and the staff's checks see the same arrays in every grading of a batch: writing
    into one raises instead of changing what the next submission is judged on."""
    plan = prepare(load_assignment("conv1d"))
    arrays = [value for inputs in plan.inputs.values() for value in inputs.values() if isinstance(value, np.ndarray)]
    assert arrays
    for array in arrays:
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0


def test_a_plan_for_the_visible_cases_of_one_problem():
    assignment = load_assignment("conv1d")
    plan = prepare(assignment, visible_only=True, problem=assignment.spec.problems[0].name)
    assert plan.cases
    assert {c.problem for c in plan.cases} == {assignment.spec.problems[0].name}
    assert {c.visibility for c in plan.cases} == {"visible"}
    assert set(plan.inputs) == set(plan.expected) == {c.id for c in plan.cases}


def test_the_costliest_case_of_a_phase_goes_first_to_the_lane_with_the_least():
    cases = [c for c in select_cases(load_assignment("linearized_features")) if c.visibility != "visible"]
    heavy = [c.id for c in cases if c.cost > 1]
    assert heavy == ["gradient_plots/course_size"] and len(cases) > 10
    requests = _requests(cases, {c.id: {} for c in cases}, 2)
    lanes = {r.id: r.lane for r in requests}
    assert [r.id for r in requests] == [c.id for c in cases]  # each lane in run order
    its_lane = [i for i, lane in lanes.items() if lane == lanes[heavy[0]]]
    cost = {c.id: c.cost for c in cases}
    assert sum(cost[i] for i in its_lane) <= sum(cost.values()) / 2 + 1


def test_one_worker_serves_every_case_but_the_memory_checked_ones(tmp_path):
    """Each memory-checked case runs alone in a worker of its own, the visible ones before every
    other case; one worker serves all the others, visible then hidden, so that no visible case
    runs after student code has seen a hidden case's inputs."""
    assignment = load_assignment("conv1d")
    upload = tmp_path / "upload"
    upload.mkdir()
    source = (REPO / "reference" / "conv1d" / "conv1D.py").read_text()
    marker = "    def __matmul__(self, vector):\n"
    assert source.count(marker) == 2
    (upload / "conv1D.py").write_text("import os, time\n" + source.replace(
        marker, marker + "        print('call', os.getpid(), time.monotonic())\n"))

    report = grade(assignment, upload)

    assert report.score == report.max_score
    calls = {c.id: re.findall(r"^call (\d+) (\d+\.\d+)$", c.output, re.M) for c in report.cases}
    assert all(calls.values())
    pids = {case: {pid for pid, _ in lines} for case, lines in calls.items()}
    first = {case: min(float(t) for _, t in lines) for case, lines in calls.items()}
    last = {case: max(float(t) for _, t in lines) for case, lines in calls.items()}
    memory = {c.id for c in report.cases if c.peak_extra_memory_mb is not None}
    visible = {c.id for c in report.cases if c.visibility == "visible"}
    assert memory and memory <= visible and all(len(pids[case]) == 1 for case in memory)
    memory_pids = set().union(*(pids[case] for case in memory))
    assert len(memory_pids) == len(memory)
    shared = set().union(*(pids[c.id] for c in report.cases if c.id not in memory))
    assert len(shared) == 1 and shared.isdisjoint(memory_pids)
    assert max(last[case] for case in memory) < min(first[case] for case in calls if case not in memory)
    assert max(last[case] for case in visible) < min(first[case] for case in calls if case not in visible)


@pytest.mark.parametrize("lanes", [1, 2])
def test_cases_run_visible_alone_then_shared_then_hidden_alone(lanes):
    cases = select_cases(load_assignment("conv1d"))
    # conv1d's memory-checked cases are both visible: hide one, so that every kind occurs.
    memory_checked = [i for i, c in enumerate(cases) if c.max_extra_memory_mb is not None]
    assert len(memory_checked) == 2 and all(cases[i].visibility == "visible" for i in memory_checked)
    cases[memory_checked[0]] = cases[memory_checked[0]].model_copy(update={"visibility": "hidden"})
    by_id = {c.id: c for c in cases}
    order = _requests(cases, {c.id: {} for c in cases}, lanes)
    kinds = [(by_id[r.id].visibility != "visible", r.max_extra_memory_mb is not None) for r in order]
    assert [kind for kind, _ in groupby(kinds)] == [(False, True), (False, False), (True, False), (True, True)]
    assert [r.phase for r in order] == sorted(r.phase for r in order) and {r.phase for r in order} == {0, 1, 2, 3}
    assert all(r.lane == 0 for r in order if r.max_extra_memory_mb is not None)
    # The lanes serve the visible and then the hidden cases that are not memory-checked, in turn.
    shared = [r for r in order if r.max_extra_memory_mb is None]
    assert [r.id for r in shared] == \
           [c.id for c in cases if c.max_extra_memory_mb is None and c.visibility == "visible"] + \
           [c.id for c in cases if c.max_extra_memory_mb is None and c.visibility != "visible"]
    for phase in (1, 2):
        assert [r.lane for r in shared if r.phase == phase] == [k % lanes for k in range(sum(r.phase == phase
                                                                                              for r in shared))]


def test_no_hidden_input_reaches_a_visible_case_when_the_lanes_run_at_once(tmp_path):
    """linearized_features' two lanes share HOME. This notebook keeps how many inputs each call of
    backward_and_plot_grad got, and prints all it has kept in every call; its last visible case
    of the second lane (the float32 one of compute_svd_plot_features) first waits long enough for
    the first lane to have reached the hidden course-size case. That case's 1200 inputs must not
    show in any visible case's output."""
    import json
    import shutil
    upload = tmp_path / "upload"
    shutil.copytree(REPO / "reference" / "linearized_features", upload)
    book_path = upload / "q_linearized_features.ipynb"
    book = json.loads(book_path.read_text())
    marker = '    """Plot output derivatives for the selected parameter group at fixed weights."""\n'
    keep = marker + ('    import os\n    _kept = os.path.join(os.environ["HOME"], "kept.txt")\n'
                     '    open(_kept, "a").write(f"saw {len(X)} inputs\\n")\n    print(open(_kept).read())\n')
    waiting = "def compute_svd_plot_features(X, y, X_test, y_test, model, title=''):\n"
    wait = waiting + ('    import os, time\n'
                      '    if len(X) == 40 and str(next(model.parameters()).dtype) == "torch.float32":\n'
                      '        time.sleep(2)\n'
                      '    _kept = os.path.join(os.environ["HOME"], "kept.txt")\n'
                      '    print(open(_kept).read() if os.path.exists(_kept) else "")\n')
    changed = 0
    for cell in book["cells"]:
        source = "".join(cell["source"])
        for old, new in ((marker, keep), (waiting, wait)):
            if old in source:
                source = source.replace(old, new)
                changed += 1
        cell["source"] = source
    assert changed == 2
    book_path.write_text(json.dumps(book))

    report = grade(load_assignment("linearized_features"), upload, lanes_at_once=True)

    assert report.score == report.max_score
    waited = next(c for c in report.cases if c.id == "principal_features/float32")
    assert waited.visibility == "visible" and waited.seconds >= 2 and "saw" in waited.output
    assert not any("saw 1200 inputs" in c.output for c in report.cases if c.visibility == "visible")
    assert any("saw 1200 inputs" in c.output for c in report.cases if c.visibility != "visible")
