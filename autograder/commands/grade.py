from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from ..sandbox import spawn

if TYPE_CHECKING:
    from ..grading import GradingPlan

SKIP_TEARDOWN = True  # cli.entry: everything written is closed when run() returns
NAME = "grade"
HELP = "Grade a submission (folder, .py or .zip) and write Gradescope results.json."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment")
    parser.add_argument("submission", type=Path)
    parser.add_argument("--results", type=Path, required=True, metavar="FILE", help="where to write results.json")
    parser.add_argument("--total-points", type=float, default=None,
                        help="scale the score to this total (Gradescope's assignment.total_points)")
    parser.add_argument("--metadata", type=Path, default=None, metavar="FILE",
                        help="Gradescope's submission_metadata.json: scale the score to its total points")
    parser.add_argument("--json", action="store_true", help="print our full report as JSON instead of a table")
    parser.add_argument("--quiet", action="store_true")


def run(args: argparse.Namespace, plan: GradingPlan | None = None, *, lanes_at_once: bool | None = None) -> int:
    """`plan`: the assignment's plan as `plan_for` returns it, for a caller that grades many
    submissions of it (a grading slot). `lanes_at_once`: whether a submission's lanes run at once
    (default: on a machine with two cores for this process); a slot, one of several that keep
    the cores busy, runs them in turn."""
    start = time.monotonic()
    # First thing: the worker's interpreter, numpy and the harness's imports (torch) load while the
    # grader imports its own.
    started = spawn.HeadStart(args.assignment)
    try:
        return _grade(args, started, start, plan, spawn.spare_cores() if lanes_at_once is None else lanes_at_once)
    finally:
        started.discard()


def plan_for(name: str) -> GradingPlan:
    """The plan for grading the named assignment, with its library's mistakes computed where the
    staff tools are."""
    from ..grading import prepare
    from ..spec.assignment import load_assignment

    assignment = load_assignment(name)
    _compute_known_mistakes(assignment)
    return prepare(assignment)


def _grade(args: argparse.Namespace, started: spawn.HeadStart, start: float, plan: GradingPlan | None,
           lanes_at_once: bool) -> int:
    from ..files import write_atomic
    from ..grading import grade
    from ..reporters.gradescope import failure_results, to_gradescope, total_points
    from ..reporters.terminal import format_report
    from ..results.markdown import code_block, visible
    try:
        points = args.total_points if args.metadata is None else total_points(args.metadata)
        report = grade(plan or plan_for(args.assignment), args.submission, started=started.worker,
                       lanes_at_once=lanes_at_once)
        write_atomic(args.results, to_gradescope(report, points))
    except BaseException as exc:  # whatever went wrong, Gradescope gets a valid results.json
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        write_atomic(args.results, failure_results(
            "The autograder itself failed while grading this submission; this is not a verdict on your "
            f"work. Please tell the course staff.\n\n{code_block(detail)}", execution_time=time.monotonic() - start))
        print(f"autograder: grading failed: {visible(detail)}", file=sys.stderr)
        if not isinstance(exc, Exception):
            raise
        return 2
    for case_id, fault in report.grader_faults().items():  # on Gradescope, the run's output: for the staff only
        print(f"autograder: grader error, case {case_id} not graded: {fault}", file=sys.stderr)
    if args.json:
        print(report.model_dump_json(indent=2))
    elif not args.quiet:
        print(format_report(report))
    return 0


def _compute_known_mistakes(assignment) -> None:
    """In a course repository, where the staff tools are, the library's mistakes are computed (once,
    then cached) so that a TA's grading names them too; a grading image has them shipped instead."""
    if importlib.util.find_spec("autograder.tools") is None:
        return
    from ..tools.library import MUTANTS_FILE
    from ..tools.mistakes import compute_mistakes

    if (assignment.dir / MUTANTS_FILE).is_file():
        compute_mistakes(assignment)
