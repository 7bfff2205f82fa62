"""From what a student uploaded to a folder the worker can import.

A submission is a folder, a single .py file or a .zip, possibly with everything nested in a
folder of any name. The files the spec names are found by name; the rest of the handout comes
from the template, so a submission may contain only the files the student edits.
"""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from .notebook import NotebookMode

MAX_ZIP_FILES = 2000
MAX_ZIP_BYTES = 200 * 1024 * 1024
_IGNORED_DIRS = {"__MACOSX", "__pycache__", ".git", ".ipynb_checkpoints", "node_modules"}


class SubmissionError(Exception):
    """The upload itself is unusable; the message is for the student."""


class StagedSubmission(BaseModel):
    model_config = ConfigDict(frozen=True)

    root: Path
    found: dict[str, str]  # spec path -> where it was in the upload
    missing: list[str]
    notes: list[str]


def stage(files: list[str], template_dir: Path, upload: Path, dest: Path, uid: int | None,
          notebook_mode: NotebookMode = "definitions") -> StagedSubmission:
    """Copies the template's support files and the student's files into `dest`/work; a file not
    found by name may come from a notebook (.ipynb) in the upload, converted per `notebook_mode`."""
    unpacked = dest / "upload"
    unpacked.mkdir(parents=True)
    if upload.is_file() and upload.suffix == ".zip":
        extract_zip(upload, unpacked)
    elif upload.is_file():
        shutil.copyfile(upload, unpacked / upload.name)
    elif upload.is_dir():
        _copy_tree(upload, unpacked)
    else:
        raise SubmissionError(f"nothing to grade at {upload}: expected a folder, a .py file or a .zip")

    work = dest / "work"
    _copy_tree(template_dir, work, skip={Path(f) for f in files})
    candidates = _regular_files(unpacked)
    found, missing, notes = {}, [], []
    for wanted in files:
        match = _pick(wanted, candidates)
        target = work / wanted
        target.parent.mkdir(parents=True, exist_ok=True)
        if match is None:
            from .notebook import stage_notebook  # only for a file the upload lacks: most never need it
            notebook = stage_notebook(wanted, template_dir / wanted, unpacked, candidates, notebook_mode)
            notes += notebook.notes
            if notebook.path is None:
                missing.append(wanted)
            else:
                target.write_text(notebook.source)
                found[wanted] = notebook.path.as_posix()
            continue
        shutil.copyfile(unpacked / match, target)
        found[wanted] = match.as_posix()
        if match.as_posix() != wanted:
            notes.append(f"using `{match.as_posix()}` as `{wanted}`")
    if uid is not None:
        _chown_tree(work, uid)
    return StagedSubmission(root=work, found=found, missing=missing, notes=notes)


def _pick(wanted: str, candidates: list[PurePosixPath]) -> PurePosixPath | None:
    """The candidate with the wanted file name; ties go to the one whose path ends like the
    spec's (deeplearning/optim.py), then to the shallowest."""
    name = PurePosixPath(wanted).name
    same_name = [c for c in candidates if c.name == name]
    if not same_name:
        return None
    wanted_parts = PurePosixPath(wanted).parts
    return min(same_name, key=lambda c: (c.parts[-len(wanted_parts):] != wanted_parts, len(c.parts), str(c)))


def _regular_files(root: Path) -> list[PurePosixPath]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _IGNORED_DIRS and not d.startswith(".")]
        for f in filenames:
            path = Path(dirpath, f)
            if path.is_file() and not path.is_symlink():
                out.append(PurePosixPath(path.relative_to(root).as_posix()))
    return out


def _copy_tree(src: Path, dst: Path, skip: set[Path] = frozenset()) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for rel in _regular_files(src):
        if Path(rel) in skip:
            continue
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, target)


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


def _chown_tree(root: Path, uid: int) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        os.chown(dirpath, uid, uid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), uid, uid)
