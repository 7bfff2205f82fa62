"""The cost of confinement: grading a reference with every limit, privilege drop and cleanup in
force, against the same grading with none of them; interleaved runs, medians.

    .venv/bin/python benchmarks/limits_cost.py [--assignment conv1d] [--runs 21]

Two measures: the whole `autograder grade` command (a process per grading, as Gradescope and
`batch` run it), and `grade()` called in this process (the stricter ratio: no interpreter start).
As root it measures the Gradescope configuration (sandbox uid, network and IPC namespaces,
seccomp, rlimits, group kill, sweep, temp-file cleanup), plus the same without the namespaces;
as a normal user the laptop one (seccomp, rlimits with NPROC headroom, subreaper, group kill).
"Unconfined" replaces those functions (and the plan the worker confines itself with) with no-ops inside the benchmark's own processes: the
grader has no switch to turn them off.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import cli, grading  # noqa: E402
from autograder.sandbox import cleanup, plan, uids  # noqa: E402
from autograder.spec.assignment import load_assignment  # noqa: E402


def _kill_worker_only(worker_pid: int, uid: int | None, spared: set[int], *, grouped: bool = False) -> None:
    try:
        os.kill(worker_pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextlib.contextmanager
def unconfined() -> Iterator[None]:
    """A worker as a plain subprocess: no rlimits, no seccomp, no uid, no namespaces, no sweep."""
    replaced = {(plan, "confinement"): lambda limits_, uid: plan.Confinement(),
                (cleanup, "kill_leftovers"): _kill_worker_only,
                (cleanup, "become_subreaper"): lambda: False,
                (cleanup, "protect_grader"): lambda: None,
                (grading, "grading_uid"): lambda: contextlib.nullcontext(None)}
    saved = {key: getattr(*key) for key in replaced}
    for (module, name), value in replaced.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for (module, name), value in saved.items():
            setattr(module, name, value)


@contextlib.contextmanager
def without_namespaces() -> Iterator[None]:
    """Everything but the network and IPC namespaces (root only)."""
    confinement = plan.confinement
    plan.confinement = lambda limits_, uid: confinement(limits_, uid).model_copy(update={"unshare": False})
    try:
        yield
    finally:
        plan.confinement = confinement


CONFIGURATIONS = {"confined": contextlib.nullcontext, "no namespaces": without_namespaces, "unconfined": unconfined}


def seconds_to_grade(assignment, configuration: str) -> float:
    with CONFIGURATIONS[configuration]():
        start = time.perf_counter()
        report = grading.grade(assignment, assignment.reference_dir)
        elapsed = time.perf_counter() - start
    assert report.score == report.max_score, "the reference must get full marks in every configuration"
    return elapsed


def seconds_of_command(assignment, configuration: str, results: Path) -> float:
    """`autograder grade` in a fresh process, confined or not as `configuration` says."""
    start = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--assignment", assignment.name, "--grade-once", configuration,
                    str(results)], check=True)
    return time.perf_counter() - start


def _grade_once(assignment, configuration: str, results: str) -> None:
    with CONFIGURATIONS[configuration]():
        code = cli.main(["grade", assignment.name, str(assignment.reference_dir), "--results", results, "--quiet"])
    sys.exit(code)


def _measure(names: list[str], runs: int, seconds) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(runs):
        for name in names[i % len(names):] + names[:i % len(names)]:  # rotate who goes first
            times[name].append(seconds(name))
    return times


def _report(title: str, times: dict[str, list[float]]) -> None:
    base = statistics.median(times["unconfined"])
    print(title)
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:14s} median {median * 1000:6.1f} ms   min {min(values) * 1000:6.1f} ms   "
              f"{(median - base) * 1000:+5.1f} ms  {median / base - 1:+6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="conv1d")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--grade-once", nargs=2, metavar=("CONFIGURATION", "RESULTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    assignment = load_assignment(args.assignment)
    if args.grade_once:
        _grade_once(assignment, *args.grade_once)
    seconds_to_grade(assignment, "confined")  # warm-up: expected values cached, files in the page cache
    names = list(CONFIGURATIONS) if uids.running_as_root() else ["confined", "unconfined"]
    mode = "root" if uids.running_as_root() else "a normal user"
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.json"
        command = _measure(names, args.runs, lambda name: seconds_of_command(assignment, name, results))
    in_process = _measure(names, args.runs, lambda name: seconds_to_grade(assignment, name))
    _report(f"{assignment.name} reference, `autograder grade` end to end, as {mode}, {args.runs} interleaved runs each",
            command)
    _report(f"{assignment.name} reference, grade() in process, as {mode}, {args.runs} interleaved runs each", in_process)


if __name__ == "__main__":
    main()
