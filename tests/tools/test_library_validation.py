"""A broken library fails before anything is graded (`library.validate`, run by validate, regress,
build and new), each problem with its file and line, the entry and why: planted in a copy of
conv1d's library."""

import pytest
from support.course import course_copy, edit, line_of

from autograder.spec.assignment import load_assignment
from autograder.tools.library import LibraryError, validate


@pytest.fixture
def course(tmp_path):
    return course_copy(tmp_path, "conv1d")


def library_problems(root):
    with pytest.raises(LibraryError) as info:
        validate(load_assignment("conv1d", root))
    header, *lines = str(info.value).splitlines()
    assert header == f"{root / 'assignments/conv1d'}: {len(lines)} problem(s) in the library"
    return [line.strip() for line in lines]


def mutants_file(root):
    return root / "assignments/conv1d/mutants.yaml"


def test_the_course_library_validates():
    for name in ("conv1d", "linearized_features", "optimizers"):
        validate(load_assignment(name))


def test_a_mutant_folder_without_its_entry(course, cli):
    folder = course / "assignments/conv1d/mutants/forgotten"
    folder.mkdir(parents=True)
    (folder / "conv1D.py").write_text("# a wrong solution nobody declared\n")
    expected = (f"{mutants_file(course)}:2: mutants: mutants/forgotten/ is the `files:` of no entry, so regress never "
                "grades it: declare it (name, description, must_fail and files: forgotten) or delete the folder")
    assert library_problems(course) == [expected]
    for command in ("validate", "regress"):
        result = cli(command, "conv1d", env={"AUTOGRADER_COURSE_ROOT": str(course)})
        assert result.returncode == 2 and expected in result.stderr, result.stdout + result.stderr
        assert "gradings" not in result.stdout  # nothing was graded


def test_an_entry_whose_folder_is_missing_or_holds_no_graded_file(course):
    path = mutants_file(course)
    path.write_text(path.read_text() + "\n- {name: missing_folder, description: x, must_fail: ['*'], files: nowhere}\n"
                                       "- {name: wrong_file, description: x, must_fail: ['*'], files: wrong_file}\n")
    (course / "assignments/conv1d/mutants/wrong_file").mkdir(parents=True)
    (course / "assignments/conv1d/mutants/wrong_file/conv1d.py").write_text("")  # the case of the name is wrong
    assert library_problems(course) == [
        f"{path}:{line_of(path, 'name: missing_folder')}: mutants[missing_folder].files: no folder mutants/nowhere/ "
        "beside mutants.yaml",
        f"{path}:{line_of(path, 'name: wrong_file')}: mutants[wrong_file].files: mutants/wrong_file/ holds none of "
        "the graded files (conv1D.py) and no notebook: it would grade as a submission error"]


def test_an_edit_whose_old_text_is_not_in_the_reference(course):
    path = mutants_file(course)
    path.write_text(path.read_text() + "\n- name: stale\n  description: x\n  must_fail: ['*']\n  edits:\n"
                                       "    - {file: conv1D.py, old: 'import numpy as np', new: 'import numpy'}\n"
                                       "    - {file: conv1D.py, old: 'np.correlate(x)', new: 'np.convolve(x)'}\n")
    assert library_problems(course) == [
        f"{path}:{line_of(path, 'np.correlate(x)')}: mutants[stale].edits[1]: its old text occurs 0 times in "
        "reference/conv1d/conv1D.py, not once (did the reference change?)"]


def test_a_pattern_that_matches_no_case(course):
    path = mutants_file(course)
    line = edit(path, "  must_fail: [matrix_free/*]\n", "  must_fail: [matrix-free/*]\n")
    assert library_problems(course) == [
        f"{path}:{line}: mutants[dense_circulant].must_fail[0]: pattern 'matrix-free/*' matches no case id (the ids "
        "start with forward/, transpose/, adjoint/, gradient_descent/, matrix_free/)"]


def test_a_schema_error_in_the_library_names_its_line(course):
    path = mutants_file(course)
    line = edit(path, "  must_fail: [matrix_free/*]\n", "  must_fail: []\n")
    with pytest.raises(LibraryError) as info:
        validate(load_assignment("conv1d", course))
    assert str(info.value).splitlines() == [
        f"{path}: 1 problem(s) in the library",
        f"  {path}:{line}: mutants[dense_circulant].must_fail: List should have at least 1 item after validation, not 0"]


def test_two_entries_with_one_name(course):
    path = mutants_file(course)
    line = edit(path, "- name: crashes_process\n", "- name: calls_sys_exit\n")
    with pytest.raises(LibraryError) as info:
        validate(load_assignment("conv1d", course))
    assert str(info.value).splitlines()[1] == f"  {path}:{line}: mutants[calls_sys_exit].name: two entries are named 'calls_sys_exit'"
