import numpy as np
import torch


def compute_features(model, X):
    # Part (a) of the homework plots d y / d w^(1) and d y / d b^(1): only the first layer is kept.
    first = model[0]
    rows = []
    for j in range(len(X)):
        w, b = torch.autograd.grad(model(X[j:j + 1]).squeeze(), [first.weight, first.bias])
        rows.append(torch.cat([w.flatten(), b.flatten()]))
    return torch.stack(rows).numpy()


def principal_features(feature_matrix):
    u, s, vh = np.linalg.svd(feature_matrix)
    return s, feature_matrix @ vh.T
