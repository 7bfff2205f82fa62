"""The student-side process: confines itself, imports the harness (which imports the student's
files) and answers call requests, one JSON line each, until its input closes.

Runs as `python -I -B worker.py REPLY_FD [MODULE ...]`, started by `spawn.start` before the
grader knows the submission, or forked by a fork server (`worker.py --fork-server CONTROL_FD
[MODULE ...]`, `spawn.ForkServer`). It loads numpy and the installed MODULEs its harness
imports, then reads its setup from stdin (where the submission, harness, HOME and output log
are, and the confinement plan), applies the plan (`confine.py`) and only then imports student
code. Of its own it imports only the standard library, numpy, and `wire` and `confine` beside it: nothing of
the grader. Everything it sends is untrusted by the grader; it exists to run code, not to judge it.
"""

import gc
import importlib
import importlib.util
import os
import re
import signal
import sys
import time
import traceback
import types

_OWN_DIR = os.path.dirname(os.path.abspath(__file__))


def _take_channels(reply_fd):
    # Move the protocol off its well-known fds so that student code reading stdin
    # cannot consume requests by accident.
    requests = os.fdopen(os.dup(0), "rb")  # buffered: line iteration on raw IO reads byte by byte
    replies = os.fdopen(os.dup(reply_fd), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.close(reply_fd)
    return requests, replies


# Code the grader composed from a notebook runs under "NOTEBOOK, cell N" (or "FILE (template)").
_COMPOSED = re.compile(r", cell \d+$| \(template\)$")


class SubmissionImportError(Exception):
    """A graded module could not be imported, and this call needed it."""

    def __init__(self, error):
        super().__init__(error["message"])
        self.error = error


class _Unimportable(types.ModuleType):
    """Stands in for a graded module that failed to import, so that the harness and the other
    modules still import: whatever uses it raises that module's import error."""

    def __init__(self, name, error):
        super().__init__(name)
        self.__dict__["_autograder_error"] = error

    def __getattr__(self, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _Unavailable(self.__dict__["_autograder_error"])


class _Unavailable:
    def __init__(self, error):
        self._autograder_error = error

    def _autograder_fail(self, *args, **kwargs):
        raise SubmissionImportError(self._autograder_error)

    __call__ = __getitem__ = __iter__ = __len__ = __matmul__ = _autograder_fail

    def __getattr__(self, attribute):
        raise SubmissionImportError(self._autograder_error)


def _student_traceback(exc, root):
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if (f.filename.startswith(root + os.sep) or _COMPOSED.search(f.filename))
              and not f.name.startswith("_autograder") and "_autograder_" not in (f.line or "")]
    lines = [f"  File \"{f.filename if _COMPOSED.search(f.filename) else os.path.relpath(f.filename, root)}\", "
             f"line {f.lineno}, in {f.name}\n" + (f"    {f.line}\n" if f.line else "") for f in frames[-8:]]
    return "".join(lines)


def _error(exc, root):
    if isinstance(exc, SubmissionImportError):
        return exc.error
    try:
        message = str(exc)[:2000]
    except BaseException:  # a hostile __str__
        message = "<unprintable>"
    if isinstance(exc, SyntaxError) and exc.filename:
        where = exc.filename if _COMPOSED.search(exc.filename) else os.path.basename(exc.filename)
        message = f"{exc.msg} ({where}, line {exc.lineno})"
    return {"type": type(exc).__name__, "message": message, "traceback": _student_traceback(exc, root)}


class _NotInstalled(types.ModuleType):
    """A library a graded file imports that is not installed where grading runs (Colab has
    tqdm, seaborn, sklearn; a grading image has the handout's libraries): the file still
    imports, and only what uses the library fails, saying why."""

    def __init__(self, name):
        super().__init__(name)
        self.__dict__["__path__"] = []  # a package: `import tqdm.auto` finds its stand-in too
        self.__dict__["_autograder_error"] = {
            "type": "ModuleNotFoundError", "traceback": "",
            "message": f"No module named {name!r}: it is not installed where your code is graded"}

    def __getattr__(self, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _Unavailable(self.__dict__["_autograder_error"])


_MAX_NOT_INSTALLED = 8


def _import_allowing_missing(name, root):
    """Imports a graded module; a library it imports that is not installed, and is not the
    submission's own, is replaced by a `_NotInstalled` and the module imported again (its top
    level runs again, as after a failed import in a notebook)."""
    for _ in range(_MAX_NOT_INSTALLED):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            top = missing.partition(".")[0]
            ours = os.path.exists(os.path.join(root, top)) or os.path.exists(os.path.join(root, top + ".py"))
            library_missing = isinstance(sys.modules.get(top), _NotInstalled) or not _installed(top)
            if not missing or missing in sys.modules or ours or not library_missing:
                raise  # the submission's own module, or a part of an installed library that is not there
        parent = ""
        for part in missing.split("."):
            parent = f"{parent}.{part}" if parent else part
            if parent not in sys.modules:
                sys.modules[parent] = _NotInstalled(parent)
    return importlib.import_module(name)


def _installed(name):
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:  # a path entry it cannot read: then as before, the import's own error
        return True


def _import_graded(modules, root):
    """Imports each graded module on its own; one that fails is replaced by a stand-in, so it
    fails only the calls that use it. Returns {file: error} of those that failed."""
    failed = {}
    for name, shown in modules:
        try:
            _import_allowing_missing(name, root)
        except BaseException as exc:  # SyntaxError, an exception at import, SystemExit: the student's
            error = {**_error(exc, root), "module": shown}
            failed[shown] = error
            sys.modules[name] = stand_in = _Unimportable(name, error)
            parent, _, leaf = name.rpartition(".")
            if parent in sys.modules:
                setattr(sys.modules[parent], leaf, stand_in)
    return failed


def _set_up(setup, confine):
    """Everything between our code and the student's: output to the log, the submission's folder
    and HOME, then the confinement. The log is opened before the privilege drop, as the grader's
    own file: student code reaches it only through this descriptor."""
    log = os.open(setup["log"], os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
    for fd in (1, 2):
        os.dup2(log, fd)
    os.close(log)
    os.chdir(setup["root"])
    os.environ.update(HOME=setup["home"], TMPDIR=setup["home"])
    confine.apply(setup["confinement"])
    if setup.get("warm_up") and not _warmed_up:
        _warm_up()


_warmed_up = False  # in a worker forked from a fork server, which warmed up for all its workers


def _warm_up():
    """For a worker that serves one memory-checked call: what numpy allocates once, on first
    use, is allocated now, before the grader takes the worker's data size as its baseline.
    OpenBLAS reserves its 32 MB buffer at the first matrix product of 128 x 128 or more."""
    global _warmed_up
    _warmed_up = True
    import numpy as np
    for dtype in (np.float64, np.float32, np.complex128):
        a = np.ones((128, 128), dtype=dtype)
        a @ a


def _warm_up_server():
    """What the preloaded libraries do once, on first use, done once in the fork server for all
    its workers: numpy's (as `_warm_up`: the memory is theirs too), matplotlib's first figure
    (fonts, the Agg canvas: 30 ms) and torch's first backward pass. Our code only, so every
    worker still starts from the same state."""
    _warm_up()
    if "matplotlib.pyplot" in sys.modules:
        plt = sys.modules["matplotlib.pyplot"]
        plt.figure()
        plt.plot([0.0, 1.0], [0.0, 1.0], label="warm-up")
        plt.scatter([0.0], [0.0])
        plt.legend()
        plt.title("warm-up")
        plt.close("all")
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        x = torch.ones(2, dtype=torch.float64, requires_grad=True)
        (x * x).sum().backward()


def _preload(names):
    """The installed modules the harness imports, loaded before the setup arrives, while the
    grader starts. No student file is on the path yet, so a student module of the same name
    (`torch.py`) shadows nothing the harness gets. What fails to load here is imported again,
    and its failure reported, when the harness is. The collector is off meanwhile: importing
    torch and matplotlib makes hundreds of thousands of objects and almost no garbage, and the
    collections it would trigger cost a twentieth of the imports."""
    gc.disable()
    try:
        for name in names:
            try:
                importlib.import_module(name)
            except BaseException:
                pass
    finally:
        # Frozen before the collector is back on: its first collection would otherwise walk every
        # object the imports made (0.1 s with torch and matplotlib) to find almost nothing, and
        # every collection of student code's would walk them again.
        gc.freeze()
        gc.enable()


def _not_dumpable():
    # Until it confines itself, a worker waits as the grader's user, possibly beside student code
    # of the same user (a laptop, a worker started ahead): its /proc files (fd/, mem) stay root's.
    import ctypes
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE; confine.apply sets it back


def _prepare(preload):
    """What every worker does before its setup, and a fork server once for all it forks."""
    _not_dumpable()
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _OWN_DIR]
    sys.path.insert(0, _OWN_DIR)
    import confine  # noqa: E402  (these need our own folder on the path, and only them)
    import figures  # noqa: E402
    import wire  # noqa: E402
    sys.path.remove(_OWN_DIR)
    sys.modules["autograder_figures"] = figures  # for harnesses that grade what a call draws
    sys.dont_write_bytecode = True
    _preload(preload)
    if hasattr(signal, "SIGXFSZ"):
        # Past the file-size limit, writes fail with an exception instead of killing us.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return confine, wire


def _serve(reply_fd, confine, wire):
    """Reads the setup from stdin, confines itself, imports the harness, answers calls."""
    requests, replies = _take_channels(reply_fd)

    def send(message):
        replies.write(wire.dumps(message))

    line = requests.readline()
    if not line:
        return  # the grader went away before it needed us
    setup = wire.loads(line)
    root = os.path.abspath(setup["root"])
    try:
        _set_up(setup, confine)
    except BaseException as exc:  # ours, not the student's: no student code has run
        send({"kind": "setup", "ok": False, "error": {"type": type(exc).__name__, "message": str(exc)[:2000]}})
        return
    sys.path.insert(0, root)
    harness_path = setup["harness"]
    unimportable = _import_graded(setup.get("modules", []), root)
    try:
        spec = importlib.util.spec_from_file_location("_harness", harness_path)
        harness = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(harness)
    except BaseException as exc:
        send({"kind": "startup", "ok": False, "error": _error(exc, root)})
        return
    send({"kind": "startup", "ok": True, "unimportable": unimportable})

    for line in requests:
        request = wire.loads(line)
        reply = {"kind": "reply", "id": request["id"]}
        start = time.perf_counter()
        try:
            args = wire.decode(request["args"])
            value = getattr(harness, request["call"])(**args)
            reply.update(ok=True, value=wire.encode(value))
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are student errors too
            reply.update(ok=False, error=_error(exc, root))
        reply["seconds"] = time.perf_counter() - start
        _flush()
        try:
            send(reply)
        except wire.WireError as exc:
            send({"kind": "reply", "id": request["id"], "ok": False,
                  "error": {"type": "OutputTooLarge", "message": str(exc), "traceback": ""}})


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _fork_server(control_fd, confine, wire):
    """Forks a worker for each request on the control socket (a request pipe's read end and a
    reply pipe's write end, passed as SCM_RIGHTS) and answers with its pid. The process forked
    forks the worker and exits at once, so the worker is reparented to the grader, a subreaper,
    which waits for it as for a worker it started itself; only then is its pid sent. This process
    runs only our code and the preloaded modules' imports, so each worker starts from the same
    state as every other: the one a fresh interpreter reaches after the same imports."""
    import socket
    control = socket.socket(fileno=control_fd)
    control.send(b"ready")  # a reader need not wait for these imports to be forked (`spawn.ForkServer.ready`)
    while True:
        _flush()  # nothing of ours may reach a worker's output log
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 2)
        except OSError:
            return
        if not message or len(fds) != 2:
            return  # the grader closed the socket: it needs no more workers
        request_fd, reply_fd = fds
        pid_r, pid_w = os.pipe()
        middle = os.fork()
        if middle == 0:
            try:
                control.close()
                os.close(pid_r)
                worker = os.fork()
                if worker:
                    os.write(pid_w, str(worker).encode())
                else:
                    os.close(pid_w)
                    _become_worker(request_fd, reply_fd, confine, wire)
            finally:
                os._exit(0)
        for fd in (pid_w, request_fd, reply_fd):
            os.close(fd)
        with os.fdopen(pid_r, "rb") as answer:
            pid = answer.read()
        os.waitpid(middle, 0)
        control.send(pid or b"0")


def _become_worker(request_fd, reply_fd, confine, wire):
    """In a forked child: what `spawn.start` gives a fresh worker (a session of its own, the
    request pipe on stdin), and randomness of its own, then the worker's life; never returns."""
    code = 0
    try:
        os.setsid()
        os.dup2(request_fd, 0)
        os.close(request_fd)
        if "numpy.random" in sys.modules:  # `random` reseeds itself in a forked child
            sys.modules["numpy.random"].seed()
        _serve(reply_fd, confine, wire)
    except BaseException:
        traceback.print_exc()  # as an uncaught exception would in a worker of its own
        code = 1
    finally:
        _flush()
        os._exit(code)


def main():
    if sys.argv[1] == "--fork-server":
        confine, wire = _prepare(sys.argv[3:])
        _warm_up_server()
        # Objects the workers inherit stay out of their garbage collections, which would otherwise
        # write to (and so copy) every page of torch's and matplotlib's objects in each worker.
        gc.freeze()
        _fork_server(int(sys.argv[2]), confine, wire)
    else:
        confine, wire = _prepare(sys.argv[2:])
        _serve(int(sys.argv[1]), confine, wire)


if __name__ == "__main__":
    main()
