"""Gradient descent with momentum in the form of the homework's problem "Accelerating Gradient
Descent with Momentum": the gradient is smoothed before each step,

    z_{t+1} = (1 - beta) * z_t + beta * g_t,    g_t = grad L(w_t)
    w_{t+1} = w_t - stepsize * z_{t+1}

on the least-squares loss L(w) = ||X w - y||^2, whose gradient is 2 X^T (X w - y).
"""

import numpy as np


def run_gdm(X, y, w0, stepsize, beta, maxiter):
    """
    Runs `maxiter` steps of gradient descent with momentum from w0.

    Inputs:
    - X: Array of shape (n, d).
    - y: Array of shape (n,).
    - w0: Array of shape (d,), the starting point.
    - stepsize: The learning rate eta.
    - beta: How much of the new gradient enters the smoothed gradient (beta = 1 is plain
      gradient descent).
    - maxiter: Number of steps.

    As in the course notebook's runGDM, the smoothed gradient of the first step is the raw
    gradient at w0: z_1 = g_0.

    Returns:
    - ws: Array of shape (maxiter, d); ws[i] is w after i + 1 steps (w0 is not included).
    """
    ws = None
    ###########################################################################
    # TODO: Run the iteration above and collect the iterates in ws.           #
    ###########################################################################
    w = w0
    ws = []
    smoothed_grad = None
    for _ in range(maxiter):
        grad = 2 * X.T @ (X @ w - y)
        if smoothed_grad is None:
            smoothed_grad = grad
        smoothed_grad = (1 - beta) * smoothed_grad + beta * grad
        w = w - stepsize * smoothed_grad
        ws.append(w)
    ws = np.array(ws)
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    return ws
