"""The worker confines itself, from the plan the grader sends, before it imports any student code.

Standard library only, like the rest of the worker. The grader computes everything (the limits,
the uid, the seccomp program compiled for this machine: `plan.confinement`); this applies it.
Order matters: the namespaces, the OOM score and the limits need privileges, so they come before
the privilege drop, and the seccomp filter comes last (the drop itself calls setgroups/setuid,
which the filter need not allow). Every step either succeeds or raises, and a worker that
raises here never imports student code: the grader reports its own failure, not the student's.
"""

import base64
import ctypes
import errno
import os
import resource

_PR_SET_DUMPABLE = 4
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2
_CLONE_NEWNET = 0x40000000
_CLONE_NEWIPC = 0x08000000


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def apply(plan):
    """`plan`: {"unshare": bool, "rlimits": [[name, value], ...], "uid": int | None,
    "seccomp": base64 of the BPF program, or None}. Returns whether a seccomp filter is now installed."""
    if len(os.listdir("/proc/self/task")) != 1:
        # Namespaces and seccomp filters are per thread: a second thread would stay outside.
        raise RuntimeError("the worker must be single-threaded to confine itself")
    libc = ctypes.CDLL(None, use_errno=True)
    if plan["unshare"]:
        # A network namespace holds only a down loopback (and its own abstract unix sockets); an
        # IPC namespace takes SysV shared memory and message queues down with its last process,
        # which otherwise outlive it holding memory no rlimit counts. Failure (no CAP_SYS_ADMIN
        # in some containers) leaves both as they were; the seccomp filter still refuses
        # network sockets (docs/threat-model.md).
        libc.unshare(_CLONE_NEWNET | _CLONE_NEWIPC)
    _prefer_for_oom_kill(libc)
    for name, value in plan["rlimits"]:
        res = getattr(resource, name)
        hard = resource.getrlimit(res)[1]
        if hard != resource.RLIM_INFINITY:  # a user cannot raise a hard limit, only lower it
            value = min(value, hard)
        resource.setrlimit(res, (value, value))
    uid = plan["uid"]
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        os.umask(0o077)
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid) or os.getgroups():
            raise RuntimeError(f"the privilege drop to uid {uid} did not take")
        # Changing credentials cleared the dumpable flag, which leaves /proc/self root's: the
        # student's own process files (fd/, clear_refs) would be closed to it, unlike in any
        # process it starts. Nothing here is root's any longer but the descriptors we hold.
        libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
    return _install_filter(libc, None if plan["seccomp"] is None else base64.b64decode(plan["seccomp"]))


def _prefer_for_oom_kill(libc):
    # When memory runs out (Gradescope's container is smaller than the data limit times the
    # process limit), the kernel kills student code, not the grader. Raising the score needs no
    # privilege; a non-dumpable parent leaves /proc/self root-owned until we say otherwise.
    try:
        libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


def _install_filter(libc, code):
    """False when this machine or kernel has no seccomp filters (no_new_privs holds regardless)."""
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if code is None:
        return False
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.addressof(buffer))
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        err = ctypes.get_errno()
        if err == errno.EINVAL:  # kernel built without seccomp filters
            return False
        raise OSError(err, "prctl(PR_SET_SECCOMP) failed")
    return True
