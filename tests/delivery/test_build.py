"""`autograder build`: the Gradescope zip and the student handout, built by the real command,
unzipped with the real unzip, set up by their own setup.sh and graded by their own run_autograder."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.utils import canonicalize_name
from support.cli import REPO, run_cli
from support.gradescope_box import clean_env, gradescope_box, student_venv, unzip

from autograder.spec.assignment import list_assignments, load_assignment
from autograder.expected import SHIPPED_FILE, read_shipped, write_shipped
from autograder.delivery.requirements import DEFAULT_LOCK, _read_lock, needed_distributions, pinned_requirements
from autograder.sandbox.child import wire
from autograder.expected import expected_outputs
from autograder.spec.cases import generate_inputs
from autograder.spec.cases import select_cases
from autograder.tools.library import load_library, matches, materialize

ASSIGNMENTS = list_assignments()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """name -> (autograder zip, student zip), built once per module by the real command."""
    zips = {}

    def get(name):
        if name not in zips:
            out = tmp_path_factory.mktemp(f"build-{name}")
            result = run_cli("build", name, "--out", str(out))
            assert result.returncode == 0, result.stderr
            zips[name] = (out / f"{name}-autograder.zip", out / f"{name}-student.zip")
            assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in zips[name])
        return zips[name]

    return get


def zip_texts(archive):
    with zipfile.ZipFile(archive) as zf:
        return {info.filename: (info, zf.read(info)) for info in zf.infolist()}


def reference_only_files(a):
    """Reference files that differ from the template's: what must never leave the course repo."""
    out = []
    for path in sorted(p for p in a.reference_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        template = a.template_dir / path.relative_to(a.reference_dir)
        if not template.is_file() or template.read_bytes() != path.read_bytes():
            out.append(path)
    return out


def visible_ids(a):
    return [c.id for c in select_cases(a, visible_only=True)]


# --- what the zips hold ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_autograder_zip_holds_what_grading_needs_and_nothing_else(built, name):
    a = load_assignment(name)
    members = zip_texts(built(name)[0])
    for script in ("setup.sh", "run_autograder"):
        assert (members[script][0].external_attr >> 16) & 0o777 == 0o755  # at the root, executable
    assert not [m for m in members if re.match(r"(course/)?(reference|mutants|solutions)/|.*/(mutants|solutions)/", m)]
    contents = {data for _, data in members.values()}
    assert not [p for p in reference_only_files(a) if p.read_bytes() in contents]
    baked = json.loads(members[f"course/assignments/{name}/{SHIPPED_FILE}"][1])
    assert sorted(baked["cases"]) == sorted(c.id for c in select_cases(a))
    for path in (p for p in a.template_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        # The whole template, which setup.sh's self-test grades.
        assert members[f"course/student_template/{name}/{path.relative_to(a.template_dir).as_posix()}"][1] == path.read_bytes()
    assert "commands/selftest.py" in {m.removeprefix("autograder/") for m in members}

    requirements = members["requirements.txt"][1].decode().split()
    lock = _read_lock(DEFAULT_LOCK)
    names = {r.split("==")[0].lower() for r in requirements}
    assert {"numpy", "pydantic", "pyyaml"} <= names
    assert not names & {"otter-grader", "pytest", "distributed", "ipython", "pandas"}  # tools, not grading
    for r in requirements:
        dist, version = r.split("==")
        assert version.removesuffix("+cpu") == lock.get(canonicalize_name(dist), version.removesuffix("+cpu"))
    if re.search(r"^\s*(import|from) torch", a.harness_path.read_text(), re.M):
        assert [r for r in requirements if r.startswith("torch==") and r.endswith("+cpu")]
    sources = [p for d in (a.dir, a.reference_dir, a.template_dir) for p in d.rglob("*") if p.suffix in (".py", ".ipynb")]
    if not any("torch" in p.read_text(errors="replace") for p in sources):
        assert "torch" not in names  # gigabytes that grading would not use


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_zip_holds_the_template_and_the_visible_cases_only(built, name, tmp_path):
    a = load_assignment(name)
    archive = built(name)[1]
    members = zip_texts(archive)
    for path in (p for p in a.template_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        assert members[path.relative_to(a.template_dir).as_posix()][1] == path.read_bytes()
    contents = b"\n".join(data for _, data in members.values())
    assert not [p for p in reference_only_files(a) if p.read_bytes() in contents]
    assert not [m for m in members if re.search(r"(^|/)(reference|mutants|solutions)/", m)]
    hidden = [c.id for c in select_cases(a) if c.visibility != "visible"]
    assert not [i for i in hidden if i.encode() in contents]  # not even their names

    unzip(archive, tmp_path)
    handout = load_assignment(name, root=tmp_path)
    assert [c.id for c in select_cases(handout)] == visible_ids(a)
    assert set(json.loads((handout.dir / SHIPPED_FILE).read_text())["cases"]) == set(visible_ids(a))
    readme = (tmp_path / "README.md").read_text()
    assert f"python -m autograder check {name}" in readme and "python -m pytest" in readme
    assert "autograder.reporters.pytest_plugin" in (tmp_path / "conftest.py").read_text()


def test_builds_are_reproducible(built, tmp_path):
    assert run_cli("build", "conv1d", "--out", str(tmp_path)).returncode == 0
    for earlier in built("conv1d"):
        assert (tmp_path / earlier.name).read_bytes() == earlier.read_bytes()


def test_unknown_assignment_fails_cleanly(tmp_path):
    result = run_cli("build", "no_such_assignment", "--out", str(tmp_path))
    assert result.returncode == 2 and "no assignment 'no_such_assignment'" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- requirements and shipped values ------------------------------------------------------------

def copy_course(name, dest):
    for part in ("assignments", "reference", "student_template"):
        shutil.copytree(REPO / part / name, dest / part / name, ignore=shutil.ignore_patterns("__pycache__"))
    return load_assignment(name, root=dest)


def test_requirements_follow_what_the_assignment_and_its_library_import(tmp_path):
    a = copy_course("conv1d", tmp_path)
    mutant = a.dir / "mutants" / "uses_sympy"
    mutant.mkdir(parents=True)
    (mutant / "conv1D.py").write_text("import sympy\nimport not_a_module_anywhere\nfrom conv1D_helpers import x\n")
    library = a.dir / "mutants.yaml"
    library.write_text(library.read_text() + "\n- {name: uses_sympy, description: x, must_fail: ['*'], files: uses_sympy}\n"
                       "- name: uses_pandas\n  description: x\n  must_fail: ['*']\n  edits:\n    - file: conv1D.py\n"
                       "      old: 'import numpy as np'\n      new: 'import pandas, numpy as np'\n")
    needs = needed_distributions(a)
    assert {"numpy", "pydantic", "pyyaml", "sympy", "pandas"} <= set(needs.distributions)
    assert "torch" not in needs.distributions
    assert {"conv1D_helpers", "not_a_module_anywhere"} <= set(needs.unresolved)


def test_what_a_notebook_imports_only_for_widgets_is_not_installed_for_grading(tmp_path):
    a = copy_course("linearized_features", tmp_path)
    assert "from ipywidgets import fixed, interactive, widgets" in (a.reference_dir / "q_linearized_features.ipynb").read_text()
    needs = needed_distributions(a)
    assert {"torch", "matplotlib"} <= set(needs.distributions)  # the notebook's imports that grading runs
    assert not {"ipywidgets", "ipython"} & set(needs.distributions) and not needs.unresolved
    spec = yaml.safe_load(a.spec_path.read_text())
    spec["notebook"] = {"mode": "full"}  # every cell runs, the import unguarded: then it is needed
    a.spec_path.write_text(yaml.safe_dump(spec))
    assert "ipywidgets" in needed_distributions(load_assignment("linearized_features", root=tmp_path)).distributions


def test_torch_is_pinned_to_its_cpu_build_for_gradescope_only():
    version = _read_lock(DEFAULT_LOCK)["torch"].split("+")[0]
    gradescope = pinned_requirements(["torch"], DEFAULT_LOCK, cpu_builds=True)
    student = pinned_requirements(["torch"], DEFAULT_LOCK, cpu_builds=False)
    assert f"torch=={version}+cpu" in gradescope and f"torch=={version}" in student
    assert not [r for r in gradescope if r.lower().startswith(("nvidia", "triton"))]
    assert any(r.startswith("sympy==") for r in gradescope)  # torch's own dependencies come along


def test_shipped_values_are_used_only_while_their_case_and_harness_are_unchanged(tmp_path):
    a = copy_course("conv1d", tmp_path)
    cases = select_cases(a)
    values = expected_outputs(a, cases, {c.id: generate_inputs(c) for c in cases})
    write_shipped(a, cases, values, {}, a.dir)
    baked = read_shipped(a, cases)
    assert baked is not None and baked.keys() == values.keys()
    assert all(wire.encode(baked[k]) == wire.encode(values[k]) for k in values)

    spec = yaml.safe_load(a.spec_path.read_text())
    spec["seed"] += 1  # every derived input changes
    a.spec_path.write_text(yaml.safe_dump(spec))
    changed = load_assignment("conv1d", root=tmp_path)
    assert read_shipped(changed, select_cases(changed)) is None
    a.harness_path.write_text(a.harness_path.read_text() + "\n# changed\n")
    assert read_shipped(a, cases) is None


# --- the Gradescope zip, end to end -------------------------------------------------------------

def partial_mutant(a):
    """A wrong (not hostile) mutant that must pass some cases and fail others."""
    ids = [c.id for c in select_cases(a)]
    for m in load_library(a).mutants:
        spec = m
        failing = [i for i in ids if any(matches(i, p) for p in spec.must_fail)]
        passing = [i for i in ids if i not in failing and not any(matches(i, p) for p in spec.may_fail)]
        if spec.kind == "wrong" and failing and passing:
            return m, failing, passing
    raise AssertionError(f"{a.name}: no mutant that should get partial marks")


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_gradescope_zip_grades_reference_template_and_a_mutant(built, name, tmp_path):
    a = load_assignment(name)
    total = sum(c.points for c in select_cases(a))
    with gradescope_box(built(name)[0]) as box:
        box.setup()
        assert box.setup() < 10  # idempotent: the second run only checks
        assert oct((box.root / "source").stat().st_mode & 0o777) == oct(0o700)
        box.install_run_autograder()

        full, _ = box.grade(a.reference_dir)
        assert full["score"] == total > 0
        assert all(t["status"] == "passed" for t in full["tests"]), [t for t in full["tests"] if t["status"] != "passed"]
        assert sorted(t["extra_data"]["id"] for t in full["tests"]) == sorted(c.id for c in select_cases(a))

        scaled, _ = box.grade(a.reference_dir, {"assignment": {"total_points": 2 * total}})
        assert scaled["score"] == 2 * total  # Gradescope's total points win

        zero, _ = box.grade(a.template_dir)
        assert zero["score"] == 0
        assert {t["extra_data"]["outcome"] for t in zero["tests"]} == {"not_implemented"}

        mutant, failing, passing = partial_mutant(a)
        partial, _ = box.grade(materialize(a, mutant, tmp_path))
        assert 0 < partial["score"] < total
        status = {t["extra_data"]["id"]: t["status"] for t in partial["tests"]}
        assert [i for i in failing if status[i] != "failed"] == [] and [i for i in passing if status[i] != "passed"] == []


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop happens only when grading as root, as on Gradescope")
def test_setup_fails_when_the_sandbox_uid_cannot_reach_the_venv(built):
    # The image: a parent of the venv only root may traverse, so that the student's lazy
    # `import numpy.random` would fail. setup.sh's chmod -R fixes the venv, not its parents.
    closed = Path(tempfile.mkdtemp(prefix="autograder-closed-"))
    try:
        with gradescope_box(built("conv1d")[0]) as box:
            box.setup()  # the shared venv, set up as usual
            closed.chmod(0o700)
            (closed / "venv").symlink_to(box.venv)
            env = {**box.env, "AUTOGRADER_VENV": str(closed / "venv")}
            result = subprocess.run([str(box.root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                                    timeout=600)
    finally:
        shutil.rmtree(closed)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (f"the sandbox uid could not import what this interpreter has: {closed} (mode 0700) is closed to other "
            "users") in result.stderr
    assert result.stderr.rstrip().endswith("setup.sh: the grading image failed its self-test (above), so students' "
                                           "code would not be graded as it must; fix the image and build it again")


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop happens only when grading as root, as on Gradescope")
def test_student_code_in_the_zip_cannot_read_source_or_write_results(built, tmp_path):
    with gradescope_box(built("conv1d")[0]) as box:
        box.setup()
        box.install_run_autograder()
        probes = {
            "spec": box.root / "source/course/assignments/conv1d/assignment.yaml",
            "baked": box.root / f"source/course/assignments/conv1d/{SHIPPED_FILE}",
            "metadata": box.root / "submission_metadata.json",
        }
        (tmp_path / "conv1D.py").write_text(PROBE.format(probes=repr({k: str(v) for k, v in probes.items()}),
                                                           results=str(box.root / "results" / "results.json"),
                                                           source=str(box.root / "source")))
        data, _ = box.grade(tmp_path)
    printed = data["tests"][0]["output"]
    for what in ("read spec", "read baked", "read metadata", "list source", "write results"):
        assert f"{what}: denied" in printed, printed
    assert int(re.search(r"uid (\d+)", printed).group(1)) not in (0, os.geteuid())  # the sandbox uid


PROBE = '''
import os


def _probe():
    tries = {{"list source": lambda: os.listdir({source!r}),
              "write results": lambda: open({results!r}, "w").write("{{}}")}}
    for name, path in {probes}.items():
        tries["read " + name] = lambda path=path: open(path).read()
    for what, attempt in tries.items():
        try:
            attempt()
            print(what + ": ALLOWED")
        except OSError:
            print(what + ": denied")
    print("uid", os.getuid())


class Convolution1d:
    def __init__(self, filt):
        self.T = self

    def __matmul__(self, vector):
        _probe()
        return None
'''


def test_run_autograder_leaves_valid_results_when_python_cannot_start(built, tmp_path):
    root = Path(tempfile.mkdtemp(prefix="autograder-root-"))
    try:
        unzip(built("conv1d")[0], root / "source")
        shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
        (root / "results").mkdir()
        (root / "results" / "results.json").write_text('{"score": 23}')  # stale: must not survive
        result = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True, text=True,
                                env=clean_env(AUTOGRADER_ROOT=str(root), AUTOGRADER_VENV=str(tmp_path / "no-venv")))
        assert result.returncode == 0
        data = json.loads((root / "results" / "results.json").read_text())
        assert data["score"] == 0 and data["extra_data"]["status"] == "grader_error"
        assert "not a verdict on your work" in data["output"]
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- the student handout, both self-checks ------------------------------------------------------

def failure_blocks(check_output):
    """The per-case failure texts `autograder check` prints after its table."""
    details = check_output.split("\n\n", 1)[1]
    return re.split(r"\n(?=\d+\.\d+ )", details.strip())


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_handout_self_checks_both_ways(built, name):
    a = load_assignment(name)
    handout = Path(tempfile.mkdtemp(prefix="autograder-handout-"))
    try:
        unzip(built(name)[1], handout)
        python = str(student_venv(handout / "requirements.txt") / "bin" / "python")
        n = len(visible_ids(a))

        def self_checks():
            check = subprocess.run([python, "-m", "autograder", "check", name], cwd=handout, capture_output=True,
                                   text=True, env=clean_env(), timeout=600)
            tests = subprocess.run([python, "-m", "pytest", "-p", "no:cacheprovider"], cwd=handout,
                                   capture_output=True, text=True, env=clean_env(), timeout=600)
            return check, tests

        check, tests = self_checks()
        assert check.returncode == 1, check.stdout + check.stderr
        blocks = failure_blocks(check.stdout)
        assert len(blocks) == n and all("[TODO]" in b.splitlines()[0] and "not implemented" in b for b in blocks)
        assert tests.returncode == 1 and f"{n} failed in" in tests.stdout, tests.stdout[-3000:]
        assert [b for b in blocks if b not in tests.stdout] == []  # the same message, both ways

        for path in (p for p in a.reference_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            target = handout / path.relative_to(a.reference_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        check, tests = self_checks()
        assert check.returncode == 0, check.stdout + check.stderr
        assert tests.returncode == 0 and f"{n} passed in" in tests.stdout, tests.stdout[-3000:]
    finally:
        shutil.rmtree(handout, ignore_errors=True)


def test_a_wheel_of_the_package_carries_the_gradescope_scripts(tmp_path):
    # `autograder build` reads run_autograder and setup.sh from the installed package; they are
    # not Python, so a wheel has them only if pyproject.toml lists them as package data.
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", "build"))
    subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--disable-pip-version-check", "-w", str(tmp_path / "dist"), str(source)], check=True,
                   env=clean_env())
    (wheel,) = (tmp_path / "dist").glob("autograder-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(REPO).as_posix() for p in (REPO / "autograder").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert shipped <= names, sorted(shipped - names)
