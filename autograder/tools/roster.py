"""The submissions of a class, as `batch` finds them.

Either a folder holding one folder or .zip per student (the id is its name, less the .zip;
other files are ignored: the grader finds a submission's files by name, so a lone `alice.py`
could never be graded), or Gradescope's "Export Submissions" (the .zip, or the folder it unpacks to):
a `submission_metadata.yml` beside one `submission_NNN/` folder per submission, mapping each
folder to its `:submitters:` (`:name:`, `:email:`, `:sid:`). An export's zip is read in place.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ..files import IGNORED_DIRS
from ..submission.archive import MAX_ZIP_BYTES
from .grading_process import Upload, UploadTooLarge, upload_from_path

METADATA = "submission_metadata.yml"


class IntakeError(Exception):
    """SUBMISSIONS cannot be read as a class; the message is for the TA."""


class Submitter(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = ""
    email: str = ""
    sid: str = ""


class SubmissionSource(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    origin: str  # for people: a path, or "export.zip:folder/"
    path: Path  # the folder or file; for a submission inside an export zip, the zip
    member_prefix: str | None = None  # the submission's folder inside the export zip
    submitters: list[Submitter] = Field(default_factory=list)


class Intake(BaseModel):
    model_config = ConfigDict(frozen=True)

    sources: list[SubmissionSource]  # sorted by id
    ignored: list[str]  # entries of the folder that are no submission


def discover(path: Path) -> Intake:
    path = Path(path)
    if path.is_dir():
        return _folder(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        return _export_zip(path)
    raise IntakeError(f"{path}: expected a folder of submissions or a Gradescope export .zip")


def load_upload(source: SubmissionSource) -> Upload:
    """The submission's bytes; raises UploadTooLarge beyond what grading would unpack anyway."""
    if source.member_prefix is None:
        return upload_from_path(source.path)
    files, total = {}, 0
    with zipfile.ZipFile(source.path) as zf:
        for info in zf.infolist():
            if not info.filename.startswith(source.member_prefix) or info.is_dir():
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                continue
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise UploadTooLarge(f"{source.origin} holds more than {MAX_ZIP_BYTES // 2**20} MB")
            files[info.filename[len(source.member_prefix):]] = zf.read(info)
    return Upload(name=source.id, is_folder=True, files=files)


def _folder(root: Path) -> Intake:
    visible = [p for p in sorted(root.iterdir()) if not p.name.startswith(".") and p.name not in IGNORED_DIRS]
    if not (root / METADATA).is_file() and len(visible) == 1 and (visible[0] / METADATA).is_file():
        return _folder(visible[0])  # an unpacked export: its one top-level folder holds everything
    submitters = _read_metadata((root / METADATA).read_bytes()) if (root / METADATA).is_file() else {}
    sources, ignored = [], []
    for p in visible:
        if p.is_dir():
            sources.append(SubmissionSource(id=p.name, origin=str(p), path=p, submitters=submitters.get(p.name, [])))
        elif p.is_file() and p.suffix.lower() == ".zip":
            sources.append(SubmissionSource(id=p.stem, origin=str(p), path=p, submitters=submitters.get(p.stem, [])))
        elif p.name != METADATA:
            ignored.append(p.name)
    return Intake(sources=_unique_sorted(sources), ignored=ignored)


def _export_zip(archive: Path) -> Intake:
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [PurePosixPath(n) for n in zf.namelist()]
            metas = sorted((n for n in names if n.name == METADATA and not IGNORED_DIRS & set(n.parts)),
                           key=lambda n: len(n.parts))
            if not metas:
                raise IntakeError(f"{archive}: not a Gradescope export (no {METADATA} inside); to grade a "
                                  "folder of zips, pass the folder")
            submitters = _read_metadata(zf.read(str(metas[0])))
    except zipfile.BadZipFile as exc:
        raise IntakeError(f"{archive}: not a readable zip ({exc})") from None
    depth = len(metas[0].parts) - 1
    root = metas[0].parent
    folders = sorted({n.parts[depth] for n in names
                      if len(n.parts) > depth + 1 and n.parts[:depth] == root.parts
                      and n.parts[depth] not in IGNORED_DIRS and not n.parts[depth].startswith(".")})
    prefix = "" if depth == 0 else root.as_posix() + "/"
    sources = [SubmissionSource(id=f, origin=f"{archive}:{prefix}{f}/", path=archive, member_prefix=f"{prefix}{f}/",
                                submitters=submitters.get(f, [])) for f in folders]
    return Intake(sources=_unique_sorted(sources), ignored=[])


def _unique_sorted(sources: list[SubmissionSource]) -> list[SubmissionSource]:
    by_id: dict[str, list[str]] = {}
    for s in sources:
        by_id.setdefault(s.id, []).append(s.origin)
    clashes = {i: o for i, o in by_id.items() if len(o) > 1}
    if clashes:
        detail = "; ".join(f"{i}: {', '.join(o)}" for i, o in sorted(clashes.items()))
        raise IntakeError(f"two submissions would get the same id: {detail}")
    return sorted(sources, key=lambda s: s.id)


class _TolerantLoader(yaml.SafeLoader):
    """Gradescope writes this file from Ruby: keys like `:submitters`, and values that may carry
    Ruby tags (`!ruby/object:BigDecimal ...`); tags are dropped, values kept as plain data."""


def _untagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_TolerantLoader.add_multi_constructor("!", _untagged)


def _read_metadata(data: bytes) -> dict[str, list[Submitter]]:
    """Folder name -> submitters; whatever does not fit that shape is left out, never fatal."""
    try:
        loaded = yaml.load(data, Loader=_TolerantLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise IntakeError(f"{METADATA} is not readable YAML: {exc}") from None
    out: dict[str, list[Submitter]] = {}
    for folder, record in (loaded or {}).items() if isinstance(loaded, dict) else ():
        people = _field(record, "submitters") if isinstance(record, dict) else None
        if isinstance(people, list):
            out[str(folder)] = [Submitter(**{k: _text(_field(p, k)) for k in ("name", "email", "sid")})
                                for p in people if isinstance(p, dict)]
    return out


def _field(record: dict, key: str) -> Any:
    return record.get(f":{key}", record.get(key))


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())
