import numpy as np
import torch


def compute_features(model, X):
    rows = []
    for j in range(len(X)):
        model.zero_grad()
        model(X[j:j + 1]).backward()
        rows.append(torch.cat([p.grad.reshape(-1) for p in model.parameters()]))
    return torch.stack(rows).numpy()


def principal_features(feature_matrix):
    F = feature_matrix
    k = min(F.shape)
    eigenvalues, V = np.linalg.eigh(F.T @ F)  # ascending order
    s = np.sqrt(np.maximum(eigenvalues[-k:], 0))
    return s, F @ V[:, -k:]
