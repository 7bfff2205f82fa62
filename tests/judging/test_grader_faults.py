"""A fault of the grader or of the staff's files is never scored as the student's failure: the case
reads "grader_error", gets its full points (the policy of outcomes.FULL_POINTS), tells the
student it was not graded, and tells the staff what failed. First the judge alone, then real
gradings of a correct and a wrong submission against a check that raises."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from support.cli import REPO
from support.course import course_copy, edit, line_of
from support.library import entry_folder

from autograder.judging.judge import judge
from autograder.sandbox.child.wire import Unsupported
from autograder.sandbox.runner import CallOutcome
from autograder.spec.cases import iter_cases
from autograder.spec.models import AssignmentSpec

SPEC = AssignmentSpec.model_validate({
    "name": "tiny", "title": "Tiny", "files": ["tiny.py"], "checks": "checks.py", "problems": [{"name": "p", "cases": [
        {"name": "values", "call": "f", "points": 2, "hint": "Add, do not multiply."},
        {"name": "checked", "call": "f", "points": 3, "compare": {"kind": "check", "function": "positive"},
         "hint": "Keep it positive."},
    ]}]})
VALUES, CHECKED = list(iter_cases(SPEC))
NOT_GRADED = ("the problem is on the course staff's side, not in your code, so this case counts as full points for "
              "now. Your code returned {}. The staff can see what went wrong; if they fix it and regrade, this case "
              "is graded like the others.")


def judged(case, value, expected, checks=None):
    outcome = CallOutcome(id=case.id, status="returned", value=value, seconds=0.1)
    return judge(case, outcome, expected, {"x": np.ones(3)}, checks or {}, 256)


def raising(actual, *, expected, inputs, params):
    return inputs["z"]  # a staff slip: no input z


@pytest.mark.parametrize("case, value, expected, checks, fault", [
    (CHECKED, np.ones(3), None, {"positive": raising},
     "check 'positive' raised KeyError: 'z' at test_grader_faults.py:"),
    (CHECKED, np.ones(3), None, {"positive": lambda actual, **_: bool(actual.min() > 0)},
     "check 'positive': returned bool; a check returns None (right), a message for the student (wrong) or a Verdict"),
    (CHECKED, np.ones(3), None, {}, "check 'positive': checks.py defines no such function marked @property_check"),
    (VALUES, np.ones(3), np.array([1.0, np.nan, 1.0]), {},
     "comparator 'allclose': the reference's `output` contains NaN (1 of 3 entries, first at index (1,)); fix the "
     "reference, or set `equal_nan: true` on an allclose comparator if NaN is the right answer"),
    (VALUES, [1, 2], Unsupported("builtins.set"), {},
     "comparator 'allclose': the reference's `output` is a `builtins.set` object, which no comparator handles (they "
     "compare numbers, strings, None, and lists, tuples and dicts of them, numpy arrays)"),
], ids=["check_raises", "check_returns_bool", "check_missing", "reference_nan", "reference_set"])
def test_a_staff_fault_is_not_graded_and_scores_full_points(case, value, expected, checks, fault):
    from autograder.judging.verdict import describe
    result = judged(case, value, expected, checks)
    assert (result.outcome, result.score, result.points) == ("grader_error", case.points, case.points)
    assert result.message == NOT_GRADED.format(describe(value))  # no hint, no exception text, no values
    assert result.grader_fault.splitlines()[0].startswith(fault)


def test_a_student_none_against_an_unusable_reference_is_still_not_implemented():
    assert judged(VALUES, None, Unsupported("builtins.set")).outcome == "not_implemented"


# --- real gradings: a correct and a wrong submission, a check that raises -----------------------

@pytest.fixture(scope="module")
def raising_check_course(tmp_path_factory):
    root = course_copy(tmp_path_factory.mktemp("course"), "conv1d", library=False)
    edit(root / "assignments/conv1d/checks.py", 'np.asarray(inputs["ys"])',
         'np.asarray(inputs["zs"])  # a staff typo')
    return root


def grade_cli(course, submission, results):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", "conv1d", str(submission), "--results",
                           str(results)], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "AUTOGRADER_COURSE_ROOT": str(course)})


@pytest.mark.parametrize("submission", ["reference", "wrong_adjoint"])
def test_no_student_sees_a_raising_check_as_their_failure(raising_check_course, submission, tmp_path):
    folder = REPO / "reference/conv1d" if submission == "reference" else entry_folder("conv1d", submission, tmp_path)
    result = grade_cli(raising_check_course, folder, tmp_path / "results.json")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    adjoint = [t for t in data["tests"] if t["extra_data"]["id"].startswith("adjoint/")]
    assert len(adjoint) == 2
    for t in adjoint:
        assert t["extra_data"]["outcome"] == "grader_error" and t["status"] == "passed"
        assert t["score"] == t["max_score"] == 1
        assert t["output"].startswith("**Not graded because of a problem in the autograder**: the problem is on the "
                                      "course staff's side, not in your code")
        assert "KeyError" not in t["output"] and "Wrong answer" not in t["output"] and "Hint" not in t["output"]
    assert data["extra_data"]["status"] == "grader_error"
    assert ("2 case(s) could not be graded because of a problem in the autograder, not in your code; they count as "
            "full points for now.") in data["output"]
    for case_id in ("adjoint/inner_products[n=40,r=7]", "adjoint/inner_products[n=9,r=9]"):  # for the staff's log
        assert (f"autograder: grader error, case {case_id} not graded: check 'adjoint' raised KeyError: 'zs' at "
                f"checks.py:{line_of(raising_check_course / 'assignments/conv1d/checks.py', 'zs')} in adjoint") in result.stderr
    others = {t["extra_data"]["outcome"] for t in data["tests"] if t not in adjoint}
    # The rest is graded as ever: all passed for the reference, the transpose failed for the wrong one.
    assert others == ({"passed"} if submission == "reference" else {"passed", "failed"})


def test_the_self_checks_say_not_graded_not_failed(raising_check_course, tmp_path):
    env = {**__import__("os").environ, "AUTOGRADER_COURSE_ROOT": str(raising_check_course)}
    check = subprocess.run([sys.executable, "-m", "autograder", "check", "conv1d", str(REPO / "reference/conv1d")],
                           cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    assert check.returncode == 1  # not every case could be verified
    rows = [line for line in check.stdout.splitlines() if "adjoint:" in line and "/" in line]
    assert len(rows) == 2 and all(line.endswith("1/1  NOT GRADED") for line in rows), check.stdout
    assert "for the course staff: check 'adjoint' raised KeyError: 'zs'" in check.stdout
    assert "FAIL" not in check.stdout

    # The handout's pytest plugin: the course folder is the handout, the reference's file its submission.
    handout = raising_check_course
    (handout / "conv1D.py").write_bytes((REPO / "reference/conv1d/conv1D.py").read_bytes())
    (handout / "conftest.py").write_text("from autograder.reporters.pytest_plugin import pytest_collect_file  # noqa\n")
    tests = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", str(handout)],
                           cwd=handout, capture_output=True, text=True, timeout=300, env=env)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert "passed, 2 skipped" in tests.stdout
    for case_id in ("adjoint/inner_products[n=40,r=7]", "adjoint/inner_products[n=9,r=9]"):
        assert re.search(rf"SKIPPED \[1\] \S+: {re.escape(case_id)}: Not graded because of a problem in the "
                         "autograder, not in your code: please tell the course staff", tests.stdout), tests.stdout
