import numpy as np
import torch
from torch.func import functional_call, grad


def compute_features(model, X):
    names = [name for name, _ in model.named_parameters()]
    params = dict(model.named_parameters())

    def y(p, x):
        return functional_call(model, p, (x[None],))[0, 0]

    rows = []
    for x in X:
        g = grad(y)(params, x)
        rows.append(torch.cat([g[name].flatten() for name in names]))
    return torch.stack(rows).detach().numpy()


def principal_features(feature_matrix):
    """Through the eigendecomposition of F^T F = V diag(s^2) V^T."""
    F = np.asarray(feature_matrix, dtype=np.float64)
    eigenvalues, V = np.linalg.eigh(F.T @ F)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, V = eigenvalues[order], V[:, order]
    s = np.sqrt(np.maximum(eigenvalues[:min(F.shape)], 0.0))
    return s, F @ V
