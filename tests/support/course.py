"""A copy of one assignment's course files to plant staff mistakes in, and the edits that plant them."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.cli import REPO

PARTS = ("assignments", "reference", "student_template")


def course_copy(dest: Path, name: str, library: bool = True) -> Path:
    """assignments/NAME, reference/NAME and student_template/NAME under `dest`; without
    `library`, no mutants or solutions (regress then grades only the reference and the template)."""
    for part in PARTS:
        shutil.copytree(REPO / part / name, dest / part / name, ignore=shutil.ignore_patterns("__pycache__"))
    if not library:
        for leftover in ("mutants.yaml", "solutions.yaml", "mutants", "solutions"):
            path = dest / "assignments" / name / leftover
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    return dest


def edit(path: Path, old: str, new: str) -> int:
    """Replaces the one occurrence of `old` in the file; returns the 1-based line where it was."""
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new))
    return text[:text.index(old)].count("\n") + 1


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th appearance of `needle` in the file."""
    text, at = path.read_text(), -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    return text[:at].count("\n") + 1
