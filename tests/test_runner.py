"""The isolated runner, driven with small hostile harnesses: it never stalls, never dies,
and leaves no process behind."""

import os
import tempfile
import time
from pathlib import Path

import pytest

from autograder.limits import Limits, sandbox_uid
from autograder.runner import CallRequest, Workspace, prepare_runtime, run_calls

MARKER = "autograder-runner-test-leftover"


def run(tmp_path: Path, harness_code: str, calls: list[tuple[str, dict, float]], memory_mb: int = 512):
    # Not under tmp_path: pytest makes its folders 0700, which the sandbox uid cannot traverse.
    base = Path(tempfile.mkdtemp(prefix="autograder-runner-test-"))
    (base / "work").mkdir(parents=True)
    harness = tmp_path / "harness.py"
    harness.write_text(harness_code)
    uid = sandbox_uid()
    if uid is not None:
        os.chown(base / "work", uid, uid)
    runtime, home, log = prepare_runtime(base, harness, uid)
    ws = Workspace(root=base / "work", runtime=runtime, home=home, output_log=log)
    requests = [CallRequest(id=f"c{i}", call=name, args=args, timeout_s=t) for i, (name, args, t) in enumerate(calls)]
    return run_calls(ws, requests, limits=Limits(cpu_seconds=60, memory_mb=memory_mb), startup_timeout_s=30, uid=uid)


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
    out = run(tmp_path, "import os\ndef who(): return os.getuid()\n", [("who", {}, 5)])
    assert out[0].value == sandbox_uid() != 0
