"""Hostile submissions (tests/hostile/*), graded for real: as root through the Gradescope image
that `autograder build` makes, and as an unprivileged user through `autograder grade`.

Every one must end with a valid results.json written by the grader, within its declared time,
with no process of the run's uids left, the session's canary nowhere in what the grader wrote,
and every piece of feedback rendering literally under a real CommonMark renderer (no heading,
link, image or raw HTML of the student's); then the score and the checks its entry in
hostiles.yaml declares for that mode must hold.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
import yaml
from support.cli import REPO, run_cli
from support.gradescope_box import gradescope_box
from support.literal_markdown import literal_problems
from pydantic import BaseModel, ConfigDict, model_validator

from autograder.spec.assignment import load_assignment
from autograder.spec.cases import generate_inputs
from autograder.spec.cases import select_cases
from autograder.sandbox.cleanup import SHARED_TEMP_DIRS, remove_files_of
from autograder.reporters.gradescope import GradescopeResults
from autograder.sandbox.uids import sandbox_uid_slot
from autograder.tools.library import KnownSubmission, materialize

HOSTILE = Path(__file__).parent

Mode = Literal["root", "user"]
Score = Literal["zero", "below_full", "full", "any"]
Check = Literal["secrets_denied", "results_stay", "small_results", "no_sandbox_files", "no_sandbox_ipc",
                "network_silent", "victim_intact", "hidden_inputs_stay_hidden", "submission_error", "nothing_escaped"]


class ArchiveEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str  # "{i}" is replaced by 0..count-1
    text: str | None = None
    symlink_to: str | None = None
    zeros_mb: int | None = None
    count: int = 1


class Hostile(KnownSubmission):
    """A library entry of the grader's own tests: the same declaration as a mutant's (name,
    description, source), with what this suite asserts instead of the cases it must fail. Its
    source may also be an `archive` this suite builds (a zip bomb is no folder to keep)."""

    stopped_by: dict[Mode, str]
    score: Score | dict[Mode, Score] = "below_full"
    checks: list[Check] = []
    output: dict[Mode, list[str]] = {}  # regexes over what the student sees: messages and printed output
    timeout_s: float = 45
    archive: list[ArchiveEntry] | None = None
    # make.py in the hostile's folder: `build(dest, reference) -> Path` makes the upload (a folder or a
    # zip) that no folder in git can hold: names that are not UTF-8, a 6 MB notebook, damaged zips.
    build: Literal["make.py"] | None = None
    grader_memory_mb: float | None = None  # the grader's own peak RSS (its processes, not the workers') must stay below

    @model_validator(mode="after")
    def _one_source(self) -> "Hostile":
        if [bool(self.edits), self.files is not None, self.archive is not None, self.build is not None].count(True) != 1:
            raise ValueError("give one of edits, files, archive or build")
        return self

    def score_in(self, mode: Mode) -> Score:
        return self.score if isinstance(self.score, str) else self.score[mode]


class _HostilesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hostiles: list[Hostile]


HOSTILES = {h.name: h for h in _HostilesFile.model_validate(yaml.safe_load((HOSTILE / "hostiles.yaml").read_text())).hostiles}
NAMES = sorted(HOSTILES)


def declaration(name: str) -> Hostile:
    return HOSTILES[name]


@dataclass
class Run:
    results_path: Path
    results: dict
    log: str  # the grader's stdout and stderr
    uid: int  # the uid student code ran as
    grader_peak_mb: float  # the largest peak RSS of the grader's own processes (workers not counted)

    @property
    def shown(self) -> str:
        """Everything results.json shows: summary, case messages and printed output."""
        return "\n".join([self.results["output"]] + [t["output"] for t in self.results["tests"]])

    def shown_in(self, visible: bool) -> str:
        return "\n".join(t["output"] for t in self.results["tests"] if (t["visibility"] == "visible") == visible)


# --- the two ways of grading ----------------------------------------------------------------

@pytest.fixture(scope="session")
def canary() -> str:
    return f"autograder-canary-{uuid.uuid4().hex}"


def _private_dir(prefix: str) -> Path:
    """Root's, under the temp folder, not pytest's tmp_path (0700 ancestors keep other uids out)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def _sandbox_uid():
    # A uid of our own for the session: no other grading on this machine uses it meanwhile, so
    # any process of it still alive after a run is a leftover of that run.
    if os.geteuid() != 0:
        pytest.skip("grading as root and as another user needs root")
    return sandbox_uid_slot()


