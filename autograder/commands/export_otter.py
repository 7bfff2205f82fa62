import argparse
import sys
from pathlib import Path

from ..spec.assignment import load_assignment
from ..spec.loader import SpecError

NAME = "export-otter"
HELP = "Write the cases as Otter-Grader test files (DIR/tests/) and an Otter autograder zip made by `otter generate`."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignment")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")


def run(args: argparse.Namespace) -> int:
    # Imported here: otter-grader is an optional extra that grading never needs.
    from ..expected import ReferenceError
    from ..delivery.otter_export import OtterExportError, export_otter

    try:
        exported = export_otter(load_assignment(args.assignment), args.out)
    except (SpecError, OtterExportError, ReferenceError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    print(f"{exported.tests_dir}  ({len(exported.test_files)} test files)")
    print(f"{exported.zip}  ({exported.zip.stat().st_size / 1024:.0f} KiB)")
    return 0
