"""Unpacking an uploaded .zip safely: regular files only, nothing outside the folder, bounded
in entries and in bytes actually written; a damaged archive is the student's error, never a
grader crash."""

from __future__ import annotations

import lzma
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ..results.markdown import code_span

MAX_ZIP_FILES = 2000
MAX_ZIP_BYTES = 200 * 1024 * 1024
_NAME_SHOWN = 200
# What reading a damaged entry raises: a bad CRC or header (BadZipFile), a corrupted deflate,
# bzip2 or lzma stream, a truncated one, encryption or a method zipfile cannot read.
_DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, RuntimeError, NotImplementedError)


class SubmissionError(Exception):
    """The upload itself is unusable; the message is Markdown for the student (their names literal)."""


def extract_zip(archive: Path, dest: Path) -> None:
    """Extracts regular files only: no absolute paths, no '..', no links, bounded in count and
    in bytes actually written (headers can lie about sizes)."""
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
        if len(members) > MAX_ZIP_FILES:
            raise SubmissionError(f"{shown} holds {len(members)} entries; the limit is {MAX_ZIP_FILES}")
        budget = MAX_ZIP_BYTES
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
                            raise SubmissionError(f"{shown} unpacks to more than {MAX_ZIP_BYTES // 2**20} MB")
                        out.write(chunk)
            except FileExistsError:
                raise SubmissionError(f"{shown}: entry {entry} appears twice, or as a file and a folder") from None
            except _DAMAGED as exc:
                raise SubmissionError(f"{shown}: entry {entry} is damaged and cannot be extracted "
                                      f"({code_span(f'{type(exc).__name__}: {exc}')}). Make the zip again.") from None
            except OSError as exc:  # names too long or too deep for this file system; a bzip2 stream's own errors
                raise SubmissionError(f"{shown}: cannot extract {entry} "
                                      f"({code_span(exc.strerror or str(exc))})") from None
