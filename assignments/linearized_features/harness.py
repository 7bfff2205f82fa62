"""Calls into the student's q_linearized_features notebook; runs in the student process (and for the reference).

The harness builds what the notebook's own cells would: the data (sorted inputs in [0, 1], and the
plotting inputs X_test = X plus an even grid) and the course's networks (`nn.Sequential` of
`nn.Linear` and `nn.ReLU`, first-layer elbows inside [0, 1]), at initialization or after some
steps of gradient descent. Both come from the case's seed, the same way in both processes, so the
reference and the student see bit-identical parameters. Only plain data goes back: the lines a
call drew, the feature matrix, (s, P).
"""

import matplotlib.pyplot  # noqa: F401  (what the notebook draws with)
import numpy as np
import torch
from torch import nn

import autograder_figures
import q_linearized_features as notebook

torch.set_num_threads(1)
_DTYPES = {"float32": torch.float32, "float64": torch.float64}
# Few large steps: 60 of 0.25 reach the loss of 300 of 0.05 to three digits, at a fifth of the cost
# (training 300 steps was a quarter of a grading's compute).
LEARNING_RATE = 0.25


def drawn_derivatives(seed, n_train, n_grid, width, depth, dtype, train_steps, group):
    """Part (a): the lines backward_and_plot_grad draws on X_test for one parameter group."""
    model = network(seed, width, depth, dtype, train_steps)
    X_test = data(seed, n_train, n_grid)[2]
    _, figures = autograder_figures.capture(notebook.backward_and_plot_grad, X_test, model, vis_name=group,
                                            title=f"{group} of width {width}")
    return [{"label": line["label"], "x": line["x"], "y": line["y"]}
            for figure in figures for axes in figure["axes"] for line in axes["lines"]]


def output_features(seed, n_train, width, depth, dtype, train_steps):
    """Part (b): collect_output_features on the training inputs."""
    model = network(seed, width, depth, dtype, train_steps)
    return notebook.collect_output_features(data(seed, n_train, 0)[0], model)


def svd_plot_features(seed, n_train, n_grid, width, depth, dtype, train_steps):
    """Part (b): compute_svd_plot_features of a network."""
    model = network(seed, width, depth, dtype, train_steps)
    return _principal_features(model, *data(seed, n_train, n_grid))


def linear_svd_plot_features(X, X_test):
    """Part (b) on y = w . x (no bias), whose feature matrix on X is X itself: singular values as
    designed, repeated and zero ones included."""
    torch.manual_seed(0)
    model = nn.Linear(X.shape[1], 1, bias=False, dtype=torch.float64)
    return _principal_features(model, X, np.zeros(len(X)), X_test, np.zeros(len(X_test)))


def _principal_features(model, X, y, X_test, y_test):
    """(s, P) from the student's compute_svd_plot_features, run with our collect_output_features so
    that only its own two lines are graded here, and P cut to its first min(n, d) columns: past the
    singular values, a full_matrices=True SVD's right singular vectors are arbitrary."""
    rank = min(len(X), sum(p.numel() for p in model.parameters()))
    theirs = notebook.collect_output_features
    notebook.collect_output_features = staff_features
    try:
        result, _ = autograder_figures.capture(notebook.compute_svd_plot_features, X, y, X_test, y_test, model,
                                               title="principal features")
    finally:
        notebook.collect_output_features = theirs
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return result
    s, P = result
    if len(getattr(P, "shape", ())) == 2 and P.shape[1] > rank:
        P = P[:, :rank]
    return s, P


def staff_features(inputs, model):
    """Our feature matrix: the output's gradient for each input, in model.parameters() order, in the
    model's dtype. Computed in numpy by backpropagating through the harness's own layers (Linear and
    ReLU) for all inputs at once: a loop of autograd calls gives the same matrix (a test checks it)
    and costs a backward pass per input."""
    parameters = [p.detach().numpy() for p in model.parameters()]
    inputs = np.asarray(inputs, dtype=parameters[0].dtype).reshape(len(inputs), -1)
    return _features(_numpy_layers(model, parameters), inputs)


def _numpy_layers(model, parameters):
    """The model's layers for _features, over `parameters` (arrays in model.parameters() order)."""
    taken = iter(parameters)
    return [(next(taken), None if layer.bias is None else next(taken)) if isinstance(layer, nn.Linear) else None
            for layer in (model if isinstance(model, nn.Sequential) else [model])]


