"""A memory-checked call alone in its worker: no other process of the submission alive, none can
be started, and what the worker may allocate bounded by the kernel. All of it is set from outside
the worker, before the call is sent: by then student code has run in the worker (it was
imported) and could have replaced any function the worker would use to limit itself.

- RLIMIT_NPROC of 1: fork, vfork, clone and thread creation fail while the worker's uid has a
  task at all (the check is "tasks of the uid >= limit"), however many tasks end meanwhile.
- Every other process of the submission stopped and killed (`cleanup.kill_all_but`), so no
  helper holds memory for the worker, or slows down the grader's reading of /proc.
- RLIMIT_DATA of the worker's data size now plus the allowance: the kernel refuses any private
  writable mapping (malloc, numpy, mmap) beyond it, touched or not, so a dense matrix with only
  its band written is refused as surely as a full one. Shared mappings are refused to every
  worker (`seccomp.py`). Its inputs are decoded under the limit too, so it also covers what
  decoding takes: while student code ran unlimited, it had not seen them.

Lowering another process's limits needs CAP_SYS_RESOURCE, which containers (Gradescope's, this
one) usually lack, or the same uid: as root, a short-lived child of the grader becomes the
sandbox uid to set them. Student code shares that uid and could stop or kill the child; then
the limits are not in force, and the call is not run (`LimitsNotSet`), which fails its case.
"""

from __future__ import annotations

import os
import resource
import signal
import time

from . import cleanup, procfs

_DECODE_FACTOR, _DECODE_SLACK_BYTES = 4, 1 << 20  # the request line, its JSON, base64 text and arrays
_HELPER_WAIT_S = 1.0


class LimitsNotSet(Exception):
    """The worker could not be limited; the message says why (for the student's case)."""


def isolate(worker_pid: int, uid: int | None, spared: set[int], allowance_mb: float, request_bytes: int) -> None:
    """Raises ProcessLookupError if the worker is gone, LimitsNotSet if it could not be limited."""
    _lower(worker_pid, uid, resource.RLIMIT_NPROC, 1)
    cleanup.kill_all_but(worker_pid, uid, spared)
    data_kb = procfs.status_kb(worker_pid, "VmData")
    if data_kb is None:
        raise ProcessLookupError(worker_pid)
    limit = data_kb * 1024 + int(allowance_mb * 2 ** 20) + _DECODE_FACTOR * request_bytes + _DECODE_SLACK_BYTES
    _lower(worker_pid, uid, resource.RLIMIT_DATA, limit)


def _lower(pid: int, uid: int | None, which: int, value: int) -> None:
    """Soft and hard limit to `value` (never above the hard limit it has)."""
    try:
        hard = resource.prlimit(pid, which)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.prlimit(pid, which, (value, value))
        return
    except PermissionError:
        if uid is None:
            raise LimitsNotSet("the grader may not limit the process running your code") from None
    _lower_as(uid, pid, which, value)


def _lower_as(uid: int, pid: int, which: int, value: int) -> None:
    child = os.fork()
    if child == 0:
        status = 1
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            hard = resource.prlimit(pid, which)[1]
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.prlimit(pid, which, (value, value))
            status = 0
        except ProcessLookupError:
            status = 2
        finally:
            os._exit(status)
    end = time.monotonic() + _HELPER_WAIT_S
    while not (done := os.waitpid(child, os.WNOHANG))[0] and time.monotonic() < end:
        time.sleep(0.0005)  # it takes a millisecond or two
    status = done[1]
    if not done[0]:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        raise LimitsNotSet("the process that limits your code was stopped by a process of your submission")
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 2:
        raise ProcessLookupError(pid)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        raise LimitsNotSet("the process that limits your code was killed by a process of your submission")
