"""`autograder batch` and `autograder diff` as a TA runs them: real subprocesses, real zips, a
generated class of 64 submissions (correct, wrong, broken, crashing, hanging, unusable), and a
real Dask LocalCluster that must produce the same grades.csv byte for byte: the class graded
twice, independently, with identical scores."""

import json
import shutil
import zipfile

import pytest
from distributed import LocalCluster
from support.cli import REPO, run_cli
from support.library import entry_folder

from autograder.spec.assignment import load_assignment
from autograder.tools.batch import load_stored
from autograder.tools.gradebook import read_gradebook
from autograder.tools.library import expectation_failures, load_library
from autograder.reporters.gradescope import GradescopeResults
from autograder.tools.synthetic_class import make_sample_class

CONV1D_POINTS = 23


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    made = make_sample_class(load_assignment("conv1d"), folder, size=64)
    return folder, {s.id: s for s in made}


@pytest.fixture(scope="module")
def local_run(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    result = run_cli("batch", "conv1d", str(sample[0]), "--out", str(out), "-j", "2")
    return result, out


def test_the_generated_class_holds_every_kind_of_submission(sample):
    kinds = [s.kind for s in sample[1].values()]
    assert len(kinds) >= 60
    assert {"correct", "template", "mutant", "broken", "unusable"} == set(kinds)
    origins = {s.origin for s in sample[1].values()}
    assert {"hangs_when_r_is_1", "crashes_process", "memory_blowup"} <= origins


def test_a_class_can_hold_only_some_mutants(tmp_path):
    made = make_sample_class(load_assignment("conv1d"), tmp_path / "a", size=0, mutants=["wrong_adjoint"])
    assert [s.id for s in made if s.kind == "mutant"] == ["mutant_wrong_adjoint_folder",
                                                           "mutant_wrong_adjoint_nested_zip"]
    with pytest.raises(ValueError, match="^no such mutant in conv1d's library: not_a_mutant$"):
        make_sample_class(load_assignment("conv1d"), tmp_path / "b", mutants=["wrong_adjoint", "not_a_mutant"])


def test_local_batch_grades_each_submission_as_it_deserves(sample, local_run):
    result, out = local_run
    assert result.returncode == 0, result.stdout + result.stderr
    assert "64 submissions (64 graded, 0 already graded)" in result.stdout
    book = read_gradebook(out / "grades.csv")
    assert [r.id for r in book.rows] == sorted(sample[1])
    assert book.problems == ["forward", "transpose", "adjoint", "gradient_descent", "matrix_free"]
    library = {m.name: m for m in load_library(load_assignment("conv1d")).mutants}
    for row in book.rows:
        what = sample[1][row.id]
        stored = load_stored(out, row.id)
        results = GradescopeResults.model_validate_json((out / "results" / row.id / "results.json").read_text())
        assert results.score == row.total, row.id
        if what.kind == "unusable":
            assert (row.status, row.total) == ("submission_error", 0), row
            assert row.error, row
            continue
        assert (row.status, row.error) == ("completed", ""), row
        assert sum(row.scores.values()) == row.total
        if what.kind == "correct":
            assert row.total == CONV1D_POINTS, row
        elif what.kind == "mutant":
            assert expectation_failures(library[what.origin], stored.report) == [], row.id
        else:  # the template, and code that does not even import
            assert row.total == 0, row
    hang = book.by_id()["mutant_hangs_when_r_is_1_folder"]
    assert hang.total == CONV1D_POINTS - 2  # its two r=1 cases timed out; the rest graded normally


def test_dask_cluster_writes_the_same_grades_byte_for_byte(sample, local_run, tmp_path, cli):
    _, local_out = local_run
    # Any free port for its web server: several test runs may share this machine.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        result = cli("batch", "conv1d", str(sample[0]), "--out", str(tmp_path), "--scheduler",
                     cluster.scheduler_address)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "grades.csv").read_bytes() == (local_out / "grades.csv").read_bytes()
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == sorted(sample[1])


