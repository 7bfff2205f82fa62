"""The isolated runner, driven with small hostile harnesses: it never stalls, never dies,
and leaves no process behind."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from support.cli import REPO
from support.library import entry_folder

from autograder.sandbox import plan, runner, spawn
from autograder.sandbox.plan import Limits
from autograder.sandbox.uids import sandbox_uid
from autograder.sandbox.runner import CallRequest, prepare_workspace, run_calls
from autograder.sandbox.uids import grading_uid

MARKER = "autograder-runner-test-leftover"


def run(tmp_path: Path, harness_code: str, calls: list[tuple[str, dict, float]], memory_mb: int = 512,
        laptop: bool = False, measured: tuple[str, ...] = (), started: spawn.StartedWorker | None = None,
        modules: dict[str, str] | None = None, stop_on_failed_import=None):
    """`laptop`: the path taken when not root (no sandbox uid), whoever runs the tests;
    `measured`: the calls whose extra memory is measured; `started`: a worker started earlier;
    `modules`: graded modules (file name -> source) beside the harness."""
    with outside_tmp_path() as base:
        return _run(base, tmp_path, harness_code, calls, memory_mb, laptop, measured, started, modules,
                    stop_on_failed_import)


@contextlib.contextmanager
def outside_tmp_path():
    """A folder of its own, removed afterwards; not under tmp_path: pytest makes its folders 0700,
    which the sandbox uid cannot traverse."""
    base = Path(tempfile.mkdtemp(prefix="autograder-runner-test-"))
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run(base, tmp_path, harness_code, calls, memory_mb, laptop, measured, started, modules, stop_on_failed_import):
    (base / "work").mkdir(parents=True)
    for name, source in (modules or {}).items():
        (base / "work" / name).write_text(source)
    harness = tmp_path / "harness.py"
    harness.write_text(harness_code)
    with contextlib.nullcontext() if laptop else grading_uid() as uid:  # a uid of its own on this machine
        if uid is not None:
            os.chown(base / "work", uid, uid)
        ws = prepare_workspace(base, base / "work", harness, uid,
                               [(name.removesuffix(".py"), name) for name in (modules or {})])
        requests = [CallRequest(id=f"c{i}", call=name, args=args, timeout_s=t, max_extra_memory_mb=16 if name in measured else None)
                    for i, (name, args, t) in enumerate(calls)]
        return run_calls(ws, requests, limits=Limits(cpu_seconds=60, memory_mb=memory_mb), startup_timeout_s=30,
                         uid=uid, started=started, stop_on_failed_import=stop_on_failed_import)


@pytest.fixture
def outside_tmp():
    with outside_tmp_path() as base:
        yield base


def leftovers():
    out = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and MARKER.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                out.append(int(pid))
        except OSError:
            pass
    return out


def test_timeout_kills_and_later_calls_run_in_a_fresh_worker(tmp_path):
    code = "import os\ndef spin(): \n    while True: pass\ndef pid(): return os.getpid()\n"
    start = time.monotonic()
    out = run(tmp_path, code, [("pid", {}, 5), ("spin", {}, 0.5), ("pid", {}, 5)])
    assert time.monotonic() - start < 20
    assert [o.status for o in out] == ["returned", "timeout", "returned"]
    assert out[0].value != out[2].value  # a new process after the hang


def test_detached_grandchildren_are_killed(tmp_path):
    code = f"""
import subprocess, sys
def spawn():
    # double fork + setsid: the classic daemon escape
    subprocess.Popen([sys.executable, "-c", "import os, time\\nif os.fork(): os._exit(0)\\nos.setsid()\\ntime.sleep(600)", "{MARKER}"],
                     start_new_session=True)
    return 1
