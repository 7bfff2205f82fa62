"""conv1d specifics beyond the library: messages a student would read, and the adjoint check."""

import numpy as np
import pytest
from support.library import library_folder

from autograder.grading import grade
from autograder.judging.checks import load_checks
from autograder.spec.assignment import load_assignment
from autograder.spec.cases import generate_inputs, select_cases

A = load_assignment("conv1d")
ADJOINT_CASES = [c for c in select_cases(A) if c.problem == "adjoint"]


def by_id(report):
    return {c.id: c for c in report.cases}


def quick_startup(assignment, seconds):
    """The assignment with a short limit on importing the submission: a test of an import that
    never ends then takes seconds."""
    return assignment.model_copy(update={"spec": assignment.spec.model_copy(update={"startup_timeout_s": seconds})})


def test_dense_matrix_fails_on_memory_it_asks_for_with_a_clear_message():
    cases = by_id(grade(A, library_folder("conv1d", "dense_circulant")))
    c = cases["matrix_free/forward_memory"]
    assert c.outcome == "over_memory"
    assert "at most 16 MB beyond what it held before the call" in c.message and "written or not" in c.message
    assert "MemoryError" in c.message and 'File "conv1D.py"' in c.message  # where it asked
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


def test_a_library_that_is_not_installed_fails_only_what_uses_it(tmp_path):
    """`from tqdm.auto import tqdm` at the top of a file written in Colab, where tqdm is."""
    source = (A.reference_dir / "conv1D.py").read_text()
    source = "from tqdm_not_installed.auto import tqdm\nimport seaborn_not_installed as sns\n" + source.replace(
        "        return np.convolve(", "        sns.set_theme()\n        return np.convolve(")  # in A.T @ y only
    (tmp_path / "conv1D.py").write_text(source)
    report = grade(A, tmp_path)
    forward = [c for c in report.cases if c.problem == "forward"]
    transpose = [c for c in report.cases if c.problem == "transpose"]
    assert forward and all(c.outcome == "passed" for c in forward), [(c.id, c.message) for c in forward]
    assert transpose and all(c.outcome == "error" for c in transpose)
    assert all("No module named 'seaborn_not_installed': it is not installed where your code is graded" in c.message
               for c in transpose)


def test_a_missing_module_of_the_submissions_own_fails_only_what_uses_it(tmp_path):
    """conv1D is the student's, not a library: the worker gives it no stand-in, so the import
    fails, and the file is read again as a notebook is, where that one import fails alone."""
    source = (A.reference_dir / "conv1D.py").read_text().replace(
        "        return np.convolve(", "        conv1D.helpers.check(vector)\n        return np.convolve(")  # A.T @ y
    (tmp_path / "conv1D.py").write_text("import conv1D.helpers\n" + source)
    report = grade(A, tmp_path)
    assert {c.outcome for c in report.cases if c.problem == "forward"} == {"passed"}
    transpose = [c for c in report.cases if c.problem == "transpose"]
    assert transpose and all(c.outcome == "error" and "ModuleNotFoundError" in c.message
                             and "comes from an import in conv1D.py, cell 1 that failed while grading" in c.message
                             for c in transpose), [c.message for c in transpose]
    assert report.notes[0].startswith("`conv1D.py` could not be imported (`ModuleNotFoundError: No module named "
                                      "'conv1D.helpers'; 'conv1D' is not a package`), so it was read as a notebook is")


def test_a_module_of_the_students_own_beside_the_file_is_importable(tmp_path):
    source = (A.reference_dir / "conv1D.py").read_text().replace("np.correlate(", "sliding.correlate(")
    (tmp_path / "hw1").mkdir()
    (tmp_path / "hw1/conv1D.py").write_text("import sliding\n" + source)
    (tmp_path / "hw1/sliding.py").write_text("import numpy as np\n\ndef correlate(x, k, mode):\n"
                                             "    return np.correlate(x, k, mode=mode)\n")
    report = grade(A, tmp_path)
    assert report.score == report.max_score > 0, [(c.id, c.message) for c in report.cases if c.outcome != "passed"]
    assert not any("could not be imported" in n for n in report.notes)


REFERENCE_WITHOUT_MAIN_GUARD = (A.reference_dir / "conv1D.py").read_text().replace('if __name__ == "__main__":\n', "if True:\n")


