"""Staff checks of linearized_features; run in the grader on the student's returned data.

Both parts come down to a matrix of output derivatives, one row per input and one column per
parameter entry: the feature matrix collect_output_features returns, and the lines
backward_and_plot_grad draws (line `0.weight.3` is a column). They are compared entry by entry
with the reference's, and a wrong matrix is examined for the mistakes students make: gradients
that add up from one input to the next (never cleared, or cleared once before the loop), all
zeros (cleared after backward), the right columns in another order, only some layers. Messages
name rows, columns and parameters, never an expected value or an input.
"""

import re

import numpy as np

from autograder import describe, not_implemented, property_check

_SAFE_LABEL = re.compile(r"^[\w.\[\]-]{1,40}$")  # shown to the student as is; any other label is not


@property_check
def drawn_derivatives(actual, *, expected, inputs, params, rtol, atol):
    """The lines of one parameter group's plot, as the harness read them from the figures."""
    group = params["group"]
    wanted = [line["label"] for line in expected]
    if not actual:
        return ("backward_and_plot_grad drew no lines. It should plot one line per entry of the group "
                f"`{group}` ({len(wanted)} lines), as the handout's plotting code does after your two lines.")
    problem = _labels_problem([line["label"] for line in actual], wanted, group)
    if problem:
        return problem
    drawn = {line["label"]: line for line in actual}
    n = len(expected[0]["x"])
    for label in wanted:
        x = drawn[label]["x"]
        if x.shape != (n,):
            return (f"line `{label}` has {x.size} points; expected {n}, one per input of X. Collect one derivative "
                    "per input, then plot them all against X.")
    elsewhere = ~np.all(np.abs(np.stack([drawn[label]["x"] for label in wanted])
                               - np.stack([line["x"] for line in expected])) <= 1e-12, axis=1)
    if elsewhere.any():
        return (f"line `{wanted[int(np.argmax(elsewhere))]}` is drawn at other x positions than the inputs X. Plot "
                "each line against X, in the order of the inputs (plt.plot(X, values)).")
    truth = np.stack([line["y"] for line in expected], axis=1)
    mine = np.stack([drawn[label]["y"] for label in wanted], axis=1)
    return _matrix_problem(truth, mine, rtol, atol, [f"line `{label}`" for label in wanted], "the plot",
                           columns_may_move=False)


@property_check
def feature_matrix(actual, *, expected, inputs, params, rtol, atol):
    """collect_output_features' (n, d) matrix."""
    if actual is None:
        return not_implemented("collect_output_features returned None: it looks not implemented yet.")
    try:
        mine = np.asarray(actual) if isinstance(actual, (np.ndarray, list)) else actual
    except ValueError:  # rows of different lengths
        mine = None
    if not isinstance(mine, np.ndarray) or mine.dtype.kind not in "biuf":
        return f"collect_output_features returned {describe(actual)}; expected a numpy array of floats."
    n, d = expected.shape
    parameters = parameter_shapes(params["width"], params["depth"])
    if mine.shape != (n, d):
        return _shape_problem(mine.shape, n, d, parameters)
    names = [f"column {j} (`{name}` entry {k})" for j, (name, k) in enumerate(
        (name, k) for name, shape in parameters for k in range(int(np.prod(shape))))]
    return _matrix_problem(expected, mine, rtol, atol, names, "the feature matrix", columns_may_move=True)


def parameter_shapes(width, depth):
    """(name, shape) of every parameter of the course's network, in model.parameters() order."""
    sizes = [1] + [width] * depth + [1]
    out = []
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        out += [(f"{2 * layer}.weight", (fan_out, fan_in)), (f"{2 * layer}.bias", (fan_out,))]
    return out


