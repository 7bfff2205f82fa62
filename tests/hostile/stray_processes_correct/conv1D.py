"""Right answers, and loose ends: a thread that never ends and a child that ignores SIGTERM."""
import subprocess
import sys
import threading
import time

import numpy as np

MARKER = "autograder-hostile-marker"
CHILD = "import signal, time\nfor s in (signal.SIGTERM, signal.SIGHUP): signal.signal(s, signal.SIG_IGN)\ntime.sleep(10**6)"

threading.Thread(target=time.sleep, args=(10 ** 6,)).start()
subprocess.Popen([sys.executable, "-c", CHILD, MARKER], start_new_session=True, stdin=subprocess.DEVNULL)


class Convolution1d:
    def __init__(self, filt):
        self.__filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, vector):
        return np.correlate(np.asarray(vector), self.__filt, mode="valid")


class TransposedConvolution1d:
    def __init__(self, filt):
        self.__filt = filt

    def __matmul__(self, vector):
        return np.convolve(np.asarray(vector), self.__filt, mode="full")
