"""Calls into the student's `deeplearning` package; runs in the student process (and for the reference).

Each function imports the one module it grades (optim, classifiers.fc_net or solver) when it is
called, so a file that cannot be imported costs only the cases that use it. Every function hands
the student fresh copies of the arrays it owns, so in-place and out-of-place updates are graded
alike, and passes the student's None straight back, so the grader can say "not implemented"
instead of reporting an error from our own arithmetic.
"""

import contextlib
import importlib
import math
import types

import numpy as np

# What each rule must keep in `config` between calls (the course's key names).
STATE_KEYS = {"sgd": (), "sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v", "t")}


def _student(module):
    return importlib.import_module(f"deeplearning.{module}")


# --- optim.py ------------------------------------------------------------------------------------

def step(rule, w, dw, **config):
    """One call of optim.<rule>(w, dw, config) with the given config entries."""
    return _one_step(rule, w, dw, dict(config))


def step_without_config(rule, w, dw):
    """One call with config=None: every hyper-parameter and state takes its default."""
    return _one_step(rule, w, dw, None)


def linspace_step(rule, shape, linspace, config):
    """One call on the course notebook's fixed arrays: `linspace` maps w, dw and the state the
    config is given to (start, stop) of np.linspace(start, stop, num=size).reshape(shape)."""
    size = math.prod(shape)
    arrays = {name: np.linspace(start, stop, num=size).reshape(shape) for name, (start, stop) in linspace.items()}
    w, dw = arrays.pop("w"), arrays.pop("dw")
    return _one_step(rule, w, dw, {**config, **arrays})


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


def _call(rule, w, dw, config):
    out = getattr(_student("optim"), rule)(np.array(w, copy=True), np.array(dw, copy=True), config)
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


# --- classifiers/fc_net.py -----------------------------------------------------------------------

def init_params(dims, initialization, weight_scale, dtype, seed):
    """Every parameter of FullyConnectedNet(dims[1:-1], input_dim=dims[0], num_classes=dims[-1], ...)
    built right after np.random.seed(seed)."""
    return _network_params(dims, initialization, weight_scale, dtype, seed)


def init_twice(dims, initialization, weight_scale, dtype, seed):
    """The parameters built after np.random.seed(seed), again after the same seed, and after another seed."""
    return tuple(_network_params(dims, initialization, weight_scale, dtype, s) for s in (seed, seed, seed + 1))


def _network_params(dims, initialization, weight_scale, dtype, seed):
    network = _student("classifiers.fc_net").FullyConnectedNet
    np.random.seed(seed)
    net = network(list(dims[1:-1]), input_dim=dims[0], num_classes=dims[-1], weight_scale=weight_scale,
                  dtype=getattr(np, dtype), initialization=initialization)
    return dict(getattr(net, "params", None) or {})


# --- solver.py -----------------------------------------------------------------------------------

def grad_norm_history(X_train, y_train, X_val, y_val, W1, b1, W2, b2, learning_rate, lr_decay,
                      batch_size, num_epochs, seed):
    """Solver.log_grad_norm_history after train(), with record_grad_norm=True and then with False.

    Only the student's solver.py takes part: the model is StaffNet and the update rule staff_sgd,
    so a wrong optim.py or fc_net.py cannot change the verdict. np.random is seeded before each
    run because the Solver draws its minibatches with np.random.choice.
    """
    solver = _student("solver")
    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    histories = {}
    for record in (True, False):
        model = StaffNet({"W1": W1, "b1": b1, "W2": W2, "b2": b2})
        np.random.seed(seed)
        with _staff_rules_in(solver):
            run = solver.Solver(model, data, update_rule="sgd", optim_config={"learning_rate": learning_rate},
                                lr_decay=lr_decay, batch_size=batch_size, num_epochs=num_epochs,
                                verbose=False, record_grad_norm=record)
            run.update_rule = staff_sgd  # also for a Solver that found its rule some other way
            run.train()
        histories[f"record_grad_norm={record}"] = _history(run)
    return histories


def staff_sgd(w, dw, config=None):
    """The course's sgd, out of place (the gradient the student averages is never touched)."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


@contextlib.contextmanager
def _staff_rules_in(solver):
    """The Solver looks its update rule up with getattr(optim, name) in its own module: for this
    run that `optim` is staff code, not the student's optim.py."""
    missing = object()
    saved = solver.__dict__.get("optim", missing)
    solver.optim = types.SimpleNamespace(sgd=staff_sgd)
    try:
        yield
    finally:
        if saved is missing:
            del solver.optim
        else:
            solver.optim = saved


def _history(run):
    history = getattr(run, "log_grad_norm_history", None)
    if not isinstance(history, (list, tuple, np.ndarray)):
        raise TypeError(f"Solver.log_grad_norm_history should be a list of numbers; it is {type(history).__name__}")
    try:
        return np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("Solver.log_grad_norm_history should hold one number per iteration (the mean of that "
                        "iteration's gradient norms); some entries are not numbers") from None


class StaffNet:
    """affine - relu - affine - softmax in float64 numpy: the model the grad_norm cases train.
    Deterministic, and independent of the student's fc_net.py and layers.py."""

    def __init__(self, params):
        self.params = {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}

    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        X = X.reshape(X.shape[0], -1)
        hidden_in = X @ W1 + b1
        hidden = np.maximum(hidden_in, 0)
        scores = hidden @ W2 + b2
        if y is None:
            return scores
        n = X.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(n), y].mean()
        dscores = np.exp(log_probs)
        dscores[np.arange(n), y] -= 1
        dscores /= n
        dhidden = (dscores @ W2.T) * (hidden_in > 0)
        grads = {"W1": X.T @ dhidden, "b1": dhidden.sum(axis=0), "W2": hidden.T @ dscores, "b2": dscores.sum(axis=0)}
        return loss, grads
