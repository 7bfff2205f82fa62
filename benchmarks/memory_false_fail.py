"""False fails of the matrix-free rule: every correct conv1d solution (the reference and every entry
of solutions.yaml, materialized with tools/library.py) graded again and again must pass both
memory cases every time, while the dense ones fail them every time.

    .venv/bin/python benchmarks/memory_false_fail.py [--gradings 200] [--parallel 2]

A grading is a whole `autograder grade` process, as Gradescope and `batch` run one: its memory
cases each run alone in a fresh worker under RLIMIT_DATA of the worker's data size plus 16 MB.
Gradings go round the solutions, `--parallel` at a time, so they also run on a busy machine.
Then, per solution, the smallest allowance its memory calls pass with (the two cases graded
alone with 16, 8, 4, ... MB until they fail): the headroom under the spec's 16 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.grading import READER_MEMORY_MB  # noqa: E402
from autograder.sandbox.inspection_run import confined_inspector  # noqa: E402
from autograder.sandbox.plan import Limits, cpu_budget  # noqa: E402
from autograder.sandbox.runner import CallRequest, prepare_workspace, run_calls  # noqa: E402
from autograder.sandbox.uids import grading_uid  # noqa: E402
from autograder.spec.assignment import load_assignment  # noqa: E402
from autograder.spec.cases import generate_inputs, select_cases  # noqa: E402
from autograder.submission.staging import module_name, stage  # noqa: E402
from autograder.tools.library import load_library, materialize  # noqa: E402

MEMORY_CASES = ("matrix_free/forward_memory", "matrix_free/transpose_memory")
DENSE = ("dense_circulant",)  # mutants that build the matrix: must fail both cases every time


def submissions(dest: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    assignment = load_assignment("conv1d")
    library = load_library(assignment)
    correct = {"reference": assignment.reference_dir}
    correct |= {s.name: materialize(assignment, s, dest / "solutions") for s in library.solutions}
    dense = {m.name: materialize(assignment, m, dest / "mutants") for m in library.mutants if m.name in DENSE}
    dense["dense_band_only"] = REPO / "tests" / "hostile" / "dense_band_only"
    return correct, dense


def grade_once(folder: Path, scratch: Path) -> dict[str, dict]:
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", "conv1d", str(folder), "--results",
                               str(Path(tmp) / "results.json"), "--json"], capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"grading {folder} failed: {done.stderr[-2000:]}")
    return {c["id"]: c for c in json.loads(done.stdout)["cases"] if c["id"] in MEMORY_CASES}


def smallest_allowance(folder: Path) -> dict[str, float | None]:
    """The smallest of 16, 8, 4, ... 0.25 MB (then 1/16) that each memory call still passes with."""
    assignment = load_assignment("conv1d")
    spec = assignment.spec
    cases = [c for c in select_cases(assignment) if c.id in MEMORY_CASES]
    found: dict[str, float | None] = {c.id: None for c in cases}
    for allowance in (16, 8, 4, 2, 1, 0.5, 0.25, 0.0625):
        with grading_uid() as uid, tempfile.TemporaryDirectory(prefix="autograder-bench-") as tmp:
            base = Path(tmp)
            base.chmod(0o711)
            inspect = confined_inspector(base, uid=uid, memory_mb=READER_MEMORY_MB, timeout_s=spec.startup_timeout_s)
            staged = stage(spec.files, assignment.template_dir, folder, base, uid, spec.notebook.mode, inspect)
            workspace = prepare_workspace(base, staged.root, assignment.harness_path, uid,
                                          [(module_name(f), f) for f in spec.files])
            requests = [CallRequest(id=c.id, call=c.call, args=generate_inputs(c), timeout_s=c.timeout_s,
                                    max_extra_memory_mb=allowance) for c in cases]
            limits = Limits(cpu_seconds=cpu_budget(spec.startup_timeout_s, [r.timeout_s for r in requests]),
                            memory_mb=spec.memory_limit_mb)
            outcomes = run_calls(workspace, requests, limits=limits, startup_timeout_s=spec.startup_timeout_s, uid=uid)
        for outcome in outcomes:
            if outcome.status == "returned" and found[outcome.id] in (None, allowance * 2, allowance * 4):
                found[outcome.id] = allowance
    return found


def section(gradings: int, parallel: int) -> list[str]:
    """The benchmark's table and its two verdict lines, in Markdown."""
    with tempfile.TemporaryDirectory(prefix="autograder-bench-memory-") as tmp:
        scratch = Path(tmp)
        correct, dense = submissions(scratch)
        order = [name for _ in range(-(-gradings // len(correct))) for name in correct][:gradings]
        dense_order = [name for _ in range(max(2, gradings // 20)) for name in dense]
        every = {**correct, **dense}
        start = time.monotonic()
        with ThreadPoolExecutor(parallel) as pool:
            results = list(pool.map(lambda name: (name, grade_once(every[name], scratch)), order + dense_order))
        seconds = time.monotonic() - start
        rows = ["| submission | gradings | memory cases passed | failed | RSS witness, median / max (MB) | "
                "smallest allowance that passes, A @ x / A.T @ y |", "|---|---|---|---|---|---|"]
        total_false = 0
        for name in [*correct, *dense]:
            graded = [cases for who, cases in results if who == name]
            outcomes = [c["outcome"] for cases in graded for c in cases.values()]
            witness = [c["peak_extra_memory_mb"] for cases in graded for c in cases.values()
                       if c["peak_extra_memory_mb"] is not None]
            failed = sum(o != "passed" for o in outcomes)
            if name in correct:
                total_false += failed
                smallest = smallest_allowance(every[name])
                need = " / ".join("fails at 16" if smallest[c] is None else f"{smallest[c]:g} MB" for c in MEMORY_CASES)
            else:
                need = "(dense: must fail)"
            spread = f"{statistics.median(witness):.2f} / {max(witness):.2f}" if witness else "-"
            rows.append(f"| {name} | {len(graded)} | {len(outcomes) - failed} | {failed} | {spread} | {need} |")
        dense_passed = sum(c["outcome"] == "passed" for who, cases in results if who in dense for c in cases.values())
    return [*rows, "",
            f"False fails: **{total_false} of {2 * len(order)}** memory cases of correct solutions, in {len(order)} "
            f"gradings ({parallel} at a time; {seconds:.0f} s for {len(order) + len(dense_order)} gradings). Dense "
            f"submissions that passed a memory case: **{dense_passed} of {2 * len(dense_order)}**. The allowance is "
            "on top of what decoding the inputs takes (4x the request, plus 1 MB: about 1.2 MB here); the spec "
            "allows 16 MB."]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gradings", type=int, default=200, help="gradings of correct solutions, in all")
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()
    print("\n".join(section(args.gradings, args.parallel)))


if __name__ == "__main__":
    main()