@pytest.fixture(scope="session")
def image(canary, tmp_path_factory):
    """The conv1d Gradescope image: built by the real command, unzipped, setup.sh run, once."""
    with _sandbox_uid() as uid:
        out = tmp_path_factory.mktemp("build")
        built = run_cli("build", "conv1d", "--out", str(out))
        assert built.returncode == 0, built.stderr
        with gradescope_box(out / "conv1d-autograder.zip") as box:
            box.setup()
            box.install_run_autograder()
            for path in (box.root / "canary.txt", box.root / "source" / "canary.txt"):
                path.write_text(canary)
                path.chmod(0o644)  # closed by the image's own modes, not by ours
            box.env.update(AUTOGRADER_SANDBOX_UID=str(uid), AUTOGRADER_HOSTILE_CANARY=canary)
            yield box, uid


@pytest.fixture(scope="session")
def laptop(canary):
    """An unprivileged user with a home, a cache and nothing else: `autograder grade` as a student runs it."""
    with _sandbox_uid() as uid:
        # Root's folder, the user's home inside: cleaning the user's files out of /tmp spares it.
        outer = _private_dir("autograder-hostile-user-")
        home = outer / "home"
        home.mkdir()
        os.chown(home, uid, uid)
        env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(home), "TMPDIR": tempfile.gettempdir(),
               "AUTOGRADER_CACHE": str(home / "cache"), "AUTOGRADER_HOSTILE_CANARY": canary}
        try:
            yield home, uid, env
        finally:
            shutil.rmtree(outer, ignore_errors=True)


def _submission(name: str, dest: Path, owner: int) -> Path:
    """The hostile's folder, the archive its declaration describes, or what its make.py builds,
    as the grader will see it."""
    decl = declaration(name)
    if decl.build is not None:
        spec = importlib.util.spec_from_file_location(f"hostile_{name}_make", HOSTILE / name / decl.build)
        make = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(make)
        upload = make.build(dest, (REPO / "reference" / "conv1d" / "conv1D.py").read_text())
        for path in [upload, *(upload.rglob("*") if upload.is_dir() else [])]:
            os.chown(path, owner, owner)
        return upload
    entries = decl.archive
    if entries is None:
        return materialize(load_assignment("conv1d"), decl, dest, library_dir=HOSTILE)
    archive = dest / f"{name}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for entry in entries:
            for i in range(entry.count):
                info = zipfile.ZipInfo(entry.name.replace("{i}", str(i)))
                info.compress_type = zipfile.ZIP_DEFLATED
                if entry.symlink_to is not None:
                    info.external_attr = (0o120777 << 16)
                    zf.writestr(info, entry.symlink_to)
                elif entry.zeros_mb is not None:
                    with zf.open(info, "w", force_zip64=True) as f:
                        for _ in range(entry.zeros_mb):
                            f.write(bytes(1 << 20))
                else:
                    zf.writestr(info, entry.text)
    os.chown(archive, owner, owner)
    return archive


class _GraderMemory:
    """The peak RSS of the grader's own processes under `root`, sampled while it runs: the kernel's
    peak mark of each (VmHWM), read until it exits. Workers (and what they start) do not count."""

    def __init__(self, root: int) -> None:
        self.root, self.peak_kb, self._done = root, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(0.02):
            for pid in _tree(self.root):
                try:
                    if b"worker.py" in Path(f"/proc/{pid}/cmdline").read_bytes():
                        continue
                    status = Path(f"/proc/{pid}/status").read_text()
                    self.peak_kb = max(self.peak_kb, int(status.split("VmHWM:")[1].split()[0]))
                except (OSError, IndexError, ValueError):
                    pass

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak_kb / 1024


def _tree(root: int) -> set[int]:
    parents = {}
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            parents[int(pid)] = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            pass
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier += children
    return found


def _run(command: list[str], *, env: dict, cwd: Path, timeout_s: float, uid: int) -> tuple[str, float]:
    """The grader's output and its own peak RSS in MB; fails the test if grading takes longer than `timeout_s`."""
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    memory = _GraderMemory(proc.pid)
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        for process in _processes_of(uid):
            os.kill(int(process.split(":")[0]), signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"grading took more than {timeout_s:g} s")
    finally:
        peak_mb = memory.stop()
    return out.decode(errors="replace"), peak_mb


