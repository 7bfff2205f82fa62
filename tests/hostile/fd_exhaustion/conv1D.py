"""Exhausts file descriptors, then closes all of them."""
import errno
import os

import numpy as np

_held = []


def _exhaust():
    try:
        while True:
            _held.append(os.open(os.devnull, os.O_RDONLY))
            _held.extend(os.pipe())
    except OSError as exc:
        print("OPENED", len(_held), "until", errno.errorcode[exc.errno], flush=True)


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        n = x.size - self.filt.size + 1
        if n == 18:
            _exhaust()
        elif n == 8:
            os.closerange(0, 4096)
        return np.zeros(n)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
