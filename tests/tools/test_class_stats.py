"""The numbers behind `autograder report`, from a batch folder written by hand, so that a wrong
count points at the computation rather than at the page or the browser."""

import pytest
from support.batch_folder import case, stored, write_batch_folder

from autograder.tools.class_stats import ReportError, ScoreBin, class_statistics, score_histogram

PROBLEMS = ["p1", "p2"]


def toy_cases(o11: str, o12: str, o21: str, **diagnoses: str) -> list:
    """Cases 1.1 and 1.2 (1 point each) of problem p1, case 2.1 (2 points) of p2."""
    return [case("1.1", "p1", o11, diagnosis=diagnoses.get("d11")),
            case("1.2", "p1", o12, diagnosis=diagnoses.get("d12")),
            case("2.1", "p2", o21, points=2.0, diagnosis=diagnoses.get("d21"), message=f"\n  {o21} here  \nmore")]


@pytest.fixture
def toy_batch(tmp_path):
    everything = ["error"] * 3
    return write_batch_folder(tmp_path, {
        "ann": stored(cases=toy_cases("passed", "passed", "passed"), seconds=1.0),
        "bob": stored(cases=toy_cases("passed", "failed", "failed", d12="flipped_kernel", d21="off_by_one"),
                      seconds=3.0),
        "cat": stored(cases=toy_cases("failed", "passed", "timeout", d11="flipped_kernel"), seconds=9.0),
        "dan": stored(cases=toy_cases("not_implemented", "not_implemented", "not_implemented"), seconds=0.5),
        "eve": stored(cases=toy_cases("passed", "passed", "crashed"), seconds=1.5),
        # An unusable upload: a verdict of 0, every case "not run"; its diagnosis is not counted.
        "fay": stored("submission_error", toy_cases(*everything, d11="flipped_kernel"), seconds=0.2,
                      error="Your submission could not be graded: fay.zip is not a readable zip file"),
        "gus": stored("grader_error", seconds=2.0, error="autograder: grading failed: RuntimeError: a staff typo"),
        "hal": stored("timeout", seconds=60.0, error="grading took longer than 60 s and was stopped"),
        "ivy": None,
        "jay": '{"fingerprint": "x", "upload_sha256": "y", "status": "finished"}',
        "kim": stored(cases=toy_cases("passed", "passed", "passed"), seconds=0.7, fingerprint="0" * 64),
    }, PROBLEMS)


def test_scores_and_their_histogram(toy_batch):
    stats = class_statistics(toy_batch)
    assert (stats.submissions, stats.max_score, stats.graded) == (11, 4.0, 6)
    assert stats.statuses == {"completed": 6, "grader_error": 3, "submission_error": 1, "timeout": 1}
    assert stats.scores == [0, 0, 1, 1, 2, 4, 4]  # dan and fay score 0; gus, hal, ivy, jay have no verdict
    assert stats.mean == pytest.approx(12 / 7) and stats.median == 1
    assert [(b.low, b.high, b.count) for b in stats.histogram] == [(0, 1, 2), (1, 2, 2), (2, 3, 1), (3, 4, 0),
                                                                   (4, 5, 2)]


def test_pass_rates_per_case_and_problem_count_completed_submissions_only(toy_batch):
    stats = class_statistics(toy_batch)
    by_number = {c.number: c for c in stats.cases}
    assert list(by_number) == ["1.1", "1.2", "2.1"]
    assert (by_number["1.1"].passed, by_number["1.1"].graded, by_number["1.1"].rate) == (4, 6, pytest.approx(4 / 6))
    assert by_number["1.1"].outcomes == {"passed": 4, "failed": 1, "not_implemented": 1}
    assert by_number["2.1"].outcomes == {"passed": 2, "failed": 1, "timeout": 1, "not_implemented": 1, "crashed": 1}
    assert (by_number["2.1"].title, by_number["2.1"].points) == ("case 2.1 of p2", 2.0)
    p1, p2 = stats.problems
    assert (p1.name, p1.cases, p1.points, p1.all_passed, p1.graded) == ("p1", 2, 2.0, 3, 6)  # ann, eve, kim
    assert p1.mean_score == pytest.approx(8 / 6)
    assert (p2.name, p2.cases, p2.points, p2.all_passed, p2.rate) == ("p2", 1, 2.0, 2, pytest.approx(2 / 6))
    assert p2.mean_score == pytest.approx(4 / 6)


