"""File-system helpers every stage uses: atomic writes, tree copies that never follow links,
the folders no submission or course tree is read from, and content fingerprints."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from pydantic import BaseModel

# Tooling and editor folders: never part of a submission, a template or a course.
IGNORED_DIRS = frozenset({"__MACOSX", "__pycache__", ".git", ".ipynb_checkpoints", "node_modules"})


def write_atomic(path: Path, content: str | bytes | BaseModel, *, mode: int = 0o644) -> None:
    """A reader sees the old file or the whole new one, never a part (Gradescope reads
    results.json whenever the run ends)."""
    if isinstance(content, BaseModel):
        content = content.model_dump_json(indent=2)
    data = content.encode() if isinstance(content, str) else content
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def regular_files(root: Path, *, skip_hidden: bool = True) -> list[PurePosixPath]:
    """Every regular file under `root`, relative, sorted; links are neither followed nor listed,
    and IGNORED_DIRS (and, with `skip_hidden`, dot-folders) are not entered."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS and not (skip_hidden and d.startswith("."))]
        for name in filenames:
            path = Path(dirpath, name)
            if path.is_file() and not path.is_symlink():
                out.append(PurePosixPath(path.relative_to(root).as_posix()))
    return sorted(out)


def copy_tree(src: Path, dest: Path, skip: Iterable[str] = ()) -> None:
    """Copies `regular_files(src)` to `dest`, but the relative paths in `skip`."""
    skipped = set(skip)
    dest.mkdir(parents=True, exist_ok=True)
    for rel in regular_files(src):
        if rel.as_posix() in skipped:
            continue
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src.joinpath(*rel.parts), target)


def tree_entries(root: Path, tag: str, skip_top: Iterable[str] = ()) -> Iterator[tuple[str, bytes]]:
    """(tag/relative path, bytes) of every regular file under `root`, for `fingerprint`; top-level
    entries named in `skip_top` are left out."""
    skipped = set(skip_top)
    if not root.is_dir():
        return
    for rel in regular_files(root, skip_hidden=False):
        if rel.parts[0] not in skipped:
            yield f"{tag}/{rel.as_posix()}", root.joinpath(*rel.parts).read_bytes()


def fingerprint(entries: Iterable[tuple[str, bytes]], *, length: int = 64) -> str:
    """A digest of named byte strings that no renaming or re-splitting can collide with."""
    h = hashlib.sha256()
    for name, data in entries:
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()[:length]
