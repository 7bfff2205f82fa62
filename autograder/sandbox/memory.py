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

from . import procfs


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
        start = procfs.status_kb(self._worker, "VmRSS")
        self._measurable = start is not None
        if start is None:
            return
        self._start_kb = start
        table = procfs.process_table()
        self._seen = set(table)
        self._members = submission_processes(table, self._worker, self._uid, self._spared())
        self._peak_kb = 0
        self.sample()

    def sample(self) -> None:
        if not self._measurable:
            return
        self._adopt_new_processes()
        worker_kb = procfs.status_kb(self._worker, "VmRSS") or 0
        others_kb = 0
        for pid in list(self._members):
            kb = procfs.private_kb(pid)
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
        hwm = procfs.status_kb(self._worker, "VmHWM") or 0
        return max(0, max(hwm, self._peak_kb) - self._start_kb) / 1024

    def _adopt_new_processes(self) -> None:
        # Only pids not seen before need a look: one listdir of /proc per sample, not a scan.
        me = os.getpid()
        new = sorted(set(procfs.all_pids()) - self._seen)  # parents usually before their children
        spared = self._spared() if new else set()
        for pid in new:
            self._seen.add(pid)
            info = procfs.process_info(pid)
            if info is None or pid == self._worker:
                continue
            ppid, owner, _ = info
            if (ppid == self._worker or ppid in self._members or (ppid == me and pid not in spared)
                    or (self._uid is not None and owner == self._uid)):
                self._members.add(pid)


def submission_processes(table: procfs.ProcessTable, worker_pid: int, uid: int | None, spared: set[int]) -> set[int]:
    """The live processes a worker's submission runs besides the worker: its descendants,
    orphans reparented to us (our children, less `spared`) with theirs, and, when student code
    runs as `uid`, every process of that uid."""
    me = os.getpid()
    roots = {worker_pid} | {pid for pid, info in table.items()
                            if info.ppid == me and not info.zombie and pid not in spared and pid != worker_pid}
    found = set().union(*(procfs.descendants(table, root) for root in roots)) | (roots - {worker_pid})
    if uid is not None:
        found |= {pid for pid, info in table.items() if info.uid == uid and not info.zombie}
    return found - {worker_pid, me}
