import argparse
import sys
from pathlib import Path

from ..spec.assignment import load_assignment
from ..tools.batch import BatchError, run_batch
from ..tools.roster import IntakeError
from ..spec.loader import SpecError

NAME = "batch"
HELP = ("Grade a class: a folder of submissions (one folder or .zip per student) or a Gradescope export "
        "zip. Writes DIR/results/<id>/results.json and DIR/grades.csv; exits 1 if any submission could not "
        "be graded (grader error or timeout).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment")
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("-j", "--workers", type=int, default=None,
                        help="submissions graded at a time on this machine (default: all cores)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="grade on this Dask cluster instead (e.g. tcp://10.0.0.5:8786); its workers need the "
                             "autograder and the course at the same path")
    parser.add_argument("--force", action="store_true", help="regrade submissions already graded in DIR")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="overall limit per submission (default: from the spec's case limits)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def run(args: argparse.Namespace) -> int:
    try:
        assignment = load_assignment(args.assignment)
        summary = run_batch(assignment, args.submissions, args.out, workers=args.workers, scheduler=args.scheduler,
                            force=args.force, timeout_s=args.timeout, progress=not args.no_progress)
    except (SpecError, IntakeError, BatchError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    if summary.ignored:
        print(f"ignored (neither a folder nor a .zip): {', '.join(summary.ignored)}", file=sys.stderr)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(summary.statuses.items()))
    print(f"{assignment.name}: {summary.submissions} submissions ({summary.graded} graded, {summary.skipped} "
          f"already graded): {counts}. Grades: {summary.csv}")
    return 1 if summary.failures else 0
