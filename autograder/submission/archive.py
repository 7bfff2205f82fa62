"""Unpacking an uploaded .zip safely: regular files only, nothing outside the folder, bounded
in entries and in bytes actually written."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

MAX_ZIP_FILES = 2000
MAX_ZIP_BYTES = 200 * 1024 * 1024


class SubmissionError(Exception):
    """The upload itself is unusable; the message is for the student."""


def extract_zip(archive: Path, dest: Path) -> None:
    """Extracts regular files only: no absolute paths, no '..', no links, bounded in count and
    in bytes actually written (headers can lie about sizes)."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{archive.name} is not a readable zip file ({exc})") from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_FILES:
            raise SubmissionError(f"{archive.name} holds {len(members)} entries; the limit is {MAX_ZIP_FILES}")
        budget = MAX_ZIP_BYTES
        root = dest.resolve()
        for info in members:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            mode = info.external_attr >> 16
            if info.is_dir() or stat.S_ISDIR(mode):
                continue
            if name.is_absolute() or ".." in name.parts or not name.parts:
                raise SubmissionError(f"{archive.name}: entry {info.filename!r} points outside the archive")
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # many zippers record no file type at all
                raise SubmissionError(f"{archive.name}: entry {info.filename!r} is a link or special file")
            target = (dest / Path(*name.parts)).resolve()
            if root not in target.parents:
                raise SubmissionError(f"{archive.name}: entry {info.filename!r} points outside the archive")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as out:
                    while chunk := src.read(1 << 20):
                        budget -= len(chunk)
                        if budget < 0:
                            raise SubmissionError(
                                f"{archive.name} unpacks to more than {MAX_ZIP_BYTES // 2**20} MB")
                        out.write(chunk)
            except FileExistsError:
                raise SubmissionError(f"{archive.name}: entry {info.filename[:200]!r} appears twice, or as a "
                                      "file and a folder") from None
            except OSError as exc:  # names too long or too deep for this file system
                raise SubmissionError(f"{archive.name}: cannot extract {info.filename[:200]!r} "
                                      f"({exc.strerror})") from None
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
                raise SubmissionError(f"{archive.name}: cannot extract {info.filename[:200]!r} ({exc})") from None
