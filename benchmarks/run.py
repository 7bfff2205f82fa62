"""Benchmarks: prints, per assignment, the figures of issue 8 (and the matrix-free rule's false
fails, issue 14) and writes them to docs/benchmarks.md, keeping the sections it did not run.

    .venv/bin/python benchmarks/run.py [--runs N] [--only floor,delivery,batch,memory,numpy]

Every figure is the median of N runs taken side by side (interleaved) in one invocation, so
ratios hold on a noisy machine. Sections whose prerequisites are missing say so instead.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from autograder.spec.assignment import list_assignments, load_assignment  # noqa: E402
from autograder.spec.cases import generate_inputs  # noqa: E402
from autograder.expected import expected_outputs  # noqa: E402
from autograder.spec.cases import select_cases  # noqa: E402
from autograder.sandbox.child import wire  # noqa: E402

PYTHON = sys.executable


def wall(cmd: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start


def interleaved_medians(runs: int, commands: dict[str, Callable[[], float]]) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, measure in commands.items():
            samples[name].append(measure())
    return {name: statistics.median(v) for name, v in samples.items()}


def floor_section(runs: int) -> list[str]:
    rows = ["| assignment | floor: reference process | floor: bare interpreter + imports | floor total | "
            "`autograder grade` (reference) | ratio | grade / bare imports | `python -c \"import numpy, torch\"` "
            "| reference process / that | grade / that |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name in list_assignments():
        a = load_assignment(name)
        cases = select_cases(a)
        inputs = {c.id: generate_inputs(c) for c in cases}
        expected = expected_outputs(a, cases, inputs)  # warm the cache: grading normally reads it
        with tempfile.TemporaryDirectory() as tmp:
            cases_file = Path(tmp) / "cases.json"
            cases_file.write_text(json.dumps([{"call": c.call, "args": wire.encode(dict(inputs[c.id])),
                                               "expected": wire.encode(expected[c.id])} for c in cases]))
            floor_cmd = [PYTHON, str(REPO / "benchmarks" / "floor.py"), str(a.reference_dir), str(a.harness_path),
                         str(cases_file)]
            env = {**os.environ, "OMP_NUM_THREADS": "1"}
            libs = subprocess.run(floor_cmd, check=True, capture_output=True, text=True, env=env).stdout.split()
            bare_cmd = [PYTHON, "-I", "-c", "".join(f"import {m}\n" for m in libs) or "pass"]
            grade_cmd = [PYTHON, "-m", "autograder", "grade", name, str(a.reference_dir), "--results",
                         str(Path(tmp) / "results.json"), "--quiet"]
            # The issue's own yardstick for a torch assignment (#18), without the other libraries.
            torch_cmd = [PYTHON, "-c", "import numpy, torch"]
            m = interleaved_medians(runs, {
                "floor": lambda: wall(floor_cmd, env=env),
                "bare": lambda: wall(bare_cmd, env=env),
                "grade": lambda: wall(grade_cmd, cwd=REPO),
                **({"torch": lambda: wall(torch_cmd, env=env)} if "torch" in libs else {}),
            })
        total = m["floor"] + m["bare"]
        against_torch = (f"{m['torch']:.3f} s | {m['floor'] / m['torch']:.2f}x | {m['grade'] / m['torch']:.2f}x"
                         if "torch" in m else "- | - | -")
        rows.append(f"| {name} | {m['floor']:.3f} s | {m['bare']:.3f} s ({', '.join(libs)}) | {total:.3f} s | "
                    f"{m['grade']:.3f} s | {m['grade'] / total:.2f}x | {m['grade'] / m['bare']:.2f}x | {against_torch} |")
    return rows + ["", "The reference process is one plain Python process (`benchmarks/floor.py`) that imports what "
                   "the cases need and computes every case with the reference through the harness: no isolation, "
                   "no limits, no spec. The bare interpreter is those imports alone. For an assignment that uses "
                   "torch, the last three columns measure against the issue's own yardstick, `python -c \"import "
                   "numpy, torch\"`: the reference process against it is what importing the notebook's libraries "
                   "and computing the cases cost in one process, before any isolation; `autograder grade` overlaps "
                   "its own start with its worker's imports. An assignment of two lanes (linearized_features) is "
                   "graded by two workers at once, forked from a fork server that `autograder grade` starts first "
                   "thing."]


def delivery_section(runs: int) -> list[str]:
    """Our Gradescope zip and Otter's for the same cases; peak memory of run_autograder in the
    simulated image (grader and every student process: summed RSS, and summed PSS at one time,
    which counts each page once as the container's limit does)."""
    import delivery
    from memory import peak_tree_memory_mb

    from autograder.settings import DEFAULT_SANDBOX_UID
    from autograder.sandbox.uids import MAX_SLOTS

    delivery.RUNS = runs
    os.environ["AUTOGRADER_TORCH_INDEX"] = ""  # only this machine's package indexes are reachable
    sandbox_uids = tuple(range(DEFAULT_SANDBOX_UID, DEFAULT_SANDBOX_UID + MAX_SLOTS + 1))
    rows = ["| assignment | our zip | our setup.sh (new venv / re-run) | our run_autograder | peak memory "
            "(RSS: sum of per-process peaks / largest simultaneous; PSS: largest simultaneous) | Otter zip | Otter setup.sh (pip part only) "
            "| Otter run_autograder | time ratio (ours / Otter) |", "|---|---|---|---|---|---|---|---|---|"]
    for name in list_assignments():
        a = load_assignment(name)
        with tempfile.TemporaryDirectory(prefix="autograder-bench-") as tmp:
            work = Path(tmp)
            work.chmod(0o755)
            o = delivery.ours(a, work)
            root = work / "root"
            env = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root), "AUTOGRADER_TORCH_INDEX": ""}
            peaks = [peak_tree_memory_mb([str(root / "run_autograder")], extra_uids=sandbox_uids, cwd=root, env=env)
                     for _ in range(runs)]
            summed, simultaneous, pss = (max(p[i] for p in peaks) for i in range(3))
            t = delivery.otter(a, work)
        rows.append(f"| {name} | {o['zip_kib']:.0f} KiB | {o['setup_cold']:.1f} s / {o['setup_warm']:.2f} s | "
                    f"{o['run']:.2f} s ({o['score']:g} pts) | {summed:.0f} MB / {simultaneous:.0f} MB; {pss:.0f} MB | "
                    f"{t['zip_kib']:.0f} KiB | {t['setup_pip_only']:.1f} s | {t['run']:.2f} s ({t['score']:g} pts) | "
                    f"{o['run'] / t['run']:.2f}x |")
    rows += ["", "Otter's real setup.sh downloads Miniforge and solves a conda-forge environment, which this "
                 "machine cannot reach; its column times only the pip part of that environment, a lower bound. "
                 "Peak memory is the worst of the runs. Summed RSS counts a page in every process that maps it, and "
                 "a grading's workers are forked from one fork server and share most of theirs: PSS, which "
                 "counts each page once as the container's memory limit does, is the figure for the target."]
    return rows