def _forward(layers, X):
    """The output of a stack of layers, each (weight, bias or None) for a Linear and None for a
    ReLU, on the rows of X, and the input of each layer."""
    inputs, h = [], X
    for layer in layers:
        inputs.append(h)
        h = np.maximum(h, 0) if layer is None else h @ layer[0].T + (0 if layer[1] is None else layer[1])
    return h, inputs


def _features(layers, X):
    """The feature matrix of a stack of layers (as `_forward`) on the rows of X: one backward
    pass for the whole batch."""
    h, inputs = _forward(layers, X)
    upstream = np.ones_like(h)  # d output / d output, one row per input
    columns = []
    for layer, h_in in zip(reversed(layers), reversed(inputs)):
        if layer is None:
            upstream = upstream * (h_in > 0)
            continue
        weight, bias = layer
        columns[:0] = [(upstream[:, :, None] * h_in[:, None, :]).reshape(len(X), -1)] + \
                      ([] if bias is None else [upstream])
        upstream = upstream @ weight
    return np.concatenate(columns, axis=1)


def curve(X):
    """The fixed piecewise linear target of the harness's data and training."""
    return np.interp(X[:, 0], [0.0, 0.3, 0.55, 0.8, 1.0], [0.2, 1.0, -0.6, 0.4, -0.2])


def data(seed, n_train, n_grid):
    """As the notebook makes them: X sorted in [0, 1] with noisy labels y, and X_test, the sorted
    union of X and an even grid of n_grid points, with the curve's values y_test."""
    rng = np.random.RandomState(seed)
    X = np.sort(rng.rand(n_train, 1), axis=0)
    y = curve(X) + 0.1 * rng.randn(n_train)
    X_test = np.sort(np.concatenate([X, np.linspace(0, 1, n_grid)[:, None]]), axis=0)
    return X, y, X_test, curve(X_test)


def network(seed, width, depth, dtype, train_steps=0):
    """The course's network with `depth` hidden layers of `width` ReLU units, PyTorch's default
    initialization but the first layer's biases set so that its elbows lie in [0, 1], then
    `train_steps` steps of full-batch gradient descent (LEARNING_RATE) of the mean squared
    error to the curve on 32 even inputs. Like a network the notebook trained, a trained one keeps
    its last step's gradients in .grad."""
    torch.manual_seed(seed)
    sizes = [1] + [width] * depth
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out, dtype=_DTYPES[dtype]), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(width, 1, dtype=_DTYPES[dtype]))
    elbows = np.sort(np.random.default_rng(seed).random(width))  # not data()'s stream: no input on an elbow
    with torch.no_grad():
        model[0].bias.copy_(torch.from_numpy(-elbows * model[0].weight.double().numpy().ravel()))
    # Gradient descent in numpy on the same layers: torch's optimizer costs about 20 times more
    # per step of these small networks.
    parameters = [p.detach().numpy().copy() for p in model.parameters()]
    layers = _numpy_layers(model, parameters)  # updated in place below
    x = np.linspace(0, 1, 32)[:, None]
    x, target = x.astype(parameters[0].dtype), curve(x).astype(parameters[0].dtype)
    gradients = None
    for _ in range(train_steps):
        gradients = _mean_squared_error_gradients(layers, x, target)
        for p, gradient in zip(parameters, gradients):
            p -= LEARNING_RATE * gradient
    with torch.no_grad():
        for p, trained, gradient in zip(model.parameters(), parameters, gradients or [None] * len(parameters)):
            p.copy_(torch.from_numpy(trained))
            if gradient is not None:
                p.grad = torch.from_numpy(gradient)
    return model


def _mean_squared_error_gradients(layers, x, target):
    """The gradient of mean((output - target) ** 2) over the rows of x, one array per parameter in
    order, by backpropagating the whole batch through layers of Linear (with bias) and ReLU."""
    h, inputs = _forward(layers, x)
    upstream = (2 / len(x)) * (h - target[:, None])
    gradients = []
    for layer, h_in in zip(reversed(layers), reversed(inputs)):
        if layer is None:
            upstream = upstream * (h_in > 0)
        else:
            gradients[:0] = [upstream.T @ h_in, upstream.sum(axis=0)]
            upstream = upstream @ layer[0]
    return gradients
