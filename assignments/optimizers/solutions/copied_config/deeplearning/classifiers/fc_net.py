import numpy as np

from ..layer_utils import affine_relu_backward, affine_relu_forward
from ..layers import affine_backward, affine_forward, softmax_loss


class FullyConnectedNet(object):
    """
    A fully-connected network with ReLU hidden layers and a softmax loss:

        {affine - relu} x (L - 1) - affine - softmax

    With dims = [input_dim, *hidden_dims, num_classes], self.params holds the weights
    W1..WL, Wi of shape (dims[i-1], dims[i]), and the biases b1..bL, bi of shape (dims[i],).
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0,
                 use_batchnorm=False, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None,
                 initialization='random'):
        """
        Inputs:
        - hidden_dims: list of the sizes of the hidden layers.
        - input_dim: size of one input.
        - num_classes: number of classes.
        - dropout, use_batchnorm: not part of this homework; must stay 0 and False.
        - reg: strength of the L2 regularization.
        - weight_scale: standard deviation of the weights for initialization='random'.
        - dtype: numpy dtype of every parameter (float32 is faster; use float64 for
          numeric gradient checks).
        - seed: unused here (it seeds dropout in the full version of this network).
        - initialization: 'random' (N(0, weight_scale^2) weights), 'he' (He initialization)
          or 'zero' (all-zero weights). The biases start at zero in every case.
        """
        if dropout != 0 or use_batchnorm:
            raise ValueError("dropout and batch normalization are not part of this homework: "
                             "use dropout=0 and use_batchnorm=False")
        if initialization not in ('random', 'he', 'zero'):
            raise ValueError(f"unknown initialization {initialization!r}: use 'random', 'he' or 'zero'")
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(self.num_layers):
            # W{i+1} maps the dims[i] outputs of the previous layer to dims[i+1] outputs. Every
            # weight is drawn from the global np.random stream, so np.random.seed makes the
            # network reproducible.
            if initialization == 'random':
                W = np.random.randn(dims[i], dims[i + 1]) * weight_scale
            elif initialization == 'he':
                # TODO: He initialization for a ReLU network: W of shape (dims[i], dims[i+1])
                # with independent Gaussian entries of mean 0 and variance 2 / fan_in, where
                # fan_in is the number of inputs of this layer.
                fan_in, fan_out = dims[i], dims[i + 1]
                W = (2.0 / fan_in) ** 0.5 * np.random.standard_normal((fan_in, fan_out))
                # END TODO
            else:  # 'zero'
                # TODO: W of shape (dims[i], dims[i+1]), all zeros.
                W = np.zeros((dims[i], dims[i + 1]), dtype=dtype)  # cast again below, harmlessly
                # END TODO
            self.params['W%d' % (i + 1)] = W
            self.params['b%d' % (i + 1)] = np.zeros(dims[i + 1])

        # Every parameter gets the network's dtype.
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """
        Inputs:
        - X: inputs, of shape (N, d_1, ..., d_k) with d_1 * ... * d_k = input_dim.
        - y: labels, of shape (N,), y[i] in [0, num_classes).

        Returns the class scores, of shape (N, num_classes), when y is None; otherwise
        (loss, grads), grads[k] being the gradient of the loss with respect to self.params[k].
        """
        X = X.astype(self.dtype)
        caches = []
        out = X
        for i in range(1, self.num_layers):
            out, cache = affine_relu_forward(out, self.params['W%d' % i], self.params['b%d' % i])
            caches.append(cache)
        L = self.num_layers
        scores, last_cache = affine_forward(out, self.params['W%d' % L], self.params['b%d' % L])
        if y is None:
            return scores

        loss, dout = softmax_loss(scores, y)
        grads = {}
        dout, grads['W%d' % L], grads['b%d' % L] = affine_backward(dout, last_cache)
        for i in range(L - 1, 0, -1):
            dout, grads['W%d' % i], grads['b%d' % i] = affine_relu_backward(dout, caches[i - 1])

        # L2 regularization of the weights, with a factor 0.5 so that its gradient is reg * W.
        for i in range(1, L + 1):
            W = self.params['W%d' % i]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads['W%d' % i] += self.reg * W
        return loss, grads
