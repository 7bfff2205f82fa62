"""Starting a worker interpreter: running only our code, unconfined, until its setup arrives.

A worker needs nothing of the grading to start: the interpreter, our worker script, a request
pipe and a reply pipe. It loads numpy and the installed modules its harness and the handout
import (`assignment_imports`: torch, for one), then waits for the setup message that says where the
submission is and how to confine itself (`child/confine.py`), which it applies before it
imports any student code. So `grade` and `check` start one first thing (`start`), and the worker's
interpreter, numpy and torch load while the grader imports its own modules and stages the
submission; the runner starts its own when it is given none, or after a worker dies. A worker
whose setup never comes exits when its request pipe closes.

Deliberately light (the standard library and `settings`): it is imported before everything else.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from .. import settings

WORKER_SCRIPT = Path(__file__).parent / "child" / "worker.py"


class StartedWorker:
    """A worker process waiting for its setup, and the grader's ends of its pipes."""

    def __init__(self, proc: subprocess.Popen, replies_fd: int) -> None:
        self.proc = proc
        self.replies_fd = replies_fd
        self.adopted = False

    def discard(self) -> None:
        """Ends a worker that was never adopted by a run (the submission could not be staged,
        the spec did not load); it has run none of the student's code."""
        if self.adopted:
            return
        self.adopted = True
        self.proc.kill()
        self.proc.wait()
        self.proc.stdin.close()
        os.close(self.replies_fd)


def harness_imports(harness: Path) -> tuple[str, ...]:
    """The modules a harness imports at its top level, by name, for a worker to load before its
    setup arrives. Only names: the worker loads those it finds installed (no student file is on
    its path yet, so `import q_linearized_features` finds nothing) and leaves the rest to the
    harness's own import, which reports what fails."""
    try:
        return tuple(dict.fromkeys(_top_level_imports(harness.read_bytes())))
    except OSError:
        return ()


def assignment_imports(assignment: str) -> tuple[str, ...]:
    """What the named assignment's harness and its handout's files import, before its spec is
    read: the handout's imports are what a submission imports too (the notebook's ipywidgets:
    0.1 s). Found where they usually are (files named otherwise only lose the head start). Only
    the staff's files are read: a worker loads these as the grader's user, before it is confined."""
    root = settings.course_root()
    names = list(harness_imports(root / "assignments" / assignment / "harness.py"))
    handout = root / "student_template" / assignment
    for path in sorted(handout.rglob("*.py")) + sorted(handout.rglob("*.ipynb")) if handout.is_dir() else []:
        try:
            names += _notebook_imports(path.read_bytes()) if path.suffix == ".ipynb" else _top_level_imports(path.read_bytes())
        except OSError:
            continue
    return tuple(dict.fromkeys(names))


def _top_level_imports(source: bytes | str) -> list[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def _notebook_imports(raw: bytes) -> list[str]:
    try:
        cells = json.loads(raw).get("cells", [])
    except (ValueError, AttributeError):
        return []
    names: list[str] = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            names += _top_level_imports("\n".join(line for line in source.splitlines()
                                                   if not line.lstrip().startswith(("%", "!"))))
    return names


def start_for(assignment: str) -> StartedWorker:
    """A worker for the named assignment of this course, loading what its harness and handout
    import; a forked one has them from its server, so the files are read only without one."""
    return start(() if forking() else assignment_imports(assignment))


def start(preload: tuple[str, ...] = ()) -> StartedWorker:
    """A worker that loads numpy and the `preload` modules (`assignment_imports`) while it waits;
    or one forked by the active fork server (`serving_forks`), which loaded its own."""
    if _server is not None:
        forked = _server.fork()
        if forked is not None:
            return forked
    read_fd, write_fd = _reply_pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-B", str(WORKER_SCRIPT), str(write_fd), *preload],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_fd,),
            cwd="/", env=_worker_env(), start_new_session=True,
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    os.set_blocking(proc.stdin.fileno(), False)
    return StartedWorker(proc, read_fd)


def _reply_pipe() -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    try:  # big replies then cross in 1 MB steps instead of 64 kB ping-pong
        fcntl.fcntl(read_fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass
    return read_fd, write_fd


def _worker_env() -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
        # One thread each: fair timing, threads count against the process limit, and the worker
        # must be single-threaded to confine itself.
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # machine-specific BLAS fixes
        if name in os.environ:
            env[name] = os.environ[name]
    return env


# --- workers forked from one that has loaded everything ---------------------------------------

_FORK_TIMEOUT_S = 120.0  # the first fork waits for the server's imports, on a busy machine too


class ForkedProcess:
    """A worker forked by the fork server and reparented to this process: the part of Popen the
    runner uses (pid, stdin, poll, wait, kill, returncode)."""

    def __init__(self, pid: int, stdin_fd: int) -> None:
        self.pid = pid
        self.stdin = open(stdin_fd, "wb", buffering=0)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self._collect(os.WNOHANG)
        return self.returncode

    def wait(self) -> int:
        while self.returncode is None:
            self._collect(0)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _collect(self, flags: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:  # reaped elsewhere: its status is lost, not its death
            self.returncode = -signal.SIGKILL
            return
        if pid:
            self.returncode = os.waitstatus_to_exitcode(status)


class ForkServer:
    """A worker interpreter that has loaded numpy and `preload` (torch, say) and forks a worker
    for each `fork()`, so that a batch pays those imports once, not once per worker. Each worker
    is its own process, in a session of its own, forked from a process that has run nothing but
    our code and those imports, and confines itself from its setup exactly as a worker `start`
    makes: it carries nothing of any other worker, and student code never runs in the server.
    Workers are reparented to this process, which must be able to become a subreaper."""

    def __init__(self, preload: tuple[str, ...]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-B", str(WORKER_SCRIPT), "--fork-server", str(theirs.fileno()), *preload],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),), cwd="/", env=_worker_env(), start_new_session=True)
        finally:
            theirs.close()
        ours.settimeout(_FORK_TIMEOUT_S)
        self._control = ours

    def fork(self) -> StartedWorker | None:
        """A new worker, or None when the server cannot fork one (it died): then `start` starts
        an interpreter instead."""
        if self._control is None:
            return None
        request_r, request_w = os.pipe()
        reply_r, reply_w = _reply_pipe()
        try:
            socket.send_fds(self._control, [b"fork"], [request_r, reply_w])
            pid = int(self._control.recv(32) or 0)
        except (OSError, ValueError):
            pid = 0
        finally:
            os.close(request_r)
            os.close(reply_w)
        if pid <= 0:
            os.close(request_w)
            os.close(reply_r)
            self.close()
            return None
        os.set_blocking(request_w, False)
        return StartedWorker(ForkedProcess(pid, request_w), reply_r)

    def close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


_server: ForkServer | None = None


def forking() -> bool:
    """Whether `start` forks its workers (a fork server is serving), so preloading is moot."""
    return _server is not None


@contextlib.contextmanager
def serving_forks(preload: tuple[str, ...]) -> Iterator[ForkServer]:
    """While open, `start` forks its workers from one fork server, started now, that loads numpy
    and `preload`."""
    global _server
    from .cleanup import become_subreaper  # not at the top: `grade` imports this module first thing
    if not become_subreaper():
        raise RuntimeError("a fork server needs its workers reparented to this process (PR_SET_CHILD_SUBREAPER)")
    server = _server = ForkServer(preload)
    try:
        yield server
    finally:
        _server = None
        server.close()
