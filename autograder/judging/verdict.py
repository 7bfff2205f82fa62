"""A verdict on returned values, and how values are described to students: type, shape and
dtype, never the values themselves. The public API of staff checks (`from autograder import ...`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..results.markdown import code_span
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


_KEYS_SHOWN = 10


def describe(value: Any) -> str:
    """Type, shape and dtype, never values; Markdown, in which the student's own names (a
    returned object's type, a dict's keys) are literal."""
    if value is None:
        return "None"
    if isinstance(value, Unsupported):
        return f"a {code_span(value.type_name)} object"
    if isinstance(value, np.ndarray):
        return f"ndarray of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"numpy scalar of dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of length {len(value)}"
    if isinstance(value, dict):
        keys = sorted(value, key=str)
        shown = ", ".join(code_span(str(k)[:100]) for k in keys[:_KEYS_SHOWN])
        more = f" and {len(keys) - _KEYS_SHOWN} more" if len(keys) > _KEYS_SHOWN else ""
        return f"dict with keys {shown}{more}" if keys else "an empty dict"
    return f"{type(value).__name__}"
