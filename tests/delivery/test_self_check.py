"""The student's self-checks work where students are: as root, with an interpreter in a folder no
other user may traverse (Colab, Docker). They keep the separate process and its limits but drop
no privileges; grading for Gradescope still runs student code as the sandbox uid, and says which
folder is in the way when that uid cannot reach the interpreter."""

import os
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path

import pytest
from support.cli import REPO
from support.course import course_copy
from support.gradescope_box import BASE_PYTHON, clean_env

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop happens only as root")

PROBE = '''
import os
import numpy as np


class Convolution1d:
    def __init__(self, filt):
        self.T = self

    def __matmul__(self, vector):
        print("uid", os.getuid())
        return None
'''


@pytest.fixture(scope="module")
def closed_python():
    """A copy of the interpreter (not a link) in a venv under a 0700 folder, seeing our packages;
    the only closed folder on its way (pytest's own folders are closed too, so not under them)."""
    closed = Path(tempfile.mkdtemp(prefix="autograder-closed-"))
    closed.chmod(0o700)
    yield from _closed_venv(closed)
    shutil.rmtree(closed)


def _closed_venv(closed):
    venv = closed / "venv"
    subprocess.run([BASE_PYTHON, "-m", "venv", "--copies", "--without-pip", str(venv)], check=True)
    python = venv / "bin/python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]  # this test process's venv: numpy, pydantic, pytest
    Path(site, "ours.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    assert os.path.realpath(python).startswith(str(closed))  # not a link out of the closed folder
    yield closed, python


def run(python, *args, cwd=REPO, env=None):
    return subprocess.run([str(python), "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=clean_env(**(env or {})))


def test_check_runs_as_root_with_an_interpreter_others_cannot_reach(closed_python, tmp_path):
    _, python = closed_python
    ok = run(python, "autograder", "check", "conv1d", "reference/conv1d")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "PermissionError" not in ok.stdout + ok.stderr

    (tmp_path / "conv1D.py").write_text(PROBE)
    probe = run(python, "autograder", "check", "conv1d", str(tmp_path))
    assert probe.returncode == 1
    assert "    printed: uid 0" in probe.stdout  # the student's own machine: no uid drop
    assert "[TODO]" in probe.stdout and "[ERROR]" not in probe.stdout


def test_the_pytest_self_check_runs_there_too(closed_python, tmp_path):
    _, python = closed_python
    handout = course_copy(tmp_path / "handout", "conv1d", library=False)
    shutil.copy(REPO / "reference/conv1d/conv1D.py", handout / "conv1D.py")
    (handout / "conftest.py").write_text("from autograder.reporters.pytest_plugin import pytest_collect_file  # noqa\n")
    tests = run(python, "pytest", "-p", "no:cacheprovider", cwd=handout, env={"PYTHONPATH": str(REPO)})
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed in " in tests.stdout and "failed" not in tests.stdout


def test_grading_for_gradescope_still_needs_a_reachable_interpreter_and_says_where(closed_python, tmp_path):
    closed, python = closed_python
    results = tmp_path / "results.json"
    graded = run(python, "autograder", "grade", "conv1d", "reference/conv1d", "--results", str(results))
    assert graded.returncode == 2
    assert f"cannot reach {python} ({closed} is closed to other users)" in graded.stderr
    assert '"status":"grader_error"' in results.read_text().replace(" ", "")  # not a verdict on the student
