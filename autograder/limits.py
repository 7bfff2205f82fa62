"""Confinement of the student process: resource limits, privilege drop, and leaving nothing behind.

When the grader runs as root (as on Gradescope), the student process runs as a dedicated
unprivileged uid in its own network namespace; every process of that uid is killed when a run
ends, including ones that detached with setsid. As a normal user (a student's laptop) the same
code path runs without the drop, and leftovers are found as orphans reparented to the grader,
which makes itself a child subreaper. In both modes a seccomp filter (`seccomp.py`) keeps every
student process in the worker's process group, off the network and away from the grader.
docs/threat-model.md says what each mode defends and what it does not.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import os
import platform
import select
import shutil
import signal
import time
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from . import seccomp

DEFAULT_SANDBOX_UID = 61000  # unlikely to belong to anyone; overridable with AUTOGRADER_SANDBOX_UID
SHARED_TEMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # writable by any uid, so by student code
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_DUMPABLE = 4


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
    nproc = limits.max_processes if uid is not None else tasks_of(os.getuid()) + 4 * limits.max_processes
    return Confinement(
        unshare=uid is not None,
        rlimits=[("RLIMIT_CPU", limits.cpu_seconds), ("RLIMIT_DATA", limits.memory_mb * 1024 * 1024),
                 ("RLIMIT_FSIZE", limits.max_file_mb * 1024 * 1024), ("RLIMIT_NOFILE", limits.max_open_files),
                 ("RLIMIT_CORE", 0), ("RLIMIT_NPROC", nproc)],
        uid=uid,
        seccomp=None if program is None else base64.b64encode(program).decode("ascii"),
    )


def tasks_of(uid: int) -> int:
    """Processes and threads of `uid`, as RLIMIT_NPROC counts them."""
    count = 0
    for pid in all_pids():
        try:  # status, not the owner of /proc/PID: that is root for non-dumpable processes
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields["Threads"])
        except (OSError, KeyError, ValueError, IndexError):
            pass
    return count


def become_subreaper() -> bool:
    """Orphans of student processes get reparented to us, where `kill_leftovers` finds them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def protect_grader() -> None:
    """Makes the grader non-dumpable: its /proc files (mem, environ, fd) become root's, so
    student code running as the grader's own user (laptop) cannot read or write its memory or
    reopen its files. As root this changes nothing for the sandbox uid, which never could."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def proc_stat(pid: int) -> tuple[int, int, bool] | None:
    """(ppid, real uid, is_zombie) of a process; None if it is gone. Reads the head of
    /proc/PID/status only: the owner of /proc/PID is root for non-dumpable processes."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            head = f.read(1024)  # State, PPid and Uid come within the first ten lines
    except OSError:
        return None
    fields = dict(line.split(b":", 1) for line in head.split(b"\n")[:12] if b":" in line)
    try:
        state = fields[b"State"].split()[0]
        return (None if state == b"X" else
                (int(fields[b"PPid"]), int(fields[b"Uid"].split()[0]), state == b"Z"))
    except (KeyError, ValueError, IndexError):
        return None


