"""Our cases for courses that grade with Otter-Grader: exception-format test files, one per
problem, and the Gradescope zip that Otter's own `otter generate` makes from them.

Each test case calls `autograder.delivery.otter_runtime.check_case` with the case's expected value embedded
in the test file, hidden cases included: Otter ships every test to the grading container and
runs it in the student's kernel, so a submission can read or subvert them. The zip carries this
package and the assignment's spec, harness, checks and expected values as Otter support files:
a built course, which carries no reference or template (`spec.assignment.SHIPPED_FILE`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .. import settings
from ..expected import expected_outputs, write_shipped
from ..sandbox.child import wire
from ..spec.assignment import SPEC_FILE, Assignment
from ..spec.cases import Case, generate_inputs, select_cases
from .build import copy_package
from .requirements import DEFAULT_LOCK, needed_distributions, pinned_requirements, python_version

# Otter grades exactly one top-level script or notebook. A submission of several files (a zip of
# a package) may have none; this one, copied into the submission folder, is then run instead.
ENTRY_SCRIPT = "autograder_entry.py"
_ENTRY = '''"""Otter runs this when the submission has no script or notebook of its own; the tests
import the submitted modules from this folder."""
'''


class OtterExportError(Exception):
    """Otter could not build its zip; the message says why."""


class OtterExport(BaseModel):
    model_config = ConfigDict(frozen=True)

    tests_dir: Path
    test_files: list[Path]
    zip: Path


def otter_zip_name(name: str) -> str:
    return f"{name}-otter.zip"


def export_otter(assignment: Assignment, out_dir: Path, *, lock: Path = DEFAULT_LOCK) -> OtterExport:
    cases = select_cases(assignment)
    values = expected_outputs(assignment, cases, {c.id: generate_inputs(c) for c in cases})
    out_dir = Path(out_dir).resolve()
    tests_dir = out_dir / "tests"
    if tests_dir.exists():
        shutil.rmtree(tests_dir)  # a re-export must not keep the tests of a renamed problem
    tests_dir.mkdir(parents=True)
    test_files = []
    for problem in assignment.spec.problems:
        problem_cases = [c for c in cases if c.problem == problem.name]
        path = tests_dir / f"{problem.name}.py"
        path.write_text(otter_test_source(assignment, problem.name, problem_cases, values))
        test_files.append(path)
    zip_path = out_dir / otter_zip_name(assignment.name)
    with tempfile.TemporaryDirectory(prefix="autograder-otter-") as tmp:
        _generate(assignment, Path(tmp), tests_dir, zip_path, lock, cases, values)
    return OtterExport(tests_dir=tests_dir, test_files=test_files, zip=zip_path)


def otter_test_source(assignment: Assignment, problem: str, cases: list[Case], values: dict) -> str:
    """An Otter exception-format test file for one problem's cases."""
    expected = {c.id: wire.encode(values[c.id]) for c in cases}
    lines = [
        f'"""Problem `{problem}` of `{assignment.name}`, written by `autograder export-otter`: re-export, do not edit."""',
        "",
        "import json",
        "",
        "from otter.test_files import test_case",
        "",
        "from autograder.delivery.otter_runtime import check_case",
        "",
        "OK_FORMAT = False",
        f"name = {problem!r}",
        f"EXPECTED = json.loads({json.dumps(expected, separators=(',', ':'))!r})",
    ]
    for i, case in enumerate(cases, start=1):
        lines += [
            "",
            "",
            f"@test_case(name={f'{case.number} {case.id}'!r}, points={case.points!r}, "
            f"hidden={case.visibility != 'visible'!r})",
            f"def case_{i}(env):",
            f"    check_case(env, {assignment.name!r}, {case.id!r}, EXPECTED[{case.id!r}])",
        ]
    return "\n".join(lines) + "\n"


def _generate(assignment: Assignment, work: Path, tests_dir: Path, zip_path: Path, lock: Path, cases: list[Case],
              values: dict) -> None:
    """Runs `otter generate` in `work`, where the support files sit at the relative paths
    Otter requires."""
    import otter.generate  # optional extra: imported only when exporting

    copy_package("otter", work / "autograder")
    spec_dir = work / "assignments" / assignment.name
    spec_dir.mkdir(parents=True)
    for name in (SPEC_FILE, assignment.spec.harness, assignment.spec.checks):
        if name is not None:
            shutil.copyfile(assignment.dir / name, spec_dir / name)
    write_shipped(assignment, cases, values, {}, spec_dir)  # what makes it a course that needs no reference
    requirements = pinned_requirements(needed_distributions(assignment).distributions, lock, cpu_builds=True)
    torch_index = settings.torch_index()
    if torch_index and any(r.split("==")[0].lower() == "torch" for r in requirements):
        requirements.insert(0, f"--extra-index-url {torch_index}")
    (work / "requirements.txt").write_text("\n".join(requirements) + "\n")
    support = ["autograder", "assignments"]
    if len(assignment.spec.files) > 1:
        (work / ENTRY_SCRIPT).write_text(_ENTRY)
        support.append(ENTRY_SCRIPT)
    previous = Path.cwd()
    os.chdir(work)  # Otter takes support files only as paths relative to the working directory
    try:
        otter.generate.main(tests_dir=str(tests_dir), output_path=str(zip_path), requirements="requirements.txt",
                            no_config=True, no_environment=True, files=support,
                            python_version=python_version())
    except (ValueError, OSError) as exc:
        raise OtterExportError(f"otter generate failed: {exc}") from exc
    finally:
        os.chdir(previous)
