"""Prints a gigabyte on every output it has."""
import os
import sys

import numpy as np

CHUNK = b"flood " * (1 << 17)  # 768 kB


def _flood():
    written = 0
    for write in (sys.stdout.buffer.write, sys.stderr.buffer.write, lambda b: os.write(1, b), lambda b: os.write(2, b)):
        for _ in range(1400):
            try:
                write(CHUNK)
                written += len(CHUNK)
            except OSError:
                break
    return written


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        done = os.path.expanduser("~/.done")
        if not os.path.exists(done):
            open(done, "w").close()
            print("FLOODED", _flood(), file=sys.stderr)
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        print("more " * 100_000)
        return np.ones(y.size + self.filt.size - 1)
