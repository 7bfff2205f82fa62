"""Text no encoder can write: lone surrogates in an exception's message and type name, in the
keys of a returned dict and in its printed output (also bytes that are not UTF-8 at all). Such
text once crashed the grader while it wrote results.json."""
import os
import sys

import numpy as np


class Convolution1d:
    def __init__(self, filt):
        self.filt = np.asarray(filt)
        self.T = TransposedConvolution1d(self.filt)

    def __matmul__(self, x):
        os.write(1, b"not UTF-8: \xff\xfe\xed\n")
        sys.stdout.buffer.write("surrogate printed: \udc80\n".encode("utf-8", "surrogateescape"))
        sys.stdout.flush()
        n = x.size - self.filt.size + 1
        if n % 2:
            raise type("Bad\udc80Type", (Exception,), {})("a lone surrogate: \ud800, and another: \udfff")
        return {"key \udc80": np.zeros(n)}


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        raise ValueError("bad \udc80 news")
