"""Staff mistakes in an assignment fail at load, before any grading, each with the file and line,
the field and why (`spec/validation.py`): planted one at a time in a copy of conv1d."""

import pytest
from support.course import course_copy, edit, line_of

from autograder.judging.checks import load_checks
from autograder.spec.assignment import list_assignments, load_assignment
from autograder.spec.loader import SpecError
from autograder.spec.validation import marked_checks


@pytest.fixture
def course(tmp_path):
    return course_copy(tmp_path, "conv1d", library=False)


def spec_of(root):
    return root / "assignments/conv1d/assignment.yaml"


def problems(root):
    """The problem lines of the SpecError that loading raises (the header checked once, here)."""
    with pytest.raises(SpecError) as info:
        load_assignment("conv1d", root)
    header, *lines = str(info.value).splitlines()
    assert header == f"{spec_of(root)}: {len(lines)} problem(s) in the assignment"
    return [line.strip() for line in lines]


def test_every_assignment_of_the_course_validates():
    for name in list_assignments():
        load_assignment(name)


def test_a_typo_in_a_call_names_the_case_and_the_functions_there_are(course):
    spec = spec_of(course)
    edit(spec, "        call: adjoint_products\n", "        call: adjoint_product\n")
    assert problems(course) == [
        f"{spec}:{line_of(spec, 'call: adjoint_product')}: problems[adjoint].cases[inner_products].call: no function "
        "'adjoint_product' defined at the top level of harness.py; did you mean 'adjoint_products'? (its functions: "
        "adjoint_products, gd_objective, matvec, rmatvec)"]


def test_an_input_the_harness_function_does_not_take_and_one_it_lacks(course):
    spec = spec_of(course)
    line = edit(spec, "          x: {kind: value, value: [0.0, 1.0, 0.0, 0.0, 3.0, -1.0, 2.0], dtype: float64}",
                "          xs: {kind: value, value: [0.0, 1.0, 0.0, 0.0, 3.0, -1.0, 2.0], dtype: float64}")
    case = "problems[forward].cases[asymmetric_kernel]"
    assert problems(course) == [
        f"{spec}:{line - 2}: {case}.inputs: matvec() (harness.py, line 12) needs 'x', which the case's inputs do "
        "not give",
        f"{spec}:{line}: {case}.inputs.xs: matvec() (harness.py, line 12) has no parameter 'xs'; did you mean 'x'? "
        "(its parameters: k, x)"]


def test_a_typo_in_a_check_name(course):
    spec = spec_of(course)
    line = edit(spec, "function: adjoint}", "function: adjoin}")
    assert problems(course) == [
        f"{spec}:{line}: problems[adjoint].cases[inner_products].compare.function: no check 'adjoin' in checks.py; "
        "did you mean 'adjoint'? (its checks: adjoint)"]


def test_only_functions_marked_as_checks_count(course):
    spec, checks = spec_of(course), course / "assignments/conv1d/checks.py"
    checks.write_text(checks.read_text() + "\n\ndef symmetric(actual, *, expected, inputs, params):\n    return None\n")
    line = edit(spec, "function: adjoint}", "function: symmetric}")
    helper = line_of(checks, "def symmetric")
    assert problems(course) == [
        f"{spec}:{line}: problems[adjoint].cases[inner_products].compare.function: symmetric() (checks.py, line "
        f"{helper}) is not marked @property_check; only marked functions are checks (`from autograder import property_check`)"]


def test_an_option_the_check_does_not_take(course):
    spec = spec_of(course)
    line = edit(spec, "function: adjoint}", "function: adjoint, options: {rtoll: 1.0e-9}}")
    assert problems(course) == [
        f"{spec}:{line}: problems[adjoint].cases[inner_products].compare.options.rtoll: check adjoint() (checks.py, "
        "line 9) takes no option 'rtoll'; did you mean 'rtol'? (its options: rtol)"]


def test_a_check_with_the_wrong_signature(course):
    checks = course / "assignments/conv1d/checks.py"
    edit(checks, "def adjoint(actual, *, expected, inputs, params, rtol=1e-9):",
         "def adjoint(actual, expected, rtol=1e-9):")
    spec = spec_of(course)
    assert problems(course) == [
        f"{spec}:{line_of(spec, 'function: adjoint')}: problems[adjoint].cases[inner_products].compare.function: "
        "check adjoint() (checks.py, line 9) must take the student's output first and the keywords expected, "
        "inputs, params: `def adjoint(actual, *, expected, inputs, params, ...)`"]


def test_a_check_without_a_checks_module(course):
    spec = spec_of(course)
    edit(spec, "checks: checks.py\n", "")
    assert problems(course) == [
        f"{spec}:{line_of(spec, 'function: adjoint')}: problems[adjoint].cases[inner_products].compare.function: "
        "a check needs a checks module: set `checks: checks.py` and define the check there, marked @property_check"]


def test_a_harness_that_does_not_parse(course):
    harness = course / "assignments/conv1d/harness.py"
    edit(harness, "def adjoint_products(k, xs, ys):", "def adjoint_products(k, xs, ys)")
    spec = spec_of(course)
    assert problems(course) == [f"{spec}:{line_of(spec, 'harness: harness.py')}: harness: harness.py does not parse: "
                                f"expected ':' (harness.py, line {line_of(harness, 'def adjoint_products')})"]


