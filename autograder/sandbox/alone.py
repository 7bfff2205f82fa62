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
import select

from . import cleanup, procfs

_DECODE_FACTOR, _DECODE_SLACK_BYTES = 4, 1 << 20  # the request line, its JSON, base64 text and arrays
_HELPER_WAIT_S = 1.0


class LimitsNotSet(Exception):
    """The worker could not be limited; the message says why (for the student's case)."""


def isolate(worker_pid: int, uid: int | None, spared: set[int], allowance_mb: float, request_bytes: int) -> None:
    """Raises ProcessLookupError if the worker is gone, LimitsNotSet if it could not be limited."""
    with _Limiter(worker_pid, uid) as lower:
        lower(resource.RLIMIT_NPROC, 1)
        cleanup.kill_all_but(worker_pid, uid, spared | lower.helpers)
        data_kb = procfs.status_kb(worker_pid, "VmData")
        if data_kb is None:
            raise ProcessLookupError(worker_pid)
        limit = data_kb * 1024 + int(allowance_mb * 2 ** 20) + _DECODE_FACTOR * request_bytes + _DECODE_SLACK_BYTES
        lower(resource.RLIMIT_DATA, limit)


class _Limiter:
    """Sets a soft and hard limit of the worker to a value (never above the hard limit it has):
    itself where it may, else through one helper child that becomes the sandbox uid and sets
    each limit the grader sends it down a pipe, so that one fork serves both limits."""

    def __init__(self, pid: int, uid: int | None) -> None:
        self.pid, self.uid = pid, uid
        self.helpers: set[int] = set()  # of the sandbox uid but ours: no process of the submission
        self._helper: tuple[int, int, int] | None = None  # pid, commands fd, answers fd

    def __enter__(self) -> _Limiter:
        return self

    def __call__(self, which: int, value: int) -> None:
        if self._helper is None:
            try:
                _set_limit(self.pid, which, value)
                return
            except PermissionError:
                if self.uid is None:
                    raise LimitsNotSet("the grader may not limit the process running your code") from None
            self._helper = _start_helper(self.uid, self.pid)
            self.helpers.add(self._helper[0])
        helper, commands, answers = self._helper
        try:
            os.write(commands, f"{which} {value}\n".encode())
        except OSError:  # BrokenPipeError: it is gone
            raise LimitsNotSet("the process that limits your code was killed by a process of your submission") from None
        if not select.select([answers], [], [], _HELPER_WAIT_S)[0]:
            raise LimitsNotSet("the process that limits your code was stopped by a process of your submission")
        answer = os.read(answers, 1)
        if answer == b"2":
            raise ProcessLookupError(self.pid)
        if answer != b"0":
            raise LimitsNotSet("the process that limits your code was killed by a process of your submission")

    def __exit__(self, *exc: object) -> None:
        if self._helper is None:
            return
        helper, commands, answers = self._helper
        os.close(commands)  # it exits when its commands end, unless a process of the submission stopped it
        os.close(answers)
        cleanup.reap_within(helper, _HELPER_WAIT_S)


def _set_limit(pid: int, which: int, value: int) -> None:
    hard = resource.prlimit(pid, which)[1]
    resource.prlimit(pid, which, (min(value, hard) if hard != resource.RLIM_INFINITY else value,) * 2)


def _start_helper(uid: int, pid: int) -> tuple[int, int, int]:
    commands_r, commands_w = os.pipe()
    answers_r, answers_w = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(commands_w)
            os.close(answers_r)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            with os.fdopen(commands_r, "rb") as commands:
                for line in commands:  # "WHICH VALUE", one per limit
                    which, value = map(int, line.split())
                    try:
                        _set_limit(pid, which, value)
                        os.write(answers_w, b"0")
                    except ProcessLookupError:
                        os.write(answers_w, b"2")
        finally:
            os._exit(0)
    os.close(commands_r)
    os.close(answers_w)
    return child, commands_w, answers_r
