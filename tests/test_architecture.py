"""The layout keeps its promises: no import cycle in the engine, nothing shipped to Gradescope or
students imports what stays home, and each shared concern lives in one module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from autograder.delivery.build import shipped_package_files
from autograder.settings import PACKAGE_DIR


def _module_name(rel: Path) -> str:
    parts = ("autograder", *rel.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p.relative_to(PACKAGE_DIR)): p for p in PACKAGE_DIR.rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """Engine modules `name` imports, at the top or inside functions."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m in MODULES and m != name}


def test_the_engine_has_no_import_cycle():
    graph = {name: imports_of(name) for name in MODULES}
    state: dict[str, str] = {}
    cycle: list[str] = []

    def visit(name: str, path: list[str]) -> bool:
        state[name] = "open"
        for dep in sorted(graph[name]):
            if state.get(dep) == "open":
                cycle.extend(path[path.index(dep):] + [name, dep] if dep in path else [name, dep])
                return True
            if dep not in state and visit(dep, path + [name]):
                return True
        state[name] = "done"
        return False

    assert not any(visit(n, []) for n in sorted(graph) if n not in state), " -> ".join(cycle)


@pytest.mark.parametrize("audience", ["gradescope", "handout", "otter"])
def test_shipped_modules_import_only_shipped_modules(audience):
    shipped = {_module_name(Path(rel)) for rel in shipped_package_files(audience) if rel.suffix == ".py"}
    # commands/grade.py uses the staff tools when they are there (a course repository), never in a zip.
    optional = {"autograder.commands.grade": {"autograder.tools.library", "autograder.tools.mistakes"}}
    missing = {name: sorted(imports_of(name) - shipped - optional.get(name, set())) for name in sorted(shipped)}
    assert {name: deps for name, deps in missing.items() if deps} == {}
    assert "autograder.tools.batch" not in shipped and "autograder.delivery.build" not in shipped


def test_the_gradescope_image_carries_no_self_check_and_the_handout_does():
    gradescope = {rel.as_posix() for rel in shipped_package_files("gradescope")}
    handout = {rel.as_posix() for rel in shipped_package_files("handout")}
    assert "commands/grade.py" in gradescope and "commands/check.py" not in gradescope
    assert {"commands/check.py", "reporters/pytest_plugin.py"} <= handout
    assert not any(p.startswith(("tools/", "delivery/")) for p in gradescope | handout)


def _sources() -> dict[str, str]:
    return {name: path.read_text() for name, path in MODULES.items()}


def test_environment_settings_are_read_in_the_settings_module_only():
    readers = [name for name, text in _sources().items()
               if re.search(r"os\.environ(\.get)?\s*[\[(]\s*[\"']AUTOGRADER_", text) and name != "autograder.settings"]
    assert readers == []


def test_proc_status_is_parsed_in_procfs_only():
    readers = [name for name, text in _sources().items() if "/status" in text and "/proc/" in text]
    assert readers == ["autograder.sandbox.procfs"]


def test_one_outcome_vocabulary():
    defining = [name for name, text in _sources().items()
                if re.search(r'Literal\[[^\]]*"not_implemented"', text) or '"Wrong answer"' in text]
    assert defining == ["autograder.results.outcomes"]
