"""Peak memory of a whole process tree: the command and everything it starts, summed.

Polls /proc every few milliseconds and keeps, for every process ever seen in the tree, the
largest peak RSS (VmHWM) it reported. Their sum bounds the tree's simultaneous peak from
above (each process's own peak, as if they all coincided), which is the safe figure to hold
against a container's memory limit. Processes are followed across setsid by uid and
ancestry, since the grader's student processes may run as another uid.
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


def peak_tree_memory_mb(cmd: list[str], *, extra_uids: tuple[int, ...] = (), poll_s: float = 0.003,
                        **popen_kwargs) -> tuple[float, float]:
    """Runs `cmd` to completion; returns (sum of per-process peak RSS, max simultaneous RSS) in MB."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen_kwargs)
    tree = {proc.pid}
    peaks: dict[int, int] = {}
    simultaneous = 0
    while True:
        done = proc.poll() is not None
        current = 0
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
        simultaneous = max(simultaneous, current)
        if done:
            break
        time.sleep(poll_s)
    return sum(peaks.values()) / 1024, simultaneous / 1024
