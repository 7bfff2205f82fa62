"""`autograder selftest NAME`: the grading image tests itself the way every submission will run.

setup.sh runs it last, as root, in run_autograder's environment: the untouched template (which
the image keeps for this) is graded by `grading.grade` through the sandbox, as the sandbox uid,
with the shipped expected values, so the interpreter's reachability, the harness's and numpy's
imports after the privilege drop, the confinement and the expected values are all exercised.
Every case must read "not implemented" (or pass); anything else, or an import path other uids
cannot read, fails setup with the reason in Gradescope's build log, before any student submits.
"""

import argparse
import sys
import time

NAME = "selftest"
HELP = ("Grade the untouched template as students' code runs (the sandbox uid, its limits, the shipped expected "
        "values); exit 1 if this machine cannot grade. setup.sh runs it when Gradescope builds the image.")
_ACCEPTED = ("not_implemented", "passed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment")


def run(args: argparse.Namespace) -> int:
    from ..grading import grade
    from ..results.outcomes import OUTCOME_WORDS
    from ..sandbox.uids import closed_import_paths, running_as_root
    from ..spec.assignment import load_assignment
    from ..spec.loader import SpecError

    start = time.monotonic()
    try:
        assignment = load_assignment(args.assignment)
    except SpecError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    problems = [f"the sandbox uid could not import what this interpreter has: {p}" for p in closed_import_paths()]
    try:
        report = grade(assignment, assignment.template_dir, sandbox_user=True)
    except Exception as exc:  # the grader's own failure is exactly what this must report
        problems.append(f"grading failed: {type(exc).__name__}: {exc}")
        report = None
    if report is not None and report.status == "submission_error":
        problems.append(f"the template could not be graded: {report.message}")
    elif report is not None:
        for c in report.cases:
            if c.outcome not in _ACCEPTED:
                detail = " ".join(c.message.split("\n\n", 1)[0].split())[:300]
                problems.append(f"{c.id}: {OUTCOME_WORDS[c.outcome].label} ({c.outcome}), where the untouched "
                                f"template must read 'not implemented': {c.grader_fault.splitlines()[0] if c.grader_fault else detail}")
    who = "as the sandbox uid" if running_as_root() else "as this user (not root: no privilege drop to test)"
    if problems:
        print(f"autograder selftest {assignment.name}: FAILED: student code would not run here {who} as it "
              "must:", file=sys.stderr)
        print("\n".join(f"  {p}" for p in problems), file=sys.stderr)
        return 1
    print(f"selftest {assignment.name}: ok: the untouched template's {len(report.cases)} cases ran {who} through "
          f"the sandbox and read 'not implemented' ({time.monotonic() - start:.1f} s)")
    return 0