"""
    out = run(tmp_path, code, [("spawn", {}, 10)])
    assert out[0].status == "returned"
    time.sleep(0.2)
    assert leftovers() == []


def test_reading_stdin_and_writing_to_stdout_do_not_break_the_protocol(tmp_path):
    code = "import sys\ndef greedy():\n    data = sys.stdin.read()\n    print('x' * 100000)\n    return len(data)\n"
    out = run(tmp_path, code, [("greedy", {}, 5), ("greedy", {}, 5)])
    assert [o.status for o in out] == ["returned", "returned"]
    assert out[0].value == 0
    assert "bytes cut" in out[0].output and len(out[0].output) < 5000


def test_exit_and_signals_fail_only_their_call(tmp_path):
    code = ("import os, signal, sys\ndef ok(): return 1\ndef bye(): os._exit(7)\n"
            "def segv(): os.kill(os.getpid(), signal.SIGSEGV)\ndef sysexit(): sys.exit(3)\n")
    out = run(tmp_path, code, [("bye", {}, 5), ("segv", {}, 5), ("sysexit", {}, 5), ("ok", {}, 5)])
    assert [o.status for o in out] == ["crashed", "crashed", "raised", "returned"]
    assert "status 7" in out[0].error.message
    assert "segmentation fault" in out[1].error.message
    assert out[2].error.type == "SystemExit"


def test_memory_limit_turns_into_memory_error(tmp_path):
    code = "import numpy as np\ndef hog(): return np.ones(1 << 29).sum()\n"  # 4 GB
    out = run(tmp_path, code, [("hog", {}, 10)], memory_mb=512)
    assert out[0].status == "raised" and out[0].error.type == "MemoryError"


# A module that leaves a helper running from its import, and calls that try what a memory-checked
# call may not: start processes or threads, allocate beyond its allowance (touched or not).
_MEMORY_HARNESS = f"""
import mmap, os, subprocess, sys, threading
import numpy as np

HELPER = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(64 << 20); time.sleep(60)", "{MARKER}"])


def helper_state():
    done, status = os.waitpid(HELPER.pid, os.WNOHANG)
    return "killed before the call" if done and os.WIFSIGNALED(status) else "alive"


def fork():
    if os.fork() == 0:
        os._exit(0)
    return "forked"


def thread():
    threading.Thread(target=lambda: None).start()
    return "started"


def untouched_matrix():
    return float(np.zeros((4000, 4000))[0, 0])  # 128 MB of zero pages, none resident


def private_mapping():
    return len(mmap.mmap(-1, 64 << 20, flags=mmap.MAP_PRIVATE))


def within_allowance():
    return float(np.ones(1 << 20).sum())  # 8 MB, all resident


def resident(mb):
    return float(np.ones(mb << 17).sum())
