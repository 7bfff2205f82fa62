"""Delivery figures for docs/delivery.md: per assignment, the autograder zip's size, its setup.sh
time (cold: a new venv; warm: the idempotent re-run) and one run_autograder on the reference;
the same for the Otter zip of the same cases where this machine can run it.

    python benchmarks/delivery.py [ASSIGNMENT ...]

Needs otter-grader with its grading extra (ipykernel). Runs as root to measure what Gradescope
does (privilege drop included). Prints a Markdown table.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.spec.assignment import list_assignments, load_assignment  # noqa: E402
from autograder.delivery.build import build  # noqa: E402
from autograder.delivery.otter_export import export_otter  # noqa: E402

RUNS = 3


def timed(cmd: list[str], **kwargs) -> float:
    start = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, **kwargs)
    return time.monotonic() - start


def submission_files(a, dest: Path) -> None:
    shutil.copytree(a.reference_dir, dest, dirs_exist_ok=True)


def ours(a, work: Path) -> dict:
    zips = build(a, work / "zips")
    root = work / "root"
    root.mkdir()
    root.chmod(0o755)
    subprocess.run(["unzip", "-q", str(zips.autograder), "-d", str(root / "source")], check=True)
    env = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root), "AUTOGRADER_TORCH_INDEX": "",
           **{k: v for k, v in os.environ.items() if k.startswith("PIP_")}}
    cold = timed([str(root / "source" / "setup.sh")], env=env)
    warm = timed([str(root / "source" / "setup.sh")], env=env)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    submission_files(a, root / "submission")
    (root / "submission_metadata.json").write_text("{}")
    runs = [timed([str(root / "run_autograder")], cwd=root, env=env) for _ in range(RUNS)]
    score = json.loads((root / "results" / "results.json").read_text())["score"]
    return {"zip_kib": zips.autograder.stat().st_size / 1024, "setup_cold": cold, "setup_warm": warm,
            "run": statistics.median(runs), "score": score}


def otter(a, work: Path) -> dict:
    exported = export_otter(a, work / "otter")
    root = work / "otter-root"
    with zipfile.ZipFile(exported.zip) as zf:
        zf.extractall(root / "source")
    env_yml = (root / "source" / "environment.yml").read_text()
    pip_lines = [line.strip()[2:] for line in env_yml.splitlines() if line.startswith("      - ")]
    # Otter's setup.sh downloads Miniforge from GitHub and solves a conda-forge environment: neither
    # is reachable here. What can be timed is the pip part of that environment, in a plain venv.
    venv = work / "otter-venv"
    start = time.monotonic()
    subprocess.run([os.path.realpath(sys.executable), "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *pip_lines],
                   check=True, capture_output=True)
    pip_only = time.monotonic() - start
    runs = []
    for _ in range(RUNS):
        for sub in ("submission", "results"):
            shutil.rmtree(root / sub, ignore_errors=True)
            (root / sub).mkdir()
        if len(a.spec.files) == 1:
            shutil.copy(a.reference_dir / a.spec.files[0], root / "submission")
        else:
            submission_files(a, root / "submission")
        (root / "submission_metadata.json").write_text("{}")
        # What Otter's run_autograder does after activating its conda environment (run_otter.py).
        runs.append(timed([str(venv / "bin" / "python"), "-c",
                           f"from otter.run.run_autograder import main; main({str(root)!r})"], cwd=root))
    score = sum(t.get("score", 0) for t in json.loads((root / "results" / "results.json").read_text())["tests"])
    return {"zip_kib": exported.zip.stat().st_size / 1024, "setup_pip_only": pip_only,
            "run": statistics.median(runs), "score": score}


def main() -> None:
    os.environ["AUTOGRADER_TORCH_INDEX"] = ""  # only the local indexes are reachable here
    names = sys.argv[1:] or list_assignments()
    print("| assignment | our zip | our setup.sh (new venv / re-run) | our run_autograder (reference) "
          "| Otter zip | Otter setup.sh (pip part only) | Otter run_autograder (reference) |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        a = load_assignment(name)
        with tempfile.TemporaryDirectory(prefix="autograder-bench-") as tmp:
            work = Path(tmp)
            work.chmod(0o755)
            o, t = ours(a, work), otter(a, work)
        print(f"| {name} | {o['zip_kib']:.0f} KiB | {o['setup_cold']:.1f} s / {o['setup_warm']:.2f} s "
              f"| {o['run']:.2f} s ({o['score']:g} pts) | {t['zip_kib']:.0f} KiB | {t['setup_pip_only']:.1f} s "
              f"| {t['run']:.2f} s ({t['score']:g} pts) |", flush=True)


if __name__ == "__main__":
    main()
