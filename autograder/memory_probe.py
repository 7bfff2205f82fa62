"""How much memory a submission uses during one call, measured from outside its processes.

Three readings, none of which student code can falsify:
- the kernel's peak-RSS mark of the worker, reset at the start of the call (`clear_refs`);
- the worker's RSS, read every millisecond while the call runs: a process can reset its own
  peak mark, not hide from being sampled;
- every other process of the submission, sampled alongside: children, daemons that
  double-forked away (orphans come to the grader, a child subreaper), and, as root, anything
  running as the sandbox uid. They count with their private pages only (unique set size): pages
  they share copy-on-write with the worker, or library pages they share with anyone, are
  counted once already, so a forked copy of a correct worker adds nothing.

Extra memory is the peak during the call above the worker's RSS when the call began; the
submission's other processes count in full. What the worker built before the call began and kept
(while being imported, or during an earlier call) is not counted, because correct code keeps
memory too: a lazy `import scipy` in an earlier call keeps more than a dense matrix for a small
input needs. docs/threat-model.md describes that gap.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from . import limits

_PRIVATE_FIELDS = (b"Private_Clean:", b"Private_Dirty:", b"Private_Hugetlb:")


class MemoryProbe:
    def __init__(self, worker_pid: int, uid: int | None, spared: Callable[[], set[int]]) -> None:
        """`uid` is the sandbox uid (None when not root); `spared` gives the grader's children
        that are not this submission's (its other workers, a caller's pool)."""
        self._worker = worker_pid
        self._uid = uid
        self._spared = spared
        self._start_kb = 0  # the worker's RSS when the call began
        self._seen: set[int] = set()  # every pid classified since the call began
        self._members: set[int] = set()  # the submission's processes other than the worker
        self._peak_kb = 0
        self._measurable = False

    def begin(self) -> None:
        try:
            with open(f"/proc/{self._worker}/clear_refs", "w") as f:
                f.write("5")  # the peak-RSS mark restarts from the current RSS
        except OSError:
            self._measurable = False
            return
        start = status_kb(self._worker, "VmRSS")
        self._measurable = start is not None
        if start is None:
            return
        self._start_kb = start
        table = limits.process_table()
        self._seen = set(table)
        self._members = limits.submission_processes(table, self._worker, self._uid, self._spared())
        self._peak_kb = 0
        self.sample()

    def sample(self) -> None:
        if not self._measurable:
            return
        self._adopt_new_processes()
        worker_kb = status_kb(self._worker, "VmRSS") or 0
        others_kb = 0
        for pid in list(self._members):
            kb = unique_kb(pid)
            if kb is None:  # gone: its pid may come back as someone else's
                self._members.discard(pid)
                self._seen.discard(pid)
            else:
                others_kb += kb
        self._peak_kb = max(self._peak_kb, worker_kb + others_kb)

    def extra_mb(self) -> float | None:
        """Extra memory the call used (module docstring), or None where this platform cannot tell."""
        if not self._measurable:
            return None
        self.sample()
        hwm = status_kb(self._worker, "VmHWM") or 0
        return max(0, max(hwm, self._peak_kb) - self._start_kb) / 1024

    def _adopt_new_processes(self) -> None:
        # Only pids not seen before need a look: one listdir of /proc per sample, not a scan.
        me = os.getpid()
        new = sorted(set(limits.all_pids()) - self._seen)  # parents usually before their children
        spared = self._spared() if new else set()
        for pid in new:
            self._seen.add(pid)
            info = limits.proc_stat(pid)
            if info is None or pid == self._worker:
                continue
            ppid, owner, _ = info
            if (ppid == self._worker or ppid in self._members or (ppid == me and pid not in spared)
                    or (self._uid is not None and owner == self._uid)):
                self._members.add(pid)


def status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def unique_kb(pid: int) -> int | None:
    """Private (unshared) resident memory of a process in kB; None if it is gone. A process
    that made itself non-dumpable hides its smaps from the grader's own user: then all of its
    anonymous and shared-memory pages count, shared or not."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            text = f.read()
    except PermissionError:
        anon, shmem = status_kb(pid, "RssAnon"), status_kb(pid, "RssShmem")
        return None if anon is None else anon + (shmem or 0)
    except OSError:
        return None
    if not text:  # a zombie: its memory is already free
        return 0 if limits.proc_stat(pid) else None
    total = 0
    for line in text.split(b"\n"):
        if line.startswith(_PRIVATE_FIELDS):
            total += int(line.split()[1])
    return total
