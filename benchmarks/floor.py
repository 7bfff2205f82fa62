"""The floor: one plain Python process that imports what the cases need and computes every
case with the reference through the same harness, checking each against the expected value.
No isolation, no limits, no spec: the least any grader of these cases can cost.

Usage: python floor.py REFERENCE_DIR HARNESS CASES_JSON  (prints the modules it imported)
"""

import importlib.util
import json
import sys

import numpy as np

reference_dir, harness_path, cases_path = sys.argv[1:4]
sys.path.insert(0, reference_dir)
sys.path.insert(1, str(__import__("pathlib").Path(__file__).resolve().parent.parent / "autograder" / "sandbox" / "child"))
import wire  # noqa: E402  (stdlib + numpy only)

spec = importlib.util.spec_from_file_location("harness", harness_path)
harness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harness)

cases = json.load(open(cases_path))
for case in cases:
    value = getattr(harness, case["call"])(**wire.decode(case["args"]))
    expected = wire.decode(case["expected"])
    if isinstance(expected, np.ndarray):
        np.allclose(np.asarray(value, dtype=float), expected)
print(" ".join(sorted(m for m in ("numpy", "torch", "scipy") if m in sys.modules)))
