"""NumPy's promotion rules and correct float32 code: every correct optimizers submission (the
reference and every entry of solutions.yaml, materialized with tools/library.py) graded by a whole
`autograder grade` process under the grader's pinned NumPy (requirements.lock: 1.26.4, the
course's value-based promotion) and again under NumPy 2 (NEP 50), in a venv of its own that holds
only the engine's packages. A correct submission must get full marks under the pinned NumPy; the
NumPy 2 column shows what pinning it saves.

    .venv/bin/python benchmarks/numpy_promotion.py [--numpy2 2.4.6] [--venv DIR]

The NumPy 2 venv is made once (pip, from the package index) and kept in DIR
(default: $TMPDIR/autograder-numpy2-VERSION).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.spec.assignment import load_assignment  # noqa: E402
from autograder.tools.library import load_library, materialize  # noqa: E402

ENGINE_PINS = ("pydantic", "pydantic_core", "annotated-types", "typing-inspection", "typing_extensions", "PyYAML")
ASSIGNMENT = "optimizers"


def locked(names: tuple[str, ...]) -> list[str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            pins[line.split("==")[0].lower()] = line
    return [pins[name.lower()] for name in names]


def numpy2_python(version: str, venv: Path) -> Path:
    """An interpreter with NumPy `version` and the engine's pinned packages; the engine itself
    comes from the repository (the grading runs with the repository as its working folder)."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        f"numpy=={version}", *locked(ENGINE_PINS)], check=True)
    venv.chmod(0o755)  # the sandbox uid runs this interpreter
    return python


def grade(python: Path, folder: Path, scratch: Path) -> dict:
    results = scratch / "results.json"
    done = subprocess.run([str(python), "-m", "autograder", "grade", ASSIGNMENT, str(folder), "--results",
                           str(results), "--json"], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    if done.returncode != 0:
        raise RuntimeError(f"grading {folder} with {python} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def numpy_version(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import numpy; print(numpy.__version__)"], capture_output=True,
                          text=True, check=True).stdout.strip()


def section(numpy2: str, venv: Path) -> list[str]:
    pythons = {"pinned": Path(sys.executable), "numpy2": numpy2_python(numpy2, venv)}
    versions = {key: numpy_version(p) for key, p in pythons.items()}
    assignment = load_assignment(ASSIGNMENT)
    library = load_library(assignment)
    rows = [f"| correct submission | NumPy {versions['pinned']} (the grader's) | NumPy {versions['numpy2']} | "
            f"cases failed under NumPy {versions['numpy2']} |", "|---|---|---|---|"]
    lost = {key: 0 for key in pythons}
    with tempfile.TemporaryDirectory(prefix="autograder-bench-numpy-") as tmp:
        scratch = Path(tmp)
        scratch.chmod(0o755)
        folders = {"reference": assignment.reference_dir}
        folders |= {s.name: materialize(assignment, s, scratch / "solutions") for s in library.solutions}
        for name, folder in folders.items():
            reports = {key: grade(python, folder, scratch) for key, python in pythons.items()}
            scores = {key: (sum(c["score"] for c in r["cases"]), sum(c["points"] for c in r["cases"]))
                      for key, r in reports.items()}
            for key, (score, top) in scores.items():
                lost[key] += score < top
            failed = [c["id"] for c in reports["numpy2"]["cases"] if c["outcome"] != "passed" and c["points"]]
            rows.append(f"| {name} | {scores['pinned'][0]:g}/{scores['pinned'][1]:g} | "
                        f"{scores['numpy2'][0]:g}/{scores['numpy2'][1]:g} | {', '.join(failed) or '-'} |")
    return [*rows, "",
            f"Correct submissions short of full marks: **{lost['pinned']} of {len(folders)}** under the grader's "
            f"NumPy {versions['pinned']}, {lost['numpy2']} of {len(folders)} under NumPy {versions['numpy2']}. "
            "Command: `.venv/bin/python benchmarks/numpy_promotion.py`."]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--numpy2", default="2.4.6", help="the NumPy 2 release to compare with")
    parser.add_argument("--venv", type=Path, help="where the NumPy 2 venv is kept")
    args = parser.parse_args()
    venv = args.venv or Path(tempfile.gettempdir()) / f"autograder-numpy2-{args.numpy2}"
    print("\n".join(section(args.numpy2, venv)))


if __name__ == "__main__":
    main()
