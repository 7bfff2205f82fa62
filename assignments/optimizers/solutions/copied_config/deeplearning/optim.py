"""Update rules that never mutate their inputs: each returns a fresh config dict."""

import math

import numpy as np


def _with_defaults(config, **defaults):
    """A new dict: the caller's entries over the defaults."""
    return {**defaults, **(config or {})}


def sgd(w, dw, config=None):
    config = _with_defaults(config, learning_rate=1e-2)
    return w - config['learning_rate'] * dw, config


def sgd_momentum(w, dw, config=None):
    config = _with_defaults(config, learning_rate=1e-2, momentum=0.9)
    lr, mu = config['learning_rate'], config['momentum']
    v_old = config.get('velocity', np.zeros_like(w))
    next_w = w - lr * mu * v_old - lr * dw
    config['velocity'] = mu * v_old + dw
    return next_w, config


def rmsprop(w, dw, config=None):
    config = _with_defaults(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8, cache=np.zeros_like(w))
    rho = config['decay_rate']
    cache = rho * config['cache'] + (1 - rho) * np.square(dw)
    next_w = w - (config['learning_rate'] / (np.sqrt(cache) + config['epsilon'])) * dw
    config['cache'] = cache
    return next_w, config


def adam(w, dw, config=None):
    config = _with_defaults(config, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8,
                            m=np.zeros_like(w), v=np.zeros_like(w), t=0)
    b1, b2 = config['beta1'], config['beta2']
    t = config['t'] + 1
    m = config['m'] + (1 - b1) * (dw - config['m'])
    v = b2 * config['v'] + (1 - b2) * dw * dw
    # torch.optim.Adam's arrangement; math.sqrt keeps the scalars Python floats, so float32 stays float32.
    step_size = config['learning_rate'] / (1 - b1 ** t)
    denom = np.sqrt(v) / math.sqrt(1 - b2 ** t) + config['epsilon']
    next_w = w - step_size * m / denom
    config.update(m=m, v=v, t=t)
    return next_w, config
