"""Library entries (mutants, solutions) as submission folders, for tests that grade them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from support.cleanup import remove_at_exit

from autograder.spec.assignment import load_assignment
from autograder.tools.library import KnownSubmission, load_library, materialize


def entry(assignment: str, name: str) -> KnownSubmission:
    library = load_library(load_assignment(assignment))
    return next(e for e in (*library.mutants, *library.solutions) if e.name == name)


def entry_folder(assignment: str, name: str, dest: Path) -> Path:
    """The mutant or solution `name` of `assignment`, written under `dest` (as dest/name)."""
    return materialize(load_assignment(assignment), entry(assignment, name), dest)


_SESSION = Path(tempfile.mkdtemp(prefix="autograder-test-library-"))
remove_at_exit(_SESSION)


def library_folder(assignment: str, name: str) -> Path:
    """`entry_folder` made once per test session, for tests that only read it."""
    folder = _SESSION / assignment / name
    return folder if folder.is_dir() else entry_folder(assignment, name, _SESSION / assignment)
