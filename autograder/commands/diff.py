import argparse
import sys
from pathlib import Path

from ..tools.gradebook import GradebookError, format_score, read_gradebook
from ..tools.gradebook_diff import GradeDiff, SubmissionChange, diff_gradebooks

NAME = "diff"
HELP = ("Which submissions' scores changed between two grades.csv files, by how much and on which problems. "
        "Exits 1 if any did, like diff(1).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", type=Path, metavar="OLD.csv")
    parser.add_argument("new", type=Path, metavar="NEW.csv")
    parser.add_argument("--json", action="store_true", help="print the changes as JSON")


def run(args: argparse.Namespace) -> int:
    try:
        diff = diff_gradebooks(read_gradebook(args.old), read_gradebook(args.new))
    except GradebookError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    print(diff.model_dump_json(indent=2) if args.json else format_diff(diff))
    return 1 if diff.changes else 0


def format_diff(diff: GradeDiff) -> str:
    total = len(diff.changes) + diff.unchanged
    if not diff.changes:
        return f"no changes: all {total} submissions have the same scores"
    lines = [f"{len(diff.changes)} of {total} submissions changed:"]
    width = max(len(c.id) for c in diff.changes)
    for c in diff.changes:
        lines.append(f"  {c.id:<{width}}  {_change(c)}")
    return "\n".join(lines)


def _change(c: SubmissionChange) -> str:
    parts = [f"{_pts(c.old_total)} -> {_pts(c.new_total)}" + (f" ({_signed(c.delta)})" if c.delta is not None else "")]
    if c.kind != "changed":
        parts.append(c.kind)
    elif c.old_status != c.new_status:
        parts.append(f"status {c.old_status} -> {c.new_status}")
    parts += [f"{p.problem} {_pts(p.old)} -> {_pts(p.new)}"
              + (f" ({_signed(p.new - p.old)})" if p.old is not None and p.new is not None else "")
              for p in c.problems]
    return "; ".join(parts)


def _pts(value: float | None) -> str:
    return format_score(value) if value is not None else "-"


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + format_score(value)
