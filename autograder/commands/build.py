import argparse
import sys
from pathlib import Path

from ..spec.assignment import load_assignment
from ..spec.loader import SpecError

NAME = "build"
HELP = "Write ASSIGNMENT-autograder.zip (for Gradescope) and ASSIGNMENT-student.zip (the handout) into --out."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the two zips")


def run(args: argparse.Namespace) -> int:
    # Imported here: the build needs packaging, which a student's handout environment may lack.
    from ..delivery.build import build
    from ..delivery.requirements import BuildError
    from ..expected import ReferenceError

    try:
        built = build(load_assignment(args.assignment), args.out)
    except (SpecError, BuildError, ReferenceError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    for path in (built.autograder, built.student):
        print(f"{path}  ({path.stat().st_size / 1024:.0f} KiB)")
    if built.unresolved_imports:
        print(f"note: imported by the assignment's files but not installed here, so not in the zip: "
              f"{', '.join(built.unresolved_imports)}", file=sys.stderr)
    return 0
