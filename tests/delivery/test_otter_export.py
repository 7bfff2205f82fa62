"""`autograder export-otter`: our cases as Otter-Grader exception-format tests and Otter's own zip,
read and graded by the real otter-grader package."""

import importlib.util
import zipfile

import pytest
import yaml
from support.cli import run_cli

from autograder.spec.assignment import list_assignments, load_assignment
from autograder.spec.cases import select_cases

ASSIGNMENTS = list_assignments()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """name -> output folder of the real command, exported once per module."""
    done = {}

    def get(name):
        if name not in done:
            out = tmp_path_factory.mktemp(f"otter-{name}")
            result = run_cli("export-otter", name, "--out", str(out))
            assert result.returncode == 0, result.stderr
            done[name] = out
        return done[name]

    return get


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_exported_tests_are_otter_exception_tests_of_every_case(exported, name):
    from otter.test_files import ExceptionTestFile

    a = load_assignment(name)
    tests_dir = exported(name) / "tests"
    assert sorted(p.stem for p in tests_dir.glob("*.py")) == sorted(p.name for p in a.spec.problems)
    seen = {}
    for path in sorted(tests_dir.glob("*.py")):
        assert "OK_FORMAT = False" in path.read_text()
        test_file = ExceptionTestFile.from_file(str(path))  # Otter's own parser
        assert test_file.name == path.stem
        for tc in test_file.test_cases:
            number, case_id = tc.name.split(" ", 1)
            seen[case_id] = (number, tc.points, tc.hidden)
    assert seen == {c.id: (c.number, c.points, c.visibility != "visible") for c in select_cases(a)}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_otter_zip_is_otters_own_with_our_tests_engine_and_pins(exported, name):
    a = load_assignment(name)
    out = exported(name)
    with zipfile.ZipFile(out / f"{name}-otter.zip") as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "run_otter.py", "environment.yml", "otter_config.json"} <= names
        assert "mamba" in zf.read("setup.sh").decode()  # Otter's template: a conda environment
        for path in (out / "tests").glob("*.py"):
            assert zf.read(f"tests/{path.name}") == path.read_bytes()
        assert {"files/autograder/delivery/otter_runtime.py", f"files/assignments/{name}/assignment.yaml",
                f"files/assignments/{name}/{a.spec.harness}",
                f"files/assignments/{name}/expected_values.json"} <= names  # a built course: no reference needed
        assert not [n for n in names if "/reference/" in n or "/mutants" in n or "/solutions" in n]
        assert not [n for n in names if n.startswith(("files/autograder/tools/", "files/autograder/delivery/build"))]
        pip = next(d["pip"] for d in yaml.safe_load(zf.read("environment.yml"))["dependencies"] if isinstance(d, dict))
    assert "otter-grader[grading,plugins]==7.0.0" in pip
    assert any(p.startswith("numpy==") for p in pip) and any(p.startswith("pydantic==") for p in pip)
    torch = [p for p in pip if p.startswith("torch==")]
    assert all(p.endswith("+cpu") for p in torch)
    assert bool(torch) == any(p.startswith("--extra-index-url") for p in pip)


def otter_submission(files_dir, a, tmp_path):
    """What a student uploads to Otter: the one graded file, or a zip of the files."""
    if len(a.spec.files) == 1:
        return files_dir / a.spec.files[0]
    archive = tmp_path / f"{files_dir.name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(p for p in files_dir.rglob("*.py") if "__pycache__" not in p.parts):
            zf.write(path, path.relative_to(files_dir).as_posix())
    return archive


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_otter_grades_the_reference_full_and_the_template_zero(exported, name, tmp_path):
    assert importlib.util.find_spec("ipykernel"), "Otter grades in a Jupyter kernel: install otter-grader[grading]"
    from otter.api import grade_submission

    a = load_assignment(name)
    total = sum(c.points for c in select_cases(a))
    archive = str(exported(name) / f"{name}-otter.zip")
    full = grade_submission(str(otter_submission(a.reference_dir, a, tmp_path)), archive, quiet=True)
    failed = [(tc.test_case.name, tc.message) for tf in full.results.values() for tc in tf.test_case_results
              if not tc.passed]
    assert failed == [] and full.total == full.possible == total
    zero = grade_submission(str(otter_submission(a.template_dir, a, tmp_path)), archive, quiet=True)
    messages = [tc.message for tf in zero.results.values() for tc in tf.test_case_results]
    assert zero.total == 0 and zero.possible == total
    assert len(messages) == len(select_cases(a)) and all("[not_implemented]" in m for m in messages)
