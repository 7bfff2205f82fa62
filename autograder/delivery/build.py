"""Delivery: an assignment's Gradescope autograder zip and its student handout, built only from
an assignment that passes `autograder regress` (`gate`): the reference gets full marks with no
grader error, the untouched template gets zero with every case "not implemented", and every
mutant and solution of the library is graded as declared. `force` builds anyway and records
what it overrode.

Both carry the reference's outputs shipped beside the spec (`expected.SHIPPED_FILE`), never the
reference: the grading image does not run it and students never see it. Both carry only the part
of this package they use (`shipped_package_files`): staff and TA tools stay home.

`NAME-autograder.zip` (Gradescope's contract: unzipped into `$AUTOGRADER_ROOT/source`):
    setup.sh, run_autograder     filled in from `delivery/gradescope/`
    requirements.txt             pinned from requirements.lock: what grading needs, nothing else
    autograder/                  the grading engine
    course/assignments/NAME/     spec, harness, checks, expected_values.json
    course/student_template/NAME/  the template: it stands in for a graded file an upload lacks, and
                                   `autograder selftest` grades it when setup.sh builds the image

`NAME-student.zip` (unzipped anywhere by a student):
    the template files, README.md, requirements.txt, requirements-notebook.txt (for Colab),
    conftest.py (the pytest plugin),
    autograder/ (the engine and the self-checks), assignments/NAME/ with the visible cases only
    and their expected values, student_template/NAME/ with the untouched template.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from ..expected import expected_outputs, write_shipped
from ..tools.mistakes import compute_mistakes
from ..files import copy_tree, regular_files
from ..settings import PACKAGE_DIR
from ..spec.assignment import SPEC_FILE, Assignment, load_assignment
from ..spec.cases import generate_inputs, select_cases
from ..spec.loader import load_spec, read_yaml
from ..tools.library import LibraryError
from ..tools.regress import regress
from ..tools.skeleton import PLACEHOLDER
from .requirements import (DEFAULT_LOCK, BuildError, needed_distributions, pinned_requirements,
                           python_version)

TEMPLATES = Path(__file__).resolve().parent / "gradescope"
SELF_CHECK_PACKAGES = ("pytest", "markdown-it-py")  # the pytest self-check; the notebook check's HTML view
NOTEBOOK_REQUIREMENTS = "requirements-notebook.txt"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same inputs give the same zip

# Parts of the package that neither a grading image nor a handout runs: building and exporting
# (delivery/), the TA tools (tools/) and the commands that drive them.
STAFF_ONLY = ("delivery/", "tools/", "commands/build.py", "commands/export_otter.py", "commands/regress.py",
              "commands/batch.py", "commands/diff.py", "commands/report.py", "commands/validate.py",
              "commands/new.py")
# What only a student's self-check uses.
SELF_CHECK_ONLY = ("commands/check.py", "reporters/pytest_plugin.py", "notebook_check.py")
# What only the grading image uses: its self-test when setup.sh builds it.
GRADESCOPE_ONLY = ("commands/selftest.py",)
# What an Otter zip runs in Otter's kernel besides the handout's part.
OTTER_RUNTIME = ("delivery/__init__.py", "delivery/otter_runtime.py")
Audience = Literal["gradescope", "handout", "otter"]


def shipped_package_files(audience: Audience) -> list[PurePosixPath]:
    """The files of this package a grading image (`gradescope`), a handout or an Otter zip carries."""
    left_out = STAFF_ONLY + (SELF_CHECK_ONLY if audience == "gradescope" else GRADESCOPE_ONLY)
    kept = OTTER_RUNTIME if audience == "otter" else ()
    return [rel for rel in regular_files(PACKAGE_DIR) if rel.as_posix() in kept or not any(
        rel.as_posix().startswith(p) if p.endswith("/") else rel.as_posix() == p for p in left_out)]


def copy_package(audience: Audience, dest: Path) -> None:
    for rel in shipped_package_files(audience):
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGE_DIR.joinpath(*rel.parts), target)


class BuiltZips(BaseModel):
    model_config = ConfigDict(frozen=True)

    autograder: Path
    student: Path
    requirements: list[str]
    unresolved_imports: list[str]  # not installable from here: submissions importing them will fail
    overridden: list[str] = []  # why the gate refused, when `force` built anyway


class BuildRefused(Exception):
    """The assignment is not fit to ship; the message says why, one problem a line."""

    def __init__(self, name: str, reasons: list[str]) -> None:
        super().__init__(f"{name} is not fit to ship:\n" + "\n".join(f"  {r}" for r in reasons))


def gate(assignment: Assignment, *, jobs: int | None = None, thorough: bool = False) -> list[str]:
    """Why the assignment must not ship; empty when it may. First what needs no grading (text
    `autograder new` left to write), then one `autograder regress` run: its reference and
    template gradings are the control runs (the reference's checks pass on it, the template
    reads "not implemented" everywhere, no case is a grader error). Unless `thorough`, a
    problem of the first kind is reason enough, and regress does not run."""
    reasons = _placeholders(assignment)
    if reasons and not thorough:
        return reasons
    try:
        report = regress(assignment, jobs=jobs)
    except LibraryError as exc:
        return reasons + str(exc).splitlines()
    return reasons + report.failure_lines()


def _placeholders(assignment: Assignment) -> list[str]:
    """Text of the spec still as `autograder new` wrote it for the staff to replace."""
    document = read_yaml(assignment.spec_path)
    found: list[str] = []

    def walk(node: Any, loc: tuple) -> None:
        if isinstance(node, str) and node.startswith(PLACEHOLDER):
            found.append(document.problem(loc, f"still a placeholder of `autograder new` ({node[:60]!r}): write "
                                               "what students should read"))
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, loc + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, loc + (i,))

    walk(document.data, ())
    return found


def autograder_zip_name(name: str) -> str:
    return f"{name}-autograder.zip"


def student_zip_name(name: str) -> str:
    return f"{name}-student.zip"


def build(assignment: Assignment, out_dir: Path, *, lock: Path = DEFAULT_LOCK, force: bool = False,
          jobs: int | None = None) -> BuiltZips:
    """Writes both zips into `out_dir` once the assignment passes its `gate` (or, with `force`,
    whatever it says); raises BuildRefused otherwise, before writing anything."""
    refusals = gate(assignment, jobs=jobs, thorough=force)  # forced: say everything that is overridden
    if refusals and not force:
        raise BuildRefused(assignment.name, refusals)
    cases = select_cases(assignment)
    values = expected_outputs(assignment, cases, {c.id: generate_inputs(c) for c in cases})
    mistakes = compute_mistakes(assignment, cases)
    needs = needed_distributions(assignment)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograder-build-") as tmp:
        grading = Path(tmp) / "autograder"
        requirements = pinned_requirements(needs.distributions, lock, cpu_builds=True)
        _write_course(assignment, grading / "course", values, mistakes, visible_only=False)
        copy_package("gradescope", grading / "autograder")
        (grading / "requirements.txt").write_text("\n".join(requirements) + "\n")
        _fill_template("setup.sh", grading, PYTHON_VERSION=python_version(), ASSIGNMENT=assignment.name)
        _fill_template("run_autograder", grading, ASSIGNMENT=assignment.name)
        autograder = _write_zip(out_dir / autograder_zip_name(assignment.name), grading)

        handout = Path(tmp) / "student"
        copy_tree(assignment.template_dir, handout)
        _write_course(assignment, handout, values, mistakes, visible_only=True)
        copy_package("handout", handout / "autograder")
        student_requirements = pinned_requirements(needs.distributions + list(SELF_CHECK_PACKAGES), lock,
                                                   cpu_builds=False)
        (handout / "requirements.txt").write_text("\n".join(student_requirements) + "\n")
        (handout / NOTEBOOK_REQUIREMENTS).write_text(_notebook_requirements(needs.distributions))
        (handout / "conftest.py").write_text(_CONFTEST)
        (handout / "README.md").write_text(_readme(assignment, python_version()))
        student = _write_zip(out_dir / student_zip_name(assignment.name), handout)
    return BuiltZips(autograder=autograder, student=student, requirements=requirements,
                     unresolved_imports=needs.unresolved, overridden=refusals)


# --- what goes in ---------------------------------------------------------------------------

def _write_course(assignment: Assignment, root: Path, values: dict, mistakes: dict, *, visible_only: bool) -> None:
    """Spec (all cases, or the visible ones), harness, checks, expected values and the known
    mistakes' outputs (of those cases only: hidden cases' data never reach a handout) under `root`,
    laid out as a course root that `load_assignment` reads."""
    spec_dir = root / "assignments" / assignment.name
    spec_dir.mkdir(parents=True)
    if visible_only:
        data = _visible_spec(assignment, yaml.safe_load(assignment.spec_path.read_text()))
        (spec_dir / SPEC_FILE).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    else:
        shutil.copyfile(assignment.spec_path, spec_dir / SPEC_FILE)
    for name in (assignment.spec.harness, assignment.spec.checks):
        if name is not None:
            shutil.copyfile(assignment.dir / name, spec_dir / name)
    # The whole template: it stands in for a graded file an upload lacks (and the image's self-test
    # grades it; the notebook check tells a student's edited file from it).
    copy_tree(assignment.template_dir, root / "student_template" / assignment.name)
    copied = Assignment(spec=load_spec(spec_dir / SPEC_FILE), spec_path=spec_dir / SPEC_FILE, dir=spec_dir,
                        reference_dir=root / "reference" / assignment.name,
                        template_dir=root / "student_template" / assignment.name)
    write_shipped(copied, select_cases(copied), values, mistakes, spec_dir)
    load_assignment(assignment.name, root=root)  # what ships loads as the grader and the self-checks will load it


def _visible_spec(assignment: Assignment, data: dict) -> dict:
    """The raw spec with every case students cannot see removed (and problems left empty)."""
    visible = {(c.problem, c.id[len(c.problem) + 1:].split("[", 1)[0])
               for c in select_cases(assignment, visible_only=True)}
    problems = []
    for problem in data["problems"]:
        cases = [c for c in problem["cases"] if (problem["name"], c["name"]) in visible]
        if cases:
            problems.append({**problem, "cases": cases})
    if not problems:
        raise BuildError(f"{assignment.name} has no visible case: the handout would have nothing to self-check")
    return {**data, "problems": problems}


def _fill_template(name: str, dest_dir: Path, **values: str) -> None:
    text = (TEMPLATES / name).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    if leftover := re.findall(r"@[A-Z_]+@", text):
        raise BuildError(f"template {name}: no value for {', '.join(sorted(set(leftover)))}")
    (dest_dir / name).write_text(text)


# --- zips -----------------------------------------------------------------------------------

_EXECUTABLE = {"setup.sh", "run_autograder"}


def _write_zip(path: Path, root: Path) -> Path:
    """Every file under `root`, sorted, with fixed times; scripts executable."""
    tmp = path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            arcname = file.relative_to(root).as_posix()
            info = zipfile.ZipInfo(arcname, date_time=_ZIP_TIME)
            info.external_attr = (0o100755 if arcname in _EXECUTABLE else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, file.read_bytes())
    tmp.replace(path)
    return path


# --- the handout's own files ----------------------------------------------------------------

_CONFTEST = '''"""Self-check with pytest: `python -m pytest` here runs each visible case as a test."""

from autograder.reporters.pytest_plugin import pytest_collect_file  # noqa: F401
'''


def _notebook_requirements(distributions: list[str]) -> str:
    """For an existing notebook environment (Colab): names without pins, so that what it has stays;
    pip adds only what is missing."""
    names = sorted({*distributions, *SELF_CHECK_PACKAGES} - {"pytest"})
    return ("# What the notebook self-check needs; pip keeps the versions your environment has.\n"
            + "".join(f"{name}\n" for name in names))


def _readme(assignment: Assignment, python: str) -> str:
    spec = assignment.spec
    files = ", ".join(f"`{f}`" for f in spec.files)
    return f"""# {spec.title}

