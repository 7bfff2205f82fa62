"""The library of known submissions kept beside each spec, which tests the autograder itself.

- `assignments/NAME/mutants.yaml`: plausible wrong solutions. Each is a small edit of the
  reference (file, old text occurring exactly once, new text), its description and the cases it
  must fail; every case it does not list must pass, so a mutant also proves that a slip costs
  exactly the points it should. Where an edit cannot say it (a notebook, a process that kills
  itself), `files: FOLDER` names whole files under `mutants/`.
- `assignments/NAME/solutions.yaml`: correct solutions written differently, which must get
  full marks; the same two forms, whole files under `solutions/`.

`autograder regress` and our test suite read the library through `load_library`,
`materialize` (an entry as a submission folder) and `expectation_failures`. An edit whose old
text no longer occurs exactly once in the reference fails loudly (`LibraryError`): a mutant can
never silently turn into the reference. `validate` checks the whole library before anything is
graded (regress, build and new call it): every edit applies, every `must_fail`/`may_fail`
pattern matches a case, every `files:` folder exists and holds a graded file, and every folder
under mutants/ and solutions/ is the `files:` of an entry, so none is silently left out.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..files import IGNORED_DIRS, copy_tree, regular_files
from ..results.outcomes import CaseOutcome
from ..results.report import GradeReport
from ..spec.assignment import Assignment
from ..spec.cases import iter_cases
from ..spec.loader import SpecError, YamlDocument, model_problems, problems_message, read_yaml

MUTANTS_FILE = "mutants.yaml"
SOLUTIONS_FILE = "solutions.yaml"
_IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"


class LibraryError(SpecError):
    """The library itself is broken; the message names the file, the entry and why."""


class Edit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = Field(description="Path of the edited file, relative to the reference's folder.")
    old: str = Field(min_length=1, description="Text that occurs exactly once in the reference's file.")
    new: str = Field(description="What replaces it.")


class KnownSubmission(BaseModel):
    """A submission whose verdict we know in advance: its source and what it is."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_IDENT)
    description: str = Field(description="What this submission does, for staff.")
    edits: list[Edit] = Field(default_factory=list, description="Edits of the reference, applied together.")
    files: str | None = Field(None, description="A folder of whole files, beside the library file's own folder.")

    @model_validator(mode="after")
    def _one_source(self) -> "KnownSubmission":
        if bool(self.edits) == (self.files is not None):
            raise ValueError("give either edits (of the reference) or files (a folder of whole files), not both")
        return self


class Mutant(KnownSubmission):
    kind: Literal["wrong", "hostile"] = "wrong"
    diagnosis: str | None = Field(None, description=(
        "The mistake in words for a student, shown when a failed case's output matches this mutant's "
        "(judging/diagnosis.py); leave it out for mutants whose outputs say nothing (crashes, hangs)."))
    must_fail: list[str] = Field(min_length=1, description="fnmatch patterns over case ids, e.g. 'forward/*'.")
    may_fail: list[str] = Field(default_factory=list, description="Cases whose outcome is not asserted.")
    outcomes: list[CaseOutcome] = Field(default_factory=list,
                                        description="If given, every failing case's outcome must be one of these.")


class Solution(KnownSubmission):
    pass


class _MutantsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mutants: list[Mutant]


class _SolutionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    solutions: list[Solution]


class Library(BaseModel):
    model_config = ConfigDict(frozen=True)

    mutants: list[Mutant]
    solutions: list[Solution]


def load_library(assignment: Assignment) -> Library:
    return _read(assignment)[0]


def _read(assignment: Assignment) -> tuple[Library, dict[str, YamlDocument]]:
    mutants, mutants_doc = _entries(assignment.dir / MUTANTS_FILE, _MutantsFile)
    solutions, solutions_doc = _entries(assignment.dir / SOLUTIONS_FILE, _SolutionsFile)
    documents = {kind: doc for kind, doc in (("mutants", mutants_doc), ("solutions", solutions_doc)) if doc is not None}
    return Library(mutants=mutants.mutants if mutants else [],
                   solutions=solutions.solutions if solutions else []), documents


def _entries(path: Path, model: type[BaseModel]) -> tuple[BaseModel | None, YamlDocument | None]:
    if not path.is_file():
        return None, None
    try:
        document = read_yaml(path)
    except SpecError as exc:
        raise LibraryError(str(exc)) from None
    try:
        loaded = model.model_validate(document.data or {})
    except ValidationError as exc:
        raise LibraryError(problems_message(path, model_problems(document, exc), "library")) from None
    problems, seen = [], set()
    for field in model.model_fields:
        for i, entry in enumerate(getattr(loaded, field)):
            if entry.name in seen:
                problems.append(document.problem((field, i, "name"), f"two entries are named {entry.name!r}"))
            seen.add(entry.name)
    if problems:
        raise LibraryError(problems_message(path, problems, "library"))
    return loaded, document


