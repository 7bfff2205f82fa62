"""Calls into the student's conv1D.py; runs in the student process (and for the reference).

A None from the student's operator is passed straight back, so the grader can say
"not implemented" instead of reporting a TypeError from our own arithmetic.
"""

import numpy as np

import conv1D


def matvec(k, x):
    return conv1D.Convolution1d(k) @ x


def rmatvec(k, y):
    return conv1D.Convolution1d(k).T @ y


def adjoint_products(k, xs, ys):
    """A @ x for every row x of `xs` and A.T @ y for every row y of `ys`, interleaved, each on an
    operator of its own: what checks.adjoint compares all at once. None if any product is None."""
    forward, backward = [], []
    for i in range(max(len(xs), len(ys))):
        for rows, op, out in ((xs, lambda: conv1D.Convolution1d(k), forward),
                              (ys, lambda: conv1D.Convolution1d(k).T, backward)):
            if i < len(rows):
                product = op() @ np.array(rows[i])
                if product is None:
                    return None
                out.append(product)
    return forward, backward


def gd_objective(r, n, lam, alpha, steps, seed):
    """The handout's driver, with its own Huber functions so that only __matmul__ is graded."""
    np.random.seed(seed)
    k = np.random.randn(r)
    b = np.random.randn(n - r + 1)
    A = conv1D.Convolution1d(k)
    x = np.zeros(n)
    for _ in range(steps):
        Ax = A @ x
        if Ax is None:
            return None
        g = A.T @ _huber_grad(Ax - b)
        if g is None:
            return None
        x = x - alpha * (g + lam * x)
    return float(_huber_loss(A @ x - b) + 0.5 * lam * np.linalg.norm(x) ** 2)


def _huber_loss(x):
    return np.sum(0.5 * x ** 2 * (np.abs(x) <= 1) + (np.abs(x) - 0.5) * (np.abs(x) > 1))


def _huber_grad(x):
    return x * (np.abs(x) <= 1) + np.sign(x) * (np.abs(x) > 1)