def grade_in_image(image, name: str, canary: str, timeout_s: float) -> Run:
    box, uid = image
    results = box.root / "results" / "results.json"
    results.unlink(missing_ok=True)
    shutil.rmtree(box.root / "submission", ignore_errors=True)
    (box.root / "submission_metadata.json").write_text(json.dumps(
        {"assignment": {"total_points": 23}, "users": [{"email": f"{canary}@example.edu"}]}))
    held = _private_dir("autograder-hostile-upload-")
    try:
        upload = _submission(name, held, owner=0)
        if upload.is_dir():
            shutil.copytree(upload, box.root / "submission")
            log, peak = _run([str(box.root / "run_autograder")], env=box.env, cwd=box.root, timeout_s=timeout_s,
                             uid=uid)
        else:
            # Gradescope unpacks uploaded zips itself; an archive meets our extraction through `grade`,
            # run as root by the image's own interpreter and course.
            source = box.root / "source"
            env = {**box.env, "PYTHONPATH": str(source), "AUTOGRADER_COURSE_ROOT": str(source / "course"),
                   "AUTOGRADER_CACHE": str(source / ".cache")}
            results.parent.mkdir(exist_ok=True)
            log, peak = _run([str(box.venv / "bin" / "python"), "-m", "autograder", "grade", "conv1d", str(upload),
                              "--results", str(results)], env=env, cwd=box.root, timeout_s=timeout_s, uid=uid)
    finally:
        shutil.rmtree(held)
    return Run(results, json.loads(results.read_text()), log, uid, peak)


def grade_as_user(laptop, name: str, timeout_s: float) -> Run:
    home, uid, env = laptop
    results = home / "results.json"
    results.unlink(missing_ok=True)
    upload = _submission(name, home, owner=uid)
    log, peak = _run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", sys.executable, "-m",
                      "autograder", "grade", "conv1d", str(upload), "--results", str(results), "--quiet"],
                     env=env, cwd=REPO, timeout_s=timeout_s, uid=uid)
    return Run(results, json.loads(results.read_text()), log, uid, peak)


# --- what the checks look at ----------------------------------------------------------------

def _processes_of(uid: int) -> list[str]:
    """The live processes of `uid`, with their command lines. Dead ones may wait for this test
    process to reap them: earlier tests grade in-process, which makes it a child subreaper."""
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) != uid:
                continue
            if fields["State"].split()[0] == "Z":
                if int(fields["PPid"]) == os.getpid():
                    os.waitpid(int(pid), os.WNOHANG)
                continue
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{pid}: {command[:200]}")
        except (OSError, KeyError, ValueError):
            pass
    return found


def _files_of(uid: int) -> list[str]:
    found = []
    for folder in SHARED_TEMP_DIRS:
        for entry in os.scandir(folder):
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    found.append(entry.path)
            except OSError:
                pass
    return found


def _shm_segments_of(uid: int) -> list[int]:
    with open("/proc/sysvipc/shm") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    return [int(row[1]) for row in rows if int(row[7]) == uid]


