"""The library of known submissions kept beside each spec, used to test the autograder itself.

- `assignments/NAME/mutants/MUTANT/`: a plausible wrong (or hostile) solution: the edited
  file(s) plus `mutant.yaml` declaring which cases it must fail. Every case it does not list
  must pass, so a mutant also proves that a slip costs exactly the points it should.
- `assignments/NAME/solutions/SOLUTION/`: a differently written correct solution, which must
  get full marks (optional `solution.yaml` with a description).

`autograder regress` and our own test suite both read this library through `expectation_failures`.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .assignments import Assignment
from .results import GradeReport
from .spec import SpecError


class MutantSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    kind: Literal["wrong", "hostile"] = "wrong"
    must_fail: list[str] = Field(min_length=1, description="fnmatch patterns over case ids, e.g. 'forward/*'.")
    may_fail: list[str] = Field(default_factory=list, description="Cases whose outcome is not asserted.")
    outcomes: list[str] = Field(default_factory=list,
                                description="If given, every failing case's outcome must be one of these.")


class SolutionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""


class LibraryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    path: Path
    kind: Literal["mutant", "solution"]
    mutant: MutantSpec | None = None
    description: str = ""


def _load_yaml(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(yaml.safe_load(path.read_text()) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise SpecError(f"{path}: {exc}") from None


def mutants(assignment: Assignment) -> list[LibraryEntry]:
    out = []
    for meta in sorted((assignment.dir / "mutants").glob("*/mutant.yaml")):
        spec = _load_yaml(meta, MutantSpec)
        out.append(LibraryEntry(name=meta.parent.name, path=meta.parent, kind="mutant", mutant=spec,
                                description=spec.description))
    return out


def solutions(assignment: Assignment) -> list[LibraryEntry]:
    out = []
    for folder in sorted(p for p in (assignment.dir / "solutions").glob("*") if p.is_dir()):
        meta = folder / "solution.yaml"
        spec = _load_yaml(meta, SolutionSpec) if meta.is_file() else SolutionSpec()
        out.append(LibraryEntry(name=folder.name, path=folder, kind="solution", description=spec.description))
    return out


def matches(case_id: str, pattern: str) -> bool:
    """fnmatch with '*' and '?', but '[' literal: case ids look like 'forward/random[n=5,r=3]'."""
    return fnmatch.fnmatchcase(case_id, pattern.replace("[", "[[]"))


def expectation_failures(entry: LibraryEntry, report: GradeReport) -> list[str]:
    """Why this report is not what the entry promises; empty when it is."""
    if report.status != "completed":
        return [f"grading did not complete: {report.status}: {report.message}"]
    if entry.kind == "solution":
        return [f"{c.id}: {c.outcome}: {c.message.splitlines()[0] if c.message else ''}"
                for c in report.cases if c.outcome != "passed"]
    spec = entry.mutant
    problems = []
    ids = [c.id for c in report.cases]
    for pattern in spec.must_fail:
        if not any(matches(i, pattern) for i in ids):
            problems.append(f"must_fail pattern {pattern!r} matches no case")
    for c in report.cases:
        must = any(matches(c.id, p) for p in spec.must_fail)
        may = any(matches(c.id, p) for p in spec.may_fail)
        if must and c.outcome == "passed":
            problems.append(f"{c.id}: passed, but this mutant must fail it")
        elif not must and not may and c.outcome != "passed":
            problems.append(f"{c.id}: {c.outcome}, but this mutant should pass it "
                            f"({c.message.splitlines()[0] if c.message else ''})")
        if c.outcome != "passed" and spec.outcomes and c.outcome not in spec.outcomes:
            problems.append(f"{c.id}: outcome {c.outcome}, expected one of {spec.outcomes}")
    return problems
