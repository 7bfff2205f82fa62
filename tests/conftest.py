import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from support.cli import run_cli
from support.cleanup import remove_at_exit

from autograder import settings
from autograder.tools.regress import RegressReport

# A fresh cache per test session, so the reference really runs at least once here; removed at
# the session's end (subprocesses of the session share it).
if settings.CACHE not in os.environ:
    os.environ[settings.CACHE] = tempfile.mkdtemp(prefix="autograder-test-cache-")
    remove_at_exit(Path(os.environ[settings.CACHE]))


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
