"""Naming the likely mistake: a wrong output that matches a known mistake's output within the
case's tolerance says so; two matches are both named, never guessed between; a mistake the
reference's output satisfies, a property check and a passing output never diagnose."""

import numpy as np
import pytest

from autograder.expected import KnownMistake
from autograder.judging.diagnosis import diagnose
from autograder.judging.judge import judge
from autograder.sandbox.runner import CallOutcome
from autograder.spec.cases import iter_cases
from autograder.spec.models import AllClose, AssignmentSpec, Check

TOL = AllClose(kind="allclose", rtol=1e-6)
EXPECTED = np.array([1.0, 2.0, 3.0])
FLIPPED = KnownMistake(name="flipped", diagnosis="the filter is flipped.", value=EXPECTED[::-1].copy())
DOUBLED = KnownMistake(name="doubled", diagnosis="everything is doubled.", value=2 * EXPECTED)
SAME = KnownMistake(name="harmless", diagnosis="a slip that changes nothing here.", value=EXPECTED + 1e-9)


def found(actual, mistakes):
    return diagnose(TOL, EXPECTED, actual, mistakes, inputs={}, params={}, checks={})


def test_a_wrong_output_matching_one_mistake_is_named_by_it():
    d = found(EXPECTED[::-1] * (1 + 1e-8), [FLIPPED, DOUBLED])
    assert (d.name, d.matches, d.words) == ("flipped", ["flipped"], "*Likely mistake:* the filter is flipped.")


def test_an_unfilled_entry_matches_the_mistake_that_leaves_it_unfilled():
    unfilled = KnownMistake(name="unfilled", diagnosis="the last entry is never filled in.",
                            value=np.array([1.0, 2.0, np.nan]))
    assert found(np.array([1.0, 2.0, np.nan]), [unfilled]).name == "unfilled"


def test_two_matching_mistakes_are_both_named_and_neither_chosen():
    twin = KnownMistake(name="reversed", diagnosis="the output is reversed.", value=EXPECTED[::-1].copy())
    d = found(EXPECTED[::-1].copy(), [FLIPPED, twin])
    assert d.name is None and d.matches == ["flipped", "reversed"]
    assert d.words == ("*Your output matches more than one common mistake:* the filter is flipped. Or: the output "
                       "is reversed.")


@pytest.mark.parametrize("actual", [np.array([3.0, 2.0, 9.0]), np.zeros(3), np.array([1.0, 2.0])])
def test_an_output_matching_no_mistake_gets_no_diagnosis(actual):
    assert found(actual, [FLIPPED, DOUBLED]) is None


def test_a_mistake_the_reference_satisfies_diagnoses_nothing():
    assert found(EXPECTED + 1e-9, [SAME]) is None


def test_a_check_compares_with_the_mistakes_output_as_it_does_with_the_references():
    def near(actual, *, expected, inputs, params, rtol=1e-6):
        return None if np.allclose(actual, expected, rtol=rtol) else "not near"

    def positive(actual, *, expected, inputs, params):  # a property alone: the reference's output plays no part
        return None if np.all(np.asarray(actual) > 0) else "not positive"

    checks = {"near": near, "positive": positive}
    by = {name: Check(kind="check", function=name) for name in checks}
    assert diagnose(by["near"], EXPECTED, EXPECTED[::-1].copy(), [FLIPPED], inputs={}, params={},
                    checks=checks).name == "flipped"
    negative = KnownMistake(name="negated", diagnosis="the sign is flipped.", value=-EXPECTED)
    assert diagnose(by["positive"], EXPECTED, -EXPECTED, [negative], inputs={}, params={}, checks=checks) is None


SPEC = AssignmentSpec.model_validate({"name": "tiny", "title": "Tiny", "files": ["tiny.py"], "problems": [
    {"name": "p", "cases": [{"name": "c", "call": "f", "compare": {"kind": "allclose", "rtol": 1e-6}}]}]})
[CASE] = iter_cases(SPEC)


def test_the_judge_adds_the_diagnosis_to_a_failed_case_only():
    wrong = judge(CASE, CallOutcome(id=CASE.id, status="returned", value=EXPECTED[::-1].copy()), EXPECTED, {}, {},
                  256, [FLIPPED])
    assert wrong.outcome == "failed" and wrong.diagnosis == "flipped"
    assert wrong.message.endswith("\n\n*Likely mistake:* the filter is flipped.")
    right = judge(CASE, CallOutcome(id=CASE.id, status="returned", value=EXPECTED.copy()), EXPECTED, {}, {}, 256,
                  [FLIPPED, SAME])
    assert right.outcome == "passed" and right.diagnosis is None and right.message == ""
