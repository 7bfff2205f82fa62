"""`autograder selftest`: the grading image tests itself as every submission will run, and says
which folder is in the way when the sandbox uid cannot reach what it needs. (setup.sh running
it on a real Gradescope zip: test_build.py.)"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from support.cli import REPO
from support.gradescope_box import BASE_PYTHON, clean_env

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop happens only as root, as on Gradescope")


def selftest(python, name="conv1d"):
    return subprocess.run([str(python), "-m", "autograder", "selftest", name], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.mark.parametrize("name", ["conv1d", "optimizers"])
def test_the_untouched_template_runs_as_students_code_does(name):
    result = selftest(sys.executable, name)
    assert result.returncode == 0, result.stderr
    who = "as the sandbox uid" if os.geteuid() == 0 else "as this user (not root: no privilege drop to test)"
    assert result.stdout.startswith(f"selftest {name}: ok: the untouched template's ")
    assert f"cases ran {who} through the sandbox and read 'not implemented'" in result.stdout


@as_root
def test_an_interpreter_behind_a_closed_folder_fails_naming_the_folder():
    # The image: the venv's folders under a parent only root may traverse.
    closed = Path(tempfile.mkdtemp(prefix="autograder-closed-"))
    try:
        closed.chmod(0o700)
        (closed / "venv").symlink_to(Path(sys.prefix))
        result = selftest(closed / "venv/bin/python")
    finally:
        (closed / "venv").unlink()
        closed.rmdir()
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == ("autograder selftest conv1d: FAILED: student code would not run here as the sandbox uid as it "
                        "must:")
    assert lines[1].startswith(f"  the sandbox uid could not import what this interpreter has: {closed} (mode 0700) "
                               f"is closed to other users, and holds {closed}/venv/lib/")
    assert any(line.startswith(f"  grading failed: PermissionError: grading as root runs student code as uid ")
               and f"cannot reach {closed}/venv/bin/python ({closed} is closed to other users)" in line
               for line in lines)


def test_a_closed_folder_inside_site_packages_is_found(tmp_path):
    # A lazy import (numpy.random) of a folder only root may list fails only after the uid drop.
    base = Path(tempfile.mkdtemp(prefix="autograder-open-"))
    try:
        base.chmod(0o755)
        subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", str(base / "venv")], check=True)
        python = base / "venv/bin/python"
        site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=True).stdout.strip())
        (site / "pkg/lazy").mkdir(parents=True)
        (site / "pkg/lazy").chmod(0o700)
        (site / "pkg/__init__.py").write_text("")
        (site / "pkg/secret.py").write_text("")
        (site / "pkg/secret.py").chmod(0o600)
        found = subprocess.run([str(python), "-c", "from autograder.sandbox.uids import closed_import_paths\n"
                                "print('\\n'.join(closed_import_paths()))"], cwd=REPO, capture_output=True, text=True,
                               env=clean_env(), check=True).stdout.splitlines()
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=True)
    assert sorted(found) == sorted([f"{site}/pkg/lazy (mode 0700) cannot be listed by other users",
                                    f"{site}/pkg/secret.py (mode 0600) cannot be read by other users"])
