"""Which submissions' grades changed between two grades.csv files (say, before and after a spec
change), by how much and on which problems. Scores are compared as written in the CSV."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from .gradebook import Gradebook, GradeRow, format_score


class ProblemChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    problem: str
    old: float | None
    new: float | None


class SubmissionChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["changed", "added", "removed"]
    old_total: float | None = None
    new_total: float | None = None
    old_status: str = ""
    new_status: str = ""
    problems: list[ProblemChange]

    @property
    def delta(self) -> float | None:
        if self.old_total is None or self.new_total is None:
            return None
        return self.new_total - self.old_total


class GradeDiff(BaseModel):
    model_config = ConfigDict(frozen=True)

    changes: list[SubmissionChange]  # sorted by id
    unchanged: int


def diff_gradebooks(old: Gradebook, new: Gradebook) -> GradeDiff:
    problems = old.problems + [p for p in new.problems if p not in old.problems]
    before, after = old.by_id(), new.by_id()
    changes, unchanged = [], 0
    for sid in sorted(before.keys() | after.keys()):
        a, b = before.get(sid), after.get(sid)
        moved = [ProblemChange(problem=p, old=_score(a, p), new=_score(b, p)) for p in problems
                 if format_score(_score(a, p)) != format_score(_score(b, p))]
        kind = "added" if a is None else "removed" if b is None else "changed"
        same_total = a is not None and b is not None and format_score(a.total) == format_score(b.total)
        if kind == "changed" and not moved and same_total and a.status == b.status:
            unchanged += 1
            continue
        changes.append(SubmissionChange(
            id=sid, kind=kind, problems=moved, old_total=a.total if a else None, new_total=b.total if b else None,
            old_status=a.status if a else "", new_status=b.status if b else ""))
    return GradeDiff(changes=changes, unchanged=unchanged)


def _score(row: GradeRow | None, problem: str) -> float | None:
    return row.scores.get(problem) if row is not None else None
