"""From what a student uploaded to a folder the worker can import.

A submission is a folder, a single .py file or a .zip, possibly with everything nested in a
folder of any name. The files the spec names are found by name; the rest of the handout comes
from the template, so a submission may contain only the files the student edits.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from ..files import copy_tree, regular_files
from .archive import SubmissionError, extract_zip

if TYPE_CHECKING:
    from .notebook import NotebookMode


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
        copy_tree(upload, unpacked)
    else:
        raise SubmissionError(f"nothing to grade at {upload}: expected a folder, a .py file or a .zip")

    work = dest / "work"
    copy_tree(template_dir, work, skip=files)
    candidates = regular_files(unpacked)
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


def _chown_tree(root: Path, uid: int) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        os.chown(dirpath, uid, uid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), uid, uid)
