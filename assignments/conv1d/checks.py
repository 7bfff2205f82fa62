"""Property checks for conv1d; run in the grader on the student's returned data."""

import numpy as np

from autograder import describe, not_implemented, property_check


@property_check
def adjoint(actual, *, expected, inputs, params, rtol=1e-9):
    """A.T must be the transpose of A, whatever A is: <A x_i, y_j> = <x_i, A.T y_j> for every
    pair of p inputs x_i (rows of X, p > n) and q inputs y_j (rows of Y, q >= m).

    Why it cannot be beaten by state (an A.T that remembers the x's it saw and fits its answer
    to them, as one pair allowed): write V and W for the answers stacked as columns. If every
    cross product holds, VᵀY = XᵀW. For z in the null space of X (not zero, since p > n):
    YᵀVz = WᵀXz = 0, and Y has rank m, so Vz = 0: V = BX for a linear B, the same for every
    answer. Then Xᵀ(W - BᵀY) = 0 and X has rank n, so W = BᵀY. Whatever the answers depend on
    (order, history, the inputs seen so far), passing means they are those of one linear map B
    and its exact transpose; what B is the value cases judge. Random Gaussian X and Y have full
    rank; the tolerance is relative to each pair's own size, so near-misses are near-linear maps.
    """
    if actual is None:
        return not_implemented("A @ x or A.T @ y returned None: not implemented yet.")
    xs, ys = np.asarray(inputs["xs"]), np.asarray(inputs["ys"])
    (p, n), (q, m) = xs.shape, ys.shape
    if p <= n or q < m:
        raise ValueError(f"the adjoint check needs more x's than their length and at least as many y's as theirs; "
                         f"the spec gives {p} of length {n} and {q} of length {m}")
    if not isinstance(actual, (tuple, list)) or len(actual) != 2 or not all(isinstance(a, list) for a in actual):
        return f"expected two lists of products back from the harness, got {describe(actual)}"
    forward, backward = actual
    for name, products, length in (("A @ x", forward, m), ("A.T @ y", backward, n)):
        for product in products:
            if not isinstance(product, np.ndarray) or product.shape != (length,) or product.dtype.kind not in "biuf":
                return (f"{name} returned {describe(product)}; for an operator from R^{n} to R^{m} (n={n}, r={n - m + 1}) "
                        f"it must be a real array of shape ({length},).")
    if len(forward) != p or len(backward) != q:
        return "the harness did not get every product back"
    V, W = np.array(forward, dtype=float), np.array(backward, dtype=float)
    if not np.any(V) or not np.any(W):
        # The zero operator is its own adjoint; a nonzero kernel applied to random inputs is not zero.
        return ("A @ x or A.T @ y is all zeros for a nonzero kernel and random inputs, so the identity "
                "<A x, y> = <x, A.T y> holds only trivially. Entry i of A @ x is k_1 x_i + ... + k_r x_{i+r-1}.")
    left, right = V @ ys.T, xs @ W.T  # [i, j]: <A x_i, y_j> and <x_i, A.T y_j>
    scale = np.maximum(np.outer(np.linalg.norm(V, axis=1), np.linalg.norm(ys, axis=1))
                       + np.outer(np.linalg.norm(xs, axis=1), np.linalg.norm(W, axis=1)), 1e-300)
    relative = np.abs(left - right) / scale
    if not np.all(np.isfinite(relative)):
        return "A @ x or A.T @ y contains NaN or inf for finite inputs."
    bad = relative > rtol
    if bad.any():
        i, j = np.unravel_index(np.argmax(relative), relative.shape)
        return (f"<A x, y> and <x, A.T y> differ for {int(bad.sum())} of the {p * q} pairs of {p} x's and {q} y's "
                f"(largest relative difference {relative[i, j]:.2g}, for x number {i + 1} and y number {j + 1}): "
                "A.T is not the transpose of A. Row i of A holds k_1..k_r starting at column i; work out which "
                "entries of y multiply k_j in entry j of A.T @ y, and make sure neither product depends on anything "
                "but k and its input.")
    return None