def test_a_shape_symbol_that_is_no_param_of_the_case(course):
    spec = spec_of(course)
    line = edit(spec, "          y: {kind: normal, shape: [n - r + 1]}\n        sweep:\n          - {n: 20, r: 3}\n"
                      "          - {n: 8, r: 1}\n          - {n: 6, r: 6}\n        points: 1\n      - name: random_hidden",
                "          y: {kind: normal, shape: [n - q + 1]}\n        sweep:\n          - {n: 20, r: 3}\n"
                "          - {n: 8, r: 1}\n          - {n: 6, r: 6}\n        points: 1\n      - name: random_hidden")
    assert problems(course) == [
        f"{spec}:{line}: problems[transpose].cases[random].inputs.y.shape[0]: 'n - q + 1' uses 'q', which is not a "
        "param of the case (its params: n, r)"]


def test_a_sweep_entry_that_lacks_a_param_of_a_shape(course):
    spec = spec_of(course)
    sweep_line = edit(spec, "          - {n: 8, r: 1}\n          - {n: 6, r: 6}\n        points: 1\n      - name: random_hidden\n"
                            "        title: \"A.T @ y",
                      "          - {n: 8}\n          - {n: 6, r: 6}\n        points: 1\n      - name: random_hidden\n"
                      "        title: \"A.T @ y")
    case = "problems[transpose].cases[random]"
    assert problems(course) == [
        f"{spec}:{sweep_line - 4}: {case}.inputs.k.shape[0]: 'r' uses 'r', which is not a param of the case in "
        f"sweep entry [n=8] (line {sweep_line})",
        f"{spec}:{sweep_line - 3}: {case}.inputs.y.shape[0]: 'n - r + 1' uses 'r', which is not a param of the "
        f"case in sweep entry [n=8] (line {sweep_line})"]


def test_a_shape_that_is_no_size(course):
    spec = spec_of(course)
    line = edit(spec, "          y: {kind: normal, shape: [n - r + 1]}\n        sweep:\n          - {n: 20, r: 3}",
                "          y: {kind: normal, shape: [n - r - 1]}\n        sweep:\n          - {n: 20, r: 3}")
    assert problems(course) == [
        f"{spec}:{line}: problems[transpose].cases[random].inputs.y.shape[0]: 'n - r - 1' gives -1, not a size in "
        f"sweep entry [n=6,r=6] (line {line + 4})"]


def test_a_param_input_naming_no_param(course):
    spec = spec_of(course)
    line = edit(spec, "lam: {kind: param, name: lam}", "lam: {kind: param, name: lamda}")
    assert problems(course) == [
        f"{spec}:{line}: problems[gradient_descent].cases[final_objective].inputs.lam.name: 'lamda' is not a param "
        "of the case (its params: r, n, lam, alpha, steps, seed)"]


def test_two_sweep_entries_that_make_the_same_case(course):
    spec = spec_of(course)
    line = edit(spec, "          - {n: 40, r: 7}\n          - {n: 9, r: 9}", "          - {n: 40, r: 7}\n          - {n: 40, r: 7}")
    assert problems(course) == [
        f"{spec}:{line + 1}: problems[adjoint].cases[inner_products].sweep[1]: case id "
        f"'adjoint/inner_products[n=40,r=7]' again (first on line {line}): sweep entries and case names must make "
        "distinct ids"]


@pytest.mark.parametrize("part, shown", [("reference", "reference/conv1d"), ("student_template", "student_template/conv1d")])
def test_a_graded_file_missing_from_the_reference_or_the_template(course, part, shown):
    (course / part / "conv1d" / "conv1D.py").unlink()
    what = "reference" if part == "reference" else "template"
    assert problems(course) == [f"{spec_of(course)}:5: files[0]: {shown}/conv1D.py does not exist: the {what} must "
                                "hold every graded file"]


def test_no_template_folder_at_all(course):
    import shutil
    shutil.rmtree(course / "student_template")
    assert problems(course) == [f"{spec_of(course)}:5: files: no template folder student_template/conv1d/: the "
                                "handout students start from"]


def test_a_key_written_twice(course):
    spec = spec_of(course)
    line = edit(spec, "        call: adjoint_products\n", "        call: adjoint_products\n        call: matvec\n")
    with pytest.raises(SpecError) as info:
        load_assignment("conv1d", course)
    assert str(info.value).splitlines()[1].strip() == (
        f"{spec}:{line + 1}: problems[adjoint].cases[inner_products].call: written twice (first on line {line}); "
        "YAML keeps only the last")


def test_every_problem_is_reported_at_once(course):
    spec = spec_of(course)
    edit(spec, "        call: adjoint_products\n", "        call: adjoint_product\n")
    edit(spec, "function: adjoint}", "function: adjoin}")
    (course / "reference/conv1d/conv1D.py").unlink()
    assert len(problems(course)) == 3


@pytest.mark.parametrize("name", list_assignments())
def test_the_checks_validation_finds_are_the_checks_grading_loads(name):
    a = load_assignment(name)
    if a.checks_path is not None:
        assert marked_checks(a.checks_path) == set(load_checks(a))
