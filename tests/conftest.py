import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# A fresh cache per test session, so the reference really runs at least once here.
os.environ.setdefault("AUTOGRADER_CACHE", tempfile.mkdtemp(prefix="autograder-test-cache-"))


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real `autograder` command, in a subprocess, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd or REPO, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture
def cli():
    return run_cli
