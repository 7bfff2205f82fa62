"""The command line as users call it, in real subprocesses, with real zips."""

import json
import shutil
import zipfile

from support.cli import REPO
from support.library import entry_folder

from autograder.reporters.gradescope import GradescopeResults


def load_results(path):
    data = json.loads(path.read_text())
    GradescopeResults.model_validate(data)  # valid against our model of Gradescope's format
    return data


def test_grade_reference_writes_full_marks(cli, tmp_path):
    out = tmp_path / "results.json"
    result = cli("grade", "conv1d", "reference/conv1d", "--results", str(out))
    assert result.returncode == 0, result.stderr
    data = load_results(out)
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) == 23
    assert all(t["status"] == "passed" for t in data["tests"])
    assert "Score: 23 / 23" in result.stdout
    visibilities = {t["visibility"] for t in data["tests"]}
    assert visibilities == {"visible", "after_due_date"}


def test_grade_zip_with_nested_folder_scores_what_it_should(cli, tmp_path):
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(entry_folder("conv1d", "wrong_adjoint", tmp_path) / "conv1D.py", "hw1-final/conv1D.py")
    out = tmp_path / "results.json"
    result = cli("grade", "conv1d", str(archive), "--results", str(out))
    assert result.returncode == 0, result.stderr
    data = load_results(out)
    assert 0 < data["score"] < 23
    statuses = {t["extra_data"]["id"]: t["status"] for t in data["tests"]}
    assert statuses["forward/random[n=20,r=3]"] == "passed"
    assert statuses["adjoint/inner_products[n=40,r=7]"] == "failed"


def test_grade_scales_to_gradescope_total_points(cli, tmp_path):
    out = tmp_path / "results.json"
    cli("grade", "conv1d", "reference/conv1d", "--results", str(out), "--total-points", "10")
    assert load_results(out)["score"] == 10


def test_grade_broken_upload_still_writes_valid_results(cli, tmp_path):
    bad = tmp_path / "upload.zip"
    bad.write_bytes(b"PK\x03\x04 definitely not a zip")
    out = tmp_path / "results.json"
    result = cli("grade", "conv1d", str(bad), "--results", str(out))
    assert result.returncode == 0
    data = load_results(out)
    assert data["score"] == 0
    assert "not a readable zip" in data["output"]


def test_grader_failure_still_writes_valid_results(cli, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(REPO / "assignments" / "conv1d", course / "assignments" / "conv1d")
    spec = course / "assignments" / "conv1d" / "assignment.yaml"
    spec.write_text(spec.read_text().replace("points: 2", "points: -2", 1))
    out = tmp_path / "results.json"
    result = cli("grade", "conv1d", "reference/conv1d", "--results", str(out),
                 env={"AUTOGRADER_COURSE_ROOT": str(course)})
    assert result.returncode == 2
    data = load_results(out)
    assert data["score"] == 0 and data["extra_data"]["status"] == "grader_error"
    assert "not a verdict on your work" in data["output"]
    assert "points" in result.stderr and "assignment.yaml" in result.stderr


def test_check_is_the_students_view(cli, tmp_path):
    ok = cli("check", "conv1d", "reference/conv1d")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "after_due_date" not in ok.stdout and "more sizes" not in ok.stdout  # hidden cases not run
    shutil.copy(REPO / "student_template/conv1d/conv1D.py", tmp_path / "conv1D.py")
    todo = cli("check", "conv1d", cwd=tmp_path)  # default: the current folder
    assert todo.returncode == 1
    assert "TODO" in todo.stdout and "not implemented" in todo.stdout


def test_the_terminal_gets_no_escape_sequence_or_control_character_of_the_students(cli, tmp_path):
    # Correct code that prints terminal escapes, CR, NUL and bidi overrides; and a raising one.
    hostile = REPO / "tests" / "hostile"
    for name in ("hostile_text_correct", "hostile_text_errors", "unencodable_text"):
        result = cli("grade", "conv1d", str(hostile / name), "--results", str(tmp_path / f"{name}.json"))
        assert result.returncode == 0, result.stderr
        shown = result.stdout + result.stderr
        assert not [c for c in shown if c in "\x1b\r\x00\x07\u202e\u2066" or "\ud800" <= c <= "\udfff"], name
        assert "Score:" in shown


def test_summary_hides_the_total_while_cases_are_hidden(cli, tmp_path):
    out = tmp_path / "results.json"
    cli("grade", "conv1d", str(entry_folder("conv1d", "hangs_when_r_is_1", tmp_path)), "--results", str(out))
    data = load_results(out)
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    shown = sum(t["score"] for t in visible), sum(t["max_score"] for t in visible)
    assert f"{shown[0]:g} / {shown[1]:g} points on the cases shown now" in data["output"]
    assert data["score"] == sum(t["score"] for t in data["tests"])  # Gradescope still gets the real score
