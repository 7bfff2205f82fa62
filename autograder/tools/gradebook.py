"""grades.csv: one row per submission, the TA's gradebook and what `autograder diff` compares.

Columns, in order: id, name, email, sid, one column per problem (in spec order), total,
status, error. Rows are sorted by id; scores are written with at most 6 decimals and no
trailing zeros, so the same grades always make the same bytes (local and Dask runs are
compared byte for byte). An empty score means no verdict (the grader failed or timed out),
which is not the same as zero.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from ..files import write_atomic
from ..results.outcomes import GradingStatus

LEFT = ("id", "name", "email", "sid")
RIGHT = ("total", "status", "error")


class GradebookError(Exception):
    pass


class GradeRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str = ""  # several submitters (a group) are joined with "; "
    email: str = ""
    sid: str = ""
    scores: dict[str, float | None]  # problem -> points, None without a verdict
    total: float | None
    status: GradingStatus
    error: str = ""


class Gradebook(BaseModel):
    model_config = ConfigDict(frozen=True)

    problems: list[str]
    rows: list[GradeRow]

    def by_id(self) -> dict[str, GradeRow]:
        return {r.id: r for r in self.rows}


def format_score(value: float | None) -> str:
    if value is None:
        return ""
    return f"{round(value, 6) + 0.0:.6f}".rstrip("0").rstrip(".")  # + 0.0 turns -0.0 into 0.0


def parse_score(text: str) -> float | None:
    return float(text) if text.strip() else None


def render(book: Gradebook) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*LEFT, *book.problems, *RIGHT])
    for r in sorted(book.rows, key=lambda r: r.id):
        writer.writerow([r.id, r.name, r.email, r.sid, *(format_score(r.scores.get(p)) for p in book.problems),
                         format_score(r.total), r.status, r.error])
    return out.getvalue()


def write_gradebook(path: Path, book: Gradebook) -> None:
    """Atomic: a reader sees the old file or the whole new one."""
    write_atomic(path, render(book))


def read_gradebook(path: Path) -> Gradebook:
    """Columns are read by position, so a problem may share its name with a fixed column."""
    try:
        with open(path, newline="") as f:
            table = list(csv.reader(f))
    except OSError as exc:
        raise GradebookError(f"{path}: {exc.strerror}") from None
    if not table or tuple(table[0][:len(LEFT)]) != LEFT or tuple(table[0][-len(RIGHT):]) != RIGHT:
        raise GradebookError(f"{path}: not a grades.csv (the header must be {', '.join(LEFT)}, problems..., "
                             f"{', '.join(RIGHT)})")
    problems = table[0][len(LEFT):-len(RIGHT)]
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if len(cells) != len(table[0]):
            raise GradebookError(f"{path}, line {number}: {len(cells)} cells, the header has {len(table[0])}")
        try:
            rows.append(GradeRow(
                **dict(zip(LEFT, cells)), status=cells[-2], error=cells[-1], total=parse_score(cells[-3]),
                scores={p: parse_score(v) for p, v in zip(problems, cells[len(LEFT):-len(RIGHT)])}))
        except (ValueError, ValidationError) as exc:
            raise GradebookError(f"{path}, line {number}: {exc}") from None
    return Gradebook(problems=problems, rows=rows)
