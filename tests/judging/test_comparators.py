"""Comparators decide correctly and explain failures without revealing expected values."""

import numpy as np
import pytest

from autograder.judging.compare import compare
from autograder.judging.verdict import GraderFault
from autograder.sandbox.child.wire import Unsupported
from autograder.spec.models import AllClose, Check, Exact, RelError

CLOSE = AllClose(kind="allclose", rtol=1e-7, atol=0)


def run(spec, expected, actual, checks=None):
    return compare(spec, expected, actual, inputs={}, params={}, checks=checks or {})


def test_equal_arrays_pass_and_tiny_noise_is_tolerated():
    e = np.linspace(1, 2, 5)
    assert run(CLOSE, e, e.copy()).passed
    assert run(CLOSE, e, e * (1 + 1e-9)).passed


def test_wrong_values_message_gives_count_errors_and_where_but_not_values():
    e = np.arange(1.0, 7.0).reshape(2, 3)
    a = e.copy()
    a[1, 2] += 0.5
    v = run(CLOSE, e, a)
    assert v.outcome == "failed"
    assert "1 of 6 entries" in v.message
    assert "(1, 2)" in v.message and "0.5" in v.message
    assert "6.0" not in v.message and "6.5" not in v.message  # neither expected nor returned values


def test_shape_and_dtype_expectations():
    e = np.zeros(4, dtype=np.float32)
    v = run(CLOSE, e, np.zeros((4, 1), dtype=np.float32))
    assert not v.passed and "(4, 1)" in v.message and "(4,)" in v.message
    same = AllClose(kind="allclose", dtype="same")
    v = run(same, e, np.zeros(4, dtype=np.float64))
    assert not v.passed and "float64" in v.message and "float32" in v.message
    assert run(CLOSE, e, np.zeros(4, dtype=np.float64)).passed


def test_none_means_not_implemented():
    v = run(CLOSE, np.zeros(3), None)
    assert v.outcome == "not_implemented"
    assert "not implemented" in v.message


@pytest.mark.parametrize("actual, words", [
    ("a string", "str"), ([1.0, 2.0], "list of length 2"), (Unsupported("mod.Weird"), "mod.Weird"),
    ({"a": 1}, "dict"),
])
def test_wrong_types_are_described(actual, words):
    v = run(CLOSE, np.zeros(3), actual)
    assert v.outcome == "failed" and words in v.message and "ndarray of shape (3,)" in v.message


def test_nan_is_never_close_unless_expected():
    e = np.ones(4)
    a = e.copy()
    a[2] = np.nan
    v = run(CLOSE, e, a)
    assert not v.passed and "NaN" in v.message and "(2,)" in v.message
    both = np.array([1.0, np.nan])
    assert run(AllClose(kind="allclose", equal_nan=True), both, both.copy()).passed


def test_reference_nan_without_equal_nan_is_a_grader_fault_naming_where():
    with pytest.raises(GraderFault) as info:
        run(CLOSE, np.array([1.0, np.nan, np.nan]), np.array([1.0, 2.0, 3.0]))
    assert str(info.value) == ("the reference's `output` contains NaN (2 of 3 entries, first at index (1,)); fix the "
                               "reference, or set `equal_nan: true` on an allclose comparator if NaN is the right answer")


def test_a_reference_output_no_comparator_handles_is_a_grader_fault():
    with pytest.raises(GraderFault, match=r"the reference's `output\[1\]` is a `builtins.set` object, which no "
                                          "comparator handles"):
        run(CLOSE, (np.zeros(2), Unsupported("builtins.set")), (np.zeros(2), [1, 2]))


def test_infinities_match_only_with_same_sign():
    e = np.array([np.inf, 1.0])
    assert run(CLOSE, e, e.copy()).passed
    assert not run(CLOSE, e, np.array([-np.inf, 1.0])).passed


