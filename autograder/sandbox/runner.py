"""Runs harness calls in an isolated worker process and brings back plain data.

One worker serves consecutive calls of a submission, so Python, numpy and torch are imported
once. A call that hangs, crashes, exits or blows its memory costs that call only: the worker is
killed with everything it started, and a fresh one serves the calls that remain. Every read
and write to the worker has a deadline, so no worker can stall the grader, and a `Budget` bounds
a whole submission: its wall time and how many of a lane's workers may die; what is left when
either runs out is not run.

A submission's calls may be shared by several lanes, each with a worker of its own, which run
at once on spare cores (threads here, each waiting on its own worker's pipe). Lanes share the
sandbox uid and HOME; what keeps a hidden case's inputs from visible feedback is the phase
barrier (`run_calls`): every visible call has ended before any lane is sent a hidden one.

A memory-checked call (`max_extra_memory_mb`) runs alone, in a fresh worker that retires after
it, under limits the grader sets from outside before sending the call, so that no code of the
student's (which could have replaced any of the worker's own functions) takes part in them:
RLIMIT_NPROC of 1 (no new process or thread, whatever else its uid runs), every other process
of the submission killed, and RLIMIT_DATA of the worker's data segment plus the allowance, which
counts private writable mappings whether touched or not. Shared memory is refused to every
worker by the seccomp filter, so what the call allocates is what the kernel counts; the
submission's memory is also sampled from outside, as a second witness (`memory.py`).
"""

from __future__ import annotations

import functools
import os
import select
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from . import alone, cleanup, plan, procfs, spawn, uids
from .child import wire
from .memory import MemoryProbe
from .plan import Limits
from .spawn import StartedWorker

OUTPUT_SHOWN_BYTES = 4000
# The grader keeps every decoded value until judging, so what one run may send back is bounded
# in total too, not just per reply (Gradescope's container has 768 MB).
MAX_RUN_REPLY_BYTES = 4 * wire.MAX_MESSAGE_BYTES


class _Pids:
    """A set of pids that lanes running in threads add to and read at once."""

    def __init__(self) -> None:
        self._pids: set[int] = set()
        self._lock = threading.Lock()

    def add(self, pid: int) -> None:
        with self._lock:
            self._pids.add(pid)

    def discard(self, pid: int) -> None:
        with self._lock:
            self._pids.discard(pid)

    def __contains__(self, pid: int) -> bool:
        with self._lock:
            return pid in self._pids

    def copy(self) -> set[int]:
        with self._lock:
            return set(self._pids)


_LIVE_WORKERS = _Pids()  # every worker of this process, spared by other lanes' and runners' cleanup
_AHEAD = 2  # workers started before they are needed: each holds ~30 MB while it waits

Status = Literal["returned", "raised", "timeout", "crashed", "startup_failed", "startup_timeout", "protocol_error",
                 "not_run"]


