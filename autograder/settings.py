"""Every `AUTOGRADER_*` environment setting, its default and its meaning, in one place.

Read when asked, not at import: a grading process gets its settings from whoever started it
(`tools/grading_process.py` passes a sandbox uid and a course root per submission), and tests
change them between runs. The shell scripts of the Gradescope image read the same names
(`delivery/gradescope/`): AUTOGRADER_ROOT, AUTOGRADER_VENV, AUTOGRADER_PYTHON.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

COURSE_ROOT = "AUTOGRADER_COURSE_ROOT"  # assignments/, reference/, student_template/ live here
CACHE = "AUTOGRADER_CACHE"  # where the reference's outputs are cached
SANDBOX_UID = "AUTOGRADER_SANDBOX_UID"  # as root, student code runs as this uid (one grading's own)
TORCH_INDEX = "AUTOGRADER_TORCH_INDEX"  # extra package index for torch's CPU wheels

DEFAULT_SANDBOX_UID = 61000  # unlikely to belong to anyone
DEFAULT_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


def course_root() -> Path:
    """This repository by default; an unpacked autograder zip or handout sets its own."""
    return Path(os.environ.get(COURSE_ROOT, PACKAGE_DIR.parent))


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE, course_root() / ".cache" / "expected"))


def sandbox_uid_base() -> int:
    return int(os.environ.get(SANDBOX_UID, DEFAULT_SANDBOX_UID))


def sandbox_uid_chosen() -> bool:
    """Whether whoever started this process chose (and holds) the sandbox uid for it."""
    return SANDBOX_UID in os.environ


def torch_index() -> str:
    """Empty means: no extra index."""
    return os.environ.get(TORCH_INDEX, DEFAULT_TORCH_INDEX)