def test_rerun_skips_what_is_graded(sample, local_run, tmp_path, cli):
    _, local_out = local_run
    out = tmp_path / "out"
    shutil.copytree(local_out, out)
    csv = (out / "grades.csv").read_bytes()

    again = cli("batch", "conv1d", str(sample[0]), "--out", str(out), "-j", "2")
    assert again.returncode == 0 and "(0 graded, 64 already graded)" in again.stdout, again.stdout + again.stderr
    assert (out / "grades.csv").read_bytes() == csv

    # A submission whose bytes changed since is graded again, and only it.
    changed = tmp_path / "class"
    shutil.copytree(sample[0], changed)
    shutil.copyfile(entry_folder("conv1d", "wrong_adjoint", tmp_path) / "conv1D.py", changed / "correct_000/conv1D.py")
    third = cli("batch", "conv1d", str(changed), "--out", str(out), "-j", "2")
    assert "(1 graded, 63 already graded)" in third.stdout, third.stdout + third.stderr
    diff = cli("diff", str(local_out / "grades.csv"), str(out / "grades.csv"))
    assert diff.returncode == 1
    assert diff.stdout.splitlines()[0] == "1 of 64 submissions changed:"
    assert "correct_000" in diff.stdout and "23 -> 12 (-11)" in diff.stdout


def test_a_grading_past_the_overall_timeout_costs_that_submission_only(tmp_path, cli):
    folder = tmp_path / "class"
    folder.mkdir()
    entry_folder("conv1d", "hangs_when_r_is_1", tmp_path).rename(folder / "hangs")  # needs >= 10 s
    shutil.copytree(REPO / "reference/conv1d", folder / "ok")
    (folder / "bad.zip").write_text("not a zip")
    (folder / "notes.txt").write_text("not a submission")
    out = tmp_path / "out"

    first = cli("batch", "conv1d", str(folder), "--out", str(out), "-j", "2", "--timeout", "6")

    assert first.returncode == 1, first.stdout + first.stderr  # some submission has no verdict
    assert "ignored (neither a folder nor a .zip): notes.txt" in first.stderr
    rows = read_gradebook(out / "grades.csv").by_id()
    assert (rows["hangs"].status, rows["hangs"].total) == ("timeout", None)
    assert rows["hangs"].error == "grading took longer than 6 s and was stopped"
    assert (rows["ok"].status, rows["ok"].total) == ("completed", CONV1D_POINTS)
    assert rows["bad"].status == "submission_error" and "not a readable zip" in rows["bad"].error
    results = json.loads((out / "results/hangs/results.json").read_text())
    assert results["score"] == 0 and "not a verdict on your work" in results["output"]
    assert ",,,,,,,,,,timeout," in (out / "grades.csv").read_text()  # no verdict: empty scores, not zeros

    second = cli("batch", "conv1d", str(folder), "--out", str(out), "-j", "2", "--timeout", "6")
    assert "(1 graded, 2 already graded)" in second.stdout  # only the timeout is retried


METADATA = """\
submission_1001:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1001'
    :email: ada@example.edu
  :created_at: 2024-03-11 10:00:00.000000000 -07:00
  :score: !ruby/object:BigDecimal 18:0.23e2
submission_1002:
  :submitters:
  - :name: Alan Turing
    :sid: 1002
    :email: alan@example.edu
  - :name: Grace Hopper
    :sid: '1003'
    :email: grace@example.edu
submission_1003:
  :submitters:
  - :name: Emmy Noether
"""


def gradescope_export(path):
    top = "assignment_4242_export"
    nan_last_entry = entry_folder("conv1d", "nan_last_entry", path.parent) / "conv1D.py"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{top}/submission_metadata.yml", METADATA)
        zf.write(REPO / "reference/conv1d/conv1D.py", f"{top}/submission_1001/conv1D.py")
        zf.write(nan_last_entry, f"{top}/submission_1002/hw1/conv1D.py")
        zf.writestr(f"{top}/submission_1003/notes.txt", "sorry")
        zf.writestr(f"__MACOSX/{top}/._submission_metadata.yml", "\0")