def all_pids() -> list[int]:
    try:
        return [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []


def process_table() -> dict[int, tuple[int, int, bool]]:
    """pid -> (ppid, uid, is_zombie) for every process, in one pass over /proc."""
    return {pid: info for pid in all_pids() if (info := proc_stat(pid)) is not None}


def _descendants_in(table: dict[int, tuple[int, int, bool]], root_pid: int, zombies: bool = False) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, zombie) in table.items():
        if zombies or not zombie:
            children.setdefault(ppid, []).append(pid)
    found, stack = set(), [root_pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def children_of(parent: int) -> set[int]:
    return {pid for pid, (ppid, _, zombie) in process_table().items() if ppid == parent and not zombie}


def process_tree(root_pid: int, uid: int | None = None) -> set[int]:
    """`root_pid`, its descendants and, given `uid`, every process of that uid: one /proc scan."""
    table = process_table()
    owned = {pid for pid, (_, owner, _) in table.items() if owner == uid} if uid is not None else set()
    return {root_pid} | _descendants_in(table, root_pid) | owned


def submission_processes(table: dict[int, tuple[int, int, bool]], worker_pid: int, uid: int | None,
                         spared: set[int]) -> set[int]:
    """The live processes a worker's submission runs besides the worker: its descendants,
    orphans reparented to us (our children, less `spared`) with theirs, and, when student code
    runs as `uid`, every process of that uid."""
    me = os.getpid()
    roots = {worker_pid} | {pid for pid, (ppid, _, zombie) in table.items()
                            if ppid == me and not zombie and pid not in spared and pid != worker_pid}
    found = set().union(*(_descendants_in(table, root) for root in roots)) | (roots - {worker_pid})
    if uid is not None:
        found |= {pid for pid, (_, owner, zombie) in table.items() if owner == uid and not zombie}
    return found - {worker_pid, me}


def filtered(pid: int) -> bool:
    """Whether a process runs under a seccomp filter (then so do all its descendants)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            return any(line.split() == [b"Seccomp:", b"2"] for line in f)
    except OSError:
        return False


def kill_leftovers(worker_pid: int, uid: int | None, spared: set[int], *, grouped: bool = False) -> None:
    """Kill the worker's whole tree and anything that escaped it, then reap what was ours.

    Atomic kills first: the kernel signals a whole process group, or every process of a uid
    (kill -1 from that uid), under one lock, so nothing forks away meanwhile. `grouped` says
    the worker ran under the seccomp filter, which keeps every student process in its group:
    then the group kill is complete and the costlier uid kill is skipped.
    Then a sweep for what neither reached (no seccomp on this machine, not root) and for orphans
    reparented to us (we are a subreaper), dead or alive: the worker's descendants, our children
    less `spared` (our children from before the worker started, other workers running beside
    it), and every process of the sandbox uid. It loops because a fork bomb can create
    processes while we kill; normally one pass finds nothing left.
    """
    _signal_group(worker_pid)
    if uid is not None and not grouped:
        _kill_uid(uid)
    me = os.getpid()
    orphans: set[int] = set()
    killed = {worker_pid}  # with SIGKILL pending a process can no longer fork: it only has to die
    all_dead = False
    for _ in range(500):
        table = process_table()
        others = _descendants_in(table, worker_pid, zombies=True)
        for pid, (ppid, owner, _) in table.items():
            if ppid == me and pid not in spared and pid != worker_pid:
                orphans.add(pid)  # zombies too: nobody else will reap them
                others.add(pid)
            elif uid is not None and owner == uid and pid != worker_pid:
                others.add(pid)
        if not others:
            break  # the worker alone, which its Popen reaps
        alive = {pid for pid in others | {worker_pid} if pid in table and not table[pid][2] and pid != me}
        if not alive:
            if all_dead:
                break
            # All dead, and each one's children were reparented to us as it died; but a scan is
            # not atomic (a child read before its parent died shows the old parent), so one more
            # scan collects them as orphans.
            all_dead = True
            continue
        for pid in alive - killed:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if alive <= killed:
            time.sleep(0.001)  # only the dying are left
        killed |= alive
        _reap(orphans)
    _reap(orphans)


def _signal_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_uid(uid: int) -> None:
    """kill(-1, SIGKILL) from a child that becomes `uid`: every process of the uid but the child."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    # Student code shares the uid and could stop the child: wait a second at most, then kill it
    # (the sweep that follows still finds whatever it did not).
    try:
        with _pidfd(pid) as fd:
            select.select([fd], [], [], 1.0)
    except OSError:  # no pidfd before Linux 5.3
        time.sleep(0.01)
    if not os.waitpid(pid, os.WNOHANG)[0]:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


@contextlib.contextmanager
def _pidfd(pid: int) -> Iterator[int]:
    fd = os.pidfd_open(pid)
    try:
        yield fd
    finally:
        os.close(fd)


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


def remove_files_of(uid: int, folders: tuple[str, ...] = SHARED_TEMP_DIRS) -> None:
    """Deletes what the sandbox uid left at the top of the shared temp folders, so that the next
    grading with this uid starts clean (no planted files, no disk held). Never follows links."""
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
