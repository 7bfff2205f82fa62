import argparse
import sys

from ..spec.assignment import list_assignments, load_assignment
from ..spec.loader import SpecError
from ..tools.library import load_library, show
from ..tools.regress import RegressReport, regress

NAME = "regress"
HELP = ("Test the autograder on an assignment's known submissions: the reference must get full marks, the "
        "template zero, every solution full marks, every mutant fail the cases it declares. Exits 1 if any "
        "does not.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    parser.add_argument("--all", action="store_true", help="every assignment of the course")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="gradings at a time (default: all cores)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="overall limit per grading (default: from the spec's case limits)")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON (one per line)")
    parser.add_argument("--show", metavar="NAME", default=None,
                        help="print how the mutant or solution NAME differs from the reference (a unified diff), "
                             "and grade nothing")


def run(args: argparse.Namespace) -> int:
    names = list_assignments() if args.all else args.assignments
    if not names:
        print("autograder regress: name at least one assignment, or --all", file=sys.stderr)
        return 2
    if args.show is not None:
        return _show(names, args.show)
    ok = True
    for name in names:
        try:
            report = regress(load_assignment(name), jobs=args.jobs, timeout_s=args.timeout)
        except SpecError as exc:
            print(f"autograder: {exc}", file=sys.stderr)
            return 2
        ok = ok and report.ok
        print(report.model_dump_json() if args.json else format_regress(report), flush=True)
    return 0 if ok else 1


def format_regress(report: RegressReport) -> str:
    lines = [f"regress {report.assignment}"]
    width = max(len(e.name) for e in report.entries)
    for e in report.entries:
        score = f"{e.score:g}/{e.max_score:g}" if e.score is not None else e.status
        verdict = "ok" if e.ok else "REGRESSED"
        expects = e.expects if len(e.expects) <= 60 else e.expects[:59] + "…"
        lines.append(f"  {e.kind:<9}  {e.name:<{width}}  {score:>11}  {verdict:<9}  {expects}")
    for e in report.regressions():
        lines.append(f"\n{e.kind} {e.name}: expected {e.expects}")
        lines += [f"    {p}" for p in e.problems]
    lines += [f"\n{p}" for p in report.problems]
    n_bad = len(report.regressions()) + len(report.problems)
    verdict = "no regressions" if report.ok else f"{n_bad} REGRESSION(S)"
    lines.append(f"{report.assignment}: {len(report.entries)} gradings, {verdict} ({report.seconds:.1f} s)")
    return "\n".join(lines)


def _show(names: list[str], entry_name: str) -> int:
    try:
        for name in names:
            assignment = load_assignment(name)
            library = load_library(assignment)
            for entry in (*library.mutants, *library.solutions):
                if entry.name == entry_name:
                    print(show(assignment, entry), end="")
                    return 0
    except SpecError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    print(f"autograder regress: no mutant or solution named {entry_name!r} in {', '.join(names)}", file=sys.stderr)
    return 2