def test_gradescope_export_puts_students_in_the_csv(tmp_path, cli):
    export = tmp_path / "export.zip"
    gradescope_export(export)

    result = cli("batch", "conv1d", str(export), "--out", str(tmp_path / "out"), "-j", "2")

    assert result.returncode == 0, result.stdout + result.stderr
    lines = (tmp_path / "out/grades.csv").read_text().splitlines()
    assert lines[1] == "submission_1001,Ada Lovelace,ada@example.edu,1001,8,7,2,2,4,23,completed,"
    assert lines[2] == ("submission_1002,Alan Turing; Grace Hopper,alan@example.edu; grace@example.edu,1002; 1003,"
                        "0,7,0,0,2,9,completed,")
    assert lines[3].startswith("submission_1003,Emmy Noether,,,0,0,0,0,0,0,submission_error,")
    assert len(lines) == 4

    # The same export unpacked by hand grades the same.
    with zipfile.ZipFile(export) as zf:
        zf.extractall(tmp_path / "unpacked")
    again = cli("batch", "conv1d", str(tmp_path / "unpacked"), "--out", str(tmp_path / "out2"), "-j", "2")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "out2/grades.csv").read_text() == (tmp_path / "out/grades.csv").read_text()


def test_diff_shows_whose_grades_a_spec_change_moves(tmp_path, cli):
    folder = tmp_path / "class"
    for name in ("float16_downcast", "nan_last_entry"):
        entry_folder("conv1d", name, folder)
    shutil.copytree(REPO / "reference/conv1d", folder / "ok")
    course = tmp_path / "course"
    for part in ("assignments", "reference", "student_template"):
        shutil.copytree(REPO / part / "conv1d", course / part / "conv1d")
    spec = course / "assignments/conv1d/assignment.yaml"
    spec.write_text(spec.read_text().replace("rtol: 1.0e-9, atol: 1.0e-12", "rtol: 1.0e-2, atol: 1.0e-3"))

    before = cli("batch", "conv1d", str(folder), "--out", str(tmp_path / "before"), "-j", "2")
    after = cli("batch", "conv1d", str(folder), "--out", str(tmp_path / "after"), "-j", "2",
                env={"AUTOGRADER_COURSE_ROOT": str(course)})
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr

    diff = cli("diff", str(tmp_path / "before/grades.csv"), str(tmp_path / "after/grades.csv"))
    assert diff.returncode == 1, diff.stderr
    # Rounding to float16 now passes the value cases that use the spec-wide tolerance.
    assert diff.stdout.splitlines() == [
        "1 of 3 submissions changed:",
        "  float16_downcast  10 -> 18 (+8); forward 1 -> 7 (+6); matrix_free 2 -> 4 (+2)",
    ]

    # Grading again from scratch gives the same scores; diff agrees.
    csv = (tmp_path / "before/grades.csv").read_bytes()
    forced = cli("batch", "conv1d", str(folder), "--out", str(tmp_path / "before"), "-j", "2", "--force")
    assert "(3 graded, 0 already graded)" in forced.stdout, forced.stdout + forced.stderr
    assert (tmp_path / "before/grades.csv").read_bytes() == csv
    same = cli("diff", str(tmp_path / "before/grades.csv"), str(tmp_path / "before/grades.csv"))
    assert (same.returncode, same.stdout.strip()) == (0, "no changes: all 3 submissions have the same scores")


def test_a_grader_failure_is_reported_per_submission(tmp_path, cli):
    course = tmp_path / "course"
    for part in ("assignments", "reference", "student_template"):
        shutil.copytree(REPO / part / "conv1d", course / part / "conv1d")
    checks = course / "assignments/conv1d/checks.py"
    checks.write_text('raise RuntimeError("a staff typo in checks.py")\n' + checks.read_text())
    folder = tmp_path / "class"
    shutil.copytree(REPO / "reference/conv1d", folder / "ann")
    shutil.copytree(REPO / "student_template/conv1d", folder / "bob")
    env = {"AUTOGRADER_COURSE_ROOT": str(course)}

    broken = cli("batch", "conv1d", str(folder), "--out", str(tmp_path / "out"), "-j", "2", env=env)

    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "2 grader_error" in broken.stdout
    for row in read_gradebook(tmp_path / "out/grades.csv").rows:
        assert (row.status, row.total) == ("grader_error", None)
        assert row.error == "autograder: grading failed: RuntimeError: a staff typo in checks.py"

    checks.write_text(checks.read_text().split("\n", 1)[1])  # fixed, and both are graded again
    fixed = cli("batch", "conv1d", str(folder), "--out", str(tmp_path / "out"), "-j", "2", env=env)
    assert fixed.returncode == 0 and "(2 graded, 0 already graded)" in fixed.stdout, fixed.stdout + fixed.stderr
