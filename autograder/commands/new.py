import argparse
import sys

NAME = "new"
HELP = ("Write the skeleton of a new assignment under the course root: spec, harness, checks, reference, template, "
        "a library of mutants and solutions, and a README of what to replace; it passes `autograder regress` as "
        "written.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment", help="the new assignment's name (lower case letters, digits and _)")


def run(args: argparse.Namespace) -> int:
    from .. import settings
    from ..spec.assignment import load_assignment
    from ..spec.loader import SpecError
    from ..tools.library import validate
    from ..tools.skeleton import SkeletonError, write_skeleton

    root = settings.course_root()
    try:
        written = write_skeleton(args.assignment, root)
        library = validate(load_assignment(args.assignment, root))  # what it wrote must load: checked, not assumed
    except (SkeletonError, SpecError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path.relative_to(root))
    print(f"\n{args.assignment}: a working skeleton with {len(library.mutants)} mutants and {len(library.solutions)} "
          f"solutions. Next: read assignments/{args.assignment}/README.md, then `autograder regress "
          f"{args.assignment}`.")
    return 0
