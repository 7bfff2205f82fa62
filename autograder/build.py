"""Delivery: an assignment's Gradescope autograder zip and its student handout.

Both carry the reference's outputs baked beside the spec (`baked.py`), never the reference:
the grading image does not run it and students never see it.

`NAME-autograder.zip` (Gradescope's contract: unzipped into `$AUTOGRADER_ROOT/source`):
    setup.sh, run_autograder     filled in from `autograder/gradescope/`
    requirements.txt             pinned from requirements.lock: what grading needs, nothing else
    autograder/                  this engine
    course/assignments/NAME/     spec, harness, checks, baked_expected.json
    course/student_template/NAME/  the template's support files (those students do not edit)

`NAME-student.zip` (unzipped anywhere by a student):
    the template files, README.md, requirements.txt, conftest.py (the pytest plugin),
    autograder/, assignments/NAME/ with the visible cases only and their baked values,
    student_template/NAME/ with the support files.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict

from .assignments import SPEC_FILE, Assignment, load_assignment
from .baked import write_baked
from .cases import generate_inputs
from .expected import expected_outputs
from .grading import select_cases

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_DIR / "gradescope"
DEFAULT_LOCK = PACKAGE_DIR.parent / "requirements.lock"
ENGINE_PACKAGES = ("numpy", "pydantic", "pyyaml")  # what the grader itself imports
SELF_CHECK_PACKAGES = ("pytest",)  # the handout's second self-check
CPU_BUILDS = {"torch", "torchvision", "torchaudio"}  # pinned to "+cpu" wheels for Gradescope
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same inputs give the same zip


class BuildError(Exception):
    """The assignment cannot be packed; the message says why."""


class BuiltZips(BaseModel):
    model_config = ConfigDict(frozen=True)

    autograder: Path
    student: Path
    requirements: list[str]
    unresolved_imports: list[str]  # not installable from here: submissions importing them will fail


def autograder_zip_name(name: str) -> str:
    return f"{name}-autograder.zip"


def student_zip_name(name: str) -> str:
    return f"{name}-student.zip"


def build(assignment: Assignment, out_dir: Path, *, lock: Path = DEFAULT_LOCK) -> BuiltZips:
    """Writes both zips into `out_dir`; runs the reference once (or reads the cache)."""
    cases = select_cases(assignment)
    values = expected_outputs(assignment, cases, {c.id: generate_inputs(c) for c in cases})
    needs = needed_distributions(assignment)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograder-build-") as tmp:
        grading = Path(tmp) / "autograder"
        requirements = pinned_requirements(needs.distributions, lock, cpu_builds=True)
        _write_course(assignment, grading / "course", values, visible_only=False)
        copy_tree(PACKAGE_DIR, grading / "autograder")
        (grading / "requirements.txt").write_text("\n".join(requirements) + "\n")
        _fill_template("setup.sh", grading, PYTHON_VERSION=python_version())
        _fill_template("run_autograder", grading, ASSIGNMENT=assignment.name)
        autograder = _write_zip(out_dir / autograder_zip_name(assignment.name), grading)

        handout = Path(tmp) / "student"
        copy_tree(assignment.template_dir, handout)
        _write_course(assignment, handout, values, visible_only=True)
        copy_tree(PACKAGE_DIR, handout / "autograder")
        student_requirements = pinned_requirements(needs.distributions + list(SELF_CHECK_PACKAGES), lock,
                                                   cpu_builds=False)
        (handout / "requirements.txt").write_text("\n".join(student_requirements) + "\n")
        (handout / "conftest.py").write_text(_CONFTEST)
        (handout / "README.md").write_text(_readme(assignment, python_version()))
        student = _write_zip(out_dir / student_zip_name(assignment.name), handout)
    return BuiltZips(autograder=autograder, student=student, requirements=requirements,
                     unresolved_imports=needs.unresolved)


# --- what goes in ---------------------------------------------------------------------------

def _write_course(assignment: Assignment, root: Path, values: dict, *, visible_only: bool) -> None:
    """Spec (all cases, or the visible ones), harness, checks and baked values under `root`,
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
    copy_tree(assignment.template_dir, root / "student_template" / assignment.name, skip=set(assignment.spec.files))
    copied = load_assignment(assignment.name, root=root)
    write_baked(copied, select_cases(copied), values, spec_dir)


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


