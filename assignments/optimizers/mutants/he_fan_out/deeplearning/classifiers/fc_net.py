import numpy as np

from ..layer_utils import affine_relu_backward, affine_relu_forward
from ..layers import affine_backward, affine_forward, dropout_backward, dropout_forward, softmax_loss


class FullyConnectedNet(object):
    """
    A fully-connected neural network with an arbitrary number of hidden layers, ReLU
    nonlinearities and a softmax loss. For a network with L layers the architecture is

    {affine - relu - [dropout]} x (L - 1) - affine - softmax

    Learnable parameters live in self.params: W1..WL, where Wi has shape (dims[i-1], dims[i]),
    and b1..bL, where bi has shape (dims[i],), with dims = [input_dim, *hidden_dims, num_classes].
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=0,
                 use_batchnorm=False, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None,
                 initialization='random'):
        """
        Inputs:
        - hidden_dims: A list of integers giving the size of each hidden layer.
        - input_dim: An integer giving the size of the input.
        - num_classes: An integer giving the number of classes to classify.
        - dropout: Scalar between 0 and 1: the probability of dropping a hidden unit.
          If dropout=0 then the network does not use dropout at all.
        - use_batchnorm: Not part of this homework; must stay False.
        - reg: Scalar giving L2 regularization strength.
        - weight_scale: Scalar giving the standard deviation for random initialization
          of the weights ('random' only).
        - dtype: A numpy datatype object; all computations will be performed using
          this datatype. float32 is faster but less accurate, so you should use
          float64 for numeric gradient checking.
        - seed: If not None, then pass this random seed to the dropout layers.
        - initialization: 'random', 'he' or 'zero'.
        """
        if use_batchnorm:
            raise ValueError("batch normalization is not part of this homework: use use_batchnorm=False")
        self.use_dropout = dropout > 0
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        dims = np.hstack((input_dim, hidden_dims, num_classes)).astype(int)
        for i in range(self.num_layers):
            ############################################################################
            # TODO: Initialize the weights W{i+1}, of shape (dims[i], dims[i+1]), and  #
            # the biases b{i+1}, of shape (dims[i+1],), of every layer:                #
            #   'random': W from a Gaussian with standard deviation weight_scale;      #
            #   'he':     W from a Gaussian with standard deviation sqrt(2 / fan_in),  #
            #             where fan_in is the number of inputs of the layer;           #
            #   'zero':   W all zeros.                                                 #
            # The biases are zero in every case. Draw with np.random so that           #
            # np.random.seed makes the network reproducible.                           #
            ############################################################################
            fan_in, fan_out = dims[i], dims[i + 1]
            if initialization == 'random':
                W = weight_scale * np.random.randn(fan_in, fan_out)
            elif initialization == 'he':
                W = np.sqrt(2.0 / fan_out) * np.random.randn(fan_in, fan_out)
            elif initialization == 'zero':
                W = np.zeros((fan_in, fan_out))
            else:
                raise ValueError(f"unknown initialization {initialization!r}: use 'random', 'he' or 'zero'")
            b = np.zeros(fan_out)
            ############################################################################
            #                             END OF YOUR CODE                             #
            ############################################################################
            self.params['W%d' % (i + 1)] = W
            self.params['b%d' % (i + 1)] = b

        # Cast all parameters to the correct datatype.
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {'mode': 'train', 'p': dropout}
            if seed is not None:
                self.dropout_param['seed'] = seed

    def loss(self, X, y=None):
        """
        Compute loss and gradient for the fully-connected net.

        Inputs:
        - X: Array of input data of shape (N, d_1, ..., d_k).
        - y: Array of labels, of shape (N,). y[i] gives the label for X[i].

        Returns:
        If y is None, the class scores, of shape (N, C). Otherwise (loss, grads), where grads[k]
        is the gradient of the loss with respect to self.params[k].
        """
        X = X.astype(self.dtype)
        mode = 'test' if y is None else 'train'
        if self.use_dropout:
            self.dropout_param['mode'] = mode

        caches = []
        out = X
        for i in range(1, self.num_layers):
            out, cache = affine_relu_forward(out, self.params['W%d' % i], self.params['b%d' % i])
            dropout_cache = None
            if self.use_dropout:
                out, dropout_cache = dropout_forward(out, self.dropout_param)
            caches.append((cache, dropout_cache))
        L = self.num_layers
        scores, last_cache = affine_forward(out, self.params['W%d' % L], self.params['b%d' % L])

        if mode == 'test':
            return scores

        loss, dout = softmax_loss(scores, y)
        grads = {}
        dout, grads['W%d' % L], grads['b%d' % L] = affine_backward(dout, last_cache)
        for i in range(L - 1, 0, -1):
            cache, dropout_cache = caches[i - 1]
            if self.use_dropout:
                dout = dropout_backward(dout, dropout_cache)
            dout, grads['W%d' % i], grads['b%d' % i] = affine_relu_backward(dout, cache)

        for i in range(1, L + 1):
            W = self.params['W%d' % i]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads['W%d' % i] += self.reg * W
        return loss, grads