class CallRequest(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str
    call: str
    args: dict[str, Any]
    timeout_s: float
    # A memory-checked call: alone in a fresh worker, its allocations limited to this many MB.
    max_extra_memory_mb: float | None = None
    phase: int = 0  # no call of a phase starts before every call of the phases before it has ended
    lane: int = 0  # which of the run's workers serves it (`run_calls`)


class ErrorInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str
    message: str
    traceback: str = ""
    module: str | None = None  # the graded file whose import failed, when that is why the call failed


class CallOutcome(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str
    status: Status
    value: Any = None
    error: ErrorInfo | None = None
    seconds: float = 0.0
    peak_extra_memory_mb: float | None = None
    output: str = ""


class Budget(BaseModel):
    """What one submission may spend on workers, in all."""
    model_config = ConfigDict(frozen=True)

    ends_at: float  # time.monotonic() when grading this submission must be done
    seconds: float  # the whole budget, for messages
    max_restarts: int  # how many workers may die (crash, time out, break the protocol) before the rest is not run

    @classmethod
    def starting_now(cls, seconds: float, max_restarts: int) -> "Budget":
        return cls(ends_at=time.monotonic() + seconds, seconds=seconds, max_restarts=max_restarts)

    def left(self) -> float:
        return self.ends_at - time.monotonic()


class Workspace(BaseModel):
    """Where a run happens: the submission's files, the harness, HOME and the output log."""
    model_config = ConfigDict(frozen=True)

    root: Path  # the student's files, importable by name
    harness: Path  # a copy of the harness, read-only to student code
    home: Path  # HOME and TMPDIR of the student process
    output_log: Path  # captured stdout/stderr, written through an fd the worker opens for it
    modules: list[tuple[str, str]] = []  # graded modules (name, file): each imported on its own first


def prepare_workspace(base: Path, root: Path, harness: Path, uid: int | None,
                      modules: list[tuple[str, str]] = ()) -> Workspace:
    """Creates runtime/harness.py, home/ and output.log under `base`, beside the staged `root`;
    student code may read runtime/ and write home/, and can reach output.log only through the fd
    its worker opens before dropping privileges."""
    runtime, home = base / "runtime", base / "home"
    runtime.mkdir()
    home.mkdir()
    shutil.copyfile(harness, runtime / "harness.py")
    (runtime / "harness.py").chmod(0o644)
    runtime.chmod(0o755)
    base.chmod(0o711)  # traversable, not listable, by the sandbox uid
    if uid is not None:
        os.chown(home, uid, uid)
    home.chmod(0o700)
    log = base / "output.log"
    log.touch(0o600)  # the grader's; the worker opens it while it still runs as the grader's user
    return Workspace(root=root, harness=runtime / "harness.py", home=home, output_log=log, modules=list(modules))


def run_calls(workspace: Workspace, requests: list[CallRequest], *, limits: Limits,
              startup_timeout_s: float, uid: int | None, started: StartedWorker | None = None,
              budget: Budget | None = None,
              stop_on_failed_import: Callable[[ErrorInfo], bool] | None = None,
              lanes_at_once: bool = False) -> list[CallOutcome]:
    """Answers every request, in the order given; never raises for anything the student code does.

    Requests run phase by phase (`CallRequest.phase`, never decreasing in the order given): no
    call of a phase starts before every call of the phases before it has ended. In a phase,
    each lane's calls (`CallRequest.lane`) run in order, in that lane's worker, which carries
    over to the lane's calls of the next phase and serves no other lane's; the lanes run at once
    with `lanes_at_once`, else one after another, with the same outcomes either way. A
    memory-checked call runs alone: every lane's worker ends before it, and its phase's lanes
    never run at once.

    `started`: a worker started earlier (`spawn.start`) to serve lane 0's first calls.
    `stop_on_failed_import`: which failed imports of a graded module end a lane before any call
    is sent (its requests then get that error): the caller grades the file another way, and a
    later run must not meet student code that has seen any case's inputs."""
    cleanup.become_subreaper()
    cleanup.protect_grader()
    if uid is not None:
        for needed, mode in ((sys.executable, 0o005), (str(workspace.harness), 0o004), (str(workspace.root), 0o001)):
            if blocked := uids.unreachable_by_others(needed, mode):
                raise PermissionError(
                    f"grading as root runs student code as uid {uid}, which cannot reach {needed} "
                    f"({blocked} is closed to other users). Keep the interpreter and the work folder under "
                    "world-traversable folders (setup.sh prefers /usr/bin/python3; work goes to $TMPDIR).")
    phases: dict[int, dict[int, list[CallRequest]]] = {}
    for request in requests:
        if phases and request.phase < max(phases):
            raise ValueError(f"request {request.id!r} goes back to phase {request.phase}")
        phases.setdefault(request.phase, {}).setdefault(request.lane, []).append(request)
    lane_count = len({r.lane for r in requests})
    # Each lane's share of what a run may send back, so that which call passes the bound does not
    # depend on which lane sent first.
    run = _Run(workspace, limits, uid, budget, stop_on_failed_import, startup_timeout_s,
               MAX_RUN_REPLY_BYTES // max(1, lane_count))
    lanes: dict[int, _Lane] = {}
    outcomes: dict[str, CallOutcome] = {}
    # The lanes' workers load the imports once, not once each.
    forks = spawn.serve_forks_if_possible(run.preload) if lane_count > 1 and not spawn.forking() else None
    try:
        for phase in phases.values():
            alone = any(r.max_extra_memory_mb is not None for share in phase.values() for r in share)
            if alone:
                for lane in lanes.values():
                    lane.end_worker()
            jobs = []
            for number, share in sorted(phase.items()):
                if number not in lanes:
                    lanes[number] = _Lane(run, number, [r for r in requests if r.lane == number],
                                          started if number == 0 else None)
                jobs.append((lanes[number], share))
            if lanes_at_once and len(jobs) > 1 and not alone:
                served = _at_once(jobs)
            else:
                served = [lane.serve(share) for lane, share in jobs]
            outcomes.update((o.id, o) for answers in served for o in answers)
    finally:
        for lane in lanes.values():
            lane.close()
        if started is not None and 0 not in lanes:
            started.discard()
        if forks is not None:
            forks.close()
    return [outcomes[r.id] for r in requests]


def _at_once(jobs: list[tuple[_Lane, list[CallRequest]]]) -> list[list[CallOutcome]]:
    """Each lane serves its share in a thread of its own (each waits on its own worker's pipe)."""
    served: list[list[CallOutcome]] = [[] for _ in jobs]
    failures: list[BaseException] = []

    def serve(index: int, lane: _Lane, share: list[CallRequest]) -> None:
        try:
            served[index] = lane.serve(share)
        except BaseException as exc:  # raised here, once every lane has stopped
            failures.append(exc)

    threads = [threading.Thread(target=serve, args=(i, *job), daemon=True) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return served


class _Run:
    """What every lane of one run shares: where, under what limits, within what budget."""

    def __init__(self, workspace: Workspace, limits: Limits, uid: int | None, budget: Budget | None,
                 stop_on_failed_import: Callable[[ErrorInfo], bool] | None, startup_timeout_s: float,
                 reply_bytes: int) -> None:
        self.workspace, self.uid, self.budget = workspace, uid, budget
        self.stop_on_failed_import, self.startup_timeout_s = stop_on_failed_import, startup_timeout_s
        self.reply_bytes = reply_bytes
        self.confinement = plan.confinement(limits, uid).model_dump()

    @functools.cached_property
    def preload(self) -> tuple[str, ...]:
        """What a worker this run starts itself loads. A forked worker has what its server loaded:
        the harness is read only for an interpreter, and only when one starts."""
        return () if spawn.forking() else spawn.harness_imports(self.workspace.harness)


class _Lane:
    """One lane of a run: its worker (kept from call to call and phase to phase while it lives),
    the workers started ahead for it, its output log, and how many of its workers died."""

    def __init__(self, run: _Run, number: int, planned: list[CallRequest], started: StartedWorker | None) -> None:
        self._run = run
        self._planned = list(planned)  # its requests not yet answered, of every phase: for starting workers ahead
        log = run.workspace.output_log
        if number:
            log = log.with_name(f"{log.stem}-{number}{log.suffix}")
            log.touch(0o600)  # the grader's, as prepare_workspace makes lane 0's
        self._log = open(log, "rb")
        ws = run.workspace
        self._setup = {single: wire.dumps({"kind": "setup", "root": str(ws.root), "harness": str(ws.harness),
                                           "home": str(ws.home), "log": str(log), "modules": ws.modules,
                                           "confinement": run.confinement, "warm_up": single})
                       for single in (False, True)}
        self._replies = _ReplyBudget(run.reply_bytes)
        self._started = started
        self._ahead: list[StartedWorker] = []  # the next workers, loading numpy (and torch) while this one serves
        self._worker: _Worker | None = None
        self._serving_single = False
        self._failed: CallOutcome | None = None  # why this lane's submission could not be imported
        self._deaths = 0

    def serve(self, requests: list[CallRequest]) -> list[CallOutcome]:
        outcomes = self._serve(requests)
        del self._planned[:len(requests)]
        return outcomes

    def _serve(self, requests: list[CallRequest]) -> list[CallOutcome]:
        outcomes: list[CallOutcome] = []
        pending = list(requests)
        while pending:
            if self._failed is not None:  # the submission cannot even be imported: no retry helps
                outcomes += [self._failed.model_copy(update={"id": r.id}) for r in pending]
                break
            if (reason := _out_of_budget(self._run.budget, self._deaths)) is not None:
                outcomes += [CallOutcome(id=r.id, status="not_run", error=reason) for r in pending]
                break
            single = pending[0].max_extra_memory_mb is not None  # a memory-checked call, alone
            if self._worker is None or single or self._serving_single:
                self.end_worker()
                if not self._start_worker(single, self._planned[len(requests) - len(pending):]):
                    continue
            while pending and (pending[0].max_extra_memory_mb is not None) == single:
                outcomes.append(self._worker.call(pending.pop(0)))
                if not self._worker.alive:
                    self._deaths += 1
                    self.end_worker()
                    break
                if single:
                    self.end_worker()  # it retires: the next memory-checked call gets a fresh worker, alone too
                    break
        return outcomes

    def _start_worker(self, single: bool, pending: list[CallRequest]) -> bool:
        """Starts this lane's next worker, for `pending` (the lane's requests from the first it
        serves on, of every phase); False if the submission could not be imported."""
        run = self._run
        worker = _Worker(self._started or (self._ahead.pop(0) if self._ahead else spawn.start(run.preload)),
                         self._setup[single], run.uid, self._log.fileno(), self._replies, run.budget)
        self._started = None
        while len(self._ahead) < min(_AHEAD, _workers_after(pending, single)):
            self._ahead.append(_start_ahead(run.preload))
        try:
            failed = worker.startup(run.startup_timeout_s)
            if failed is None and run.stop_on_failed_import is not None and \
                    (stop := next(filter(run.stop_on_failed_import, worker.import_errors), None)) is not None:
                failed = CallOutcome(id="", status="raised", error=stop)
        except BaseException:
            worker.stop()
            raise
        if failed is not None:
            worker.stop()
            self._failed = failed
            return False
        self._worker, self._serving_single = worker, single
        return True

    def end_worker(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def close(self) -> None:
        try:
            self.end_worker()
        finally:
            for unused in self._ahead + ([self._started] if self._started is not None else []):
                unused.discard()
                _LIVE_WORKERS.discard(unused.proc.pid)
            self._log.close()


def _deadline_passed(budget: Budget) -> ErrorInfo:
    return ErrorInfo(type="Deadline", message=(
        f"not run: grading your submission took longer than its time budget of {budget.seconds:g} s (earlier "
        "cases timed out, crashed or were slow to import), so the cases left were not run."))


def _workers_after(pending: list[CallRequest], single: bool) -> int:
    """How many more workers the requests need after the one starting now, if none dies."""
    kinds = [r.max_extra_memory_mb is not None for r in pending]
    rest = kinds[1:] if single else kinds[next((i for i, k in enumerate(kinds) if k), len(kinds)):]
    return sum(1 for i, k in enumerate(rest) if k or i == 0 or rest[i - 1])


def _start_ahead(preload: tuple[str, ...]) -> StartedWorker:
    """A worker started before it is needed: it runs only our code, as the grader's user, until
    its setup arrives, and no cleanup or memory reading of the running worker may count it."""
    ahead = spawn.start(preload)
    _LIVE_WORKERS.add(ahead.proc.pid)
    return ahead


def _out_of_budget(budget: Budget | None, deaths: int) -> ErrorInfo | None:
    if budget is None:
        return None
    if budget.left() <= 0:
        return _deadline_passed(budget)
    if deaths > budget.max_restarts:
        return ErrorInfo(type="Restarts", message=(
            f"not run: the Python process running your code died {deaths} times (crashes, timeouts, memory), so the "
            "cases left were not run."))
    return None


class _ReplyBudget:
    def __init__(self, total_bytes: int) -> None:
        self.left = total_bytes


class _Worker:
    def __init__(self, started: StartedWorker, setup: bytes, uid: int | None, log_fd: int,
                 replies: _ReplyBudget, budget: Budget | None) -> None:
        started.adopted = True
        self.proc = started.proc
        self._replies = started.replies_fd
        self._setup = setup
        self._log_fd = log_fd
        self._uid = uid
        self._replies_left = replies
        self._budget = budget
        self._line_bytes = 0  # size of the last message received
        self._buffer = bytearray()  # appended to in place: a 64 MB reply arrives in 64 kB pipe reads
        self._grouped = False  # known once the worker has confined itself
        self.alive = True
        _LIVE_WORKERS.add(self.proc.pid)
        self._spared = (procfs.children_of(os.getpid()) - {self.proc.pid}) | _LIVE_WORKERS.copy()
        self._memory = MemoryProbe(self.proc.pid)
        self.import_errors: list[ErrorInfo] = []  # the graded modules that failed to import, as startup said

    def startup(self, timeout_s: float) -> CallOutcome | None:
        timeout_s, clipped = self._clip(timeout_s)
        deadline = time.monotonic() + timeout_s
        message, failure = (None, "timeout") if not self._send(self._setup, deadline) else self._receive(deadline)
        if message is not None and message.get("kind") == "setup":  # our failure, not the student's
            self.stop()
            error = _error_info(message.get("error"))
            raise RuntimeError(f"the student process could not be confined: {error.type}: {error.message}")
        # Checked, not assumed: the kernel may lack seccomp.
        self._grouped = self.proc.poll() is None and procfs.seccomp_filtered(self.proc.pid)
        if failure == "timeout":
            self.alive = False
            if clipped:
                return CallOutcome(id="", status="not_run", seconds=timeout_s, error=_deadline_passed(self._budget))
            return CallOutcome(id="", status="startup_timeout", seconds=timeout_s, error=ErrorInfo(
                type="Timeout", message=f"importing your code took longer than {timeout_s:g} s"))
        if failure or message.get("kind") != "startup":
            self.alive = False
            return CallOutcome(id="", status="crashed", error=self._death(failure))
        if not message.get("ok"):
            self.alive = False
            return CallOutcome(id="", status="startup_failed", error=_error_info(message.get("error")))
        failed = message.get("unimportable")
        self.import_errors = [_error_info({**error, "module": file}) for file, error in list(failed.items())[:100]
                              if isinstance(error, dict)] if isinstance(failed, dict) else []
        return None

    def call(self, request: CallRequest) -> CallOutcome:
        log_start = os.fstat(self._log_fd).st_size
        measured = request.max_extra_memory_mb is not None
        line = wire.dumps({"id": request.id, "call": request.call,
                           "args": wire.encode(dict(request.args))})
        failure = self._out_of_turn()
        if failure is None and measured:
            try:
                alone.isolate(self.proc.pid, self._uid, self._spared | _LIVE_WORKERS.copy(), request.max_extra_memory_mb,
                              len(line))
            except ProcessLookupError:
                pass  # it died idle: sending the call finds out how
            except alone.LimitsNotSet as exc:  # never run unlimited: the case fails, saying why
                self.alive = False
                self.stop()
                return CallOutcome(id=request.id, status="not_run", error=ErrorInfo(type="Unlimited", message=(
                    f"not run: this memory-checked call could not be limited ({exc})")),
                    output=_read_output(self._log_fd, log_start))
            self._memory.begin()
        timeout_s, clipped = self._clip(request.timeout_s)
        start = time.monotonic()
        deadline = start + timeout_s
        if failure is None and not self._send(line, deadline):
            failure = "timeout"
        message = None
        if failure is None:
            message, failure = self._receive(deadline, self._memory if measured else None)
        seconds = time.monotonic() - start
        peak = self._memory.extra_mb() if measured and failure is None else None
        if failure is not None:
            self.alive = False
            self.stop()
        output = _read_output(self._log_fd, log_start)
        common = dict(id=request.id, seconds=seconds, output=output, peak_extra_memory_mb=peak)
        if failure == "timeout" and clipped:
            return CallOutcome(status="timeout", error=ErrorInfo(type="Deadline", message=(
                f"was stopped after {timeout_s:.3g} s, when the time budget for grading your whole submission "
                f"({self._budget.seconds:g} s) ran out")), **common)
        if failure == "timeout":
            return CallOutcome(status="timeout", error=ErrorInfo(
                type="Timeout", message=f"did not finish within {request.timeout_s:g} s"), **common)
        if failure == "out of turn":
            return CallOutcome(status="protocol_error", error=ErrorInfo(
                type="ProtocolError", message="the worker wrote to the grader before it was asked"), **common)
        if failure:
            return CallOutcome(status="crashed", error=self._death(failure), **common)
        if message.get("kind") != "reply" or message.get("id") != request.id:
            self.alive = False
            return CallOutcome(status="protocol_error", error=ErrorInfo(
                type="ProtocolError", message="the worker answered out of turn"), **common)
        if not message.get("ok"):
            return CallOutcome(status="raised", error=_error_info(message.get("error")), **common)
        if self._line_bytes > self._replies_left.left:
            return CallOutcome(status="raised", error=ErrorInfo(type="OutputTooLarge", message=(
                f"your code has returned more than {MAX_RUN_REPLY_BYTES // 2**20} MB of output in all; "
                "this call's output was not read")), **common)
        self._replies_left.left -= self._line_bytes
        try:
            value = wire.decode(message.get("value"))
        except Exception as exc:  # hostile data: whatever the decoder chokes on is the student's fault
            self.alive = False  # and a worker that sends it serves no further call
            self.stop()
            return CallOutcome(status="protocol_error", error=ErrorInfo(
                type="BadOutput", message=f"the returned value could not be read: {exc}"), **common)
        return CallOutcome(status="returned", value=value, **common)

    def _clip(self, timeout_s: float) -> tuple[float, bool]:
        """The timeout, shortened to what is left of the submission's budget; whether it was."""
        if self._budget is None or timeout_s <= self._budget.left():
            return timeout_s, False
        return max(0.0, self._budget.left()), True

    def _send(self, line: bytes, deadline: float) -> bool:
        fd, view = self.proc.stdin.fileno(), memoryview(line)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _, writable, _ = select.select([], [fd], [], remaining)
            if writable:
                try:
                    view = view[os.write(fd, view):]
                except (BrokenPipeError, BlockingIOError):
                    if self.proc.poll() is not None:
                        return True  # the death is reported by _receive
        return True

    def _out_of_turn(self) -> str | None:
        """'out of turn' if the worker wrote anything since its last reply (a thread still
        running, a forged reply prepared in advance), 'eof' if it died between calls."""
        if self._buffer:
            return "out of turn"
        readable, _, _ = select.select([self._replies], [], [], 0)
        if not readable:
            return None
        return "out of turn" if os.read(self._replies, 1 << 20) else "eof"

    def _receive(self, deadline: float, memory: MemoryProbe | None = None) -> tuple[dict | None, str | None]:
        """(message, None) or (None, 'timeout' | 'eof' | 'too large' | 'garbled'). With
        `memory`, the submission's memory is sampled every millisecond while we wait."""
        scanned = 0
        while (end := self._buffer.find(b"\n", scanned)) < 0:
            scanned = len(self._buffer)
            if scanned > wire.MAX_MESSAGE_BYTES:
                return None, "too large"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, "timeout"
            readable, _, _ = select.select([self._replies], [], [], min(remaining, 0.001) if memory else remaining)
            if memory:
                memory.sample()
            if readable:
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    return None, "eof"
                self._buffer += chunk
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        self._line_bytes = len(line)
        try:
            return wire.loads(line), None
        except Exception:  # hostile data, as in call()
            return None, "garbled"

    def _death(self, failure: str | None) -> ErrorInfo:
        self.stop()
        code = self.proc.returncode
        if failure in ("too large", "garbled"):
            return ErrorInfo(type="ProtocolError", message="the process sent unreadable data to the grader")
        if code is not None and code < 0:
            sig = -code
            reason = {
                signal.SIGKILL: "was killed (often: it ran out of memory)",
                signal.SIGSEGV: "crashed with a segmentation fault",
                signal.SIGXCPU: "used up its CPU-time limit",
                signal.SIGABRT: "aborted",
            }.get(sig, f"was killed by signal {_signal_name(sig)}")
            return ErrorInfo(type="Crash", message=f"the Python process running your code {reason}")
        return ErrorInfo(type="Exit", message=f"the Python process running your code exited "
                                              f"(status {code}) before returning a result")

    def stop(self) -> None:
        if self.proc.returncode is not None and self.proc.pid not in _LIVE_WORKERS:
            return
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        cleanup.kill_leftovers(self.proc.pid, self._uid, self._spared | _LIVE_WORKERS.copy(), grouped=self._grouped)
        self.proc.wait()
        _LIVE_WORKERS.discard(self.proc.pid)
        if self._replies >= 0:
            os.close(self._replies)
            self._replies = -1


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:  # real-time signals have no name
        return str(sig)


def _error_info(raw: Any) -> ErrorInfo:
    if not isinstance(raw, dict):
        return ErrorInfo(type="Error", message="an error the grader could not read")
    module = raw.get("module")
    return ErrorInfo(type=str(raw.get("type", "Error"))[:100], message=str(raw.get("message", ""))[:2000],
                     traceback=str(raw.get("traceback", ""))[:4000], module=str(module)[:300] if module else None)


def _read_output(fd: int, start: int) -> str:
    end = os.fstat(fd).st_size
    size = end - start
    if size <= 0:
        return ""
    if size <= OUTPUT_SHOWN_BYTES:
        data = os.pread(fd, size, start)
    else:
        half = OUTPUT_SHOWN_BYTES // 2
        data = (os.pread(fd, half, start) + f"\n... [{size - 2 * half} bytes cut] ...\n".encode()
                + os.pread(fd, half, end - half))
    return data.decode("utf-8", errors="replace")