def validate(assignment: Assignment) -> Library:
    """The library, checked against the reference, the spec's cases and the folders beside it
    before anything is graded; a LibraryError lists every problem, each with its file and line,
    the entry and why."""
    library, documents = _read(assignment)
    case_ids = [c.id for c in iter_cases(assignment.spec)]
    problems = []
    for kind, file, entries in (("mutants", MUTANTS_FILE, library.mutants),
                                ("solutions", SOLUTIONS_FILE, library.solutions)):
        document = documents.get(kind)
        for i, entry in enumerate(entries):
            problems += [document.problem((kind, i, *loc), reason)
                         for loc, reason in _entry_problems(assignment, entry, kind, case_ids)]
        problems += _undeclared_folders(assignment, kind, file, entries, document)
    if problems:
        raise LibraryError(problems_message(assignment.dir, problems, "library"))
    return library


def _entry_problems(assignment: Assignment, entry: KnownSubmission, kind: str,
                    case_ids: list[str]) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []
    if entry.files is not None:
        folder = assignment.dir / kind / entry.files
        graded = {Path(f).name for f in assignment.spec.files}
        if not folder.is_dir():
            out.append((("files",), f"no folder {kind}/{entry.files}/ beside {kind}.yaml"))
        elif not any(rel.name in graded or rel.suffix == ".ipynb" for rel in regular_files(folder)):
            out.append((("files",), f"{kind}/{entry.files}/ holds none of the graded files "
                                    f"({', '.join(sorted(graded))}) and no notebook: it would grade as a "
                                    "submission error"))
    out += [(("edits", number - 1), reason) for number, reason in _edit_problems(assignment, entry)[1]]
    if isinstance(entry, Mutant):
        for field in ("must_fail", "may_fail"):
            for j, pattern in enumerate(getattr(entry, field)):
                if not any(matches(i, pattern) for i in case_ids):
                    starts = ", ".join(dict.fromkeys(i.split("/", 1)[0] + "/" for i in case_ids))
                    out.append(((field, j), f"pattern {pattern!r} matches no case id (the ids start with {starts})"))
    return out


def _undeclared_folders(assignment: Assignment, kind: str, file: str, entries: list[KnownSubmission],
                        document: YamlDocument | None) -> list[str]:
    folder = assignment.dir / kind
    if not folder.is_dir():
        return []
    declared = {e.files for e in entries if e.files is not None}
    fields = "name, description, must_fail and files" if kind == "mutants" else "name, description and files"
    out = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in IGNORED_DIRS):
        if sub.name in declared:
            continue
        reason = (f"{kind}/{sub.name}/ is the `files:` of no entry, so regress never grades it: declare it "
                  f"({fields}: {sub.name}) or delete the folder")
        out.append(document.problem((kind,), reason) if document else f"{assignment.dir / file}: missing, but {reason}")
    return out


def materialize(assignment: Assignment, entry: KnownSubmission, dest: Path, library_dir: Path | None = None) -> Path:
    """The entry as a submission folder under `dest`: the reference with its edits applied, or its
    whole files. `library_dir` is where a `files:` folder lives (default: the assignment's
    mutants/ or solutions/ folder, by the entry's type)."""
    folder = dest / entry.name
    if entry.files is not None:
        base = library_dir or assignment.dir / ("mutants" if isinstance(entry, Mutant) else "solutions")
        source = base / entry.files
        if not source.is_dir():
            raise LibraryError(f"{entry.name}: files: no folder {source}")
        copy_tree(source, folder)
        return folder
    copy_tree(assignment.reference_dir, folder)
    for file, text in edited_files(assignment, entry).items():
        (folder / file).write_text(text)
    return folder


def edited_files(assignment: Assignment, entry: KnownSubmission) -> dict[str, str]:
    """Every file the entry's edits touch, with the edits applied; raises LibraryError unless each
    old text occurs exactly once in the reference and no two edits overlap."""
    out, problems = _edit_problems(assignment, entry)
    if problems:
        number, reason = problems[0]
        raise LibraryError(f"{entry.name}, edit {number}: {reason}")
    return out


def _edit_problems(assignment: Assignment, entry: KnownSubmission) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """The edited files, and (edit number, reason) for every edit that cannot apply."""
    by_file: dict[str, list[tuple[int, Edit]]] = {}
    for number, edit in enumerate(entry.edits, start=1):
        by_file.setdefault(edit.file, []).append((number, edit))
    out, problems = {}, []
    for file, edits in by_file.items():
        path = assignment.reference_dir / file
        where = f"reference/{assignment.name}/{file}"
        if not path.is_file():
            problems += [(number, f"{where} does not exist") for number, _ in edits]
            continue
        edit = _edit_notebook if file.endswith(".ipynb") else _apply
        out[file], found = edit(path.read_text(), edits, where)
        problems += found
    return out, sorted(problems)


