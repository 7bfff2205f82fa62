"""`autograder` command line: one module per subcommand in `autograder.commands`."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys

# Each module defines NAME, HELP, add_arguments(parser) and run(args) -> exit code, and may set
# SKIP_TEARDOWN (see entry). A grading image or a handout ships only some of them
# (`delivery.build.STAFF_ONLY`); the CLI offers those it has.
ALL_COMMANDS = ("list", "grade", "check", "selftest", "schema", "validate", "new", "build", "export-otter", "regress",
                "batch", "diff", "report")


def _module(name: str) -> str:
    return f"autograder.commands.{name.replace('-', '_')}"


COMMANDS = tuple(name for name in ALL_COMMANDS if importlib.util.find_spec(_module(name)) is not None)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole CLI, or with `only` the one command about to run: importing every command
    costs a grading a tenth of its time."""
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(_module(name))
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run, skip_teardown=getattr(module, "SKIP_TEARDOWN", False))
    return parser


def _parse(argv: list[str] | None) -> argparse.Namespace:
    argv = sys.argv[1:] if argv is None else argv
    chosen = argv[0] if argv and argv[0] in COMMANDS else None
    return build_parser(chosen).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    return args.run(args)


def entry() -> None:
    """The `autograder` executable. After a command that declares SKIP_TEARDOWN (it closes
    everything it writes and leaves no process behind: `grade`, `check`), the interpreter's own
    teardown of numpy and pydantic (about 30 ms, a tenth of a grading) is skipped."""
    args = _parse(None)
    code = args.run(args)
    if args.skip_teardown:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
