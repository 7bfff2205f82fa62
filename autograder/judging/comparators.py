"""Value comparators: `allclose`, `rel_error` and `exact`, walking tuples, lists and dicts.

They run in the grader on decoded plain data only. A failure explains itself to the student:
what was expected (type, shape, dtype), what came back, how far off and where, never the
expected values themselves.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..spec.models import AllClose, Exact, RelError
from .verdict import GraderFault, Verdict, describe

ValueComparator = AllClose | RelError | Exact


def compare_values(spec: ValueComparator, expected: Any, actual: Any) -> Verdict | None:
    """None when `actual` matches `expected`, else what is wrong with it."""
    return _walk(spec, expected, actual, "output")


def _is_numeric(value: Any) -> bool:
    if isinstance(value, np.ndarray | np.generic):
        return value.dtype.kind in "biufc"
    return type(value) in (int, float, complex, bool)


def _walk(spec: ValueComparator, expected: Any, actual: Any, where: str) -> Verdict | None:
    if actual is None and expected is not None:
        return Verdict("not_implemented", f"`{where}` is None where {describe(expected)} was expected: "
                                          "this part looks not implemented yet.")
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return _mismatch(where, expected, actual, "Return the same number of items as the handout asks for.")
        for i, (e, a) in enumerate(zip(expected, actual)):
            if (v := _walk(spec, e, a, f"{where}[{i}]")) is not None:
                return v
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return _mismatch(where, expected, actual, "Return a dict.")
        for key, e in expected.items():
            if key not in actual:
                return Verdict("failed", f"`{where}` has no key `{key!r}`; expected keys include "
                                         f"{sorted(expected)}. Store every value the handout lists.")
            if (v := _walk(spec, e, actual[key], f"{where}[{key!r}]")) is not None:
                return v
        return None
    if _is_numeric(expected):
        return _compare_numeric(spec, np.asarray(expected), actual, where)
    if expected is None or isinstance(expected, str):
        if type(actual) is type(expected) and actual == expected:
            return None
        return _mismatch(where, expected, actual, "")
    raise GraderFault(f"the reference's `{where}` is {describe(expected)}, which no comparator handles (they "
                      "compare numbers, strings, None, and lists, tuples and dicts of them, numpy arrays)")


def _mismatch(where: str, expected: Any, actual: Any, hint: str) -> Verdict:
    return Verdict("failed", f"`{where}`: expected {describe(expected)}, got {describe(actual)}. {hint}".rstrip())


def _compare_numeric(spec: ValueComparator, expected: np.ndarray, actual: Any, where: str) -> Verdict | None:
    if not _is_numeric(actual):
        return _mismatch(where, expected, actual, "Return a numpy array (np.asarray(...) converts lists).")
    actual_arr = np.asarray(actual)
    if actual_arr.shape != expected.shape:
        return Verdict("failed", f"`{where}` has shape {actual_arr.shape}; expected shape {expected.shape}. "
                                 "Check the output length and orientation.")
    wants_same = getattr(spec, "dtype", "any") == "same" or isinstance(spec, Exact)
    if wants_same and actual_arr.dtype != expected.dtype:
        return Verdict("failed", f"`{where}` has dtype {actual_arr.dtype}; expected dtype {expected.dtype}. "
                                 "Keep the dtype of the inputs (avoid mixing in float64 constants/arrays).")
    if expected.dtype.kind == "b" or actual_arr.dtype.kind == "b" or isinstance(spec, Exact):
        if expected.dtype.kind == "b" and actual_arr.dtype.kind != "b" and not isinstance(spec, Exact):
            return _mismatch(where, expected, actual_arr, "")
        bad = ~((actual_arr == expected) | (np.isnan(_as_float(actual_arr)) & np.isnan(_as_float(expected))))
        return _report(where, bad, None, None, "must match exactly")
    return _compare_close(spec, expected, actual_arr, where)


def _as_float(a: np.ndarray) -> np.ndarray:
    return a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)


def _compare_close(spec: ValueComparator, expected: np.ndarray, actual: np.ndarray, where: str) -> Verdict | None:
    e, a = _as_float(expected), _as_float(actual)
    if _passes_plainly(spec, e, a):
        return None
    e_nan, a_nan = np.isnan(e), np.isnan(a)
    equal_nan = isinstance(spec, AllClose) and spec.equal_nan
    if e_nan.any() and not equal_nan:
        raise GraderFault(f"the reference's `{where}` contains NaN ({int(e_nan.sum())} of {e.size} entries, first at "
                          f"index {_index(np.argwhere(e_nan)[0])}); fix the reference, or set `equal_nan: true` on "
                          "an allclose comparator if NaN is the right answer")
    if (a_nan & ~e_nan).any():
        idx = np.argwhere(a_nan)
        return Verdict("failed", f"`{where}` contains NaN ({int(a_nan.sum())} of {a.size} entries, first at "
                                 f"index {_index(idx[0])}). Look for 0/0, log of a negative number, or an "
                                 "overflow earlier in the computation.")
    both_nan = e_nan & a_nan
    same_inf = np.isinf(e) & (e == a)
    with np.errstate(invalid="ignore", over="ignore"):
        abs_err = np.where(both_nan | same_inf, 0.0, np.abs(a - e))
        if isinstance(spec, RelError):
            rel = abs_err / np.maximum(1e-8, np.abs(a) + np.abs(e))
            bad = ~(rel <= spec.max)
            rule = f"rel_error = |x-y| / max(1e-8, |x|+|y|) must stay below {spec.max:g}"
        else:
            rtol, atol = spec.rtol, spec.atol
            bad = ~(abs_err <= atol + rtol * np.abs(e))
            rule = f"tolerance |error| <= {atol:g} + {rtol:g}·|expected|"
            # Relative to the expected entry; undefined (NaN) where that entry is zero.
            rel = np.where(e != 0, abs_err / np.where(e != 0, np.abs(e), 1.0), np.nan)
    bad = (np.asarray(bad) | ((np.isinf(a) | np.isinf(e)) & ~same_inf)) & ~(both_nan | same_inf)
    return _report(where, bad, abs_err, rel, rule)


def _passes_plainly(spec: ValueComparator, e: np.ndarray, a: np.ndarray) -> bool:
    """Most outputs pass, and this says so in a few array passes instead of a dozen: with finite
    tolerances and expected values, a NaN or an infinity in the output fails it, so when it
    passes, the full test would too."""
    if not math.isfinite(spec.max if isinstance(spec, RelError) else spec.atol + spec.rtol) or not np.isfinite(e).all():
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(a - e)
        if isinstance(spec, RelError):
            return bool((error / np.maximum(1e-8, np.abs(a) + np.abs(e)) <= spec.max).all())
        return bool((error <= spec.atol + spec.rtol * np.abs(e)).all())


def _report(where: str, bad: np.ndarray, abs_err: np.ndarray | None, rel: np.ndarray | None,
            rule: str) -> Verdict | None:
    if not bad.any():
        return None
    count, total = int(bad.sum()), bad.size
    lines = [f"`{where}` is wrong in {count} of {total} entries ({rule})."]
    if abs_err is not None:
        abs_err, rel = np.atleast_1d(abs_err), np.atleast_1d(rel)
        flat_bad = np.atleast_1d(bad)
        abs_masked = np.where(flat_bad, np.nan_to_num(abs_err, nan=np.inf), -1.0)
        i_abs = np.unravel_index(np.argmax(abs_masked), flat_bad.shape)
        clause = f"Largest absolute error {abs_masked[i_abs]:.3g}" + (f" at index {_index(i_abs)}" if bad.ndim else "")
        rel_defined = flat_bad & ~np.isnan(rel)
        if rel_defined.any():
            rel_masked = np.where(rel_defined, rel, -1.0)
            i_rel = np.unravel_index(np.argmax(rel_masked), flat_bad.shape)
            clause += f"; largest relative error {rel_masked[i_rel]:.3g}" + (f" at index {_index(i_rel)}" if bad.ndim else "")
        lines.append(clause + ".")
        if bad.ndim:
            lines.append(f"First wrong entry at index {_index(np.argwhere(bad)[0])}.")
    return Verdict("failed", " ".join(lines))


def _index(idx: Any) -> str:
    return "(" + ", ".join(str(int(i)) for i in idx) + ("," if len(idx) == 1 else "") + ")"
