"""SVD-aware comparators: singular values, principal features (s, P) and (U, s, Vh) factors.

An SVD is unique only up to a sign per singular vector, a rotation inside each group of equal
singular values, and anything at all for zero singular values. So vectors are aligned to the
reference before they are compared: inside each cluster of (nearly) equal singular values the
student's columns are matched to the reference's by the best orthogonal map (Procrustes), which
for a well-separated singular value is a sign flip; columns of numerically zero singular values
are not compared. Correct answers from numpy, torch, scipy or an eigendecomposition pass,
whatever signs and bases they picked. Messages name the column and row, never a value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..spec.models import PrincipalFeatures, SingularValues, SvdFactors
from .verdict import PASS, GraderFault, Verdict, describe, not_implemented

SvdComparator = SingularValues | PrincipalFeatures | SvdFactors

_PARTS = {"singular_values": ("s",), "principal_features": ("s", "P"), "svd_factors": ("U", "s", "Vh")}


def compare_svd(spec: SvdComparator, expected: Any, actual: Any) -> Verdict:
    names = _PARTS[spec.kind]
    parsed = _actual_parts(actual, names)
    if isinstance(parsed, Verdict):
        return parsed
    exp, act = dict(zip(names, _expected_parts(expected, names))), dict(zip(names, parsed))
    if isinstance(spec, PrincipalFeatures):
        problem = (_principal_features_shape(exp, act["P"]) or _check_values(spec, exp["s"], act["s"])
                   or _check_principal_features(spec, exp["s"], exp["P"], act["P"]))
    elif isinstance(spec, SvdFactors):
        problem = (_factors_shape(exp, act) or _check_values(spec, exp["s"], act["s"])
                   or _check_factors(spec, exp, act))
    else:
        problem = _check_values(spec, exp["s"], act["s"])
    return PASS if problem is None else Verdict("failed", problem)


def _expected_parts(expected: Any, names: tuple[str, ...]) -> list[np.ndarray]:
    items = [expected] if len(names) == 1 else expected
    if not isinstance(items, (tuple, list)) or len(items) != len(names):
        raise GraderFault(f"the reference returned {describe(expected)}, not ({', '.join(names)})")
    return [np.asarray(item, dtype=np.float64) for item in items]


def _actual_parts(actual: Any, names: tuple[str, ...]) -> list[np.ndarray] | Verdict:
    wanted = "an array of singular values" if len(names) == 1 else f"the tuple ({', '.join(names)})"
    if actual is None:
        return not_implemented(f"got None where {wanted} was expected: this part looks not implemented yet.")
    items = [actual] if len(names) == 1 else actual
    if not isinstance(items, (tuple, list)) or len(items) != len(names):
        return Verdict("failed", f"expected {wanted}, got {describe(actual)}. Return {', '.join(names)} in this order.")
    out = []
    for name, item in zip(names, items):
        if item is None:
            return not_implemented(f"`{name}` in the returned {wanted} is None: this part looks not implemented yet.")
        try:
            arr = np.asarray(item)
        except ValueError:  # ragged nested lists
            arr = np.asarray(None)
        if arr.dtype.kind not in "biuf":
            return Verdict("failed", f"`{name}` is {describe(item)}; expected a real numeric array "
                                     "(np.asarray(...) converts lists, .detach().numpy() converts tensors).")
        arr = arr.astype(np.float64)
        if not np.isfinite(arr).all():
            where = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
            return Verdict("failed", f"`{name}` contains NaN or inf (first at index {where}).")
        out.append(arr)
    return out


def _check_values(spec: SvdComparator, s_e: np.ndarray, s_a: np.ndarray) -> str | None:
    if s_a.shape != s_e.shape:
        return (f"`s` has shape {s_a.shape}; expected shape {s_e.shape}: one singular value for each of the "
                "min(n, d) dimensions of an n x d matrix, as np.linalg.svd returns them.")
    if s_e.size == 0:
        return None
    floor = spec.zero_rtol * s_e[0]  # the reference's values are non-negative and descending
    if (negative := np.flatnonzero(s_a < -floor)).size:
        return f"`s` has a negative entry at index {negative[0]}; singular values are never negative."
    if (rises := np.flatnonzero(np.diff(s_a) > floor)).size:
        i = rises[0]
        return (f"singular values not in descending order: entry {i + 1} is larger than entry {i}. Sort them "
                "largest first (np.linalg.eigh returns eigenvalues in ascending order) and reorder the vectors "
                "with them.")
    err = np.abs(s_a - s_e)
    bad = err > spec.rtol * s_e + floor
    if not bad.any():
        return None
    rel = np.where(bad, err / np.maximum(s_e, max(floor, np.finfo(np.float64).tiny)), -1.0)
    worst = int(np.argmax(rel))
    message = (f"{int(bad.sum())} of {s_e.size} singular values are wrong (tolerance |error| <= {spec.rtol:g}·s + "
               f"{spec.zero_rtol:g}·s_max); largest relative error {rel[worst]:.3g} at index {worst}.")
    if np.allclose(s_a, s_e ** 2, rtol=1e-3, atol=floor):
        message += " They look like squared singular values (eigenvalues of Fᵀ F): take square roots."
    return message


def _principal_features_shape(exp: dict[str, np.ndarray], p_a: np.ndarray) -> str | None:
    (n, d), k = exp["P"].shape, exp["s"].size
    if p_a.ndim == 2 and p_a.shape[0] == n and k <= p_a.shape[1] <= max(d, k):
        return None
    reduced = f" (or {(n, k)}, the reduced form U[:, :{k}] * s)" if k < d else ""
    flipped = " It looks transposed." if p_a.shape == (d, n) and n != d else ""
    return (f"`P` has shape {p_a.shape}; expected shape {(n, d)}{reduced}: one row per row of F and one "
            f"column per right singular vector, as F @ vh.T gives.{flipped}")


def _check_principal_features(spec: PrincipalFeatures, s_e: np.ndarray, p_e: np.ndarray,
                              p_a: np.ndarray) -> str | None:
    return _check_vectors(spec, s_e, p_e, p_a, name="P", item="column", relative=True,
                          hint=lambda: _principal_features_hint(spec, s_e, p_a))


def _principal_features_hint(spec: PrincipalFeatures, s_e: np.ndarray, p_a: np.ndarray) -> str:
    k = int(np.sum(s_e > spec.zero_rtol * s_e[0]))
    norms = np.linalg.norm(p_a[:, :k], axis=0)
    if np.allclose(norms, 1.0, atol=1e-6) and not np.allclose(s_e[:k], 1.0, rtol=1e-3):
        return (" The columns of P have unit length: P looks like U (or V) without the singular values; "
                "principal features are F V = U·diag(s).")
    gram = p_a.T @ p_a
    off_diagonal = np.abs(gram - np.diag(np.diag(gram))).max()
    same_norm = abs(np.linalg.norm(p_a) - np.linalg.norm(s_e)) <= 1e-6 * np.linalg.norm(s_e)
    if same_norm and off_diagonal > 1e-6 * s_e[0] ** 2:
        return (" P looks like F @ vh rather than F @ vh.T: F times an orthogonal matrix, but the columns of "
                "F V are mutually orthogonal and yours are not. The rows of vh are the right singular vectors.")
    return " Column i of P should be F v_i, F times the i-th right singular vector (row i of vh): P = F @ vh.T."


def _factors_shape(exp: dict[str, np.ndarray], act: dict[str, np.ndarray]) -> str | None:
    n, d, k = exp["U"].shape[0], exp["Vh"].shape[1], exp["s"].size
    u_a, vh_a = act["U"], act["Vh"]
    if u_a.ndim != 2 or u_a.shape[0] != n or not k <= u_a.shape[1] <= n:
        return f"`U` has shape {u_a.shape}; expected ({n}, {n}), or ({n}, {k}) with full_matrices=False."
    if vh_a.ndim != 2 or vh_a.shape[1] != d or not k <= vh_a.shape[0] <= d:
        return f"`Vh` has shape {vh_a.shape}; expected ({d}, {d}), or ({k}, {d}) with full_matrices=False."
    return None


def _check_factors(spec: SvdFactors, exp: dict[str, np.ndarray], act: dict[str, np.ndarray]) -> str | None:
    u_e, s_e, vh_e = exp["U"], exp["s"], exp["Vh"]
    u_a, s_a, vh_a = act["U"], act["s"], act["Vh"]
    k = s_e.size
    problem = (_check_vectors(spec, s_e, u_e, u_a, name="U", item="column", relative=False)
               or _check_vectors(spec, s_e, vh_e.T, vh_a.T, name="Vh", item="row", relative=False))
    if problem or k == 0:
        return problem
    error = np.abs((u_a[:, :k] * s_a) @ vh_a[:k] - (u_e[:, :k] * s_e) @ vh_e[:k])
    if error.max() <= spec.atol * s_e[0]:
        return None
    i, j = np.unravel_index(np.argmax(error), error.shape)
    return (f"U·diag(s)·Vh does not reproduce the matrix (largest error {error.max() / s_e[0]:.2g} relative to "
            f"the largest singular value, at ({i}, {j})): flipping the sign of a column of U needs the same flip "
            "of the matching row of Vh.")


def _check_vectors(spec: PrincipalFeatures | SvdFactors, s_e: np.ndarray, expected: np.ndarray,
                   actual: np.ndarray, *, name: str, item: str, relative: bool,
                   hint: Callable[[], str] = lambda: "") -> str | None:
    """Compares the leading columns of `actual` with `expected`'s, cluster by cluster; `item` is what a
    column is to the student ("column" of P, "row" of Vh); errors are relative to s_max if `relative`
    (columns scaled by their singular values), else absolute (unit vectors)."""
    s_max = s_e[0] if s_e.size else 0.0
    nonzero = int(np.sum(s_e > spec.zero_rtol * s_max))
    other = "row" if item == "column" else "column"
    scale = s_max if relative else 1.0
    unit = " relative to the largest singular value" if relative else ""
    for start, stop in _clusters(s_e[:nonzero], spec.cluster_rtol * s_max):
        e, a = expected[:, start:stop], actual[:, start:stop]
        w, _, zt = np.linalg.svd(e.T @ a)
        residual = np.abs(a - e @ (w @ zt))  # after the best orthogonal map: a sign flip for one column
        if residual.max() <= spec.atol * scale:
            continue
        r, c = np.unravel_index(np.argmax(residual), residual.shape)
        error = f"largest error {residual.max() / scale:.2g}{unit} at {other} {r}"
        if stop - start == 1:
            return f"{item} {start} of {name} does not match up to sign ({error}).{hint()}"
        return (f"{item}s {start} to {stop - 1} of {name} belong to a cluster of (nearly) equal singular values "
                f"and do not span the same space, whatever the rotation within it ({error}, {item} {start + c})."
                f"{hint()}")
    return None


def _clusters(s: np.ndarray, gap: float) -> list[tuple[int, int]]:
    """[start, stop) index ranges of descending `s`, split wherever neighbours differ by more than `gap`."""
    cuts = [0] + [i + 1 for i in range(len(s) - 1) if s[i] - s[i + 1] > gap] + [len(s)]
    return list(zip(cuts[:-1], cuts[1:]))
