"""Confinement of the student process: resource limits, privilege drop, and leaving nothing behind.

When the grader runs as root (as on Gradescope), the student process runs as a dedicated
unprivileged uid in its own network namespace; every process of that uid is killed when a run
ends, including ones that detached with setsid. As a normal user (a student's laptop) the same
code path runs without the drop, and leftovers are found as orphans reparented to the grader,
which makes itself a child subreaper.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import time
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

DEFAULT_SANDBOX_UID = 61000  # unlikely to belong to anyone; overridable with AUTOGRADER_SANDBOX_UID
_PR_SET_CHILD_SUBREAPER = 36
_CLONE_NEWNET = 0x40000000


class Limits(BaseModel):
    model_config = ConfigDict(frozen=True)

    cpu_seconds: int
    memory_mb: int
    max_processes: int = 64
    max_file_mb: int = 64
    max_open_files: int = 256


def running_as_root() -> bool:
    return os.geteuid() == 0


def sandbox_uid() -> int | None:
    """The uid student code runs as, or None when no privilege drop is possible (not root)."""
    if not running_as_root():
        return None
    return int(os.environ.get("AUTOGRADER_SANDBOX_UID", DEFAULT_SANDBOX_UID))


def unreachable_by_others(path: str, leaf_mode: int = 0o005) -> str | None:
    """The first component of `path` that other uids cannot traverse, or the file itself if
    they lack `leaf_mode` on it (read+execute by default)."""
    current = os.path.realpath(path)
    parts = []
    while True:
        parts.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for i, part in enumerate(parts):
        mode = os.stat(part).st_mode
        needed = leaf_mode if i == 0 else 0o001
        if mode & needed != needed:
            return part
    return None


def preexec(limits: Limits, uid: int | None) -> Callable[[], None]:
    """The function the child runs between fork and exec; order matters: namespace and
    limits need privileges, so they come before the drop."""

    def apply() -> None:
        if uid is not None:
            _unshare_network()
        for res, value in (
            (resource.RLIMIT_CPU, limits.cpu_seconds),
            (resource.RLIMIT_DATA, limits.memory_mb * 1024 * 1024),
            (resource.RLIMIT_FSIZE, limits.max_file_mb * 1024 * 1024),
            (resource.RLIMIT_NOFILE, limits.max_open_files),
            (resource.RLIMIT_CORE, 0),
        ):
            resource.setrlimit(res, (value, value))
        if uid is not None:
            # RLIMIT_NPROC counts every process of the uid, so it is only meaningful for a
            # dedicated uid; for the grader's own user it would count the grader's processes too.
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.umask(0o077)

    return apply


def _unshare_network() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    # Without network: a fresh namespace holds only a down loopback. Failure (no CAP_SYS_ADMIN in
    # some containers) leaves the network as it was; the threat model documents this.
    libc.unshare(_CLONE_NEWNET)


def become_subreaper() -> bool:
    """Orphans of student processes get reparented to us, where `kill_leftovers` finds them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _proc_stat(pid: int) -> tuple[int, int] | None:
    """(ppid, uid) of a live process; None if it is gone or a zombie (dead, awaiting its reaper)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        if fields["State"].split()[0] in ("Z", "X"):
            return None
        return int(fields["PPid"]), int(fields["Uid"].split()[0])
    except (OSError, KeyError, ValueError):
        return None


def _all_pids() -> list[int]:
    try:
        return [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []


def children_of(parent: int) -> set[int]:
    return {pid for pid in _all_pids() if (info := _proc_stat(pid)) and info[0] == parent}


def descendants(root_pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid in _all_pids():
        info = _proc_stat(pid)
        if info:
            children.setdefault(info[0], []).append(pid)
    found, stack = set(), [root_pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def kill_leftovers(worker_pid: int, uid: int | None, spared: set[int]) -> None:
    """Kill the worker's whole tree and anything that escaped it, then reap what was ours.

    With a dedicated uid every process of that uid is student code. Without one, escaped
    processes are those reparented to us (we are a subreaper), less `spared`: our children from
    before the worker started and other workers running beside it.
    Loops because a fork bomb can create processes while we kill.
    """
    me = os.getpid()
    orphans: set[int] = set()
    for _ in range(50):
        targets = descendants(worker_pid) | {worker_pid}
        for pid in _all_pids():
            info = _proc_stat(pid)
            if info is None or pid == me:
                continue
            ppid, owner = info
            if ppid == me and pid not in spared and pid != worker_pid:
                orphans.add(pid)
                targets.add(pid)
            elif uid is not None and owner == uid:
                targets.add(pid)
        alive = [pid for pid in targets if _proc_stat(pid) is not None]
        if not alive:
            break
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _reap(orphans)
        time.sleep(0.01)
    _reap(orphans)


def _reap(pids: set[int]) -> None:
    # Only orphans that became our children: the worker is reaped by its Popen, and other
    # children of this process (a pool, a test's subprocess) are none of our business.
    for pid in list(pids):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            pids.discard(pid)
