"""conv1d specifics beyond the library: messages a student would read."""

from support.library import library_folder

from autograder.grading import grade
from autograder.spec.assignment import load_assignment

A = load_assignment("conv1d")


def by_id(report):
    return {c.id: c for c in report.cases}


def test_dense_matrix_fails_on_measured_memory_with_a_clear_message():
    cases = by_id(grade(A, library_folder("conv1d", "dense_circulant")))
    c = cases["matrix_free/forward_memory"]
    assert c.outcome == "over_memory"
    assert c.peak_extra_memory_mb > 100  # a 3994 x 4000 float64 matrix is 128 MB
    assert "the values are right" in c.message and "16 MB" in c.message
    assert "(n-r+1) x n" in c.message  # the case's hint says what is forbidden
    assert cases["forward/random[n=20,r=3]"].outcome == "passed"


def test_matrix_free_solutions_stay_far_below_the_memory_limit():
    for solution in ("list_comprehension", "stride_tricks", "loops"):
        cases = by_id(grade(A, library_folder("conv1d", solution)))
        for case_id in ("matrix_free/forward_memory", "matrix_free/transpose_memory"):
            assert cases[case_id].peak_extra_memory_mb is not None
            assert cases[case_id].peak_extra_memory_mb < 4, (solution, case_id)


def test_wrong_length_message_gives_shapes():
    c = by_id(grade(A, library_folder("conv1d", "wrong_output_length")))["forward/random[n=20,r=3]"]
    assert c.outcome == "failed"
    assert "shape (20,)" in c.message and "expected shape (18,)" in c.message


def test_wrong_values_message_gives_errors_and_hint():
    c = by_id(grade(A, library_folder("conv1d", "true_convolution")))["forward/asymmetric_kernel"]
    assert "entries" in c.message and "Largest absolute error" in c.message and "at index" in c.message
    assert "cross-correlation" in c.message  # the hint


def test_hang_fails_only_its_case_and_the_rest_still_run():
    report = grade(A, library_folder("conv1d", "hangs_when_r_is_1"))
    cases = by_id(report)
    assert cases["forward/random[n=8,r=1]"].outcome == "timeout"
    assert "within 5 s" in cases["forward/random[n=8,r=1]"].message
    assert cases["forward/random[n=20,r=3]"].outcome == "passed"
    assert cases["gradient_descent/final_objective"].outcome == "passed"  # ran after the hang, in a new worker


def test_exceptions_show_the_students_own_traceback_only():
    c = by_id(grade(A, library_folder("conv1d", "calls_sys_exit")))["transpose/random[n=20,r=3]"]
    assert c.outcome == "error"
    assert "SystemExit: giving up on the transpose" in c.message
    assert 'File "conv1D.py"' in c.message
    assert "harness" not in c.message and "worker" not in c.message


def test_student_output_is_captured_per_case(tmp_path):
    source = (A.reference_dir / "conv1D.py").read_text().replace(
        "        return np.correlate(", "        print('window', vector.size)\n        return np.correlate(")
    (tmp_path / "conv1D.py").write_text(source)
    cases = by_id(grade(A, tmp_path))
    assert cases["forward/random[n=20,r=3]"].output.strip() == "window 20"
    assert cases["transpose/random[n=20,r=3]"].output == ""
    assert cases["forward/random[n=20,r=3]"].outcome == "passed"


def test_syntax_error_is_reported_on_every_case_with_the_line(tmp_path):
    (tmp_path / "conv1D.py").write_text("import numpy as np\n\ndef broken(:\n    pass\n")
    report = grade(A, tmp_path)
    assert report.status == "completed" and report.score == 0
    assert all(c.outcome == "error" and "could not be imported" in c.message and "line 3" in c.message
               for c in report.cases)


def test_missing_file_is_a_submission_error(tmp_path):
    (tmp_path / "notes.txt").write_text("forgot the code")
    report = grade(A, tmp_path)
    assert report.status == "submission_error"
    assert "conv1D.py" in report.message
    assert report.score == 0 and len(report.cases) > 0


def test_window_written_for_r_3_fails_every_other_filter_length_with_its_own_line():
    cases = by_id(grade(A, library_folder("conv1d", "window_hard_coded_r3")))
    c = cases["forward/random[n=8,r=1]"]
    assert c.outcome == "error" and "size 3 is different from 1" in c.message
    assert "vector[i:i + 3]" in c.message  # the student's own line, in their traceback
    assert cases["forward/random[n=20,r=3]"].outcome == "passed"
    assert cases["gradient_descent/final_objective"].outcome == "passed"  # the driver uses r = 3
