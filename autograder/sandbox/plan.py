"""The confinement plan of one run's workers: resource limits, the uid to drop to, namespaces
and the seccomp program, computed once in the grader; the worker applies it to itself
(`child/confine.py`) before it imports any student code."""

from __future__ import annotations

import base64
import math
import os
import platform

from pydantic import BaseModel, ConfigDict

from . import procfs, seccomp


class Limits(BaseModel):
    model_config = ConfigDict(frozen=True)

    cpu_seconds: int
    memory_mb: int
    max_processes: int = 64
    max_file_mb: int = 64
    max_open_files: int = 256


class Confinement(BaseModel):
    """What the worker applies to itself before importing student code (sandbox/confine.py)."""
    model_config = ConfigDict(frozen=True)

    unshare: bool = False  # new network and IPC namespaces
    rlimits: list[tuple[str, int]] = []  # (name in `resource`, soft = hard value)
    uid: int | None = None  # the uid to drop to, with no groups
    seccomp: str | None = None  # base64 of the BPF program (seccomp.py), None where unsupported


def confinement(limits: Limits, uid: int | None) -> Confinement:
    """The plan for one run's workers, computed once in the grader."""
    program = seccomp.program(platform.machine(), os.getpid(), os.getpgid(0))
    # RLIMIT_NPROC counts every task of the real uid. A dedicated uid gets the limit as is; the
    # grader's own user (laptop) already runs many tasks, so the student gets headroom above them.
    nproc = limits.max_processes if uid is not None else procfs.tasks_of(os.getuid()) + 4 * limits.max_processes
    return Confinement(
        unshare=uid is not None,
        rlimits=[("RLIMIT_CPU", limits.cpu_seconds), ("RLIMIT_DATA", limits.memory_mb * 1024 * 1024),
                 ("RLIMIT_FSIZE", limits.max_file_mb * 1024 * 1024), ("RLIMIT_NOFILE", limits.max_open_files),
                 ("RLIMIT_CORE", 0), ("RLIMIT_NPROC", nproc)],
        uid=uid,
        seccomp=None if program is None else base64.b64encode(program).decode("ascii"),
    )


def cpu_budget(startup_timeout_s: float, call_timeouts_s: list[float]) -> int:
    """RLIMIT_CPU of a worker: enough for the start-up and every call at their wall limits."""
    return math.ceil(startup_timeout_s + sum(call_timeouts_s)) + 5
