"""`autograder build` ships only what it has tested: every staff mistake planted here in a copy of
conv1d makes it refuse, exit non-zero and write nothing, saying why; `--force` builds anyway and
says what it overrode. Most copies carry no library, so regress grades only the reference and
the template (and adds that the library is too small, which these tests ignore)."""

import pytest
from support.course import course_copy, edit, line_of

FORWARD = "        return np.correlate(np.asarray(vector), self.__filt, mode=\"valid\")\n"
TOO_FEW = "the library holds 0 mutants; each assignment keeps at least 10 (assignments/conv1d/mutants.yaml)"


@pytest.fixture
def course(tmp_path):
    return course_copy(tmp_path / "course", "conv1d", library=False)


def build(cli, course, out, *flags):
    result = cli("build", "conv1d", "--out", str(out), *flags, env={"AUTOGRADER_COURSE_ROOT": str(course)})
    return result, sorted(p.name for p in out.iterdir()) if out.exists() else []


def refused(cli, course, tmp_path):
    """The refusal's problem lines, once it is checked that nothing was written."""
    result, written = build(cli, course, tmp_path / "dist")
    assert result.returncode == 1, result.stdout + result.stderr
    assert written == []
    assert result.stderr.splitlines()[1] == "autograder build: refused: conv1d is not fit to ship:"
    assert result.stderr.rstrip().endswith("Nothing was written; fix these (or build anyway with --force).")
    return [line[2:] for line in result.stderr.splitlines()[2:-1]]


@pytest.mark.parametrize("where, old, new, problem", [
    ("assignments/conv1d/assignment.yaml", "function: adjoint}", "function: adjoin}",
     "problems[adjoint].cases[inner_products].compare.function: no check 'adjoin' in checks.py; did you mean "
     "'adjoint'? (its checks: adjoint)"),
    ("assignments/conv1d/assignment.yaml", "        call: gd_objective\n", "        call: gd_objectiv\n",
     "problems[gradient_descent].cases[final_objective].call: no function 'gd_objectiv' defined at the top level of "
     "harness.py; did you mean 'gd_objective'? (its functions: adjoint_products, gd_objective, matvec, rmatvec)"),
], ids=["check_name", "call_name"])
def test_a_spec_that_does_not_validate_is_not_built(cli, course, tmp_path, where, old, new, problem):
    line = edit(course / where, old, new)
    result, written = build(cli, course, tmp_path / "dist")
    spec = course / "assignments/conv1d/assignment.yaml"
    assert result.returncode == 2 and written == []
    assert f"{spec}:{line}: {problem}" in result.stderr


def test_no_template_no_build(cli, course, tmp_path):
    (course / "student_template/conv1d/conv1D.py").unlink()
    result, written = build(cli, course, tmp_path / "dist")
    assert result.returncode == 2 and written == []
    assert (f"{course / 'assignments/conv1d/assignment.yaml'}:5: files[0]: student_template/conv1d/conv1D.py does "
            "not exist: the template must hold every graded file") in result.stderr


def test_an_undeclared_mutant_folder_is_not_built(cli, tmp_path):
    course = course_copy(tmp_path / "course", "conv1d")
    (course / "assignments/conv1d/mutants/forgotten").mkdir(parents=True)
    (course / "assignments/conv1d/mutants/forgotten/conv1D.py").write_text("")
    mutants = course / "assignments/conv1d/mutants.yaml"
    assert refused(cli, course, tmp_path) == [
        f"{course / 'assignments/conv1d'}: 1 problem(s) in the library",
        f"  {mutants}:2: mutants: mutants/forgotten/ is the `files:` of no entry, so regress never grades it: "
        "declare it (name, description, must_fail and files: forgotten) or delete the folder"]


def test_a_check_that_raises_on_the_templates_output_is_not_built(cli, course, tmp_path):
    checks = course / "assignments/conv1d/checks.py"
    edit(checks, "    if actual is None:\n", "    count = len(actual[0])  # chokes on None\n    if actual is None:\n")
    problems = refused(cli, course, tmp_path)
    assert problems[0] == "template template: expected zero: every case not implemented"
    at = line_of(checks, "count = len")
    for line, case_id in zip(problems[1:3], ("adjoint/inner_products[n=40,r=7]", "adjoint/inner_products[n=9,r=9]")):
        assert line.startswith(f"    {case_id}: grader error, not graded: check 'adjoint' raised TypeError: ")
        assert line.endswith(f" at checks.py:{at} in adjoint")
    assert problems[3:] == [TOO_FEW]


@pytest.mark.parametrize("new, case_id, fault", [
    ("        out = np.correlate(np.asarray(vector), self.__filt, mode=\"valid\")\n"
     "        return out * np.nan if out.dtype == np.float32 else out\n",
     "forward/float32",
     "comparator 'allclose': the reference's `output` contains NaN (47 of 47 entries, first at index (0,)); fix the "
     "reference, or set `equal_nan: true` on an allclose comparator if NaN is the right answer"),
    ("        out = np.correlate(np.asarray(vector), self.__filt, mode=\"valid\")\n"
     "        return set(out.tolist()) if vector.size == 7 else out\n",
     "forward/asymmetric_kernel",
     "comparator 'allclose': the reference's `output` is a `builtins.set` object, which no comparator handles (they "
     "compare numbers, strings, None, and lists, tuples and dicts of them, numpy arrays)"),
], ids=["nan", "set"])
def test_a_reference_output_no_comparator_can_use_is_not_built(cli, course, tmp_path, new, case_id, fault):
    edit(course / "reference/conv1d/conv1D.py", FORWARD, new)
    assert refused(cli, course, tmp_path) == [
        "reference reference: expected full marks", f"    {case_id}: grader error, not graded: {fault}", TOO_FEW]


def test_a_template_that_is_not_zero_is_not_built_unless_forced(cli, course, tmp_path):
    edit(course / "student_template/conv1d/conv1D.py",
         "        # You may NOT create an (n-r+1) x n array.\n        return None  # IMPLEMENT THIS\n", FORWARD)
    problems = refused(cli, course, tmp_path)
    assert problems[0] == "template template: expected zero: every case not implemented"
    assert ("    forward/random[n=20,r=3]: passed, but the untouched template must be 'not implemented'"
            in problems)
    assert problems[-1] == TOO_FEW

    forced, written = build(cli, course, tmp_path / "forced", "--force")
    assert forced.returncode == 0, forced.stderr
    assert written == ["conv1d-autograder.zip", "conv1d-student.zip"]
    warnings = [line for line in forced.stderr.splitlines() if line.startswith("warning: built despite (--force): ")]
    assert [w.removeprefix("warning: built despite (--force): ") for w in warnings] == problems
