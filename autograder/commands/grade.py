import argparse
import sys
import time
import traceback
from pathlib import Path

from .. import worker_process

SKIP_TEARDOWN = True  # cli.entry: everything written is closed when run() returns
NAME = "grade"
HELP = "Grade a submission (folder, .py or .zip) and write Gradescope results.json."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment")
    parser.add_argument("submission", type=Path)
    parser.add_argument("--results", type=Path, required=True, metavar="FILE", help="where to write results.json")
    parser.add_argument("--total-points", type=float, default=None,
                        help="scale the score to this total (Gradescope's assignment.total_points)")
    parser.add_argument("--json", action="store_true", help="print our full report as JSON instead of a table")
    parser.add_argument("--quiet", action="store_true")


def run(args: argparse.Namespace) -> int:
    start = time.monotonic()
    # First thing: the worker's interpreter and numpy load while the grader imports its own.
    started = worker_process.start()
    try:
        return _grade(args, started, start)
    finally:
        started.discard()


def _grade(args: argparse.Namespace, started: worker_process.StartedWorker, start: float) -> int:
    from ..assignments import load_assignment
    from ..grading import grade
    from ..report import format_report
    from ..results import failure_results, to_gradescope, write_atomic
    try:
        report = grade(load_assignment(args.assignment), args.submission, started=started)
        write_atomic(args.results, to_gradescope(report, args.total_points))
    except BaseException as exc:  # whatever went wrong, Gradescope gets a valid results.json
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        write_atomic(args.results, failure_results(
            "The autograder itself failed while grading this submission; this is not a verdict on your "
            f"work. Please tell the course staff.\n\n~~~~\n{detail}\n~~~~", execution_time=time.monotonic() - start))
        print(f"autograder: grading failed: {detail}", file=sys.stderr)
        if not isinstance(exc, Exception):
            raise
        return 2
    if args.json:
        print(report.model_dump_json(indent=2))
    elif not args.quiet:
        print(format_report(report))
    return 0
