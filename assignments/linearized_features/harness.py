"""Calls into the student's linearized_features.py; runs in the student process (and for the reference).

Networks are built here from the case's seed, the same way in both processes, so the reference and
the student see bit-identical parameters. A None from the student is passed straight back, so the
grader can say "not implemented" instead of reporting an error from our own code.
"""

import numpy as np
import torch
from torch import nn

import linearized_features

torch.set_num_threads(1)
_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def features(seed, X, width, depth, train_steps):
    model = network(seed, X.shape[1], width, depth, X.dtype, train_steps)
    return linearized_features.compute_features(model, torch.from_numpy(X))


def principal(F):
    return linearized_features.principal_features(F)


def singular_values(F):
    result = linearized_features.principal_features(F)
    return result[0] if isinstance(result, (tuple, list)) and len(result) == 2 else result


def network_principal(seed, X, width, depth):
    return principal(_staff_features(network(seed, X.shape[1], width, depth, X.dtype), X))


def network_singular_values(seed, X, width, depth):
    return singular_values(_staff_features(network(seed, X.shape[1], width, depth, X.dtype), X))


def pipeline(seed, X, width, depth, train_steps):
    """The notebook's use: the student's features of a network, then their SVD."""
    F = features(seed, X, width, depth, train_steps)
    if F is None:
        return None
    F = F.detach().cpu().numpy() if isinstance(F, torch.Tensor) else np.asarray(F)
    return linearized_features.principal_features(F)


def network(seed, in_features, width, depth, dtype, train_steps=0):
    """The course's network, nn.Sequential(Linear, ReLU, ..., Linear) with one output, in PyTorch's
    default initialization from `seed`, then `train_steps` of gradient descent on a fixed curve."""
    torch.manual_seed(seed)
    dtype = _DTYPES[np.dtype(dtype)]
    sizes = [in_features] + [width] * depth + [1]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out, dtype=dtype), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    x = torch.linspace(-1, 1, 16 * in_features, dtype=dtype).reshape(16, in_features)
    y = torch.sin(3 * x.sum(dim=1, keepdim=True))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(train_steps):
        optimizer.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        optimizer.step()
    model.zero_grad(set_to_none=True)
    return model


def _staff_features(model, X):
    """Our own feature matrix for the principal_features cases, so that they never depend on the
    student's compute_features."""
    params = list(model.parameters())
    rows = [torch.cat([g.reshape(-1) for g in torch.autograd.grad(model(x.unsqueeze(0)).sum(), params)])
            for x in torch.from_numpy(X)]
    return torch.stack(rows).numpy()