"""


def test_a_memory_checked_call_runs_alone_under_its_allowance(tmp_path):
    calls = [("helper_state", {}, 20), ("fork", {}, 20), ("thread", {}, 20), ("untouched_matrix", {}, 20),
             ("private_mapping", {}, 20), ("within_allowance", {}, 20), ("resident", {"mb": 1}, 20)]
    out = run(tmp_path, _MEMORY_HARNESS, calls, memory_mb=1024, measured=tuple(name for name, _, _ in calls))
    by_call = {name: o for (name, _, _), o in zip(calls, out)}
    assert by_call["helper_state"].value == "killed before the call"
    assert by_call["fork"].error.type == "BlockingIOError"
    assert by_call["thread"].error.type == "RuntimeError"
    assert by_call["untouched_matrix"].error.type == "MemoryError"
    assert by_call["private_mapping"].error.type == "OSError" and "[Errno 12]" in by_call["private_mapping"].error.message
    assert by_call["within_allowance"].status == "returned" and 7 < by_call["within_allowance"].peak_extra_memory_mb < 16
    assert by_call["resident"].status == "returned" and by_call["resident"].peak_extra_memory_mb < 4
    assert leftovers() == []


def test_calls_that_are_not_memory_checked_may_start_processes_and_threads(tmp_path):
    out = run(tmp_path, _MEMORY_HARNESS, [("fork", {}, 20), ("thread", {}, 20), ("untouched_matrix", {}, 20)])
    assert [o.value for o in out] == ["forked", "started", 0.0]
    assert leftovers() == []


def test_the_memory_witness_sees_resident_memory_the_data_limit_lets_through(tmp_path):
    # A file mapped read-only counts in no data limit; its pages count in the worker's RSS.
    code = ("import mmap, os\ndef mapped():\n    path = os.path.join(os.environ['HOME'], 'big')\n"
            "    with open(path, 'wb') as f: f.truncate(48 << 20)\n"
            "    with open(path, 'rb') as f: m = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)\n"
            "    return sum(m[i] for i in range(0, len(m), 4096))\n")
    [out] = run(tmp_path, code, [("mapped", {}, 30)], measured=("mapped",))
    assert out.status == "returned" and out.peak_extra_memory_mb > 40


def test_import_failure_is_reported_once_for_every_call(tmp_path):
    out = run(tmp_path, "import does_not_exist\n", [("a", {}, 5), ("b", {}, 5)])
    assert [o.status for o in out] == ["startup_failed", "startup_failed"]
    assert "does_not_exist" in out[0].error.message


def test_forged_replies_are_rejected(tmp_path):
    code = ("import os\ndef forge():\n"
            "    for fd in range(3, 30):\n"
            "        try: os.write(fd, b'{\"kind\":\"reply\",\"id\":\"c9\",\"ok\":true,\"value\":1}\\n')\n"
            "        except OSError: pass\n"
            "    return 2\n")
    out = run(tmp_path, code, [("forge", {}, 5)])
    # Whatever it wrote, the grader accepts only an answer to the call it asked, in turn.
    assert out[0].status in ("protocol_error", "returned")
    if out[0].status == "returned":
        assert out[0].value == 2


@pytest.mark.skipif(sandbox_uid() is None, reason="privilege drop needs root")
def test_student_code_runs_as_the_sandbox_uid(tmp_path):
    out = run(tmp_path, "import os\ndef who(): return os.getuid(), os.getgroups()\n", [("who", {}, 5)])
    uid, groups = out[0].value
    assert uid >= sandbox_uid() and groups == []  # the base or a slot above it, no supplementary groups


def test_student_code_can_use_its_own_process_files(tmp_path):
    # After the worker drops privileges itself, the kernel marks it non-dumpable, which would
    # make /proc/self root's: libraries listing /proc/self/fd would fail, unlike anywhere else.
    code = "import os\ndef own(): return len(os.listdir('/proc/self/fd')) > 0, os.access('/proc/self/clear_refs', os.W_OK)\n"
    out = run(tmp_path, code, [("own", {}, 5)])
    assert out[0].status == "returned" and out[0].value == (True, True)


def test_a_signal_without_a_name_is_a_crash_not_a_grader_failure(tmp_path):
    code = "import os\ndef rt(): os.kill(os.getpid(), 40)\ndef ok(): return 1\n"
    out = run(tmp_path, code, [("rt", {}, 5), ("ok", {}, 5)])
    assert [o.status for o in out] == ["crashed", "returned"]
    assert "signal 40" in out[0].error.message


def test_malformed_replies_cost_their_call_and_the_worker(tmp_path):
    code = ("import os, time\n"
            "def reply_fd():\n"
            "    return next(fd for fd in map(int, os.listdir('/proc/self/fd'))\n"
            "               if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:')\n"
            "               and int(open(f'/proc/self/fdinfo/{fd}').read().split('flags:')[1].split()[0], 8) & 1)\n"
            "def forge(line):\n"
            "    os.write(reply_fd(), line.encode())\n"
            "    time.sleep(3)\n"
            "def pid(): return os.getpid()\n")
    bad_array = '{"kind":"reply","id":"c1","ok":true,"value":{"__ndarray__":5,"dtype":"<f8","shape":[1]}}\n'
    two_replies = '{"kind":"reply","id":"c3","ok":true,"value":1}\n{"kind":"reply","id":"c4","ok":true,"value":2}\n'
    out = run(tmp_path, code, [("pid", {}, 5), ("forge", {"line": bad_array}, 5), ("pid", {}, 5),
                               ("forge", {"line": two_replies}, 5), ("pid", {}, 5)])
    assert [o.status for o in out] == ["returned", "protocol_error", "returned", "returned", "protocol_error"]
    assert out[0].value != out[2].value  # the worker that sent garbage served nothing more
    assert out[3].value == 1  # a forged reply in turn is just a value; the extra line ahead of c4 is refused
    assert "before it was asked" in out[4].error.message


def test_a_big_reply_arrives_in_time(tmp_path):
    # 48 MB of float64, 64 MB as a line: read in place, not rebuilt on every pipe read.
    out = run(tmp_path, "import numpy as np\ndef big(): return np.ones(6_000_000)\n", [("big", {}, 10)])
    assert out[0].status == "returned" and out[0].value.shape == (6_000_000,)


def test_replies_of_a_run_share_one_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "MAX_RUN_REPLY_BYTES", 3_000_000)
    code = "import numpy as np\ndef mb(): return np.ones(1 << 17)\n"  # 1 MB each, 1.4 MB as base64
    out = run(tmp_path, code, [("mb", {}, 5)] * 3)
    assert [o.status for o in out] == ["returned", "returned", "raised"]
    assert out[2].error.type == "OutputTooLarge" and out[2].value is None


def test_student_code_is_off_the_network_and_cannot_signal_the_grader(tmp_path):
    code = ("import os, socket, signal\n"
            "def escape():\n"
            "    errors = []\n"
            "    for attempt in (lambda: socket.create_connection(('127.0.0.1', 9), timeout=1),\n"
            "                    lambda: os.kill(os.getppid(), signal.SIGKILL),\n"
            "                    lambda: os.kill(-1, signal.SIGKILL)):\n"
            "        try:\n"
            "            attempt()\n"
            "            errors.append(None)\n"
            "        except OSError as exc:\n"
            "            errors.append(type(exc).__name__)\n"
            "    sid = os.getsid(0)\n"
            "    os.setsid()\n"
            "    return errors, os.getsid(0) == sid\n")
    out = run(tmp_path, code, [("escape", {}, 5)])
    assert out[0].value == (["PermissionError"] * 3, True)  # setsid "succeeds" and changes nothing


def test_a_process_chain_that_forks_away_from_every_kill_dies(tmp_path):
    # Each generation forks the next and exits at once: a scan of /proc always finds the
    # previous one, already dead. One killpg of the group it cannot leave ends it.
    code = f"""
