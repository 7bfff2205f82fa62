"""A grading plan (`grading.prepare`) made once and used for many submissions, as a batch's slot
does: each grading with it reads exactly as a grading of the assignment alone."""

import numpy as np
import pytest
from support.cli import REPO

from autograder.grading import grade, prepare
from autograder.spec.assignment import load_assignment


def _verdicts(report):
    return [c.model_dump(exclude={"seconds", "output"}) for c in report.cases]


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
