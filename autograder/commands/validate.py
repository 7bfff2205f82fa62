import argparse
import sys

NAME = "validate"
HELP = ("Check assignments without grading anything (seconds): the spec against harness.py, checks.py, the "
        "reference and the template, and the library of mutants and solutions; each problem is named with its file "
        "and line. Exits 2 on any. regress, build and new check the same first.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    parser.add_argument("--all", action="store_true", help="every assignment of the course")


def run(args: argparse.Namespace) -> int:
    from ..spec.assignment import list_assignments, load_assignment
    from ..spec.loader import SpecError
    from ..tools.library import validate

    names = list_assignments() if args.all else args.assignments
    if not names:
        print("autograder validate: name at least one assignment, or --all", file=sys.stderr)
        return 2
    failed = False
    for name in names:
        try:
            assignment = load_assignment(name)
            library = validate(assignment)
        except SpecError as exc:
            print(f"autograder: {exc}", file=sys.stderr)
            failed = True
            continue
        print(f"{name}: valid ({len(library.mutants)} mutants, {len(library.solutions)} solutions)")
    return 2 if failed else 0
