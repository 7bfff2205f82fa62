import argparse
import sys
from pathlib import Path

from ..tools.class_stats import ReportError
from ..tools.report import write_report

NAME = "report"
HELP = ("One self-contained HTML page about a graded class: score histogram, pass rates per problem and per case, "
        "diagnosed mistakes, grader errors, the slowest submissions. DIR is the --out folder of `autograder batch`; "
        "writes DIR/report.html.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, metavar="DIR")


def run(args: argparse.Namespace) -> int:
    try:
        path = write_report(args.folder)
    except ReportError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    print(f"Report: {path}")
    return 0
