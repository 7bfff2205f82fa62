"""Visualizing features from local linearization of neural nets.

Around its current parameters theta, a network is approximately linear in theta:
y(x; theta + delta) ~ y(x; theta) + sum_k (d y(x) / d theta_k) delta_k. The derivatives
d y(x) / d theta_k are the features of that linear model. Complete the two functions below;
the notebook plots what they return.
"""

import numpy as np
import torch


def compute_features(model, X):
    """
    Inputs:
    - model: an nn.Sequential of nn.Linear and nn.ReLU layers with one output.
    - X: a tensor of shape (n, input_dim), of the model's dtype.

    Returns a numpy array of shape (n, d), d the number of learnable parameters: row j is the
    gradient of the scalar output model(X[j:j+1]) with respect to every parameter, each
    gradient flattened and concatenated in model.parameters() order.
    """
    features = None
    ############################################################################
    # TODO: Use PyTorch's autograd to compute the features.                    #
    ############################################################################

    ############################################################################
    #                             END OF YOUR CODE                             #
    ############################################################################
    return features


def principal_features(feature_matrix):
    """
    Inputs:
    - feature_matrix: a numpy array F of shape (n, d), as compute_features returns it.

    Returns a tuple (s, P):
    - s: the singular values of F, in descending order.
    - P: the principal features, shape (n, d): the right singular vectors multiplied by all the
      features, P = F V (with u, s, vh = np.linalg.svd(F), that is F @ vh.T).
    """
    s, P = None, None
    ############################################################################
    # TODO: Take the SVD of the feature matrix.                                #
    ############################################################################

    ############################################################################
    #                             END OF YOUR CODE                             #
    ############################################################################
    return s, P
