"""What the grader reads from /proc about a process, which student code cannot forge by naming
itself."""

import contextlib
import ctypes
import os
import signal
import time

from autograder.sandbox import procfs

_PR_SET_NAME = 15


def test_process_info_reads_parent_uid_and_state():
    assert procfs.process_info(os.getpid()) == (os.getppid(), os.getuid(), False)
    child = os.fork()
    if child == 0:
        os._exit(0)
    while (info := procfs.process_info(child)) is not None and not info.zombie:
        time.sleep(0.01)
    assert info == (os.getpid(), os.getuid(), True)
    os.waitpid(child, 0)
    assert procfs.process_info(child) is None


@contextlib.contextmanager
def _child_named(name: bytes):
    """A child process that has set its own name (prctl PR_SET_NAME, 15 bytes), as student code may."""
    ready_r, ready_w = os.pipe()
    child = os.fork()
    if child == 0:
        ctypes.CDLL(None).prctl(_PR_SET_NAME, name, 0, 0, 0)
        os.write(ready_w, b"x")
        time.sleep(30)
        os._exit(0)
    try:
        os.read(ready_r, 1)
        yield child
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def test_a_process_named_like_status_lines_is_read_for_what_it_is():
    """Name is the first line of /proc/PID/status and student code sets it: the kernel escapes a
    newline in it, and the parser skips that line anyway."""
    with _child_named(b"\nPPid:\t1\nUid:\t7") as child:
        with open(f"/proc/{child}/status", "rb") as f:
            assert f.readline().startswith(b"Name:\t\\nPPid")  # escaped: one line
        assert procfs.process_info(child) == (os.getpid(), os.getuid(), False)
        assert child in procfs.process_table()


def test_a_process_named_like_a_seccomp_or_memory_line_is_read_for_what_it_is():
    with _child_named(b"\nSeccomp:\t2\nVm") as child:
        assert not procfs.seccomp_filtered(child)
        assert procfs.status_kb(child, "VmRSS") > 0
        assert procfs.status_kb(child, "Vm") is None
        assert procfs.tasks_of(os.getuid()) >= 2  # this process and the child at least