def copy_tree(src: Path, dest: Path, skip: set[str] = frozenset()) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if not path.is_file() or rel.as_posix() in skip or any(p == "__pycache__" for p in rel.parts):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def _fill_template(name: str, dest_dir: Path, **values: str) -> None:
    text = (TEMPLATES / name).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    if leftover := re.findall(r"@[A-Z_]+@", text):
        raise BuildError(f"template {name}: no value for {', '.join(sorted(set(leftover)))}")
    (dest_dir / name).write_text(text)


def python_version() -> str:
    """The interpreter the pins are for: the one building (the lock's own environment)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


# --- requirements ---------------------------------------------------------------------------

class Dependencies(BaseModel):
    model_config = ConfigDict(frozen=True)

    distributions: list[str]  # to install, before their own dependencies
    unresolved: list[str]  # imported somewhere, but by no distribution installed here


def needed_distributions(assignment: Assignment) -> Dependencies:
    """The engine's packages plus every installed distribution that the assignment's staff code,
    reference, template or library (typical student code: the mutants and solutions) imports."""
    local = set()  # the assignment's own modules and packages (conv1D, deeplearning, harness)
    imported: set[str] = set()
    for root, path in _assignment_sources(assignment):
        local.update(path.relative_to(root).with_suffix("").parts)
        imported |= imported_modules(path)
    provided = importlib.metadata.packages_distributions()
    dists, unresolved = set(ENGINE_PACKAGES), set()
    for module in imported - local - set(sys.stdlib_module_names) - {PACKAGE_DIR.name}:
        if module in provided:
            dists.update(canonicalize_name(d) for d in provided[module])
        else:
            unresolved.add(module)
    return Dependencies(distributions=sorted(dists), unresolved=sorted(unresolved))


def _assignment_sources(assignment: Assignment) -> list[tuple[Path, Path]]:
    roots = [assignment.dir, assignment.reference_dir, assignment.template_dir]
    return sorted((root, p) for root in roots if root.is_dir() for p in root.rglob("*")
                  if p.suffix in (".py", ".ipynb") and p.is_file() and "__pycache__" not in p.parts)


_IMPORT_LINE = re.compile(r"^\s*(?:from\s+(\w+)|import\s+(\w+(?:\s*,\s*\w+)*))", re.MULTILINE)


def imported_modules(path: Path) -> set[str]:
    """Top-level names of the modules a .py file or a notebook's code cells import."""
    text = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        cells = json.loads(text).get("cells", [])
        text = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(text)
    except SyntaxError:  # a deliberately broken mutant: fall back to reading import lines
        return {name.strip() for m in _IMPORT_LINE.finditer(text) for group in m.groups() if group
                for name in group.split(",")}
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def pinned_requirements(dists: Iterable[str], lock: Path, *, cpu_builds: bool) -> list[str]:
    """`name==version` for `dists` and everything they need, versions from the lock (or, for
    the few packages pip freeze leaves out, from this environment, which the lock describes)."""
    pins = _read_lock(lock)
    lines = []
    for name in _closure(dists):
        key = canonicalize_name(name)
        version = pins.get(key) or importlib.metadata.version(name)
        if cpu_builds and key in CPU_BUILDS and "+" not in version:
            version += "+cpu"
        lines.append(f"{name}=={version}")
    return lines


def _read_lock(lock: Path) -> dict[str, str]:
    pins = {}
    for line in Path(lock).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version.strip()
    return pins


def _closure(dists: Iterable[str]) -> list[str]:
    found: dict[str, str] = {}
    stack = list(dists)
    while stack:
        name = stack.pop()
        key = canonicalize_name(name)
        if key in found:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise BuildError(f"{name} is needed for grading but not installed here; add it to requirements.lock "
                             "and re-run setup.sh") from None
        found[key] = dist.metadata["Name"]
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                stack.append(req.name)
    return sorted(found.values(), key=canonicalize_name)


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

from autograder.pytest_plugin import pytest_collect_file  # noqa: F401
'''


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
guarantee full marks. On Gradescope, upload {files} (a zip or the files themselves).

`autograder/`, `assignments/` and `student_template/` make up the self-check; leave them as they are.
"""
