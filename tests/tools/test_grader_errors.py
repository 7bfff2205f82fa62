"""The TA tools count a case the grader could not grade: in batch it is the submission's status
in grades.csv (and batch exits 1); in regress it is a regression of every entry, whatever the
entry expects, with a line that says which case and what failed."""

import yaml
from support.cli import REPO
from support.course import course_copy, edit, line_of

from autograder.tools.gradebook import read_gradebook
from autograder.tools.regress import RegressReport

TYPO_LINE = line_of(REPO / "assignments/conv1d/checks.py", 'inputs["ys"]')
FAULT = f"check 'adjoint' raised KeyError: 'zs' at checks.py:{TYPO_LINE} in adjoint"
ADJOINT = ("adjoint/inner_products[n=40,r=7]", "adjoint/inner_products[n=9,r=9]")


def raising_check_course(tmp_path, keep_mutants=()):
    root = course_copy(tmp_path / "course", "conv1d")
    edit(root / "assignments/conv1d/checks.py", 'np.asarray(inputs["ys"])',
         'np.asarray(inputs["zs"])  # a staff typo')
    mutants = root / "assignments/conv1d/mutants.yaml"
    library = yaml.safe_load(mutants.read_text())
    library["mutants"] = [m for m in library["mutants"] if m["name"] in keep_mutants]
    mutants.write_text(yaml.safe_dump(library))
    (root / "assignments/conv1d/solutions.yaml").unlink()
    return root


def test_regress_counts_a_grader_error_against_every_entry(tmp_path, cli):
    root = raising_check_course(tmp_path, keep_mutants=("wrong_adjoint", "float16_downcast"))

    result = cli("regress", "conv1d", "--json", env={"AUTOGRADER_COURSE_ROOT": str(root)})

    assert result.returncode == 1, result.stderr
    report = RegressReport.model_validate_json(result.stdout)
    # The reference and both mutants, even wrong_adjoint, which must fail adjoint/* anyway; the
    # template's None is answered by the check before the typo is reached.
    assert {(e.kind, e.name) for e in report.regressions()} == {
        ("reference", "reference"), ("mutant", "wrong_adjoint"), ("mutant", "float16_downcast")}
    for entry in report.regressions():
        assert entry.problems == [f"{case_id}: grader error, not graded: {FAULT}" for case_id in ADJOINT], entry.name
    text = cli("regress", "conv1d", env={"AUTOGRADER_COURSE_ROOT": str(root)}).stdout
    assert f"mutant wrong_adjoint: expected fails transpose/random[n=20,r=3]" in text
    assert f"    {ADJOINT[0]}: grader error, not graded: {FAULT}" in text


def test_batch_marks_a_submission_with_a_grader_error_and_exits_1(tmp_path, cli):
    root = raising_check_course(tmp_path)
    folder = tmp_path / "class"
    for name, source in (("ann", root / "reference/conv1d"), ("bob", root / "student_template/conv1d")):
        folder.joinpath(name).mkdir(parents=True)
        (folder / name / "conv1D.py").write_bytes((source / "conv1D.py").read_bytes())

    result = cli("batch", "conv1d", str(folder), "--out", str(tmp_path / "out"), "-j", "2",
                 env={"AUTOGRADER_COURSE_ROOT": str(root)})

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 completed, 1 grader_error" in result.stdout
    rows = read_gradebook(tmp_path / "out/grades.csv").by_id()
    assert (rows["ann"].status, rows["ann"].total, rows["ann"].scores["adjoint"]) == ("grader_error", 23, 2)
    assert rows["ann"].error == "grader error: " + "; ".join(f"{case_id}: {FAULT}" for case_id in ADJOINT)
    assert (rows["bob"].status, rows["bob"].total, rows["bob"].error) == ("completed", 0, "")  # None never reaches z
