import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.regress import RegressReport

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


@pytest.fixture(scope="session")
def regress_run():
    """`autograder regress NAME --json`, run once per assignment per session: test_regress.py
    checks its verdict, test_library.py reads the report of every library entry from it."""
    runs = {}

    def run(name: str) -> tuple[subprocess.CompletedProcess, RegressReport]:
        if name not in runs:
            result = run_cli("regress", name, "--json", timeout=900)
            assert result.stdout.strip(), result.stderr
            runs[name] = (result, RegressReport.model_validate_json(result.stdout))
        return runs[name]

    return run
