"""Makes every worker expensive and every call kill it: the import sleeps (here half a second; a
real attack sleeps just under the start-up timeout), and each call SIGKILLs its own process.
Without a bound on restarts and a time budget, one submission kept its grader past 22 minutes."""
import os
import signal
import time

time.sleep(0.5)


class Convolution1d:
    def __init__(self, filt):
        self.filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, x):
        print("DYING", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        os.kill(os.getpid(), signal.SIGKILL)
