import numpy as np
import scipy.linalg
import torch


def compute_features(model, X):
    params = list(model.parameters())
    grads = [torch.autograd.grad(model(x[None]).squeeze(), params) for x in X]
    return torch.stack([torch.cat([g.reshape(-1) for g in row]) for row in grads]).numpy()


def principal_features(feature_matrix):
    # scipy's other LAPACK driver, then each direction flipped so its largest entry is negative
    u, s, vh = scipy.linalg.svd(feature_matrix, lapack_driver="gesvd")
    v = vh.T
    v = v * -np.sign(v[np.abs(v).argmax(axis=0), np.arange(v.shape[1])])
    return s, feature_matrix @ v
