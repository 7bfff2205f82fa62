"""A synthetic class: submissions made from an assignment's own library, to test batch grading
end to end and to measure its throughput: correct work (the reference and the solutions, as
folders, zips with and without a folder inside), the untouched template, every mutant,
broken code, and uploads that cannot be graded at all (an empty zip, a file that is not a zip,
a folder or file without the assignment's files)."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Collection
from itertools import cycle
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..spec.assignment import Assignment
from .library import Library, load_library, materialize

Kind = Literal["correct", "template", "mutant", "broken", "unusable"]


class SampleSubmission(BaseModel):
    """What a generated submission is, so a test knows the verdict to expect."""
    model_config = ConfigDict(frozen=True)

    id: str
    kind: Kind
    origin: str  # the library entry it was made from, or what is wrong with it


def make_sample_class(assignment: Assignment, dest: Path, *, size: int = 64, slow_mutants: bool = True,
                      mutants: Collection[str] | None = None) -> list[SampleSubmission]:
    """Writes at least `size` submissions into `dest`. `slow_mutants=False` leaves out mutants
    that must time out: they mostly wait, which would blur a throughput figure. `mutants`: only
    these of the library's (all by default), for a class small enough for a quick test."""
    dest.mkdir(parents=True, exist_ok=True)
    files = assignment.spec.files
    made: list[SampleSubmission] = []
    library = load_library(assignment)
    with tempfile.TemporaryDirectory(prefix="autograder-class-") as tmp:
        _add_all(assignment, library, Path(tmp), dest, files, made, size, slow_mutants, mutants)
    return made


def _add_all(assignment: Assignment, library: Library, sources: Path, dest: Path, files: list[str],
             made: list[SampleSubmission], size: int, slow_mutants: bool, mutants: Collection[str] | None) -> None:
    """`sources`: where each library entry is materialized once, to be copied or zipped as often as needed."""

    def add(sid: str, kind: Kind, origin: str, source: Path, form: str) -> None:
        if form == "folder":
            shutil.copytree(source, dest / sid)
        else:
            folder = "handin/" if form == "nested_zip" else ""  # zips often hold a folder named anything
            with zipfile.ZipFile(dest / f"{sid}.zip", "w") as zf:
                for path in sorted(p for p in source.rglob("*") if p.is_file()):
                    zf.write(path, folder + path.relative_to(source).as_posix())
        made.append(SampleSubmission(id=sid, kind=kind, origin=origin))

    unknown = set(mutants or ()) - {m.name for m in library.mutants}
    if unknown:
        raise ValueError(f"no such mutant in {assignment.name}'s library: {', '.join(sorted(unknown))}")
    for m in library.mutants:
        slow = "timeout" in m.outcomes
        if (slow and not slow_mutants) or (mutants is not None and m.name not in mutants):
            continue
        folder = materialize(assignment, m, sources / "mutants")
        for form in ("folder",) if slow else ("folder", "nested_zip"):
            add(f"mutant_{m.name}_{form}", "mutant", m.name, folder, form)
    add("template", "template", "template", assignment.template_dir, "folder")

    broken = dest / "broken_syntax"
    for f in files:
        (broken / f).parent.mkdir(parents=True, exist_ok=True)
        (broken / f).write_text("def oops(:\n")
    made.append(SampleSubmission(id="broken_syntax", kind="broken", origin="a syntax error in every file"))
    with zipfile.ZipFile(dest / "empty_zip.zip", "w"):
        pass
    made.append(SampleSubmission(id="empty_zip", kind="unusable", origin="an empty zip"))
    (dest / "not_a_zip.zip").write_text("these are my notes, not a zip\n")
    made.append(SampleSubmission(id="not_a_zip", kind="unusable", origin="a text file named .zip"))
    (dest / "no_files").mkdir()
    (dest / "no_files" / "README.txt").write_text("I could not finish.\n")
    made.append(SampleSubmission(id="no_files", kind="unusable", origin="a folder without the assignment's files"))
    with zipfile.ZipFile(dest / "wrong_names.zip", "w") as zf:
        for f in files:
            zf.writestr(f"{f[:-3]}_final.py", "print('hello')\n")
    made.append(SampleSubmission(id="wrong_names", kind="unusable", origin="a zip of files named unlike any graded"))

    forms = ("folder", "nested_zip", "flat_zip")
    correct = [("reference", assignment.reference_dir)] + [(s.name, materialize(assignment, s, sources / "solutions"))
                                                            for s in library.solutions]
    variants = cycle([(name, path, form) for form in forms for name, path in correct])
    for n in range(max(0, size - len(made))):
        name, path, form = next(variants)
        add(f"correct_{n:03d}", "correct", name, path, form)
