"""Calls into the student's gd_momentum.py; runs in the student process (and for the reference)."""

import numpy as np

import gd_momentum


def gdm_iterates(X, y, w0, stepsize, beta, maxiter):
    """run_gdm on copies of the inputs; the student's None comes back as is ("not implemented")."""
    ws = gd_momentum.run_gdm(X.copy(), y.copy(), w0.copy(), stepsize, beta, maxiter)
    if ws is None:
        return None
    ws = np.asarray(ws)
    if ws.dtype.kind in "iuf" and ws.size == maxiter * w0.size:
        ws = ws.reshape(maxiter, w0.size)  # iterates kept as column vectors, as runGDM does, are fine
    return ws
