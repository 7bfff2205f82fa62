"""Pins memory in SysV segments and /dev/shm, where it outlives the process; says what it got."""
import ctypes
import os
from multiprocessing import shared_memory

import numpy as np

IPC_PRIVATE, IPC_CREAT = 0, 0o1000
SEGMENT = 16 << 20


def _pin():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    pinned = 0
    for _ in range(4):
        shmid = libc.shmget(IPC_PRIVATE, ctypes.c_size_t(SEGMENT), IPC_CREAT | 0o600)
        address = libc.shmat(shmid, None, 0)
        if shmid >= 0 and address not in (None, ctypes.c_void_p(-1).value):
            ctypes.memset(address, 1, SEGMENT)
            pinned += 1
    print("PINNED", pinned, "segments", flush=True)
    try:  # shm_open creates the file in /dev/shm, mmap(MAP_SHARED) fills it
        memory = shared_memory.SharedMemory(name=f"autograder-hostile-{os.getpid()}", create=True, size=SEGMENT)
        memory.buf[:] = b"\1" * SEGMENT
        print("PINNED", memory.name, flush=True)
    except OSError as exc:
        print("REFUSED shared memory", type(exc).__name__, flush=True)


_attacked = False


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        global _attacked
        if not _attacked:  # in every worker: the memory-checked ones refuse more than the others
            _attacked = True
            _pin()
            os._exit(0)  # no cleanup, no resource tracker
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