def test_course_rel_error_matches_its_formula():
    # EECS 182's rel_error: max(|x - y| / max(1e-8, |x| + |y|)); 1e-7 is the notebook's bar.
    spec = RelError(kind="rel_error", max=1e-7)
    e = np.array([1.0, 2.0])
    assert run(spec, e, e * (1 + 1e-8)).passed
    v = run(spec, e, e * (1 + 1e-6))
    assert not v.passed and "rel_error" in v.message
    # Near zero the 1e-8 floor makes tiny absolute differences pass, as in the course.
    assert run(spec, np.array([0.0]), np.array([1e-16])).passed


def test_structures_are_walked_and_extra_dict_keys_allowed():
    e = (np.ones(2), {"velocity": np.zeros(2), "learning_rate": 0.01})
    ok = [np.ones(2), {"velocity": np.zeros(2), "learning_rate": 0.01, "mine": "extra"}]
    assert run(CLOSE, e, ok).passed
    v = run(CLOSE, e, (np.ones(2), {"learning_rate": 0.01}))
    assert not v.passed and "velocity" in v.message
    v = run(CLOSE, e, (np.ones(2), {"velocity": np.ones(2), "learning_rate": 0.01}))
    assert not v.passed and "output[1]['velocity']" in v.message


def test_exact_requires_same_dtype_and_values():
    e = np.array([1, 2, 3])
    assert run(Exact(kind="exact"), e, e.copy()).passed
    assert not run(Exact(kind="exact"), e, e.astype(np.float64)).passed
    assert not run(Exact(kind="exact"), e, np.array([1, 2, 4])).passed


def test_check_functions_receive_inputs_and_options():
    seen = {}

    def positive(actual, *, expected, inputs, params, floor):
        seen.update(floor=floor)
        return None if np.all(actual > floor) else f"entries must exceed {floor}"

    spec = Check(kind="check", function="positive", options={"floor": 0.5})
    assert run(spec, None, np.ones(3), {"positive": positive}).passed
    v = run(spec, None, np.zeros(3), {"positive": positive})
    assert v.outcome == "failed" and "exceed 0.5" in v.message and seen["floor"] == 0.5


def test_relative_error_is_not_reported_where_the_expected_entry_is_zero():
    v = run(CLOSE, np.array([0.0, 4.0]), np.array([0.5, 4.0]))
    assert not v.passed and "absolute error 0.5" in v.message
    assert "relative" not in v.message.split("(tolerance")[1]  # no 1e308 from dividing by zero


@pytest.mark.parametrize("spec", [CLOSE, AllClose(kind="allclose", rtol=1e-3, atol=1e-6), RelError(kind="rel_error", max=1e-5),
                                  AllClose(kind="allclose", rtol=0.0, atol=float("inf"))])
def test_verdicts_follow_the_rule_entry_by_entry_with_nan_and_infinities(spec):
    """Each entry passes by the comparator's rule or, for infinities, by being the same infinity;
    a NaN where the reference has a number fails. The whole array passes when every entry does."""
    rng = np.random.default_rng(0)
    specials = np.array([0.0, 1.0, -1.0, 1e-9, np.inf, -np.inf, np.nan])
    for _ in range(300):
        e = rng.choice(specials[:-1], 4) + rng.choice([0.0, 1.0], 4) * rng.normal(size=4)
        a = np.where(rng.random(4) < 0.3, rng.choice(specials, 4), e + rng.choice([0, 1e-12, 1e-4, 1.0], 4))
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(a) & np.isfinite(e)
            error = np.abs(a - e)
            if isinstance(spec, RelError):
                close = error / np.maximum(1e-8, np.abs(a) + np.abs(e)) <= spec.max
            else:
                close = error <= spec.atol + spec.rtol * np.abs(e)
        entry_passes = np.where(finite, close, ~np.isnan(a) & (a == e))
        assert run(spec, e, a).passed == bool(entry_passes.all()), (e, a)
