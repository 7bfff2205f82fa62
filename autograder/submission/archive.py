"""Unpacking an uploaded .zip safely: regular files only, nothing outside the folder, bounded
in entries and in bytes actually written; a damaged archive is the student's error, never a
grader crash."""

from __future__ import annotations

import lzma
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ..results.markdown import code_span
from .names import is_code

MAX_ZIP_FILES = 2000
MAX_ZIP_BYTES = 200 * 1024 * 1024
MAX_INNER_ZIPS = 4
_NAME_SHOWN = 200
# What reading a damaged entry raises: a bad CRC or header (BadZipFile), a corrupted deflate,
# bzip2 or lzma stream, a truncated one, encryption or a method zipfile cannot read.
_DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, RuntimeError, NotImplementedError)


class SubmissionError(Exception):
    """The upload itself is unusable; the message is Markdown for the student (their names literal)."""


def extract_zip(archive: Path, dest: Path, *, max_files: int | None = None, max_bytes: int | None = None) -> int:
    """Extracts regular files only: no absolute paths, no '..', no links, bounded in count and
    in bytes actually written (headers can lie about sizes), by default to MAX_ZIP_FILES and
    MAX_ZIP_BYTES. Returns the bytes written."""
    max_files = MAX_ZIP_FILES if max_files is None else max_files
    max_bytes = MAX_ZIP_BYTES if max_bytes is None else max_bytes
    shown = code_span(archive.name)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{shown} is not a readable zip file ({code_span(str(exc))})") from None
    except UnicodeDecodeError:  # an entry flagged as UTF-8 whose name is not
        raise SubmissionError(f"{shown} cannot be read: the name of one of its entries is marked as UTF-8 but is not "
                              "valid UTF-8. Make the zip again with your system's own zip tool.") from None
    with zf:
        members = zf.infolist()
        if len(members) > max_files:
            raise SubmissionError(f"{shown} holds {len(members)} entries; the limit is {max_files}")
        budget = max_bytes
        root = dest.resolve()
        for info in members:
            entry = code_span(info.filename[:_NAME_SHOWN])
            name = PurePosixPath(info.filename.replace("\\", "/"))
            mode = info.external_attr >> 16
            if info.is_dir() or stat.S_ISDIR(mode):
                continue
            if name.is_absolute() or ".." in name.parts or not name.parts:
                raise SubmissionError(f"{shown}: entry {entry} points outside the archive")
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # many zippers record no file type at all
                raise SubmissionError(f"{shown}: entry {entry} is a link or special file")
            target = (dest / Path(*name.parts)).resolve()
            if root not in target.parents:
                raise SubmissionError(f"{shown}: entry {entry} points outside the archive")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as out:
                    while chunk := src.read(1 << 20):
                        budget -= len(chunk)
                        if budget < 0:
                            raise SubmissionError(f"{shown} unpacks to more than {max_bytes // 2**20} MB")
                        out.write(chunk)
            except FileExistsError:
                raise SubmissionError(f"{shown}: entry {entry} appears twice, or as a file and a folder") from None
            except _DAMAGED as exc:
                raise SubmissionError(f"{shown}: entry {entry} is damaged and cannot be extracted "
                                      f"({code_span(f'{type(exc).__name__}: {exc}')}). Make the zip again.") from None
            except OSError as exc:  # names too long or too deep for this file system; a bzip2 stream's own errors
                raise SubmissionError(f"{shown}: cannot extract {entry} "
                                      f"({code_span(exc.strerror or str(exc))})") from None
        return max_bytes - budget


def open_inner_zips(root: Path, files: list[PurePosixPath], written: int) -> list[str]:
    """Replaces each of the first MAX_INNER_ZIPS .zip files among `files` (under `root`) by a
    folder of the same name holding what it extracts to, within what is left of one upload's
    budgets (`written` bytes are spent): the zip a notebook's packaging cell made, uploaded next
    to the notebook. Only zips that list a .py or .ipynb are opened (not a dataset's), one level
    deep: a zip inside an inner zip stays a file. A zip that cannot be opened stays a file, and
    the returned note (Markdown) says why."""
    notes = []
    entries = len(files)
    zips = [f for f in files if f.suffix.lower() == ".zip" and _holds_code(root.joinpath(*f.parts))]
    for inner in zips[:MAX_INNER_ZIPS]:
        path = root.joinpath(*inner.parts)
        unpacked = Path(tempfile.mkdtemp(prefix=".unzipping-", dir=path.parent))
        try:
            written += extract_zip(path, unpacked, max_files=max(MAX_ZIP_FILES - entries, 0),
                                   max_bytes=max(MAX_ZIP_BYTES - written, 0))
        except SubmissionError as exc:
            shutil.rmtree(unpacked, ignore_errors=True)
            shown = code_span(inner.as_posix()[:_NAME_SHOWN])
            notes.append(f"{shown}, a zip inside your upload, was not opened: {exc}")
            continue
        entries += sum(len(names) for _, _, names in os.walk(unpacked))
        path.unlink()
        unpacked.rename(path)
    return notes


def _holds_code(archive: Path) -> bool:
    """Whether the zip lists a .py or .ipynb (`names.is_code`), read from its directory alone; an
    unreadable one may, and opening it says why it cannot be."""
    try:
        with zipfile.ZipFile(archive) as zf:
            return any(is_code(name) for name in zf.namelist())
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, ValueError):
        return True
