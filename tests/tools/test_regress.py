"""`autograder regress`: passes for every assignment as shipped, and fails, naming the mutant,
once a spec is loosened so that a known wrong solution slips through."""

import shutil

import pytest
import yaml
from support.cli import REPO

from autograder.spec.assignment import list_assignments, load_assignment
from autograder.tools.library import MUTANTS_FILE, SOLUTIONS_FILE, load_library
from autograder.tools.regress import RegressReport


@pytest.mark.parametrize("name", list_assignments())
def test_regress_passes_for_every_assignment(name, regress_run):
    result, report = regress_run(name)
    assert result.returncode == 0, [(e.kind, e.name, e.problems) for e in report.regressions()] + report.problems
    assert report.ok
    a = load_assignment(name)
    library = load_library(a)
    assert len(report.entries) == 2 + len(library.solutions) + len(library.mutants)


def course_copy(tmp_path, name):
    root = tmp_path / "course"
    for part in ("assignments", "reference", "student_template"):
        shutil.copytree(REPO / part / name, root / part / name)
    return root


def test_regress_fails_when_a_case_is_loosened(tmp_path, cli):
    root = course_copy(tmp_path, "conv1d")
    # Mutants that must time out only cost time here; without them the library still holds 11.
    mutants = root / "assignments/conv1d" / MUTANTS_FILE
    library = yaml.safe_load(mutants.read_text())
    library["mutants"] = [m for m in library["mutants"] if m["name"] != "hangs_when_r_is_1"]
    mutants.write_text(yaml.safe_dump(library))
    spec = root / "assignments/conv1d/assignment.yaml"
    strict = "compare: {kind: allclose, rtol: 1.0e-9, atol: 1.0e-12}"
    assert spec.read_text().count(strict) == 1
    spec.write_text(spec.read_text().replace(strict, "compare: {kind: allclose, rtol: 1.0e-2, atol: 1.0e-3}"))

    result = cli("regress", "conv1d", env={"AUTOGRADER_COURSE_ROOT": str(root)})

    assert result.returncode == 1, result.stdout + result.stderr
    regressed = [line.split()[1] for line in result.stdout.splitlines() if "REGRESSED" in line]
    assert regressed == ["float16_downcast"], result.stdout  # rounding to float16 now passes; nothing else moves
    assert "forward/random[n=20,r=3]: passed, but this mutant must fail it" in result.stdout
    assert "1 REGRESSION(S)" in result.stdout


def test_regress_fails_when_the_reference_loses_a_case(tmp_path, cli):
    root = course_copy(tmp_path, "conv1d")
    for library in (MUTANTS_FILE, SOLUTIONS_FILE):  # not needed here: the reference and the template are graded anyway
        (root / "assignments/conv1d" / library).unlink()
    # A slip in a spec edit: a tolerance no answer can meet, the reference's included.
    spec = root / "assignments/conv1d/assignment.yaml"
    check = "compare: {kind: check, function: adjoint}"
    assert spec.read_text().count(check) == 1
    spec.write_text(spec.read_text().replace(check, "compare: {kind: check, function: adjoint, options: {rtol: -1}}"))

    result = cli("regress", "conv1d", "--json", env={"AUTOGRADER_COURSE_ROOT": str(root)})

    assert result.returncode == 1, result.stderr
    report = RegressReport.model_validate_json(result.stdout)
    reference = next(e for e in report.entries if e.kind == "reference")
    assert reference.problems and all(p.startswith("adjoint/inner_products[") for p in reference.problems)
    assert [e.kind for e in report.regressions()] == ["reference"]  # the template still gets zero
    assert report.problems == ["the library holds 0 mutants; each assignment keeps at least 10 "
                               "(assignments/conv1d/mutants.yaml)"]