import subprocess, sys
CHAIN = "import os, sys\\nwhile True:\\n    if os.fork():\\n        os._exit(0)\\n    os.setsid()\\n"
def spawn():
    subprocess.Popen([sys.executable, "-c", CHAIN, "{MARKER}"], start_new_session=True)
    return 1
"""
    out = run(tmp_path, code, [("spawn", {}, 10)])
    assert out[0].status == "returned"
    time.sleep(0.2)
    assert leftovers() == []


@pytest.mark.parametrize("spawn", [
    "if os.fork() == 0:\n        os._exit(0)",  # a child the worker never waits for: ours once the worker dies
    "if os.fork() == 0:\n        if os.fork():\n            os._exit(0)\n        os._exit(0)",  # ours at once
])
@pytest.mark.parametrize("laptop", [False, True])
def test_children_that_died_on_their_own_are_reaped(tmp_path, spawn, laptop):
    code = f"import os, time\ndef orphan():\n    {spawn}\n    time.sleep(0.1)\n    return 1\n"
    out = run(tmp_path, code, [("orphan", {}, 5)], laptop=laptop)
    assert out[0].status == "returned"
    zombies = [pid for pid in os.listdir("/proc") if pid.isdigit() and _zombie_child_of_us(int(pid))]
    assert zombies == []


def _zombie_child_of_us(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return fields["State"].split()[0] == "Z" and int(fields["PPid"]) == os.getpid()


@pytest.mark.skipif(sandbox_uid() is None, reason="sandbox uids exist only as root")
def test_concurrent_gradings_never_kill_each_other(tmp_path, outside_tmp):
    # Each `autograder grade` holds a sandbox uid of its own; with a shared one, the end of one
    # run's worker killed the other's mid-call.
    hangs = entry_folder("conv1d", "hangs_when_r_is_1", outside_tmp)
    hangs.parent.chmod(0o755)
    runs = [subprocess.Popen([sys.executable, "-m", "autograder", "grade", "conv1d",
                              str(hangs), "--results", str(tmp_path / f"{i}.json"),
                              "--quiet"], cwd=REPO) for i in range(2)]
    assert [p.wait(timeout=120) for p in runs] == [0, 0]
    for i in range(2):
        outcomes = {t["extra_data"]["id"]: t["extra_data"]["outcome"]
                    for t in json.loads((tmp_path / f"{i}.json").read_text())["tests"]}
        assert {k for k, v in outcomes.items() if v != "passed"} == {"forward/random[n=8,r=1]",
                                                                    "forward/random_hidden[n=2,r=1]"}


def test_a_graded_module_that_fails_to_import_fails_only_the_calls_that_use_it(tmp_path):
    harness = ("import good\nimport bad\nfrom bad import compute\n"
               "def uses_good(): return good.value()\ndef uses_bad(): return compute()\n")
    out = run(tmp_path, harness, [("uses_good", {}, 5), ("uses_bad", {}, 5), ("uses_good", {}, 5)],
              modules={"good.py": "def value():\n    return 42\n", "bad.py": "def compute(:\n    return 1\n"})
    assert [o.status for o in out] == ["returned", "raised", "returned"]
    assert out[0].value == 42 and out[2].value == 42
    error = out[1].error
    assert (error.type, error.module) == ("SyntaxError", "bad.py")
    assert error.message == "invalid syntax (bad.py, line 1)"


def test_a_failed_import_the_caller_will_grade_otherwise_ends_the_run_before_any_call(tmp_path):
    """Student code that ran at import must not see a case's inputs when the file is graded again."""
    harness = "import good\nimport bad\ndef uses_good(x):\n    print('got', x)\n    return good.value()\n"
    modules = {"good.py": "def value():\n    return 42\n", "bad.py": "raise KeyError('at the bottom')\n"}
    calls = [("uses_good", {"x": 1}, 5), ("uses_good", {"x": 2}, 5)]
    kept = run(tmp_path, harness, calls, modules=modules, stop_on_failed_import=lambda e: e.module == "good.py")
    assert [(o.status, o.output) for o in kept] == [("returned", "got 1\n"), ("returned", "got 2\n")]
    stopped = run(tmp_path, harness, calls, modules=modules, stop_on_failed_import=lambda e: e.module == "bad.py")
    assert [(o.status, o.output, o.error.type, o.error.module) for o in stopped] == \
        [("raised", "", "KeyError", "bad.py")] * 2
    assert stopped[0].error.message == "'at the bottom'" and 'File "bad.py", line 1' in stopped[0].error.traceback


