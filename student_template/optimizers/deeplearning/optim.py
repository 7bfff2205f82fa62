"""
First-order update rules for training neural networks.

Every rule has the same signature:

    next_w, config = rule(w, dw, config=None)

- w: numpy array, the current weights.
- dw: numpy array of the same shape, the gradient of the loss with respect to w.
- config: dict of hyper-parameters (learning rate, momentum, ...) and of the state a rule carries
  from one call to the next (velocity, cache, moments). None means "all defaults, no state yet".

A rule returns the new weights and the config to pass to its next call. It may update w in place
and return it as next_w.

Hyper-parameters that are not given take the defaults set with config.setdefault below. The
default learning rates are a starting point, not a tuned value.
"""

import numpy as np


def sgd(w, dw, config=None):
    """
    Plain stochastic gradient descent: next_w = w - learning_rate * dw.

    config:
    - learning_rate: step size (default 1e-2).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """
    Stochastic gradient descent with momentum:

        v = momentum * v + dw
        next_w = w - learning_rate * v

    config:
    - learning_rate: step size (default 1e-2).
    - momentum: how much of the previous velocity is kept, between 0 and 1 (default 0.9);
      momentum = 0 is plain sgd.
    - velocity: array shaped like w, the running velocity (zeros on the first call).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    next_w = None
    # TODO: update the velocity v with the new gradient, then step from w along the
    # velocity; put the new weights in next_w. The code below stores v in config.
    raise NotImplementedError("Implement sgd_momentum in deeplearning/optim.py.")
    # END TODO
    config["velocity"] = v

    return next_w, config


def rmsprop(w, dw, config=None):
    """
    RMSProp (OPTIONAL): a running average of squared gradients scales the step of each entry:

        cache = decay_rate * cache + (1 - decay_rate) * dw**2
        next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)

    config:
    - learning_rate: step size (default 1e-2).
    - decay_rate: how much of the previous cache is kept, between 0 and 1 (default 0.99).
    - epsilon: small number that keeps the division finite (default 1e-8).
    - cache: array shaped like w, the running average of dw**2 (zeros on the first call).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))

    next_w = None
    # TODO: update the cache, take the step into next_w, and store the new cache in
    # config["cache"] for the next call.
    raise NotImplementedError("Implement rmsprop in deeplearning/optim.py.")
    # END TODO

    return next_w, config


def adam(w, dw, config=None):
    """
    Adam: running averages of the gradient (m) and of its square (v), corrected for their
    start at zero. The step counter t is incremented before it is used, so the first call
    uses t = 1:

        t = t + 1
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw**2
        mt = m / (1 - beta1**t)
        vt = v / (1 - beta2**t)
        next_w = w - learning_rate * mt / (sqrt(vt) + epsilon)

    config:
    - learning_rate: step size (default 1e-3).
    - beta1: how much of the previous m is kept (default 0.9).
    - beta2: how much of the previous v is kept (default 0.999).
    - epsilon: small number that keeps the division finite (default 1e-8).
    - m, v: arrays shaped like w (zeros on the first call).
    - t: number of calls so far (0 on the first call).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    next_w = None
    # TODO: take one Adam step into next_w, and store the new m, v and t in config (the
    # moving averages m and v, not their corrected versions).
    raise NotImplementedError("Implement adam in deeplearning/optim.py.")
    # END TODO

    return next_w, config
