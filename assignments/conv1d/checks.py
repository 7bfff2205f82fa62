"""Property checks for conv1d; run in the grader on the student's returned data."""

import numpy as np

from autograder import describe, not_implemented, property_check


@property_check
def adjoint(actual, *, expected, inputs, params, rtol=1e-9):
    """<A x, y> must equal <x, A^T y>, whatever the values of A x and A^T y are."""
    if not isinstance(actual, (tuple, list)) or len(actual) != 2:
        return "expected the pair (A @ x, A.T @ y) back from the harness"
    ax, aty = actual
    if ax is None or aty is None:
        return not_implemented("A @ x or A.T @ y returned None: not implemented yet.")
    x, y = inputs["x"], inputs["y"]
    # A check must judge any output: one that raises makes the case a grader error, which scores.
    if (ax_array := _real_array(ax)) is None or (aty_array := _real_array(aty)) is None:
        return f"A @ x and A.T @ y must be arrays of real numbers; got {describe(ax)} and {describe(aty)}."
    ax, aty = ax_array, aty_array
    if ax.shape != y.shape or aty.shape != x.shape:
        return (f"A @ x has shape {ax.shape} and A.T @ y has shape {aty.shape}; for an operator from R^n to "
                f"R^(n-r+1) they must be {y.shape} and {x.shape}.")
    if not np.any(ax) or not np.any(aty):
        # The zero operator is its own adjoint; a nonzero kernel applied to a random input is not zero.
        return ("A @ x or A.T @ y is all zeros for a nonzero kernel and random inputs, so the identity "
                "<A x, y> = <x, A.T y> holds only trivially. Entry i of A @ x is k_1 x_i + ... + k_r x_{i+r-1}.")
    left, right = float(np.dot(ax, y)), float(np.dot(x, aty))
    scale = np.linalg.norm(ax) * np.linalg.norm(y) + np.linalg.norm(x) * np.linalg.norm(aty)
    if not np.isfinite(left + right) or abs(left - right) > rtol * max(scale, 1e-300):
        return (f"<A x, y> and <x, A.T y> differ by {abs(left - right):.3g} (relative {abs(left - right) / max(scale, 1e-300):.2g}): "
                "A.T is not the transpose of A. Row i of A holds k_1..k_r starting at column i; "
                "work out which entries of y multiply k_j in entry j of A.T @ y.")
    return None


def _real_array(value):
    """`value` as an array of real numbers, or None if it is not one (strings, ragged lists, objects)."""
    if not isinstance(value, (list, tuple, np.ndarray, np.generic)):
        return None
    try:
        array = np.asarray(value)
    except ValueError:
        return None
    return array if array.dtype.kind in "biuf" else None
