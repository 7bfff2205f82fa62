"""Layers as pairs of functions: `*_forward(...) -> (out, cache)` and `*_backward(dout, cache)`."""

import numpy as np


def affine_forward(x, w, b):
    """x: (N, d_1, ..., d_k), flattened to (N, D); w: (D, M); b: (M,). Returns out (N, M)."""
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    """Returns dx (shaped like x), dw (D, M) and db (M,)."""
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def softmax_loss(x, y):
    """x: (N, C) class scores; y: (N,) labels in [0, C). Returns (mean cross-entropy, dx)."""
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = x.shape[0]
    loss = -log_probs[np.arange(n), y].sum() / n
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return loss, dx / n
