"""Starting a worker interpreter: running only our code, unconfined, until its setup arrives.

A worker needs nothing of the grading to start: the interpreter, our worker script, a request
pipe and a reply pipe. It loads numpy and the installed modules its harness and the handout
import (`assignment_imports`: torch, for one), then waits for the setup message that says where the
submission is and how to confine itself (`child/confine.py`), which it applies before it
imports any student code. So `grade` and `check` start one first thing (`HeadStart`), and the
worker's interpreter, numpy and torch load while the grader imports its own modules and stages
the submission; the runner starts its own when it is given none, or after a worker dies. For an
assignment whose cases several lanes share, the head start is a fork server instead, which
loads them once and forks each lane's worker. A worker whose setup never comes exits when its
request pipe closes.

Deliberately light (the standard library and `settings`): it is imported before everything else.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
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


def assignment_lanes(assignment: str) -> int:
    """How many workers share a submission's cases (the spec's `lanes`), read from a top-level
    `lanes: N` line of its assignment.yaml before the spec is loaded; 1 when there is none. Only
    a head start depends on it: the run itself takes the loaded spec's."""
    try:
        text = (settings.course_root() / "assignments" / assignment / "assignment.yaml").read_text(errors="replace")
    except OSError:
        return 1
    found = re.search(r"^lanes:[ \t]*(\d{1,2})[ \t]*(?:#.*)?$", text, re.MULTILINE)
    return int(found.group(1)) if found else 1


def spare_cores() -> bool:
    """Whether this process may use two cores: then a submission's lanes run at once."""
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except (AttributeError, OSError):
        return (os.cpu_count() or 1) >= 2


class HeadStart:
    """What `grade` and `check` start first thing, before the spec is read, so that the libraries
    load while the grader starts: for an assignment of one lane, its worker; for one of several,
    a fork server that loads them once and forks every lane's worker as soon as they are loaded
    (`serving_forks`), or a worker as for one lane where this process cannot have a server.
    Under a server already serving (a grading slot), a worker forked from it."""

    def __init__(self, assignment: str) -> None:
        self._serving: contextlib.ExitStack | None = None
        self.worker: StartedWorker | None = None
        if forking():
            self.worker = start()
            return
        imports = assignment_imports(assignment)
        if assignment_lanes(assignment) > 1:
            self._serving = serve_forks_if_possible(imports)
        if self._serving is None:
            self.worker = start(imports)

    def discard(self) -> None:
        """Ends what the grading did not use; nothing of it has run student code."""
        if self.worker is not None:
            self.worker.discard()
        if self._serving is not None:
            self._serving.close()


def start(preload: tuple[str, ...] = (), *, wait_for_server: bool = True) -> StartedWorker:
    """A worker that loads numpy and the `preload` modules (`assignment_imports`) while it waits;
    or one forked by the active fork server (`serving_forks`), which loaded its own. Without
    `wait_for_server` (a reader of the student's files, which needs none of the server's
    imports), a server still loading them is not waited for: an interpreter starts instead."""
    if _server is not None and (wait_for_server or _server.ready()):
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
        self._ready = False  # the server has said it has loaded everything
        self._lock = threading.Lock()  # lanes run in threads; one fork at a time on the socket

    def ready(self) -> bool:
        """Whether the server has loaded its imports (it then forks at once); never waits."""
        with self._lock:
            if not self._ready and self._control is not None:
                try:
                    if select.select([self._control], [], [], 0)[0]:
                        self._ready = self._control.recv(32) == b"ready"
                except OSError:
                    pass
            return self._ready

    def fork(self) -> StartedWorker | None:
        """A new worker, or None when the server cannot fork one (it died): then `start` starts
        an interpreter instead."""
        with self._lock:
            return self._fork()

    def _fork(self) -> StartedWorker | None:
        if self._control is None:
            return None
        request_r, request_w = os.pipe()
        reply_r, reply_w = _reply_pipe()
        try:
            if not self._ready:
                self._ready = self._control.recv(32) == b"ready"
            socket.send_fds(self._control, [b"fork"], [request_r, reply_w])
            pid = int(self._control.recv(32) or 0) if self._ready else 0
        except (OSError, ValueError):
            pid = 0
        finally:
            os.close(request_r)
            os.close(reply_w)
        if pid <= 0:
            os.close(request_w)
            os.close(reply_r)
            self._close()
            return None
        os.set_blocking(request_w, False)
        return StartedWorker(ForkedProcess(pid, request_w), reply_r)

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
            # Killed, not left to exit: it has run only our code, and tearing down torch's objects
            # would keep the grader waiting for a tenth of a second.
            self.proc.kill()
            self.proc.wait()


_server: ForkServer | None = None


def forking() -> bool:
    """Whether `start` forks its workers (a fork server is serving), so preloading is moot."""
    return _server is not None


def serve_forks_if_possible(preload: tuple[str, ...]) -> contextlib.ExitStack | None:
    """A fork server serving until the returned stack is closed, as `serving_forks`; None where
    this process cannot be a subreaper (workers then start as interpreters of their own)."""
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(serving_forks(preload))
    except RuntimeError:
        return None
    return stack


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
