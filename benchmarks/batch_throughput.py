"""Batch throughput: submissions per minute of `autograder batch` with 1 and 2 local workers on
the same generated class, median of N runs taken side by side (interleaved).

    .venv/bin/python benchmarks/batch_throughput.py [--assignment conv1d] [--size 240] [--runs 3]

The class is `autograder.tools.synthetic_class` without the mutants that must time out: those mostly
wait on a deadline, which would measure the spec's time limits rather than the batch.
Each run regrades everything (`--force`) and includes the command's own start-up, which a class
of 500 pays once: so each run also grades a class of one submission per worker, and the
difference gives the steady rate (per submission past the start-up), from which a class of 500 is
extrapolated as the start-up plus the other submissions at the steady rate. The CPU time
per submission (of the batch and every process under it) depends less on what else the
machine is doing than the rates and their ratio do, but not nothing: on a shared virtual
machine the same code measured 1.2 s and 1.7 s per linearized_features submission an hour
apart. So compare code by runs interleaved with the other code's, and each run also measures
the machine's own ratio: the same pure-Python spin loop in 1 and in 2 processes at once, the
best any batch could do beside whatever else is running.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.spec.assignment import load_assignment  # noqa: E402
from autograder.tools.synthetic_class import make_sample_class  # noqa: E402


class Throughput(BaseModel):
    submissions: int
    per_minute: dict[int, float]  # workers -> median submissions per minute, start-up included
    steady_per_minute: dict[int, float]  # workers -> median rate past the start-up
    startup_seconds: dict[int, float]  # workers -> median time of a class of one submission per worker
    cpu_seconds_per_submission: float  # median over every run
    # Median over the runs of one worker: the seconds spent inside the submission's own calls (as
    # results.json times them), which no grader can save: what the CPU time is beside.
    call_seconds_per_submission: float
    machine_ratio: float  # median throughput of 2 spin loops at once over 1

    @property
    def ratio(self) -> float:
        return self.per_minute[max(self.per_minute)] / self.per_minute[min(self.per_minute)]

    def minutes_for(self, submissions: int, workers: int) -> float:
        """Start-up once, then the steady rate."""
        return self.startup_seconds[workers] / 60 + (submissions - workers) / self.steady_per_minute[workers]


_SPIN = "x = 0\nfor i in range(10_000_000): x += i"


def _spin_rate(processes: int) -> float:
    start = time.perf_counter()
    spinners = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(processes)]
    for s in spinners:
        s.wait()
    return processes / (time.perf_counter() - start)


def batch_throughput(assignment: str = "conv1d", workers: tuple[int, ...] = (1, 2), size: int = 240,
                     runs: int = 3) -> Throughput:
    with tempfile.TemporaryDirectory(prefix="batch-throughput-") as tmp:
        folder = Path(tmp) / "class"
        count = len(make_sample_class(load_assignment(assignment), folder, size=size, slow_mutants=False))
        entries = sorted(folder.iterdir())
        firsts: dict[int, Path] = {}
        for w in workers:  # one submission per worker: the start-up and one grading each
            firsts[w] = Path(tmp) / f"first-{w}"
            firsts[w].mkdir()
            for entry in entries[:w]:
                (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, firsts[w] / entry.name)
        # Warm the expected-output cache, as in any batch after the first.
        subprocess.run([sys.executable, "-m", "autograder", "grade", assignment,
                        str(load_assignment(assignment).reference_dir), "--results", f"{tmp}/warm.json", "--quiet"],
                       check=True, cwd=REPO)
        rates: dict[int, list[float]] = {w: [] for w in workers}
        steady: dict[int, list[float]] = {w: [] for w in workers}
        startup: dict[int, list[float]] = {w: [] for w in workers}
        cpu: list[float] = []
        calls: list[float] = []
        machine: list[float] = []
        for _ in range(runs):
            machine.append(_spin_rate(2) / _spin_rate(1))
            for w in workers:
                startup[w].append(_batch(assignment, firsts[w], Path(tmp) / f"out-first-{w}", w))
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                seconds = _batch(assignment, folder, Path(tmp) / f"out-{w}", w)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                rates[w].append(count / seconds * 60)
                steady[w].append((count - w) / max(seconds - startup[w][-1], 1e-9) * 60)
                cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / count)
                if w == 1:
                    calls.append(_call_seconds(Path(tmp) / f"out-{w}") / count)
    return Throughput(submissions=count, per_minute=_medians(rates), steady_per_minute=_medians(steady),
                      startup_seconds=_medians(startup), cpu_seconds_per_submission=statistics.median(cpu),
                      call_seconds_per_submission=statistics.median(calls) if calls else 0.0,
                      machine_ratio=statistics.median(machine))


def _medians(runs: dict[int, list[float]]) -> dict[int, float]:
    return {w: statistics.median(values) for w, values in runs.items()}


def _call_seconds(out: Path) -> float:
    """The seconds every graded call of the batch in `out` took, as its results.json files say."""
    total = 0.0
    for results in (out / "results").glob("*/results.json"):
        for test in json.loads(results.read_text()).get("tests", []):
            extra = test.get("extra_data")
            total += (extra.get("seconds") or 0.0) if isinstance(extra, dict) else 0.0
    return total


def _batch(assignment: str, folder: Path, out: Path, workers: int) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "batch", assignment, str(folder), "--out", str(out),
                    "-j", str(workers), "--force", "--no-progress"], check=True, cwd=REPO, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="conv1d")
    parser.add_argument("--size", type=int, default=240)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    result = batch_throughput(args.assignment, (1, 2), args.size, args.runs)
    # Other work on the machine skews the rates, their ratio most: say how busy it was.
    print(f"batch throughput, {args.assignment}, {result.submissions} submissions, median of {args.runs} "
          f"interleaved runs, {os.cpu_count()} cores, load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after:")
    for w, rate in result.per_minute.items():
        print(f"  {w} worker{'s' if w > 1 else ' '}: {rate:6.1f} submissions/min; past the start-up of "
              f"{result.startup_seconds[w]:.1f} s: {result.steady_per_minute[w]:6.1f}/min, "
              f"{60 / result.steady_per_minute[w]:.3f} s each; 500 submissions: {result.minutes_for(500, w):.1f} min")
    print(f"  ratio: {result.ratio:.2f}x (the machine's own, two spin loops at once: {result.machine_ratio:.2f}x); "
          f"CPU time per submission: {result.cpu_seconds_per_submission:.3f} s, of which in the submission's own "
          f"calls: {result.call_seconds_per_submission:.3f} s; cores one worker keeps busy: "
          f"{result.per_minute[1] / 60 * result.cpu_seconds_per_submission:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
