"""Holds memory that a data-segment limit does not count: 1.5 GB of shared anonymous memory
(Python's mmap.mmap(-1, n)), then the same through /dev/zero, a memfd, a SysV segment and a POSIX
shared memory object, each touched page by page so that it would be resident. A 1024 MB limit
on the data segment let the first one through."""
import ctypes
import mmap
import os

import numpy as np

SIZE = 1536 << 20
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = ctypes.c_void_p


def _touch(buffer):
    for offset in range(0, len(buffer), mmap.PAGESIZE):
        buffer[offset] = 1


def _anonymous():
    return mmap.mmap(-1, SIZE)


def _dev_zero():
    fd = os.open("/dev/zero", os.O_RDWR)
    return mmap.mmap(fd, SIZE)


def _memfd():
    fd = os.memfd_create("hog")
    os.ftruncate(fd, 64 << 20)
    return mmap.mmap(fd, 64 << 20)


def _sysv():
    shmid = _libc.shmget(0, ctypes.c_size_t(SIZE), 0o1600)
    if shmid < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    address = _libc.shmat(shmid, None, 0)
    return (ctypes.c_char * SIZE).from_address(address)


def _posix():
    from multiprocessing import shared_memory
    return shared_memory.SharedMemory(create=True, size=64 << 20).buf


def _hog():
    held = []
    for name, get in (("anonymous", _anonymous), ("/dev/zero", _dev_zero), ("memfd", _memfd), ("shmget", _sysv),
                      ("shm_open", _posix)):
        try:
            buffer = get()
            _touch(buffer)
            held.append(buffer)
            print("GOT", name, flush=True)
        except OSError as exc:
            print("REFUSED", name, type(exc).__name__, flush=True)
    with open("/proc/self/status") as f:
        print(*(line.strip() for line in f if line.startswith(("RssShmem", "VmRSS"))), flush=True)
    return held


_attacked = False


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        global _attacked
        if not _attacked:  # in every worker: the memory-checked ones refuse more than the others
            _attacked = True
            _hog()
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