class Listeners:
    """TCP, UDP and abstract unix sockets the network hostile aims at; it finds the port in a file."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(f"\0autograder-hostile-{self.port}")
        self.unix.listen()
        for s in (self.tcp, self.udp, self.unix):
            s.setblocking(False)
        self.port_file = Path(tempfile.gettempdir()) / f"autograder-hostile-port-{self.port}"
        self.port_file.write_text(str(self.port))
        self.port_file.chmod(0o644)

    def reached(self, sock: socket.socket) -> bool:
        try:
            if sock.type == socket.SOCK_DGRAM:
                sock.recvfrom(64)
            else:
                sock.accept()
            return True
        except BlockingIOError:
            return False

    def close(self) -> None:
        self.port_file.unlink(missing_ok=True)
        for s in (self.tcp, self.udp, self.unix):
            s.close()


def _hidden_input_marks() -> list[str]:
    """How the exfiltrating hostile writes each array input of a hidden case."""
    marks = []
    for case in select_cases(load_assignment("conv1d")):
        if case.visibility != "visible":
            marks += [f"size={a.size} first={float(a.flat[0]):.10f}" for a in generate_inputs(case).values()
                      if hasattr(a, "flat")]
    return marks


# --- the suite ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["root", "user"])
@pytest.mark.parametrize("name", NAMES)
def test_hostile_submission_is_contained(name, mode, request, canary):
    decl = declaration(name)
    uid = (request.getfixturevalue("image") if mode == "root" else request.getfixturevalue("laptop"))[1]
    victim = Path(tempfile.gettempdir()) / f"autograder-hostile-victim-{uuid.uuid4().hex}"
    victim.write_text(canary)
    victim.chmod(0o644)
    listeners = Listeners() if "network_silent" in decl.checks else None
    try:
        if mode == "root":
            run = grade_in_image(request.getfixturevalue("image"), name, canary, decl.timeout_s)
        else:
            run = grade_as_user(request.getfixturevalue("laptop"), name, decl.timeout_s)
        left = _processes_of(uid)  # at once: everything must be dead before results are written
        stayed = hashlib.sha256(run.results_path.read_bytes()).hexdigest()
        checks = set(decl.checks)

        GradescopeResults.model_validate(run.results)
        shown = [run.results["output"]] + [t["output"] for t in run.results["tests"]]
        problems = [problem for markdown in shown for problem in literal_problems(markdown)]
        assert not problems, f"feedback that is not literal: {problems[:3]}"
        status = run.results["extra_data"]["status"]
        assert status == ("submission_error" if "submission_error" in checks else "completed"), run.results["output"]
        assert left == [], f"processes of uid {uid} outlived grading: {left}"
        assert canary not in run.results_path.read_text() and canary not in run.log
        score, full = run.results["score"], sum(t["max_score"] for t in run.results["tests"])
        expected_score = decl.score_in(mode)
        assert {"zero": score == 0, "below_full": score < full, "full": score == full > 0, "any": True}[expected_score], \
            f"score {score} of {full}, declared {expected_score}"
        for pattern in decl.output.get(mode, []):
            pattern = pattern.replace("{root}", re.escape(str(request.getfixturevalue("image")[0].root))
                                      if mode == "root" else "")
            assert re.search(pattern, run.shown), f"{pattern!r} not in what the student sees:\n{run.shown[:3000]}"

        if "secrets_denied" in checks and mode == "root":
            assert not re.search(r"^READ ", run.shown, re.MULTILINE), run.shown
        if "results_stay" in checks:
            time.sleep(2)  # the daemon rewrote every 50 ms for 20 s, had it survived
            assert hashlib.sha256(run.results_path.read_bytes()).hexdigest() == stayed
            assert run.results["score"] < 999
        if "small_results" in checks:
            assert run.results_path.stat().st_size < 200_000
            assert "bytes cut" in run.shown
        if "no_sandbox_files" in checks and mode == "root":
            assert _files_of(uid) == []
        if "no_sandbox_ipc" in checks and mode == "root":
            assert _shm_segments_of(uid) == []
        if listeners is not None:
            assert not listeners.reached(listeners.tcp) and not listeners.reached(listeners.udp)
            if mode == "root":  # a laptop has no namespace of its own: abstract unix sockets stay reachable
                assert not listeners.reached(listeners.unix)
        if "victim_intact" in checks:
            assert victim.is_file() and not victim.is_symlink() and victim.read_text() == canary
        if "hidden_inputs_stay_hidden" in checks:
            marks = _hidden_input_marks()
            assert any(m in run.shown_in(visible=False) for m in marks)  # the hostile did record them
            assert not [m for m in marks if m in run.shown_in(visible=True)]
        if "nothing_escaped" in checks:
            assert list(Path(tempfile.gettempdir()).glob("autograder-hostile-slip*")) == []
        if decl.grader_memory_mb is not None:
            assert 0 < run.grader_peak_mb < decl.grader_memory_mb, f"the grader peaked at {run.grader_peak_mb:.0f} MB"
    finally:
        victim.unlink(missing_ok=True)
        if listeners is not None:
            listeners.close()
        if mode == "user":  # a laptop keeps what student code leaves behind; this machine need not
            remove_files_of(uid)
            for shmid in _shm_segments_of(uid):
                subprocess.run(["ipcrm", "-m", str(shmid)], check=False)


def test_every_hostile_declares_both_modes():
    assert len(NAMES) >= 15
    for name in NAMES:
        decl = declaration(name)
        assert set(decl.stopped_by) == {"root", "user"}, name
        if decl.files is not None:
            assert any((HOSTILE / name).glob("conv1D.*")), name
        if decl.build is not None:
            assert (HOSTILE / name / decl.build).is_file(), name
    assert sorted(p.name for p in HOSTILE.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))) == \
        sorted(n for n in NAMES if declaration(n).files or declaration(n).build)  # every folder is declared
