import argparse
import sys
from pathlib import Path

from ..sandbox import spawn

SKIP_TEARDOWN = True  # cli.entry: everything written is closed when run() returns
NAME = "check"
HELP = "Self-check: run the visible cases on your code; exits non-zero if any fails."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment")
    parser.add_argument("submission", type=Path, nargs="?", default=Path("."),
                        help="your folder, .py or .zip (default: the current folder)")
    parser.add_argument("--problem", default=None, help="check this problem only")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (what autograder.check reads)")


def run(args: argparse.Namespace) -> int:
    # First thing: the worker's interpreter, numpy and the harness's imports (torch) load while the
    # grader imports its own.
    started = spawn.HeadStart(args.assignment)
    try:
        return _check(args, started)
    finally:
        started.discard()


def _check(args: argparse.Namespace, started: spawn.HeadStart) -> int:
    from ..grading import grade
    from ..reporters.terminal import format_report
    from ..spec.assignment import load_assignment
    from ..spec.loader import SpecError
    try:
        # The student's own machine: no uid drop (Colab and Docker run as root, with the interpreter
        # in folders closed to other users); the separate process, its limits and the filter stay.
        report = grade(load_assignment(args.assignment), args.submission, visible_only=True, started=started.worker,
                       sandbox_user=False, problem=args.problem, lanes_at_once=spawn.spare_cores())
    except SpecError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    print(report.model_dump_json() if args.json else format_report(report))
    ok = report.status == "completed" and all(c.outcome == "passed" for c in report.cases)
    return 0 if ok else 1
