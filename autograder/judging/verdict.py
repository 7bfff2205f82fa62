"""A verdict on returned values, and how values are described to students: type, shape and
dtype, never the values themselves. The public API of staff checks (`from autograder import ...`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..results.outcomes import VerdictOutcome
from ..sandbox.child.wire import Unsupported


@dataclass(frozen=True)
class Verdict:
    outcome: VerdictOutcome
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


PASS = Verdict("passed")


class GraderFault(Exception):
    """Judging a case failed because of the grader or the assignment's staff files (a reference
    output no comparator can use, a check the spec names but checks.py lacks), never because of
    the student's code: the case becomes "grader_error". A check may raise it too, for output it
    cannot judge; the message is for the course staff."""


def not_implemented(message: str) -> Verdict:
    return Verdict("not_implemented", message)


def describe(value: Any) -> str:
    """Type, shape and dtype, never values."""
    if value is None:
        return "None"
    if isinstance(value, Unsupported):
        return f"a `{value.type_name}` object"
    if isinstance(value, np.ndarray):
        return f"ndarray of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"numpy scalar of dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of length {len(value)}"
    if isinstance(value, dict):
        return f"dict with keys {sorted(value)}"
    return f"{type(value).__name__}"
