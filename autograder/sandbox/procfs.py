"""What the grader reads about processes from /proc, parsed here and nowhere else.

/proc/PID/status is read, never the owner of /proc/PID: that is root for non-dumpable
processes, which student code can make itself. Every reader returns None for a process that is
gone, because any pid may vanish between a listing and a read.
"""

from __future__ import annotations

import os
from typing import NamedTuple



class ProcessInfo(NamedTuple):
    ppid: int
    uid: int  # real uid
    zombie: bool


ProcessTable = dict[int, ProcessInfo]


def all_pids() -> list[int]:
    try:
        return [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []


def _status(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            return f.read()
    except OSError:
        return None


def _field(status: bytes | None, name: bytes) -> bytes | None:
    """A field's value in a status file: searched past the first line, Name, which student code
    sets (the kernel escapes newlines in it), so no name can pose as a field."""
    if status is None:
        return None
    start = status.find(b"\n" + name + b":", max(status.find(b"\n"), 0))
    if start < 0:
        return None
    start += len(name) + 2
    end = status.find(b"\n", start)
    return status[start:end if end >= 0 else None].strip()


def process_info(pid: int) -> ProcessInfo | None:
    # The grader reads this for every process on the machine several times per submission, so
    # only the three fields, from the first kilobyte, without a dict of the rest.
    try:
        fd = os.open(f"/proc/{pid}/status", os.O_RDONLY)
    except OSError:
        return None
    try:
        head = os.read(fd, 1024)  # State, PPid and Uid come in the first ten lines
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        start = head.index(b"\n")  # past Name, which student code sets (the kernel escapes newlines in it)
        state = head[head.index(b"\nState:", start) + 7:].split(None, 1)[0]
        ppid = int(head[head.index(b"\nPPid:", start) + 6:].split(None, 1)[0])
        uid = int(head[head.index(b"\nUid:", start) + 5:].split(None, 1)[0])  # real uid: the first of four
    except (ValueError, IndexError):
        return None
    if state == b"X":
        return None
    return ProcessInfo(ppid, uid, state == b"Z")


def process_table() -> ProcessTable:
    """Every process, in one pass over /proc."""
    return {pid: info for pid in all_pids() if (info := process_info(pid)) is not None}


def status_kb(pid: int, field: str) -> int | None:
    """A memory field of /proc/PID/status (VmRSS, VmHWM, RssAnon, ...) in kB."""
    try:
        return int(_field(_status(pid), field.encode()).split()[0])
    except (AttributeError, ValueError, IndexError):
        return None


def seccomp_filtered(pid: int) -> bool:
    """Whether a process runs under a seccomp filter (then so do all its descendants)."""
    return _field(_status(pid), b"Seccomp") == b"2"


def tasks_of(uid: int) -> int:
    """Processes and threads of `uid`, as RLIMIT_NPROC counts them."""
    count = 0
    for pid in all_pids():
        status = _status(pid)
        try:
            if int(_field(status, b"Uid").split()[0]) == uid:
                count += int(_field(status, b"Threads"))
        except (AttributeError, TypeError, ValueError, IndexError):
            pass
    return count


def descendants(table: ProcessTable, root_pid: int, *, zombies: bool = False) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, info in table.items():
        if zombies or not info.zombie:
            children.setdefault(info.ppid, []).append(pid)
    found, stack = set(), [root_pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def children_of(parent: int) -> set[int]:
    """Live children of `parent`: read from its tasks' `children` lists (a few processes, not a
    scan of /proc), or from the whole table where the kernel has no such lists."""
    try:
        listed = set()
        for task in os.listdir(f"/proc/{parent}/task"):
            with open(f"/proc/{parent}/task/{task}/children", "rb") as f:
                listed.update(int(pid) for pid in f.read().split())
    except OSError:
        return {pid for pid, info in process_table().items() if info.ppid == parent and not info.zombie}
    return {pid for pid in listed if (info := process_info(pid)) is not None and info.ppid == parent and not info.zombie}


def process_tree(root_pid: int, uid: int | None = None) -> set[int]:
    """`root_pid`, its descendants and, given `uid`, every process of that uid: one /proc scan."""
    table = process_table()
    owned = {pid for pid, info in table.items() if info.uid == uid} if uid is not None else set()
    return {root_pid} | descendants(table, root_pid) | owned


def submission_processes(table: ProcessTable, worker_pid: int, uid: int | None, spared: set[int]) -> set[int]:
    """The live processes a worker's submission runs besides the worker: its descendants,
    orphans reparented to us (our children, less `spared`) with theirs, and, when student code
    runs as `uid`, every process of that uid (less `spared`: the grader's own helpers run as it)."""
    me = os.getpid()
    roots = {worker_pid} | {pid for pid, info in table.items()
                            if info.ppid == me and not info.zombie and pid not in spared and pid != worker_pid}
    found = set().union(*(descendants(table, root) for root in roots)) | (roots - {worker_pid})
    if uid is not None:
        found |= {pid for pid, info in table.items() if info.uid == uid and not info.zombie}
    return found - spared - {worker_pid, me}
