"""The order a grading runs its cases in: no visible case after a hidden one (student code may
keep a hidden case's inputs and print them), and as few fresh workers as that allows."""

from itertools import groupby

from autograder.grading import _run_position
from autograder.spec.assignment import load_assignment
from autograder.spec.cases import select_cases


def test_cases_run_visible_alone_then_shared_then_hidden_alone():
    cases = select_cases(load_assignment("conv1d"))
    # conv1d's memory-checked cases are both visible: hide one, so that every kind occurs.
    memory_checked = [i for i, c in enumerate(cases) if c.max_extra_memory_mb is not None]
    assert len(memory_checked) == 2 and all(cases[i].visibility == "visible" for i in memory_checked)
    cases[memory_checked[0]] = cases[memory_checked[0]].model_copy(update={"visibility": "hidden"})
    order = sorted(cases, key=_run_position)
    kinds = [(c.visibility != "visible", c.max_extra_memory_mb is not None) for c in order]
    assert [kind for kind, _ in groupby(kinds)] == [(False, True), (False, False), (True, False), (True, True)]
    # One worker serves the visible and then the hidden cases that are not memory-checked.
    assert [c.id for c in order if c.max_extra_memory_mb is None] == \
           [c.id for c in cases if c.max_extra_memory_mb is None and c.visibility == "visible"] + \
           [c.id for c in cases if c.max_extra_memory_mb is None and c.visibility != "visible"]
