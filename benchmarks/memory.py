"""Peak memory of a whole process tree: the command and everything it starts, summed.

Polls /proc every few milliseconds and keeps, for every process ever seen in the tree, the
largest peak RSS (VmHWM) it reported, and the largest sum over the tree at one time of each
process's proportional set size (Pss: a page shared by n processes counts 1/n in each), which
counts every page once, as a container's memory limit (a cgroup) does. Summed RSS counts a
page in every process that maps it: workers forked from one fork server share most of theirs
(numpy's, torch's, matplotlib's), so its sums bound the figure from above, very loosely once
a grading forks. Processes are followed across setsid by uid and ancestry, since the grader's
student processes may run as another uid.
"""

from __future__ import annotations

import os
import subprocess
import time


def _status(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return {}


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
    except (OSError, ValueError):
        return 0


def peak_tree_memory_mb(cmd: list[str], *, extra_uids: tuple[int, ...] = (), poll_s: float = 0.003,
                        **popen_kwargs) -> tuple[float, float, float]:
    """Runs `cmd` to completion; returns (sum of per-process peak RSS, max simultaneous RSS, max
    simultaneous PSS) in MB."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen_kwargs)
    tree = {proc.pid}
    peaks: dict[int, int] = {}
    simultaneous = simultaneous_pss = 0
    while True:
        done = proc.poll() is not None
        current = current_pss = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            status = _status(pid)
            if not status or "VmHWM" not in status:
                continue
            ppid, uid = int(status["PPid"]), int(status["Uid"].split()[0])
            if pid in tree or ppid in tree or uid in extra_uids:
                tree.add(pid)
                peaks[pid] = max(peaks.get(pid, 0), int(status["VmHWM"].split()[0]))
                current += int(status["VmRSS"].split()[0])
                current_pss += _pss_kb(pid)
        simultaneous = max(simultaneous, current)
        simultaneous_pss = max(simultaneous_pss, current_pss)
        if done:
            break
        time.sleep(poll_s)
    return sum(peaks.values()) / 1024, simultaneous / 1024, simultaneous_pss / 1024
