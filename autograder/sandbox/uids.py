"""A sandbox uid of its own for each grading that runs beside others on this machine, and
whether that uid can reach what it needs (the interpreter, its import paths, the work folder).

As root, a grading ends by killing every process of its sandbox uid (`cleanup.kill_leftovers`),
so two gradings sharing a uid kill each other's workers mid-call. Parallel gradings (`batch`,
`regress`) therefore each hold a slot, uid = base + slot, for as long as their grading process
runs, and a plain `autograder grade` takes one of its own (`grading_uid`). A slot is an
flock() on a file in /tmp/autograder-sandbox-uids: the kernel drops it when its holder dies,
so a killed batch frees its slots, and processes of one machine (threads, Dask workers) never
share one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import settings
from .cleanup import remove_files_of

MAX_SLOTS = 1024


def running_as_root() -> bool:
    return os.geteuid() == 0


def sandbox_uid() -> int | None:
    """The base uid student code runs as, or None when no privilege drop is possible (not root)."""
    return settings.sandbox_uid_base() if running_as_root() else None


def unreachable_by_others(path: str, leaf_mode: int = 0o005) -> str | None:
    """The outermost folder on the way to `path` that other uids cannot traverse, or `path`
    itself if they lack `leaf_mode` on it (read+execute by default); None if they can reach it.
    Both ways to it count: the path as written (the kernel walks it, and Python finds its
    sys.prefix from it) and the file it resolves to."""
    for way in dict.fromkeys((os.path.abspath(path), os.path.realpath(path))):
        parts = [way]
        while (parent := os.path.dirname(parts[-1])) != parts[-1]:
            parts.append(parent)
        for part in reversed(parts[1:]):
            if os.stat(part).st_mode & 0o001 != 0o001:
                return part
        if os.stat(way).st_mode & leaf_mode != leaf_mode:
            return way
    return None


def closed_import_paths(limit: int = 5) -> list[str]:
    """What another uid could not import from this interpreter: a folder it cannot traverse on
    the way to one of the import paths, or a folder it cannot list or a file it cannot read
    inside site-packages (a lazy `import numpy.random` fails there only after the privilege
    drop). At most `limit` findings, each saying which mode is wrong."""
    paths = sysconfig.get_paths()
    holds: dict[str, list[str]] = {}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if os.path.isdir(paths[key]) and (blocked := unreachable_by_others(paths[key])) is not None:
            holds.setdefault(blocked, [])
            holds[blocked] += [paths[key]] if paths[key] not in holds[blocked] else []
    found = [f"{blocked} (mode {_mode(blocked)}) is closed to other users, and holds {', '.join(held)}"
             for blocked, held in holds.items()]
    for site in dict.fromkeys(paths[k] for k in ("purelib", "platlib")):
        if not os.path.isdir(site) or found:
            continue
        for dirpath, dirnames, filenames in os.walk(site):
            for name in list(dirnames):
                full = os.path.join(dirpath, name)
                if _mode_of(full) & 0o005 != 0o005:
                    found.append(f"{full} (mode {_mode(full)}) cannot be listed by other users")
                    dirnames.remove(name)
            found += [f"{os.path.join(dirpath, n)} (mode {_mode(os.path.join(dirpath, n))}) cannot be read by "
                      "other users" for n in filenames if _mode_of(os.path.join(dirpath, n)) & 0o004 != 0o004]
            if len(found) >= limit:
                break
    return found[:limit]


def _mode_of(path: str) -> int:
    try:
        return os.stat(path).st_mode
    except OSError:  # a dangling link: nothing to read either way
        return 0o777


def _mode(path: str) -> str:
    return oct(_mode_of(path) & 0o777)[2:].zfill(4)


class SlotError(RuntimeError):
    pass


@contextmanager
def sandbox_uid_slot() -> Iterator[int | None]:
    """Holds a free uid while the block runs; yields None when grading does not drop privileges
    (not root): then each grading process only cleans up its own descendants."""
    base = sandbox_uid()
    if base is None:
        yield None
        return
    folder = _lock_folder()
    for slot in range(1, MAX_SLOTS + 1):
        uid = base + slot
        fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield uid
        finally:
            os.close(fd)
        return
    raise SlotError(f"all {MAX_SLOTS} sandbox uids above {base} are in use on this machine")


@contextmanager
def grading_uid() -> Iterator[int | None]:
    """The sandbox uid of one grading: the one its caller chose and holds (`gradejob` passes its
    slot as AUTOGRADER_SANDBOX_UID), else a slot of its own, so that two `autograder grade` runs
    on one machine never kill each other's workers. Afterwards, what the uid left in the shared
    temp folders goes, so the next grading with it starts clean."""
    if sandbox_uid() is None:
        yield None
        return
    with contextlib.ExitStack() as stack:
        uid = sandbox_uid() if settings.sandbox_uid_chosen() else stack.enter_context(sandbox_uid_slot())
        stack.callback(remove_files_of, uid)
        yield uid


def _lock_folder() -> Path:
    # A fixed path, not $TMPDIR: every grading process on the machine must see the same locks,
    # whatever temp folder its caller gave it (gradejob gives each grading one of its own).
    folder = Path("/tmp/autograder-sandbox-uids")
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    # Root trusts this folder with its locks: another user must not have planted it (or a link).
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise SlotError(f"{folder} is not a private folder of this user; remove it and retry")
    return folder
