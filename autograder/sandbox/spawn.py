"""Starting a worker interpreter: running only our code, unconfined, until its setup arrives.

A worker needs nothing of the grading to start: the interpreter, our worker script, a request
pipe and a reply pipe. It loads numpy and then waits for the setup message that says where the
submission is and how to confine itself (`child/confine.py`), which it applies before it
imports any student code. So `grade` and `check` start one first thing (`start`), and the worker's
interpreter and numpy load while the grader imports its own modules and stages the submission;
the runner starts its own when it is given none, or after a worker dies. A worker whose setup
never comes exits when its request pipe closes.

Deliberately light (standard library only): it is imported before everything else.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

WORKER_SCRIPT = Path(__file__).parent / "child" / "worker.py"


class StartedWorker:
    """A worker process waiting for its setup, and the grader's ends of its pipes."""

    def __init__(self, proc: subprocess.Popen, replies_fd: int) -> None:
        self.proc = proc
        self.replies_fd = replies_fd
        self.adopted = False

    def discard(self) -> None:
        """Ends a worker that was never adopted by a run (the submission could not be staged,
        the spec did not load); it has run none of the student's code."""
        if self.adopted:
            return
        self.adopted = True
        self.proc.kill()
        self.proc.wait()
        self.proc.stdin.close()
        os.close(self.replies_fd)


def start() -> StartedWorker:
    read_fd, write_fd = os.pipe()
    try:  # big replies then cross in 1 MB steps instead of 64 kB ping-pong
        fcntl.fcntl(read_fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
        # One thread each: fair timing, threads count against the process limit, and the worker
        # must be single-threaded to confine itself.
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # machine-specific BLAS fixes
        if name in os.environ:
            env[name] = os.environ[name]
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-B", str(WORKER_SCRIPT), str(write_fd)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_fd,),
            cwd="/", env=env, start_new_session=True,
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    os.set_blocking(proc.stdin.fileno(), False)
    return StartedWorker(proc, read_fd)
