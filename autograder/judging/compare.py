"""One comparison: the verdict of a case's comparator (`spec`) on an output, against the
reference's. The judge uses it on the student's output, the diagnosis on known mistakes' too."""

from __future__ import annotations

from typing import Any, get_args

from ..results.outcomes import VerdictOutcome
from ..spec.models import AllClose, Check, ComparatorSpec, Exact, RelError
from .checks import CheckFunction
from .comparators import compare_values
from .svd import compare_svd
from .verdict import PASS, GraderFault, Verdict, describe


def compare(spec: ComparatorSpec, expected: Any, actual: Any, *, inputs: dict[str, Any],
            params: dict[str, Any], checks: dict[str, CheckFunction]) -> Verdict:
    """The verdict of the case's comparator on the student's `actual` output."""
    if isinstance(spec, Check):
        if spec.function not in checks:
            raise GraderFault("checks.py defines no such function marked @property_check")
        result = checks[spec.function](actual, expected=expected, inputs=inputs, params=params, **spec.options)
        if isinstance(result, Verdict):
            if result.outcome not in get_args(VerdictOutcome) or not isinstance(result.message, str):
                raise GraderFault(f"returned {result!r}, not a Verdict of {', '.join(get_args(VerdictOutcome))} "
                                  "with a message")
            return result
        if result is None:
            return PASS
        if not isinstance(result, str):
            raise GraderFault(f"returned {describe(result)}; a check returns None (right), a message for the "
                              "student (wrong) or a Verdict")
        return Verdict("not_implemented" if actual is None else "failed", result)
    if isinstance(spec, (AllClose, RelError, Exact)):
        return compare_values(spec, expected, actual) or PASS
    return compare_svd(spec, expected, actual)
