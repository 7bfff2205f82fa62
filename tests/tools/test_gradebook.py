"""grades.csv, `diff` and the intake of a class folder, without grading anything."""

import pytest

from autograder.tools.gradebook import Gradebook, GradebookError, GradeRow, format_score, read_gradebook, render, \
    write_gradebook
from autograder.tools.gradebook_diff import diff_gradebooks
from autograder.tools.grading_process import Upload
from autograder.tools.roster import IntakeError, discover


def row(sid, total, status="completed", **scores):
    return GradeRow(id=sid, scores=scores, total=total, status=status)


def test_scores_are_written_the_same_way_every_time():
    assert [format_score(x) for x in (23.0, 0.5, 1 / 3, -0.0, -1e-12, 1e7, None)] == \
           ["23", "0.5", "0.333333", "0", "0", "10000000", ""]


def test_gradebook_round_trips_with_a_problem_named_like_a_column(tmp_path):
    # A problem may be called "total": columns are read by position, not by name.
    book = Gradebook(problems=["total", "b"], rows=[
        GradeRow(id="z", name="Zoë, Jr.", email="z@x", sid="7", scores={"total": 1.5, "b": None}, total=None,
                 status="timeout", error='took "too" long'),
        GradeRow(id="a", scores={"total": 1.0, "b": 2.0}, total=3.0, status="completed"),
    ])
    path = tmp_path / "grades.csv"
    write_gradebook(path, book)
    assert path.read_text().splitlines()[:2] == ["id,name,email,sid,total,b,total,status,error",
                                                 "a,,,,1,2,3,completed,"]
    again = read_gradebook(path)
    assert again.problems == ["total", "b"]
    assert again.by_id() == {r.id: r for r in book.rows}
    assert render(again) == path.read_text()


def test_a_file_that_is_not_a_gradebook_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("student,score\nann,3\n")
    with pytest.raises(GradebookError, match="not a grades.csv"):
        read_gradebook(path)


def test_diff_reports_added_removed_and_status_changes():
    old = Gradebook(problems=["p", "q"], rows=[row("same", 3, p=1, q=2), row("gone", 3, p=1, q=2),
                                               row("broke", 3, p=1, q=2)])
    new = Gradebook(problems=["p", "r"], rows=[row("same", 3, p=1, r=None), row("new", 1, p=1, r=0),
                                               GradeRow(id="broke", scores={"p": None, "r": None}, total=None,
                                                        status="grader_error")])
    diff = diff_gradebooks(old, new)
    by_id = {c.id: c for c in diff.changes}
    assert set(by_id) == {"gone", "new", "broke", "same"}  # "same" lost problem q: a change too
    assert by_id["gone"].kind == "removed" and by_id["new"].kind == "added"
    assert (by_id["broke"].old_status, by_id["broke"].new_status, by_id["broke"].delta) == \
           ("completed", "grader_error", None)
    assert [(p.problem, p.old, p.new) for p in by_id["same"].problems] == [("q", 2, None)]


def test_two_submissions_with_one_id_are_refused(tmp_path):
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann.zip").write_bytes(b"")
    with pytest.raises(IntakeError, match="same id: ann"):
        discover(tmp_path)


def test_an_upload_cannot_write_outside_its_folder(tmp_path):
    upload = Upload(name="sneaky", is_folder=True, files={"../../escaped.py": b"x"})
    with pytest.raises(ValueError, match="unsafe file name"):
        upload.write_to(tmp_path / "in")
    assert not (tmp_path / "escaped.py").exists()
