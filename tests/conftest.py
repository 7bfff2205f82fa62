import os
import subprocess
import tempfile

import pytest
from support.cli import run_cli

from autograder import settings
from autograder.tools.regress import RegressReport

# A fresh cache per test session, so the reference really runs at least once here.
os.environ.setdefault(settings.CACHE, tempfile.mkdtemp(prefix="autograder-test-cache-"))


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