def test_diagnoses_are_counted_by_submission_most_often_made_first(toy_batch):
    stats = class_statistics(toy_batch)
    assert [(d.mistake, d.submissions, d.cases) for d in stats.diagnoses] == [
        ("flipped_kernel", ["bob", "cat"], ["1.1", "1.2"]),
        ("off_by_one", ["bob"], ["2.1"]),
    ]


def test_submissions_without_a_verdict_name_the_reason_and_the_file(toy_batch):
    stats = class_statistics(toy_batch)
    assert [(i.id, i.status) for i in stats.no_verdict] == [
        ("gus", "grader_error"), ("hal", "timeout"), ("ivy", "grader_error"), ("jay", "grader_error")]
    errors = {i.id: i.error for i in stats.no_verdict}
    assert errors["gus"] == "autograder: grading failed: RuntimeError: a staff typo"
    assert errors["ivy"] == "no outcome was recorded (results/ivy/outcome.json is missing)"
    assert errors["jay"].startswith("results/jay/outcome.json is not a stored outcome: status: Input should be")
    assert [(i.id, i.status) for i in stats.unusable] == [("fay", "submission_error")]
    assert [(f.id, f.cases, f.of, f.outcomes, f.example) for f in stats.case_faults] == [
        ("cat", ["2.1"], 3, {"timeout": 1}, "timeout here"), ("eve", ["2.1"], 3, {"crashed": 1}, "crashed here")]
    assert stats.stale == ["kim"]


def test_the_slowest_submissions_come_first(toy_batch):
    stats = class_statistics(toy_batch)
    assert [(t.id, t.seconds, t.score) for t in stats.slowest[:4]] == [
        ("hal", 60.0, None), ("cat", 9.0, 1.0), ("bob", 3.0, 1.0), ("gus", 2.0, None)]
    assert len(stats.slowest) == 9  # every stored outcome; ivy and jay have none


def test_score_bins_are_whole_points_and_the_last_holds_full_marks():
    assert score_histogram([60, 59.5, 0, 3], 60) == [
        ScoreBin(low=3 * i, high=3 * i + 3, count={0: 1, 1: 1, 19: 1, 20: 1}.get(i, 0)) for i in range(21)]
    # Fractional maxima: the last bin holds the top score with the others of its point.
    assert [(b.low, b.count) for b in score_histogram([7.5, 7, 0.5], 7.5)] == [
        (0, 1), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 2)]
    assert score_histogram([], 0) == [ScoreBin(low=0, high=1, count=0)]


def test_an_empty_batch_has_no_numbers(tmp_path):
    stats = class_statistics(write_batch_folder(tmp_path, {}, PROBLEMS))
    assert (stats.submissions, stats.max_score, stats.histogram, stats.cases, stats.slowest) == (0, None, [], [], [])
    assert [(p.name, p.graded, p.rate, p.mean_score) for p in stats.problems] == [("p1", 0, None, None),
                                                                                  ("p2", 0, None, None)]


def test_a_folder_batch_did_not_write_is_refused_naming_the_file(tmp_path):
    with pytest.raises(ReportError, match=f"^{tmp_path / 'nowhere'}: not a folder$"):
        class_statistics(tmp_path / "nowhere")
    with pytest.raises(ReportError, match=r"manifest\.json: missing; give the folder `autograder batch --out` wrote"):
        class_statistics(tmp_path)
    (tmp_path / "manifest.json").write_text('{"assignment": "toy", "problems": "p1"}')
    with pytest.raises(ReportError, match=r"manifest\.json: not a batch manifest: submissions: Field required "
                                          r"\(and 4 more\)"):
        class_statistics(tmp_path)