def test_what_a_call_draws_comes_back_as_data(tmp_path):
    harness = ("import autograder_figures\nimport plots\n"
               "def drawn(n):\n    value, figures = autograder_figures.capture(plots.draw, n)\n    return value, figures\n"
               "def open_figures():\n    import matplotlib.pyplot as plt\n    return len(plt.get_fignums())\n")
    plots = ("import matplotlib.pyplot as plt\nimport numpy as np\n"
             "def draw(n):\n    x = np.arange(n)\n    plt.figure()\n    plt.plot(x, x ** 2, label='square')\n"
             "    plt.scatter([1, 2], [3, 4], label='points')\n    plt.title('curves')\n    plt.xlabel('x')\n"
             "    plt.show()\n    return 'drawn'\n")
    [drawn, still_open] = run(tmp_path, harness, [("drawn", {"n": 4}, 20), ("open_figures", {}, 5)],
                              modules={"plots.py": plots})
    value, [figure] = drawn.value
    assert value == "drawn" and still_open.value == 0  # shown nowhere, closed after
    [axes] = figure["axes"]
    assert (axes["title"], axes["xlabel"]) == ("curves", "x")
    [line] = axes["lines"]
    assert line["label"] == "square" and list(line["x"]) == [0, 1, 2, 3] and list(line["y"]) == [0, 1, 4, 9]
    [points] = axes["scatters"]
    assert points["label"] == "points" and points["offsets"].tolist() == [[1, 3], [2, 4]]


def test_a_started_worker_waits_for_its_setup_and_leaves_when_the_grader_goes(tmp_path):
    started = spawn.start()
    try:
        time.sleep(0.2)
        assert started.proc.poll() is None  # loaded, waiting
        started.proc.stdin.close()
        assert started.proc.wait(timeout=20) == 0
    finally:
        started.discard()


def test_a_started_worker_serves_the_run_it_is_given(tmp_path):
    started = spawn.start()
    out = run(tmp_path, "import os\ndef pid(): return os.getpid()\n", [("pid", {}, 5)], started=started)
    assert out[0].status == "returned" and out[0].value == started.proc.pid
    assert started.proc.returncode is not None  # stopped with the run


def test_a_worker_that_cannot_confine_itself_is_the_graders_failure_and_runs_no_student_code(tmp_path, monkeypatch,
                                                                                            outside_tmp):
    marker_dir = outside_tmp
    marker_dir.chmod(0o777)  # whoever student code would run as could create the marker
    marker = marker_dir / "imported"
    code = f"open({str(marker)!r}, 'w').close()\ndef f(): return 1\n"
    real = plan.confinement
    monkeypatch.setattr(plan, "confinement", lambda limits, uid: real(limits, uid).model_copy(
        update={"rlimits": [("RLIMIT_NO_SUCH_LIMIT", 1)]}))
    with pytest.raises(RuntimeError, match="could not be confined: AttributeError"):
        run(tmp_path, code, [("f", {}, 5)])
    assert not marker.exists()


def test_an_unused_started_worker_is_discarded_with_the_grading(tmp_path):
    from autograder.spec.assignment import load_assignment
    from autograder.grading import grade

    started = spawn.start()
    (tmp_path / "notes.txt").write_text("no code here")
    report = grade(load_assignment("conv1d"), tmp_path, started=started)
    assert report.status == "submission_error"
    assert started.proc.returncode is not None