@pytest.mark.parametrize("ending, why", [
    ("print(undefined_name)\n", "`conv1D.py` could not be imported (`NameError: name 'undefined_name' is not defined`)"),
    ("raise SystemExit(1)\n", "`conv1D.py` could not be imported (`SystemExit: 1`)"),
    ("get_ipython().run_line_magic('matplotlib', 'inline')\n",  # Jupyter's export of a notebook, as conv1D.py
     "`conv1D.py` could not be imported (`NameError: name 'get_ipython' is not defined`)"),
    ("while True:\n    pass\n", "importing `conv1D.py` took longer than 3 s"),
])
def test_a_driver_at_the_top_level_that_fails_or_never_ends_costs_nothing(tmp_path, ending, why):
    """The handout's driver with its `if __name__ == "__main__":` guard taken away, and one more
    line at the bottom: a test that fails, an exit, a loop left running."""
    (tmp_path / "conv1D.py").write_text(REFERENCE_WITHOUT_MAIN_GUARD + ending)
    report = grade(quick_startup(A, 3.0), tmp_path)
    assert report.score == report.max_score > 0, [(c.id, c.message) for c in report.cases if c.outcome != "passed"]
    assert report.notes[0] == (f"{why}, so it was read as a notebook is: only its imports, functions, classes and "
                               "constant assignments run")
    assert all("could not be imported" not in c.message for c in report.cases)


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


# --- the adjoint check ----------------------------------------------------------------------

def _operator(matrix):
    return (lambda x: matrix @ x), (lambda y: matrix.T @ y)


def _answers(case, forward, backward):
    """What the harness sends back for `case`, for operators given as functions, in its order."""
    inputs = generate_inputs(case)
    xs, ys, out_f, out_b = inputs["xs"], inputs["ys"], [], []
    for i in range(max(len(xs), len(ys))):
        if i < len(xs):
            out_f.append(forward(xs[i]))
        if i < len(ys):
            out_b.append(backward(ys[i]))
    return inputs, (out_f, out_b)


def _adjoint_verdict(case, forward, backward):
    inputs, actual = _answers(case, forward, backward)
    return load_checks(A)["adjoint"](actual, expected=None, inputs=inputs, params=case.params)


def _conv_matrix(k, n):
    r = k.size
    dense = np.zeros((n - r + 1, n))
    for i in range(n - r + 1):
        dense[i, i:i + r] = k
    return dense


@pytest.mark.parametrize("case", ADJOINT_CASES, ids=lambda c: c.id)
def test_the_adjoint_check_passes_any_linear_operator_with_its_exact_transpose(case):
    k = generate_inputs(case)["k"]
    n, m = case.params["n"], case.params["n"] - case.params["r"] + 1
    assert _adjoint_verdict(case, *_operator(_conv_matrix(k, n))) is None
    # The property is transposition, not the values: a wrong but linear A with its own transpose passes.
    assert _adjoint_verdict(case, *_operator(np.random.default_rng(1).standard_normal((m, n)))) is None


@pytest.mark.parametrize("case", ADJOINT_CASES, ids=lambda c: c.id)
def test_the_adjoint_check_cannot_be_met_by_an_operator_that_remembers_what_it_saw(case):
    seen_x, seen_v = [], []

    def forward(x):  # wrong, and not linear
        v = np.tanh(np.correlate(x, np.ones(case.params["r"]), mode="valid")) + 0.1
        seen_x.append(x)
        seen_v.append(v)
        return v

    def last_x(y):  # the attack of issue 14: <A x, y> = <x, A.T y> for the last x, exactly
        x, v = seen_x[-1], seen_v[-1]
        return x * (v @ y) / (x @ x)

    def fitted(y):  # stronger: fits every cross product seen so far, by least squares
        X, V = np.array(seen_x), np.array(seen_v)
        return np.linalg.lstsq(X, V @ y, rcond=None)[0]

    for backward in (last_x, fitted):
        seen_x.clear()
        seen_v.clear()
        verdict = _adjoint_verdict(case, forward, backward)
        assert verdict is not None and "A.T is not the transpose of A" in verdict, backward.__name__
    # The one pair the check used to compare was met exactly by the first attack.
    seen_x.clear()
    seen_v.clear()
    x, y = generate_inputs(case)["xs"][0], generate_inputs(case)["ys"][0]
    assert np.isclose(forward(x) @ y, x @ last_x(y))


def test_the_adjoint_check_refuses_the_zero_operator_and_bad_shapes():
    case = ADJOINT_CASES[0]
    n, m = case.params["n"], case.params["n"] - case.params["r"] + 1
    assert "all zeros" in _adjoint_verdict(case, lambda x: np.zeros(m), lambda y: np.zeros(n))
    assert "shape" in _adjoint_verdict(case, lambda x: np.zeros(m + 1), lambda y: np.zeros(n))
