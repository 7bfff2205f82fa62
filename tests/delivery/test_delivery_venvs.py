"""The shared test venvs (one per requirements, ~1 GB each with torch) do not pile up."""

import fcntl
import os
import time

from support.gradescope_box import prune_venvs

DAY = 86400


def _venv(folder, name, age_days):
    (folder / name / "bin").mkdir(parents=True)
    lock = folder / f"{name}.lock"
    lock.touch()
    then = time.time() - age_days * DAY
    os.utime(lock, (then, then))
    return lock


def test_only_venvs_unused_for_long_and_not_held_are_pruned(tmp_path):
    _venv(tmp_path, "gradescope-old", 10)
    _venv(tmp_path, "student-recent", 1)
    held = _venv(tmp_path, "gradescope-old-but-in-use", 10)
    with open(held, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        removed = prune_venvs(tmp_path, 7 * DAY)
    assert removed == [tmp_path / "gradescope-old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gradescope-old-but-in-use", "gradescope-old-but-in-use.lock", "student-recent", "student-recent.lock"]
