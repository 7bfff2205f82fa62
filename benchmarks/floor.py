"""The floor: one plain Python process that imports what the cases need and computes every
case with the reference through the same harness, checking each against the expected value.
No isolation, no limits, no spec: the least any grader of these cases can cost.

Usage: python floor.py REFERENCE_DIR HARNESS CASES_JSON  (prints the modules it imported)
"""

import ast
import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np

reference_dir, harness_path, cases_path = sys.argv[1:4]
ENGINE = Path(__file__).resolve().parent.parent / "autograder"
sys.path.insert(0, reference_dir)
sys.path.insert(1, str(ENGINE / "sandbox" / "child"))
import figures  # noqa: E402  (stdlib, and matplotlib once a harness captures)
import wire  # noqa: E402  (stdlib + numpy only)

sys.modules["autograder_figures"] = figures  # as the worker provides it


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook_module(path):
    """A notebook's definitions as an importable module, as grading composes them (the plan of which
    statements run comes from the engine's own reader, standard library only)."""
    inspection = _load(ENGINE / "submission" / "inspection.py", "_inspection")
    module = types.ModuleType(path.stem)
    for cell in inspection.inspect([str(path)])[str(path)]["cells"]:
        body = ast.parse(cell["source"]).body
        for index, guarded in cell["statements"]:
            try:
                exec(compile(ast.Module([body[index]], []), str(path), "exec"), module.__dict__)
            except Exception:
                if not guarded:
                    raise
    sys.modules[path.stem] = module


for notebook in sorted(Path(reference_dir).glob("*.ipynb")):
    _notebook_module(notebook)

harness = _load(harness_path, "harness")

cases = json.load(open(cases_path))
for case in cases:
    value = getattr(harness, case["call"])(**wire.decode(case["args"]))
    expected = wire.decode(case["expected"])
    if isinstance(expected, np.ndarray):
        np.allclose(np.asarray(value, dtype=float), expected)
print(" ".join(sorted(m for m in ("numpy", "torch", "scipy", "matplotlib") if m in sys.modules)))
