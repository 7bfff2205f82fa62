"""A seccomp filter for the student process: no network, no ptrace, no signals to the grader,
no leaving the worker's process group, no shared memory.

It needs no privileges (only PR_SET_NO_NEW_PRIVS), so it holds in both modes: as root beside
the uid drop and network namespace, and on a laptop where it is the only barrier between student
code and the grader's network access and process. It is inherited by every child and cannot be
removed. The grader compiles the program here; the worker installs it on itself
(`sandbox/confine.py`). Filters are written per architecture; elsewhere there is none, and the
threat model (docs/threat-model.md) says what is lost.
"""

from __future__ import annotations

import errno
import socket
import struct

_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K, _AND_K = 0x20, 0x15, 0x35, 0x06, 0x54
_NR, _ARCH = 0, 4  # offsets in struct seccomp_data; args[i] starts at 16 + 8 i (low word first)
_X32_BIT = 0x40000000
_F_SETOWN, _F_SETOWN_EX, _FIOSETOWN, _SIOCSPGRP = 8, 15, 0x8901, 0x8902
_MAP_SHARED_BIT = 0x01  # set in MAP_SHARED and MAP_SHARED_VALIDATE, clear in MAP_PRIVATE

_ARCHES = {
    # machine: (AUDIT_ARCH_*, syscall numbers)
    "x86_64": (0xC000003E, dict(
        socket=41, kill=62, tkill=200, tgkill=234, rt_sigqueueinfo=129, rt_tgsigqueueinfo=297,
        pidfd_send_signal=424, pidfd_getfd=438, ptrace=101, process_vm_readv=310, process_vm_writev=311,
        setsid=112, setpgid=109, fcntl=72, ioctl=16, io_uring_setup=425, io_uring_enter=426,
        io_uring_register=427, mmap=9, memfd_create=319, memfd_secret=447, shmget=29, shmat=30)),
    "aarch64": (0xC00000B7, dict(
        socket=198, kill=129, tkill=130, tgkill=131, rt_sigqueueinfo=138, rt_tgsigqueueinfo=240,
        pidfd_send_signal=424, pidfd_getfd=438, ptrace=117, process_vm_readv=270, process_vm_writev=271,
        setsid=157, setpgid=154, fcntl=25, ioctl=29, io_uring_setup=425, io_uring_enter=426,
        io_uring_register=427, mmap=222, memfd_create=279, memfd_secret=447, shmget=194, shmat=196)),
}


def _errno(code: int) -> int:
    return _ERRNO | code


def _u32(value: int) -> int:
    return value & 0xFFFFFFFF


Check = tuple[int, int, int] | tuple[int, int, int, int]  # (argument, value, action[, mask])


def rules(grader_pid: int, grader_pgid: int) -> dict[str, tuple[list[Check], int]]:
    """syscall name -> ([(argument index, value, action[, mask the argument is ANDed with first])],
    action when no argument matches)."""
    eperm, protect = _errno(errno.EPERM), [(0, grader_pid, _errno(errno.EPERM))]
    return {
        # Local sockets (multiprocessing, torch) and netlink stay; anything that reaches a network goes.
        "socket": ([(0, socket.AF_UNIX, _ALLOW), (0, socket.AF_NETLINK, _ALLOW)], _errno(errno.EACCES)),
        # Signals: not the grader, not its process group, not "everyone I may signal".
        "kill": (protect + [(0, _u32(-1), eperm), (0, _u32(-grader_pgid), eperm)], _ALLOW),
        "tgkill": (protect, _ALLOW),
        "rt_sigqueueinfo": (protect, _ALLOW),
        "rt_tgsigqueueinfo": (protect, _ALLOW),
        # A thread id or a /proc/PID directory fd can name the grader too; nothing needs these.
        "tkill": ([], eperm),
        "pidfd_send_signal": ([], eperm),
        "pidfd_getfd": ([], eperm),
        "ptrace": ([], eperm),
        "process_vm_readv": ([], eperm),
        "process_vm_writev": ([], eperm),
        # SIGIO to a chosen owner is a signal to a process of our choosing, checked late and loosely.
        "fcntl": ([(1, _F_SETOWN, eperm), (1, _F_SETOWN_EX, eperm)], _ALLOW),
        "ioctl": ([(1, _FIOSETOWN, eperm), (1, _SIOCSPGRP, eperm)], _ALLOW),
        # "Success" without effect: a daemon that detaches stays in the worker's process group,
        # which one atomic killpg ends however fast it forks.
        "setsid": ([], _errno(0)),
        "setpgid": ([], _errno(0)),
        # io_uring can open sockets behind the socket() rule; ENOSYS makes libraries fall back.
        "io_uring_setup": ([], _errno(errno.ENOSYS)),
        "io_uring_enter": ([], _errno(errno.ENOSYS)),
        "io_uring_register": ([], _errno(errno.ENOSYS)),
        # Shared memory is memory no rlimit counts (RLIMIT_DATA counts private writable mappings
        # only): a 1.5 GB shared anonymous mapping sat resident under a 1024 MB limit, and helper
        # processes could hold a matrix the worker never maps. No shared mapping at all (a shared
        # read-only one could be made writable with mprotect), no memfd, no SysV segment; files
        # still hold what is written into them (docs/threat-model.md). numpy, torch and the
        # standard library work without; multiprocessing's locks do not.
        "mmap": ([(3, _MAP_SHARED_BIT, eperm, _MAP_SHARED_BIT)], _ALLOW),
        "memfd_create": ([], eperm),
        "memfd_secret": ([], eperm),
        "shmget": ([], eperm),
        "shmat": ([], eperm),
    }


def program(machine: str, grader_pid: int, grader_pgid: int) -> bytes | None:
    """The BPF program as bytes of struct sock_filter, or None for an unsupported machine."""
    if machine not in _ARCHES:
        return None
    audit_arch, numbers = _ARCHES[machine]
    insns: list[tuple[int, int, int, int]] = [
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ_K, 1, 0, audit_arch),
        (_RET_K, 0, 0, _errno(errno.ENOSYS)),  # another ABI (i386 int 0x80): other numbers, refused
        (_LD_W_ABS, 0, 0, _NR),
    ]
    if machine == "x86_64":
        insns += [(_JGE_K, 0, 1, _X32_BIT), (_RET_K, 0, 0, _errno(errno.ENOSYS))]
    for name, (checks, default) in rules(grader_pid, grader_pgid).items():
        block = []
        for index, value, action, *mask in checks:
            block.append((_LD_W_ABS, 0, 0, 16 + 8 * index))
            if mask:
                block.append((_AND_K, 0, 0, mask[0]))
            block += [(_JEQ_K, 0, 1, _u32(value)), (_RET_K, 0, 0, action)]
        block.append((_RET_K, 0, 0, default))
        insns.append((_JEQ_K, 0, len(block), numbers[name]))
        insns += block
    insns.append((_RET_K, 0, 0, _ALLOW))
    return b"".join(struct.pack("=HBBI", *insn) for insn in insns)
