"""A different crash on each of the first calls."""
import ctypes
import os
import signal
import sys
import threading

import numpy as np


def _recurse(n):
    return _recurse(n + 1) + 1


def _crash(n):
    if n == 18:
        ctypes.string_at(0)
    elif n == 8:
        sys.setrecursionlimit(10 ** 8)
        _recurse(0)
    elif n == 1:
        os.abort()
    elif n == 93:
        os.kill(os.getpid(), 40)  # SIGRTMIN+6: a signal without a name in Python's enum
    elif n == 2:
        threading.Thread(target=os._exit, args=(3,)).start()
        signal.pause()


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        n = x.size - self.filt.size + 1
        _crash(n)
        return np.zeros(n)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