def _labels_problem(labels, wanted, group):
    expected_set, counts = set(wanted), {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    first, last = wanted[0], wanted[-1]
    span = f"`{first}`" if len(wanted) == 1 else f"`{first}` to `{last}`"
    what = f"one line per entry of `{group}`: {len(wanted)} lines labelled {span}"
    missing = [label for label in wanted if label not in counts]
    extra = [label for label in counts if label not in expected_set]
    twice = [label for label in wanted if counts.get(label, 0) > 1]
    if not missing and not extra and not twice:
        return None
    message = f"the plot should have {what}; yours has {len(labels)} lines."
    if twice:
        message += f" `{twice[0]}` is drawn {counts[twice[0]]} times: draw each line once."
    elif missing:
        message += f" None is labelled `{missing[0]}`."
    if extra:
        shown = [label for label in extra if _SAFE_LABEL.match(label)]
        named = f" (such as `{shown[0]}`)" if shown else ""
        message += (f" {len(extra)} of them have other labels{named}: keep the handout's labels, "
                    "f'{name}.{index}', and plot only the parameters vis_name selects ('all': every one).")
    return message


def _shape_problem(shape, n, d, parameters):
    expected = (f"expected shape ({n}, {d}): one row per input and one column per entry of every weight and bias "
                f"({', '.join(name for name, _ in parameters)}), in model.parameters() order")
    if len(shape) != 2:
        return f"collect_output_features returned an array of shape {shape}; {expected}. Stack one row per input."
    if shape == (d, n) and n != d:
        return f"collect_output_features returned shape {shape}, which looks transposed; {expected}."
    if shape[0] != n:
        return f"collect_output_features returned {shape[0]} rows for {n} inputs; {expected}."
    covered, names = 0, []
    for name, size in ((name, int(np.prod(s))) for name, s in parameters):
        covered += size
        names.append(f"`{name}`")
        if covered == shape[1] and covered < d:
            return (f"collect_output_features returned {shape[1]} columns, as many as {', '.join(names)} have; "
                    f"{expected}. The output layer's parameters are features too.")
    return f"collect_output_features returned shape {shape}; {expected}."


def _matrix_problem(truth, mine, rtol, atol, column_names, what, columns_may_move):
    """None if `mine` matches `truth` (n inputs x d entries), else what is wrong, diagnosed;
    `columns_may_move`: whether the columns' order is the student's (lines are matched by label)."""
    n = truth.shape[0]
    if not np.isfinite(mine).all():
        i, j = np.argwhere(~np.isfinite(mine))[0]
        return f"{what} holds NaN or inf (first at input {i}, {column_names[j]})."
    error = np.abs(mine - truth)
    bad = error > atol + rtol * np.abs(truth)
    if not bad.any():
        return None
    # Looser than passing: a diagnosis must survive the rounding of float32 sums over many inputs.
    close = dict(rtol=max(rtol, 1e-4), atol=max(atol, 1e-5 * float(np.abs(mine).max())))
    if not mine.any():
        return (f"every derivative in {what} is 0. Clear the gradients before backward(), not after: clearing "
                "them after backward() throws away what it just computed.")
    if n > 1 and np.allclose(np.diff(mine, axis=0), truth[1:], **close):
        start = ("the first input's derivatives are right, but each later row is the previous row plus the right "
                 "derivatives" if not bad[0].any() else "each row is the previous row plus the right derivatives, "
                 "and the first also holds the gradients training left in .grad")
        return (f"in {what}, {start}: the gradients add up from one input to the next. backward() adds into "
                "param.grad, so clear the gradients (model.zero_grad()) inside the loop, before each backward().")
    permutation = _column_permutation(truth, mine, close) if columns_may_move else None
    if permutation is not None:
        j = next(j for j, k in enumerate(permutation) if k != j)
        return (f"{what} has the right derivatives in another column order: {column_names[j]} holds what belongs "
                f"in {column_names[permutation[j]]}. Concatenate the gradients in model.parameters() order (layer "
                "by layer, weight before bias), each flattened with .reshape(-1).")
    i, j = np.unravel_index(np.argmax(np.where(bad, error, -1.0)), bad.shape)
    first_i, first_j = np.argwhere(bad)[0]
    return (f"{what} is wrong in {int(bad.sum())} of {bad.size} derivatives (tolerance |error| <= {atol:g} + "
            f"{rtol:g}·|expected|); the largest error, {error[i, j]:.3g}, is at input {i}, {column_names[j]}; the "
            f"first at input {first_i}, {column_names[first_j]}.")


def _column_permutation(truth, mine, close):
    """p with mine[:, j] == truth[:, p[j]] for every j, other than the identity; else None."""
    d = truth.shape[1]
    tolerance = close["atol"] + close["rtol"] * np.abs(truth)  # np.allclose(mine[:, j], truth[:, k]) for every k
    used, permutation = set(), []
    for j in range(d):
        matches = np.all(np.abs(truth - mine[:, j:j + 1]) <= tolerance, axis=0)
        if matches[j] and j not in used:  # most columns are where they belong
            k = j
        else:
            k = next((int(k) for k in np.flatnonzero(matches) if k not in used), None)
        if k is None:
            return None
        used.add(k)
        permutation.append(k)
    return None if permutation == list(range(d)) else permutation
