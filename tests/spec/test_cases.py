import numpy as np
import pytest

from autograder.spec.assignment import load_assignment
from autograder.spec.cases import InputError, generate_inputs, iter_cases
from autograder.spec.models import AssignmentSpec


def conv1d_cases():
    return list(iter_cases(load_assignment("conv1d").spec))


def test_case_ids_are_unique_and_stable():
    first, second = conv1d_cases(), conv1d_cases()
    ids = [c.id for c in first]
    assert len(ids) == len(set(ids))
    assert ids == [c.id for c in second]
    assert "forward/random[n=20,r=3]" in ids


def test_inputs_are_seeded_and_follow_shape_expressions():
    case = next(c for c in conv1d_cases() if c.id == "transpose/random[n=20,r=3]")
    a, b = generate_inputs(case), generate_inputs(case)
    assert a["k"].shape == (3,) and a["y"].shape == (18,)
    np.testing.assert_array_equal(a["y"], b["y"])


def test_cases_get_different_inputs():
    cases = conv1d_cases()
    x1 = generate_inputs(next(c for c in cases if c.id == "forward/random[n=20,r=3]"))["x"]
    k2 = generate_inputs(next(c for c in cases if c.id == "transpose/random[n=20,r=3]"))["k"]
    k1 = generate_inputs(next(c for c in cases if c.id == "forward/random[n=20,r=3]"))["k"]
    assert not np.array_equal(k1, k2)
    assert x1.dtype == np.float64


def test_settings_are_inherited_case_over_problem_over_assignment():
    cases = {c.id: c for c in conv1d_cases()}
    assert cases["forward/float32"].compare.rtol == 1e-5          # the case's own
    assert cases["forward/random[n=8,r=1]"].compare.rtol == 1e-9  # the assignment's
    assert cases["forward/random_hidden[n=2,r=1]"].visibility == "after_due_date"
    assert cases["matrix_free/forward_memory"].timeout_s == 20
    assert cases["forward/random[n=8,r=1]"].hint.startswith("A @ x has length")


def test_bad_shape_expression_is_reported_with_the_case():
    spec = AssignmentSpec.model_validate({
        "name": "demo", "title": "d", "files": ["d.py"],
        "problems": [{"name": "p", "cases": [{"name": "c", "call": "f",
                                               "inputs": {"x": {"kind": "normal", "shape": ["m + 1"]}}}]}]})
    case = next(iter_cases(spec))
    with pytest.raises(InputError, match=r"p/c: input 'x'"):
        generate_inputs(case)