def _apply(text: str, edits: list[tuple[int, Edit]], where: str) -> tuple[str, list[tuple[int, str]]]:
    spans, problems = [], []
    for number, edit in edits:
        count = text.count(edit.old)
        if count != 1:
            problems.append((number, f"its old text occurs {count} times in {where}, not once (did the reference "
                                     "change?)"))
            continue
        start = text.index(edit.old)
        spans.append((start, start + len(edit.old), number, edit.new))
    spans.sort()
    for (_, end, first, _), (start, _, second, _) in zip(spans, spans[1:]):
        if start < end:
            problems.append((second, f"overlaps edit {first} in {where}"))
    for start, end, _, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text, problems


def _edit_notebook(text: str, edits: list[tuple[int, Edit]], where: str) -> tuple[str, list[tuple[int, str]]]:
    """Edits of a notebook apply to its code cells' sources: each old text occurs exactly once
    among all of them, and the notebook keeps its other cells, outputs and metadata."""
    notebook = json.loads(text)
    cells = [c for c in notebook["cells"] if c.get("cell_type") == "code"]
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
    by_cell: dict[int, list[tuple[int, Edit]]] = {}
    problems = []
    for number, edit in edits:
        total = sum(source.count(edit.old) for source in sources)
        if total != 1:
            problems.append((number, f"its old text occurs {total} times in the code cells of {where}, not once "
                                     "(did the reference change?)"))
            continue
        holder = next(i for i, source in enumerate(sources) if edit.old in source)
        by_cell.setdefault(holder, []).append((number, edit))
    for index, cell_edits in by_cell.items():
        edited, found = _apply(sources[index], cell_edits, where)
        cells[index]["source"] = edited.splitlines(keepends=True)
        problems += found
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", problems


def show(assignment: Assignment, entry: KnownSubmission, library_dir: Path | None = None) -> str:
    """A unified diff of the entry against the reference, as `regress --show` prints it."""
    if entry.files is None:
        changed = edited_files(assignment, entry)
    else:
        base = library_dir or assignment.dir / ("mutants" if isinstance(entry, Mutant) else "solutions")
        folder = base / entry.files
        changed = {rel.as_posix(): (folder / rel).read_text(errors="replace") for rel in regular_files(folder)}
    chunks = []
    for file, text in sorted(changed.items()):
        reference = assignment.reference_dir / file
        old = _readable(file, reference.read_text()) if reference.is_file() else ""
        chunks += difflib.unified_diff(old.splitlines(keepends=True), _readable(file, text).splitlines(keepends=True),
                                       f"reference/{file}", f"{entry.name}/{file}")
    return "".join(chunks)


def _readable(file: str, text: str) -> str:
    """A notebook's code cells, each under a header with its number, rather than its JSON."""
    if not file.endswith(".ipynb"):
        return text
    try:
        cells = json.loads(text)["cells"]
    except (ValueError, KeyError, TypeError):
        return text
    return "".join(f"# --- cell {n}\n" + ("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                   .rstrip("\n") + "\n" for n, c in enumerate(cells, start=1) if c.get("cell_type") == "code")


def matches(case_id: str, pattern: str) -> bool:
    """fnmatch with '*' and '?', but '[' literal: case ids look like 'forward/random[n=5,r=3]'."""
    return fnmatch.fnmatchcase(case_id, pattern.replace("[", "[[]"))


def expectation_failures(entry: Mutant | None, report: GradeReport) -> list[str]:
    """Why this report is not what the entry promises (full marks when `entry` is None or a
    solution; the declared failures for a mutant); empty when it is. A case the grader could
    not grade fails every promise."""
    if faults := grader_fault_lines(report):
        return faults
    if report.status != "completed":
        return [f"grading did not complete: {report.status}: {report.message}"]
    if not isinstance(entry, Mutant):
        return [f"{c.id}: {c.outcome}: {c.message.splitlines()[0] if c.message else ''}"
                for c in report.cases if c.outcome != "passed"]
    problems = []
    ids = [c.id for c in report.cases]
    for pattern in entry.must_fail:
        if not any(matches(i, pattern) for i in ids):
            problems.append(f"must_fail pattern {pattern!r} matches no case")
    for c in report.cases:
        must = any(matches(c.id, p) for p in entry.must_fail)
        may = any(matches(c.id, p) for p in entry.may_fail)
        if must and c.outcome == "passed":
            problems.append(f"{c.id}: passed, but this mutant must fail it")
        elif not must and not may and c.outcome != "passed":
            problems.append(f"{c.id}: {c.outcome}, but this mutant should pass it "
                            f"({c.message.splitlines()[0] if c.message else ''})")
        if c.outcome != "passed" and entry.outcomes and c.outcome not in entry.outcomes:
            problems.append(f"{c.id}: outcome {c.outcome}, expected one of {entry.outcomes}")
    return problems



def grader_fault_lines(report: GradeReport) -> list[str]:
    """One line per case the grader could not grade: a regression of any entry, whatever it expects."""
    return [f"{case_id}: grader error, not graded: {fault}" for case_id, fault in report.grader_faults().items()]
