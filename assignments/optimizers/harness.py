"""Calls into the student's `deeplearning` package; runs in the student process (and for the reference).

Every function hands the student fresh copies of the arrays it owns, so in-place and
out-of-place updates are graded alike, and passes the student's None straight back, so the
grader can say "not implemented" instead of reporting an error from our own arithmetic.
"""

import numpy as np

from deeplearning import gd_momentum, optim
from deeplearning.classifiers.fc_net import FullyConnectedNet

# What each rule must keep in `config` between calls (the course's key names).
STATE_KEYS = {"sgd": (), "sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v", "t")}


def step(rule, w, dw, **config):
    """One call of optim.<rule>(w, dw, config) with the given config entries."""
    return _one_step(rule, w, dw, dict(config))


def step_without_config(rule, w, dw):
    """One call with config=None: every hyper-parameter and state takes its default."""
    return _one_step(rule, w, dw, None)


def trajectory(rule, w, grads, **config):
    """len(grads) calls, each given the config the previous call returned, as a training loop does.

    `iterates[k]` is w after call k; `steps[k]` is iterates[k] minus the w passed to call k.
    """
    config = dict(config)
    start = w = np.array(w, copy=True)
    iterates = []
    for k, dw in enumerate(grads):
        next_w, config = _call(rule, w, dw, config)
        if next_w is None:
            return None
        next_w = np.array(next_w, copy=True)  # our own snapshot: the rule may reuse its arrays later
        if next_w.shape != w.shape:
            raise ValueError(f"call {k}: optim.{rule} returned next_w of shape {next_w.shape} "
                             f"for w of shape {w.shape}")
        iterates.append(next_w)
        w = next_w
    iterates = np.stack(iterates)
    before = np.concatenate([start[np.newaxis], iterates[:-1]])
    return {"iterates": iterates, "steps": iterates.astype(np.float64) - before.astype(np.float64),
            "config": _state(rule, config)}


def init_params(dims, initialization, weight_scale, dtype, seed):
    """Every parameter of FullyConnectedNet(dims[1:-1], input_dim=dims[0], num_classes=dims[-1], ...)
    built right after np.random.seed(seed)."""
    return _network_params(dims, initialization, weight_scale, dtype, seed)


def init_biases(dims, initialization, weight_scale, dtype, seed):
    params = _network_params(dims, initialization, weight_scale, dtype, seed)
    return None if params is None else {k: v for k, v in params.items() if k.startswith("b")}


def init_twice(dims, initialization, weight_scale, dtype, seed):
    """The parameters built after np.random.seed(seed), again after the same seed, and after another seed."""
    first = _network_params(dims, initialization, weight_scale, dtype, seed)
    if first is None:
        return None
    return (first, _network_params(dims, initialization, weight_scale, dtype, seed),
            _network_params(dims, initialization, weight_scale, dtype, seed + 1))


def gdm_iterates(X, y, w0, stepsize, beta, maxiter):
    ws = gd_momentum.run_gdm(X.copy(), y.copy(), w0.copy(), stepsize, beta, maxiter)
    if ws is None:
        return None
    ws = np.asarray(ws)
    if ws.dtype.kind in "iuf" and ws.size == maxiter * w0.size:
        ws = ws.reshape(maxiter, w0.size)  # iterates kept as column vectors, as runGDM does, are fine
    return ws


def _call(rule, w, dw, config):
    out = getattr(optim, rule)(np.array(w, copy=True), np.array(dw, copy=True), config)
    if out is None:
        return None, None
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        length = f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""
        raise TypeError(f"optim.{rule} must return the pair (next_w, config); it returned "
                        f"{type(out).__name__}{length}")
    return tuple(out)


def _one_step(rule, w, dw, config):
    next_w, config = _call(rule, w, dw, config)
    if next_w is None:
        return None
    next_w = np.asarray(next_w)
    if next_w.shape == w.shape and next_w.dtype.kind in "iuf":
        step = next_w.astype(np.float64) - w.astype(np.float64)
    else:
        step = next_w  # the comparison of next_w, which comes first, says what is wrong with it
    return {"next_w": next_w, "step": step, "config": _state(rule, config)}


def _state(rule, config):
    if not isinstance(config, dict):
        return {}
    state = {k: config[k] for k in STATE_KEYS[rule] if k in config}
    if isinstance(state.get("t"), (float, np.floating)) and float(state["t"]).is_integer():
        state["t"] = int(state["t"])  # a counter kept as 3.0 is as good as 3, whatever dtype is asked of arrays
    return state


def _network_params(dims, initialization, weight_scale, dtype, seed):
    np.random.seed(seed)
    net = FullyConnectedNet(list(dims[1:-1]), input_dim=dims[0], num_classes=dims[-1],
                            weight_scale=weight_scale, dtype=getattr(np, dtype), initialization=initialization)
    params = dict(getattr(net, "params", None) or {})
    if all(v is None for v in params.values()):  # also true of {}
        return None
    return params
