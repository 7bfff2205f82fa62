"""Leaving nothing behind: every process of a submission killed and reaped, its files in the
shared temp folders deleted, and the grader made a subreaper that orphans come back to.

As root, student code runs as a sandbox uid of its own, so every process of that uid is the
submission's, detached or not. As a user, leftovers are found as orphans reparented to the
grader. In both modes the seccomp filter keeps every student process in the worker's process
group, which one atomic killpg ends. docs/threat-model.md says what each mode defends.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import shutil
import signal
import time
from collections.abc import Iterator

from . import procfs

SHARED_TEMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # writable by any uid, so by student code
_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_DUMPABLE = 4


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


def kill_leftovers(worker_pid: int, uid: int | None, spared: set[int], *, grouped: bool = False) -> None:
    """Kill the worker's whole tree and anything that escaped it, then reap what was ours.

    Atomic kills first: the kernel signals a whole process group, or every process of a uid
    (kill -1 from that uid), under one lock, so nothing forks away meanwhile. `grouped` says
    the worker ran under the seccomp filter, which keeps every student process in its group:
    then the group kill is complete and the costlier uid kill is skipped.
    Then a sweep for what neither reached (no seccomp on this machine, not root) and for orphans
    reparented to us (we are a subreaper), dead or alive: the worker's descendants, our children
    less `spared` (our children from before the worker started, other workers running beside
    it), and every process of the sandbox uid but the spared workers of that uid (the lanes of
    the same submission running beside it) and their descendants; the uid kill waits for the
    last of them. It loops because a fork bomb can create processes while we kill; normally one
    pass finds nothing left.
    """
    _signal_group(worker_pid)
    if uid is not None and not grouped and not _beside(procfs.process_table(), uid, spared):
        _kill_uid(uid)
    me = os.getpid()
    orphans: set[int] = set()
    killed = {worker_pid}  # with SIGKILL pending a process can no longer fork: it only has to die
    all_dead = False
    for _ in range(500):
        table = procfs.process_table()
        others = procfs.descendants(table, worker_pid, zombies=True)
        beside = _beside(table, uid, spared)
        for pid, (ppid, owner, _) in table.items():
            if ppid == me and pid not in spared and pid != worker_pid:
                orphans.add(pid)  # zombies too: nobody else will reap them
                others.add(pid)
            elif uid is not None and owner == uid and pid != worker_pid and pid not in beside:
                others.add(pid)
        if not others:
            break  # the worker alone, which its Popen reaps
        alive = {pid for pid in others | {worker_pid} if pid in table and not table[pid].zombie and pid != me}
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


def _beside(table: procfs.ProcessTable, uid: int | None, spared: set[int]) -> set[int]:
    """The spared workers running as `uid` (other lanes of the submission) and their descendants."""
    if uid is None:
        return set()
    workers = {pid for pid in spared if pid in table and table[pid].uid == uid and not table[pid].zombie}
    return workers.union(*(procfs.descendants(table, pid) for pid in workers))


def kill_all_but(worker_pid: int, uid: int | None, spared: set[int]) -> None:
    """Kills every process of the submission except its worker, which must already be unable to
    start any (RLIMIT_NPROC): stopped first, pass after pass until a pass finds none new, so that
    none forks away meanwhile; then killed, and waited for until dead."""
    stopped: set[int] = set()
    for _ in range(100):  # RLIMIT_NPROC bounds how many there can be
        found = procfs.submission_processes(procfs.process_table(), worker_pid, uid, spared) - stopped
        if not found:
            break
        for pid in found:
            _signal(pid, signal.SIGSTOP)
        stopped |= found
    for pid in stopped:
        _signal(pid, signal.SIGKILL)
    dying, end = set(stopped), time.monotonic() + 2
    while dying and time.monotonic() < end:
        dying = {pid for pid in dying if (info := procfs.process_info(pid)) is not None and not info.zombie}
        if dying:
            time.sleep(0.001)
    _reap(stopped)  # the orphans among them are ours to reap (waitpid refuses the others)


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
    reap_within(pid, 1.0)


def reap_within(child: int, seconds: float) -> bool:
    """Waits up to `seconds` for our child to exit, else kills it; reaps it either way. Whether
    it exited by itself (a child running as the sandbox uid can be stopped by student code)."""
    try:
        with _pidfd(child) as fd:
            select.select([fd], [], [], seconds)
    except OSError:  # no pidfd before Linux 5.3
        time.sleep(0.01)
    if os.waitpid(child, os.WNOHANG)[0]:
        return True
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    return False


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


def stop_and_kill_tree(pid: int, uid: int | None) -> None:
    """Stops a process, its descendants and (given `uid`) every process of that uid, then kills
    them all. Stopping first means nothing forks or escapes while they are collected; orphans stay
    in the tree when `pid` is a subreaper (a grading process is one)."""
    stopped: set[int] = set()
    for _ in range(20):
        found = procfs.process_tree(pid, uid) - stopped
        if not found:
            break
        for p in found:
            _signal(p, signal.SIGSTOP)
        stopped |= found
    for p in stopped:
        _signal(p, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


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
