import numpy as np
import torch


def compute_features(model, X):
    rows = []
    for j in range(X.shape[0]):
        model.zero_grad()
        y = model(X[j:j + 1])
        y.backward()
        rows.append(np.concatenate([p.grad.detach().numpy().flatten() for p in model.parameters()]))
    return np.stack(rows)


def principal_features(feature_matrix):
    u, s, vh = np.linalg.svd(feature_matrix)
    return s, feature_matrix @ vh.T