Edit {files}. Before you submit, check your work on the visible test cases, either way:

```bash
python{python} -m venv .venv && . .venv/bin/activate   # Python {python} or newer, once
python -m pip install -r requirements.txt             # once
python -m autograder check {spec.name}                # a table of the visible cases
python -m pytest                                      # the same cases, one pytest test each
```

Both run your code the way Gradescope does (a separate process, the same time and memory
limits, the same inputs) and print the same message for each case Gradescope will show you.
Gradescope also runs cases that are not visible here, so passing every case here does not
guarantee full marks.

## What to upload to Gradescope

Upload {files}: the files themselves, or a zip of the folder you worked in (everything else in it,
such as notebooks, logs and data, is ignored). Files renamed by your browser (`name (1).py`) are
recognised, and so is a notebook that holds your code (cells pasted from a file count as that
file, when their first line names it, e.g. `#@title optim.py`). A file you leave out is graded as
the untouched handout: you lose only the points of the parts that use it.

## In your notebook

In a cell of a notebook in this folder (Jupyter, VS Code or Colab):

```python
import autograder
autograder.check()                       # every visible case
autograder.check("{spec.name}", "{spec.problems[0].name}")   # one problem
```

It checks what you have right now: {files} if you edited and saved it here, otherwise the code
your notebook's cells ran, in the order you ran them (their imports, functions, classes and
constants; loops and training do not run again). There is no need to save first. It shows the
table and the messages `python -m autograder check` prints, and returns them
(`.score`, `.max_score`, `.passed`, `.cases`).

- **Jupyter or VS Code on your machine:** make the venv above the notebook's kernel
  (`python -m pip install ipykernel` in it, once), and open the notebook from this folder.
- **Colab:** upload `{assignment.name}-student.zip` (Files panel, or your Drive), then run once per
  session:

  ```python
  !unzip -oq /content/{assignment.name}-student.zip -d /content/{assignment.name}
  %cd /content/{assignment.name}
  %pip install -q -r requirements-notebook.txt
  ```

  Colab keeps its own package versions, NumPy 2 among them, while Gradescope grades with those of
  `requirements.txt` (NumPy 1.26, whose type promotion is the course's). They disagree only on
  dtypes: float32 arrays times a float64 scalar such as `np.power(0.9, t)` stay float32 on
  Gradescope and become float64 on Colab.

`autograder/`, `assignments/` and `student_template/` make up the self-check; leave them as they are.
"""
