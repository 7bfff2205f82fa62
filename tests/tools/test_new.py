"""`autograder new NAME` writes a working skeleton: a course root with only it validates, `build`
refuses while the placeholders the README names are left, and once they are filled in as the
README says, `autograder regress` passes on it."""

import re

from autograder.judging.checks import load_checks
from autograder.spec.assignment import load_assignment
from autograder.tools.library import load_library
from autograder.tools.regress import MIN_MUTANTS


def test_the_skeleton_passes_regress_once_its_placeholders_are_filled_in(tmp_path, cli):
    env = {"AUTOGRADER_COURSE_ROOT": str(tmp_path)}
    made = cli("new", "relu_demo", env=env)
    assert made.returncode == 0, made.stderr
    written = {line for line in made.stdout.splitlines() if line.endswith((".py", ".yaml", ".md"))}
    assert written == {f"assignments/relu_demo/{f}" for f in ("assignment.yaml", "harness.py", "checks.py",
                                                              "mutants.yaml", "solutions.yaml", "README.md")} | {
        "reference/relu_demo/relu_demo.py", "student_template/relu_demo/relu_demo.py"}
    a = load_assignment("relu_demo", tmp_path)
    library = load_library(a)
    assert len(library.mutants) >= MIN_MUTANTS and library.solutions
    assert list(load_checks(a)) == ["masked_gradient"]  # one check, marked

    spec = a.spec_path
    placeholders = re.findall(r'"(TODO:[^"]*)"', spec.read_text())
    assert len(placeholders) == 2
    refused = cli("build", "relu_demo", "--out", str(tmp_path / "dist"), env=env)
    assert refused.returncode == 1 and not (tmp_path / "dist").exists()
    for text in placeholders:
        line = spec.read_text()[:spec.read_text().index(text)].count("\n") + 1
        assert f"{spec}:{line}: " in refused.stderr and f"still a placeholder of `autograder new` ({text[:60]!r})" in refused.stderr

    readme = (a.dir / "README.md").read_text()
    assert "Every text in assignment.yaml that starts with `TODO:`" in readme and "replace each" in readme
    spec.write_text(spec.read_text().replace(placeholders[0], "ReLU, forward and backward")
                                    .replace(placeholders[1], "relu(x) is x where x > 0 and 0 elsewhere."))
    assert "TODO:" not in spec.read_text()

    regress = cli("regress", "relu_demo", env=env, timeout=600)
    assert regress.returncode == 0, regress.stdout + regress.stderr
    assert f"relu_demo: {2 + len(library.mutants) + len(library.solutions)} gradings, no regressions" in regress.stdout


def test_new_refuses_a_name_taken_or_unusable(tmp_path, cli):
    env = {"AUTOGRADER_COURSE_ROOT": str(tmp_path)}
    assert cli("new", "demo", env=env).returncode == 0
    again = cli("new", "demo", env=env)
    assert again.returncode == 2 and f"{tmp_path / 'assignments/demo'} already exists" in again.stderr
    shadowing = cli("new", "random", env=env)
    assert shadowing.returncode == 2 and "'random' is also the name of an importable module" in shadowing.stderr
    bad = cli("new", "Demo-2", env=env)
    assert bad.returncode == 2 and "lower case letters, digits and _" in bad.stderr
