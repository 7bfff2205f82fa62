"""Features from the local linearization of a small ReLU network, and their principal components.

Around its current parameters theta, a network is approximately linear in theta:
y(x; theta + delta) ~ y(x; theta) + sum_k (d y(x) / d theta_k) delta_k. The derivatives are the
features of that linear model; the SVD of the n x d feature matrix tells which combinations of
parameters gradient descent moves fastest (EECS 182, "Visualizing features from local linearization").
"""

import numpy as np
import torch
from torch.func import functional_call, jacrev, vmap


def compute_features(model, X):
    """The (n, d) feature matrix: row j is the gradient of the scalar model(X[j:j+1]) with respect
    to every parameter, each flattened (row-major) and concatenated in model.parameters() order."""
    params = {name: p.detach() for name, p in model.named_parameters()}

    def output(p, x):
        return functional_call(model, p, (x.unsqueeze(0),)).reshape(())

    X = torch.as_tensor(X)
    jacobians = vmap(jacrev(output), in_dims=(None, 0))(params, X)
    return torch.cat([jacobians[name].reshape(len(X), -1) for name in params], dim=1).numpy()


def principal_features(feature_matrix):
    """(s, P): the singular values of F in descending order, and the principal features P = F V."""
    u, s, vh = np.linalg.svd(feature_matrix)
    return s, feature_matrix @ vh.T
