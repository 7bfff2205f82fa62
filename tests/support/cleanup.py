"""Folders a test session makes outside pytest's tmp_path (shared by the session's subprocesses, or
open to the sandbox uid), removed when the session ends."""

import atexit
import os
import shutil
from pathlib import Path


def remove_at_exit(folder: Path) -> None:
    """By the process that made it only: a forked child that exits normally must not take it along."""
    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, ignore_errors=True))
