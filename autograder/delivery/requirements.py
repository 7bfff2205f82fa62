"""What a grading image or a handout must install: the distributions the engine and the
assignment's code import, pinned to the versions in requirements.lock."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict

from ..settings import PACKAGE_DIR
from ..spec.assignment import Assignment
from ..tools.library import edited_files, load_library

DEFAULT_LOCK = PACKAGE_DIR.parent / "requirements.lock"
ENGINE_PACKAGES = ("numpy", "pydantic", "pyyaml")  # what the grader itself imports
CPU_BUILDS = {"torch", "torchvision", "torchaudio"}  # pinned to "+cpu" wheels for Gradescope
# What notebooks import only to be used interactively (widgets, Colab's drive). In definitions mode a
# notebook's imports are guarded, so grading runs without them; ipywidgets alone would bring IPython
# and much of Jupyter into the grading image.
NOTEBOOK_ONLY = {"IPython", "ipywidgets", "google"}
PROVIDED = {PACKAGE_DIR.name, "autograder_figures"}  # the engine, and the module its worker gives harnesses


class BuildError(Exception):
    """The assignment cannot be packed; the message says why."""


class Dependencies(BaseModel):
    model_config = ConfigDict(frozen=True)

    distributions: list[str]  # to install, before their own dependencies
    unresolved: list[str]  # imported somewhere, but by no distribution installed here


def needed_distributions(assignment: Assignment) -> Dependencies:
    """The engine's packages plus every installed distribution that the assignment's staff code,
    reference, template or library (typical student code: the mutants and solutions) imports,
    but for what a notebook imports only to be used interactively (NOTEBOOK_ONLY)."""
    local = set()  # the assignment's own modules and packages (conv1D, deeplearning, harness)
    imported: set[str] = set()
    guarded = NOTEBOOK_ONLY if assignment.spec.notebook.mode == "definitions" else set()

    def needs(text: str, suffix: str) -> set[str]:
        return imported_modules(text, suffix) - (guarded if suffix == ".ipynb" else set())

    for root, path in _assignment_sources(assignment):
        local.update(path.relative_to(root).with_suffix("").parts)
        imported |= needs(path.read_text(errors="replace"), path.suffix)
    library = load_library(assignment)
    for entry in (*library.mutants, *library.solutions):
        if entry.edits:
            imported |= {m for file, text in edited_files(assignment, entry).items() for m in needs(text, Path(file).suffix)}
    provided = importlib.metadata.packages_distributions()
    dists, unresolved = set(ENGINE_PACKAGES), set()
    for module in imported - local - set(sys.stdlib_module_names) - PROVIDED:
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


def imported_modules(text: str, suffix: str) -> set[str]:
    """Top-level names of the modules a .py file's or a notebook's (`suffix`) code cells import."""
    if suffix == ".ipynb":
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


def python_version() -> str:
    """The interpreter the pins are for: the one building (the lock's own environment)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"
