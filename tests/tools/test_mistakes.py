"""The known mistakes' outputs: computed by the trusted process for every case, shipped in the
Gradescope zip with the expected values (the handout gets the visible cases' only), and never a
diagnosis for correct work, whatever the seed of the cases."""

import json
import shutil
import zipfile

import pytest
import yaml
from support.cli import REPO, run_cli

from autograder.expected import SHIPPED_FILE, expected_outputs, run_trusted
from autograder.judging.checks import load_checks
from autograder.judging.judge import judge
from autograder.spec.assignment import load_assignment
from autograder.spec.cases import generate_inputs, select_cases
from autograder.tools.library import load_library, materialize
from autograder.tools.mistakes import compute_mistakes


def course_with_seed(tmp_path, name, seed):
    for part in ("assignments", "reference", "student_template"):
        shutil.copytree(REPO / part / name, tmp_path / part / name)
    spec = tmp_path / "assignments" / name / "assignment.yaml"
    data = yaml.safe_load(spec.read_text())
    spec.write_text(spec.read_text().replace(f"seed: {data['seed']}\n", f"seed: {seed}\n", 1))
    return load_assignment(name, root=tmp_path)


@pytest.mark.parametrize("name, seed", [("conv1d", 1), ("conv1d", 2), ("gd_momentum", 1), ("gd_momentum", 2),
                                        ("optimizers", 3)])
def test_correct_solutions_pass_undiagnosed_on_other_seeds(tmp_path, name, seed):
    a = course_with_seed(tmp_path, name, seed)
    cases = select_cases(a)
    inputs = {c.id: generate_inputs(c) for c in cases}
    expected = expected_outputs(a, cases, inputs)
    mistakes = compute_mistakes(a, cases)
    assert mistakes, "the library's mistakes must have outputs to compare with"
    checks = load_checks(a)
    for solution in load_library(a).solutions:
        outcomes = run_trusted(a, materialize(a, solution, tmp_path / "made"), cases, inputs)
        results = [judge(c, outcomes[c.id], expected[c.id], inputs[c.id], checks, a.spec.memory_limit_mb,
                         mistakes.get(c.id, [])) for c in cases]
        assert [(r.id, r.outcome) for r in results if r.outcome != "passed"] == [], solution.name
        assert [r.id for r in results if r.diagnosis] == [], solution.name


def test_the_zip_ships_every_cases_mistakes_and_the_handout_only_the_visible_ones(tmp_path):
    built = run_cli("build", "conv1d", "--out", str(tmp_path), timeout=900)
    assert built.returncode == 0, built.stderr
    a = load_assignment("conv1d")
    visible = {c.id for c in select_cases(a, visible_only=True)}
    with zipfile.ZipFile(tmp_path / "conv1d-autograder.zip") as zf:
        grading = json.loads(zf.read(f"course/assignments/conv1d/{SHIPPED_FILE}"))
    with zipfile.ZipFile(tmp_path / "conv1d-student.zip") as zf:
        handout = json.loads(zf.read(f"assignments/conv1d/{SHIPPED_FILE}"))
    assert set(grading["mistakes"]) - visible  # hidden cases' mistakes go to Gradescope
    assert set(handout["mistakes"]) <= visible and set(handout["cases"]) == visible
    named = {m["name"] for entries in grading["mistakes"].values() for m in entries}
    assert named == {m.name for m in load_library(a).mutants if m.diagnosis}
