import argparse

from ..spec.assignment import list_assignments, load_assignment
from ..spec.loader import SpecError

NAME = "list"
HELP = "List the assignments available."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    for name in list_assignments():
        try:
            a = load_assignment(name)
            points = sum(c.points for p in a.spec.problems for c in p.cases for _ in (c.sweep or [None]))
            print(f"{name:<24} {points:>6g} pts  {a.spec.title}")
        except SpecError as exc:
            print(f"{name:<24} INVALID SPEC: {exc}")
    return 0