BATCH_SIZES = {"linearized_features": 48}  # every other assignment: 240 submissions, a class


def batch_section(runs: int) -> list[str]:
    from batch_throughput import batch_throughput

    load = os.getloadavg()[0]
    rows = ["| assignment | submissions | per minute, 1 worker / 2 | start-up, 2 workers | past the start-up, 2 workers: "
            "per minute | seconds per submission | 500 submissions, 2 workers | CPU seconds per submission | "
            "of which in the submission's calls | 2 workers / 1 |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    machine = []
    for name in list_assignments():
        result = batch_throughput(name, (1, 2), BATCH_SIZES.get(name, 240), max(1, runs // 2 + 1))
        machine.append(result.machine_ratio)
        steady = result.steady_per_minute[2]
        rows.append(f"| {name} | {result.submissions} | {result.per_minute[1]:.0f} / {result.per_minute[2]:.0f} | "
                    f"{result.startup_seconds[2]:.1f} s | {steady:.0f} | {60 / steady:.3f} s | "
                    f"{result.minutes_for(500, 2):.1f} min | {result.cpu_seconds_per_submission:.3f} s | "
                    f"{result.call_seconds_per_submission:.3f} s | {result.ratio:.2f}x |")
    return [*rows, "", f"Each class is `tools/synthetic_class.py` (correct, wrong, broken and crashing submissions, no "
            f"mutant that must time out), regraded with `--force`, the command's own start-up included. The start-up "
            f"is a class of one submission per worker (the command, each worker's slot and fork server, one grading "
            f"each); the rate past it is the rest of the class over the rest of the time, and 500 submissions are "
            f"extrapolated as start-up plus 498 at that rate. Load average {load:.1f} before; the machine's own ratio "
            f"for two CPU-bound processes at once: {statistics.median(machine):.2f}x. A batch worker grades in a slot "
            "of its own (`tools/grading_slot.py`), whose workers are forked from a fork server that loaded the "
            "harness's and the handout's imports once. The submission's calls are the seconds its results.json gives "
            "each case, summed (with one worker): the student's code and the harness around it, which no grader saves. "
            "Command: `.venv/bin/python benchmarks/batch_throughput.py "
            "--assignment NAME`."]


def memory_section(runs: int) -> list[str]:
    from memory_false_fail import section
    return ["Every correct conv1d solution (the reference and solutions.yaml) graded 200 times by "
            "`autograder grade`; both memory cases must pass every time, and the dense submissions fail them every "
            "time. Command: `.venv/bin/python benchmarks/memory_false_fail.py`.", "", *section(200, 2)]


def numpy_section(runs: int) -> list[str]:
    from numpy_promotion import section
    return ["Every correct optimizers submission (the reference and solutions.yaml) graded under the grader's "
            "pinned NumPy and under NumPy 2, whose promotion (NEP 50) turns float32 arrays times a float64 scalar "
            "into float64 where the course's NumPy kept them float32.", "",
            *section("2.4.6", Path(tempfile.gettempdir()) / "autograder-numpy2-2.4.6")]


SECTIONS: dict[str, tuple[str, Callable[[int], list[str]]]] = {
    "floor": ("Grading time against the floor (targets: ratio <= 1.3; linearized_features' grade <= 1.5x "
              "`python -c \"import numpy, torch\"`)", floor_section),
    "delivery": ("Gradescope zip, Otter's zip, and peak memory in the simulated image (targets: <= 768 MB; "
                 "grading <= 0.2x Otter's time)", delivery_section),
    "batch": ("Batch throughput (targets: linearized_features <= 0.5 s per submission at 2 workers, conv1d >= 900 "
              "per minute)", batch_section),
    "memory": ("The matrix-free rule: false fails of correct solutions (target: 0 in 200 gradings)", memory_section),
    "numpy": ("NumPy promotion: correct float32 code (target: full marks for every correct submission)", numpy_section),
}


def _machine_speed() -> float:
    """The issue's yardstick (#18), as a reading of how fast the machine is now."""
    return statistics.median(wall([PYTHON, "-c", "import numpy, torch"], env={**os.environ, "OMP_NUM_THREADS": "1"})
                             for _ in range(3))


def _sections_of(text: str) -> dict[str, list[str]]:
    """The `## ` sections of docs/benchmarks.md, by title, each with its lines."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:]
            blocks[current] = []
        if current is not None:
            blocks[current].append(line)
    return blocks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    header = [f"# Benchmarks", "",
              f"Last run {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} on {platform.node()}: "
              f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"median of {args.runs} interleaved runs, sections {args.only}; the others are kept from earlier runs. "
              "Command: `.venv/bin/python benchmarks/run.py`.", ""]
    doc = REPO / "docs" / "benchmarks.md"
    blocks = _sections_of(doc.read_text()) if doc.is_file() else {}
    for key in args.only.split(","):
        title, section = SECTIONS[key]
        when, speed = datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), _machine_speed()
        rows = section(args.runs)
        block = [f"## {title}", "", *rows, "", f"Run {when}, when `python -c \"import numpy, torch\"` took {speed:.2f} s "
                 "(median of 3, just before): this shared machine's speed drifts by a third from one hour to the "
                 "next, and every figure above with it. Compare figures taken at the same speed.", ""]
        print("\n".join(block), flush=True)
        blocks[title] = block
    if not args.no_write:
        # Sections under a title no longer in SECTIONS are from an older benchmark: dropped.
        order = [title for title, _ in SECTIONS.values() if title in blocks]
        doc.write_text("\n".join(header + [line for t in order for line in blocks[t]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
