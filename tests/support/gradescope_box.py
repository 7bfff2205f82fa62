"""Helpers for the delivery tests: Gradescope's folders under a temporary AUTOGRADER_ROOT,
virtualenvs shared across tests and sessions, real unzip and real subprocesses."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from autograder.reporters.gradescope import GradescopeResults

# Outside pytest's tmp_path (0700): the sandbox uid must traverse to the venvs and the root.
VENVS = Path(tempfile.gettempdir()) / "autograder-test-venvs"
# The interpreter our own .venv was made from: a system one, reachable by the sandbox uid.
BASE_PYTHON = os.path.realpath(sys.executable)
# A venv for requirements no test has asked for in this long goes (each is ~1 GB with torch).
UNUSED_VENV_DAYS = 7


def unzip(archive: Path, dest: Path) -> None:
    """With the `unzip` tool, as Gradescope does: it keeps the scripts' executable bits."""
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["unzip", "-q", str(archive), "-d", str(dest)], check=True)


def clean_env(**extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "PIP_FIND_LINKS", "PIP_CERT", "PIP_DEFAULT_TIMEOUT")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **extra}


@contextmanager
def venv_slot(kind: str, requirements: str) -> Iterator[Path]:
    """The path of a venv for these requirements, locked while the caller sets it up: tests in
    other sessions on this machine may want the same one at the same time."""
    VENVS.mkdir(exist_ok=True)
    VENVS.chmod(0o755)
    prune_venvs(VENVS, UNUSED_VENV_DAYS * 86400)
    path = VENVS / f"{kind}-{hashlib.sha256(requirements.encode()).hexdigest()[:16]}"
    with open(f"{path}.lock", "w") as lock:  # opening for writing marks it used (its mtime)
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield path


def prune_venvs(folder: Path, unused_s: float) -> list[Path]:
    """Deletes the venvs of `folder` whose lock file is older than `unused_s` and not held."""
    removed = []
    for lock_path in sorted(folder.glob("*.lock")):
        try:
            if time.time() - lock_path.stat().st_mtime < unused_s:
                continue
            with open(lock_path, "a") as lock:  # "a": leaves the mtime alone
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                venv = lock_path.with_suffix("")
                shutil.rmtree(venv, ignore_errors=True)
                lock_path.unlink()
                removed.append(venv)
        except (BlockingIOError, FileNotFoundError):  # in use, or pruned by another session
            continue
    return removed


def student_venv(requirements_file: Path) -> Path:
    """What a student does with the handout: a venv and `pip install -r requirements.txt`."""
    text = requirements_file.read_text()
    with venv_slot("student", text) as venv:
        stamp = venv / ".installed"
        if not stamp.exists():
            subprocess.run([BASE_PYTHON, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", "-r", str(requirements_file)],
                           check=True, env=clean_env())
            stamp.touch()
    return venv


@contextmanager
def gradescope_box(archive: Path) -> Iterator[GradescopeBox]:
    """Gradescope's folders under a fresh AUTOGRADER_ROOT with `archive` unzipped in source/;
    the venv setup.sh makes is shared by every zip with the same requirements."""
    root = Path(tempfile.mkdtemp(prefix="autograder-root-"))
    try:
        root.chmod(0o755)
        unzip(archive, root / "source")
        with venv_slot("gradescope", (root / "source" / "requirements.txt").read_text()) as venv:
            yield GradescopeBox(root, venv)
    finally:
        shutil.rmtree(root, ignore_errors=True)


class GradescopeBox:
    def __init__(self, root: Path, venv: Path) -> None:
        self.root = root
        self.venv = venv
        self.env = clean_env(AUTOGRADER_ROOT=str(root), AUTOGRADER_VENV=str(venv),
                             AUTOGRADER_TORCH_INDEX="")  # no host but the local indexes is reachable here

    def setup(self) -> float:
        """Runs setup.sh; returns its wall time."""
        start = time.monotonic()
        subprocess.run([str(self.root / "source" / "setup.sh")], check=True, env=self.env, timeout=1200,
                       capture_output=True)
        return time.monotonic() - start

    def install_run_autograder(self) -> None:
        shutil.copy2(self.root / "source" / "run_autograder", self.root / "run_autograder")

    def grade(self, files: Path, metadata: dict | None = None) -> tuple[dict, float]:
        """Puts `files` in submission/, runs run_autograder; returns results.json and the wall time."""
        submission = self.root / "submission"
        shutil.rmtree(submission, ignore_errors=True)
        shutil.copytree(files, submission, ignore=shutil.ignore_patterns("__pycache__", "mutant.yaml"))
        (self.root / "submission_metadata.json").write_text(json.dumps(metadata or {}))
        start = time.monotonic()
        subprocess.run([str(self.root / "run_autograder")], cwd=self.root, env=self.env, timeout=900,
                       capture_output=True, check=True)
        seconds = time.monotonic() - start
        data = json.loads((self.root / "results" / "results.json").read_text())
        GradescopeResults.model_validate(data)
        return data, seconds
