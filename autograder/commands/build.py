import argparse
import sys
from pathlib import Path

from ..spec.assignment import load_assignment
from ..spec.loader import SpecError

NAME = "build"
HELP = ("Write ASSIGNMENT-autograder.zip (for Gradescope) and ASSIGNMENT-student.zip (the handout) into --out, "
        "once the assignment passes `autograder regress` (the reference gets full marks, the template zero, the "
        "library as declared); exits 1 without writing them otherwise.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the two zips")
    parser.add_argument("--force", action="store_true",
                        help="build even if regress fails (each overridden problem is printed)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="regress gradings at a time (default: all cores)")


def run(args: argparse.Namespace) -> int:
    # Imported here: the build needs packaging, which a student's handout environment may lack.
    from ..delivery.build import BuildRefused, build
    from ..delivery.requirements import BuildError
    from ..expected import ReferenceError

    try:
        assignment = load_assignment(args.assignment)
        print(f"build {assignment.name}: grading the reference, the template and the library first "
              f"(autograder regress {assignment.name})", file=sys.stderr, flush=True)
        built = build(assignment, args.out, force=args.force, jobs=args.jobs)
    except BuildRefused as exc:
        print(f"autograder build: refused: {exc}\nNothing was written; fix these (or build anyway with --force).",
              file=sys.stderr)
        return 1
    except (SpecError, BuildError, ReferenceError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    for reason in built.overridden:
        print(f"warning: built despite (--force): {reason}", file=sys.stderr)
    for path in (built.autograder, built.student):
        print(f"{path}  ({path.stat().st_size / 1024:.0f} KiB)")
    if built.unresolved_imports:
        print(f"note: imported by the assignment's files but not installed here, so not in the zip: "
              f"{', '.join(built.unresolved_imports)}", file=sys.stderr)
    return 0
