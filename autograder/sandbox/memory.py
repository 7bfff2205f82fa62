"""How much memory a memory-checked call adds, read from outside the worker: the second witness.

The first is the kernel: the call runs alone under RLIMIT_DATA (`alone.py`), so an allocation
beyond its allowance is refused whether it is touched or not. This reading catches what the data
limit does not count, mapped files above all, from two readings student code cannot falsify:
- the kernel's peak-RSS mark of the worker, reset at the start of the call (`clear_refs`);
- the worker's RSS, read every millisecond while the call runs: a process can reset its own
  peak mark, not hide from being sampled.
No other process of the submission is alive during the call, and none can start (`alone.py`).

Extra memory is the peak during the call above the worker's RSS when the call began. What the
worker built while being imported and kept is not counted (docs/threat-model.md says why).
"""

from __future__ import annotations

from . import procfs


class MemoryProbe:
    def __init__(self, worker_pid: int) -> None:
        self._worker = worker_pid
        self._start_kb = 0  # the worker's RSS when the call began
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
        self._start_kb = start or 0
        self._peak_kb = self._start_kb

    def sample(self) -> None:
        if self._measurable:
            self._peak_kb = max(self._peak_kb, procfs.status_kb(self._worker, "VmRSS") or 0)

    def extra_mb(self) -> float | None:
        """Extra memory the call used (module docstring), or None where this platform cannot tell."""
        if not self._measurable:
            return None
        self.sample()
        hwm = procfs.status_kb(self._worker, "VmHWM") or 0
        return max(0, max(hwm, self._peak_kb) - self._start_kb) / 1024
