"""From what a student uploaded to a folder of modules the worker can import.

A submission is a folder, a single file or a .zip, possibly with everything nested in a folder
of any name, next to anything else (notebooks, logs, data). Each graded file the spec names
comes, in order of preference, from:
1. a file of that name (the one whose path ends like the spec's, else the shallowest);
2. a file of that name once a browser's download suffix (`conv1D (1).py`) and case are ignored;
   (a code file a browser gave another extension, `conv1D.py.txt`, has its own name back first;)
3. the same name in the other form: a notebook for a .py, a .py export of a notebook;
   (when a file is not found so, the zips the upload holds are opened, and 1 to 3 look in them;)
4. what a notebook's `%%writefile deeplearning/optim.py` cells write to it, else notebook cells
   pasted from it (`#@title Optim.py`);
5. the one .py or notebook of the upload that defines what the template's version defines;
6. else the untouched template: a missing file costs only the cases that use it.
A file of that name that is the handout's own, unchanged, comes last, after step 5: a Colab
student's work may be in notebook cells beside it, or a Jupyter student's in the copy they made
(`-Copy1`); a notebook whose code is the handout's counts as unchanged, though it ran. A .py
that could not be imported as it is (a driver left outside `if __name__ == "__main__":` that
fails or never ends) is staged again, read as a notebook (`read_as_notebook`).
The .py files beside a chosen file in the upload come along, into the graded file's folder, as
modules it may import (`from helpers import pad`), unless the handout, Python or an installed
library has a module of that name.
A notebook (or cells, or a .py standing for a notebook) is composed into a module by
`notebook.py`, after the template's own code, so what it does not define keeps the template's.
Reading contents (steps 3 to 5) is parsing untrusted input, which `stage` leaves to the given
`Inspector` (it runs `inspection.py` confined, `sandbox/inspection_run.py`).
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict

from ..files import copy_tree, regular_files
from ..results.markdown import code_span
from .archive import SubmissionError, extract_zip, open_inner_zips
from .names import is_code, own_name
from .notebook import FileFacts, ModulePart, NotebookMode, WrittenFile, describe, module_source, title_cells

# (root, paths relative to it, mode) -> what each file defines; never raises for a file's content.
Inspector = Callable[[Path, list[str], NotebookMode], dict[str, FileFacts]]
_DOWNLOAD_SUFFIX = re.compile(r"\s*[(\[]\d+[)\]]$")  # "conv1D (1)", "conv1D(2)", "conv1D [3]"
_LISTED = 12  # files named in the message for an upload that holds nothing gradable
_MAX_HELPERS = 20  # .py files beside a graded file staged as the student's own modules


class StagedSubmission(BaseModel):
    model_config = ConfigDict(frozen=True)

    root: Path
    found: dict[str, str]  # spec path -> what in the upload it came from
    missing: list[str]  # spec paths graded as the untouched template
    copied: list[str] = []  # spec paths staged as the student's .py itself, not composed
    notes: list[str]  # Markdown for the student
    nothing_found: str = ""  # when `found` is empty: the one message that says what the upload held


class _Choice(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: PurePosixPath | None = None  # in the upload
    parts: list[ModulePart] = []  # composed module (a notebook, cells, a script)
    text: str | None = None  # the file as a notebook's %%writefile cells write it
    note: str = ""


def unpack(upload: Path, dest: Path) -> list[PurePosixPath]:
    """The upload's regular files, copied or extracted under `dest`."""
    dest.mkdir(parents=True)
    if upload.is_file() and upload.suffix.lower() == ".zip":
        extract_zip(upload, dest)
    elif upload.is_file():
        shutil.copyfile(upload, dest / upload.name)
    elif upload.is_dir():
        copy_tree(upload, dest)
    else:
        raise SubmissionError("nothing to grade: expected a folder, a file or a .zip")
    return regular_files(dest)


def stage(files: list[str], template_dir: Path, upload: Path, dest: Path, uid: int | None,
          notebook_mode: NotebookMode, inspect: Inspector,
          read_as_notebook: dict[str, str] | None = None) -> StagedSubmission:
    """Writes the modules of `files` and the template's support files into `dest`/work.
    `read_as_notebook`: graded files whose .py is composed from its definitions, as a notebook
    is, instead of being copied, each with why (Markdown, the start of its note)."""
    read_as_notebook = read_as_notebook or {}
    notes: list[str] = []
    candidates = _without_added_extensions(dest / "upload", unpack(upload, dest / "upload"), notes)
    work = dest / "work"
    copy_tree(template_dir, work, skip=files)
    choices = {wanted: _by_name(wanted, candidates) for wanted in files}
    # The handout's file, unchanged, beside a notebook whose cells hold the work (Colab): looked for
    # elsewhere first, and graded only when nothing else has it.
    untouched = {w: c for w, c in choices.items() if c is not None and not c.parts
                 and _same_text(dest / "upload" / c.path, template_dir / w)}
    choices |= dict.fromkeys(untouched)
    if any(c is None for c in choices.values()) and any(c.suffix.lower() == ".zip" for c in candidates):
        candidates = _without_added_extensions(dest / "upload", _open_inner_zips(dest / "upload", candidates, notes),
                                               notes)
    unchanged_paths = {u.path for u in untouched.values()}
    elsewhere = [c for c in candidates if c not in unchanged_paths]
    choices = {wanted: choice or _by_name(wanted, elsewhere) for wanted, choice in choices.items()}
    facts = _read(files, template_dir, dest, candidates, choices, notebook_mode, inspect, set(read_as_notebook))
    for wanted, choice in choices.items():
        if choice is not None and choice.parts and _unreadable(choice.path, facts, notes):
            choices[wanted] = None
    # The handout's notebook, run but not edited (its outputs saved), beside the copy that holds the
    # work (Jupyter's `-Copy1`): the same, once its code is read. Only then is the rest read.
    if ran := {w: c for w, c in choices.items() if c is not None and _handouts_code(w, c, facts)}:
        untouched |= ran
        unchanged_paths |= {c.path for c in ran.values()}
        elsewhere = [c for c in candidates if c not in unchanged_paths]
        choices |= {wanted: _by_name(wanted, elsewhere) for wanted in ran}
        facts |= _read(files, template_dir, dest, candidates, choices, notebook_mode, inspect, set(read_as_notebook),
                       known=facts)
    used = {c.path for c in choices.values() if c is not None}
    found, copied, missing, described = {}, [], [], set()
    for wanted in files:
        unchanged = "" if wanted not in untouched else f"{code_span(untouched[wanted].path.as_posix())} " + (
            "holds the handout's code, unchanged" if wanted in ran else "is the handout's, unchanged")
        choice = choices[wanted] or _by_content(wanted, elsewhere, used, facts, unchanged) or untouched.get(wanted)
        if wanted in read_as_notebook and choice is not None and not choice.parts and choice.text is None \
                and f"upload/{choice.path.as_posix()}" in facts:
            choice = _Choice(path=choice.path, parts=[ModulePart(origin=choice.path.as_posix())],
                             note=read_as_notebook[wanted])
        module = work / _module_file(wanted)
        module.parent.mkdir(parents=True, exist_ok=True)
        if choice is None:
            missing.append(wanted)
            _write_template(wanted, template_dir, module, facts)
            continue
        used.add(choice.path)
        found[wanted] = choice.path.as_posix()
        if choice.parts and not choice.parts[0].cells:  # a whole notebook (or a script read as one)
            ran = ("only its imports, functions, classes and constant assignments run"
                   if notebook_mode == "definitions" else "every cell runs, in order")
            notes.append(f"{choice.note or f'grading {code_span(choice.path.as_posix())}'}: {ran}")
        elif choice.note:
            notes.append(choice.note)
        if choice.parts:
            if choice.path not in described:  # a notebook may stand for several files: its notes once
                described.add(choice.path)
                notes += [describe(choice.path.as_posix(), n) for n in facts[f"upload/{choice.path.as_posix()}"].notes]
            template = _template_part(wanted, template_dir, facts)
            module.write_text(module_source(([template] if template else []) + _with_cells(choice, facts)))
        elif choice.text is not None:
            module.write_text(choice.text, encoding="utf-8")
        else:
            shutil.copyfile(dest / "upload" / choice.path, module)
            copied.append(wanted)
    _stage_helpers(dest / "upload", candidates, work, {w: PurePosixPath(f) for w, f in found.items()})
    if found:
        notes += [f"{code_span(w)} is not in your submission: its cases are graded as the untouched template"
                  for w in missing]
    if uid is not None:
        _chown_tree(work, uid)
    return StagedSubmission(root=work, found=found, copied=copied, missing=missing, notes=notes,
                            nothing_found="" if found else _nothing_found(files, candidates, facts))


def _stage_helpers(upload: Path, candidates: list[PurePosixPath], work: Path, found: dict[str, PurePosixPath]) -> None:
    """Copies the .py files beside each chosen file into its graded file's folder: the student's
    own modules, which their code may import. A name the handout's files, Python or an installed
    library already has is left alone: a student's `utils.py` must not replace the handout's."""
    chosen = set(found.values())
    helpers = 0
    for wanted, source in sorted(found.items()):
        for helper in (c for c in candidates if c.parent == source.parent and c.suffix == ".py" and c not in chosen):
            target = work / PurePosixPath(wanted).parent / helper.name
            if helpers >= _MAX_HELPERS or target.exists() or not helper.stem.isidentifier() or _taken(helper.stem):
                continue
            shutil.copyfile(upload / helper, target)
            helpers += 1


def _taken(name: str) -> bool:
    """Whether importing `name` finds Python's or an installed library's module (not ours)."""
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return True


def _without_added_extensions(root: Path, candidates: list[PurePosixPath], notes: list[str]) -> list[PurePosixPath]:
    """The upload's files once each code file a browser renamed (`conv1D.py.txt`) has its own name
    back, where nothing beside it has that name: read by it, and as what it is (a notebook)."""
    out = []
    for path in candidates:
        named = path.with_name(own_name(path.name))
        if named == path or os.path.lexists(root / named):  # a file, a folder or a link of that name
            out.append(path)
            continue
        os.rename(root / path, root / named)
        out.append(named)
        added = code_span(path.name[len(named.name):])
        notes.append(f"{code_span(path.as_posix())} is read as {code_span(named.as_posix())}: the {added} at its end "
                     "is what a browser adds to a file it downloads")
    return sorted(out)


def _open_inner_zips(root: Path, candidates: list[PurePosixPath], notes: list[str]) -> list[PurePosixPath]:
    """A file not found by name may be in a zip the student uploaded beside the rest (what was
    found outside every such zip stays chosen): the upload's files once its zips are opened."""
    written = sum((root / c).stat().st_size for c in candidates)
    notes += open_inner_zips(root, candidates, written)
    return regular_files(root)


def module_name(file: str) -> str:
    """conv1D.py -> conv1D; deeplearning/optim.py -> deeplearning.optim; q.ipynb -> q"""
    return ".".join(PurePosixPath(file).with_suffix("").parts)


def _module_file(wanted: str) -> PurePosixPath:
    return PurePosixPath(wanted).with_suffix(".py")


def _unreadable(path: PurePosixPath, facts: dict[str, FileFacts], notes: list[str]) -> bool:
    f = facts.get(f"upload/{path.as_posix()}")
    if f is None or f.kind != "unreadable":
        return False
    notes.append(f"{code_span(path.as_posix())} was not graded: {f.error}")
    return True


# --- by name ---------------------------------------------------------------------------------

def _normal(name: str) -> str:
    path = PurePosixPath(name)
    return _DOWNLOAD_SUFFIX.sub("", path.stem).lower() + path.suffix.lower()


def _by_name(wanted: str, candidates: list[PurePosixPath]) -> _Choice | None:
    want = PurePosixPath(wanted)
    other = want.with_suffix(".ipynb" if want.suffix == ".py" else ".py").name
    for name, how in ((want.name, "exact"), (_normal(want.name), "renamed"), (_normal(other), "other")):
        same = [c for c in candidates if (c.name if how == "exact" else _normal(c.name)) == name]
        if not same:
            continue
        # Ties go to the path in the spec's folder (deeplearning/optim.py), then the shallowest.
        folder = want.parent.parts
        best = min(same, key=lambda c: (bool(folder) and c.parent.parts[-len(folder):] != folder, len(c.parts), str(c)))
        composed = best.suffix.lower() == ".ipynb" or want.suffix == ".ipynb"
        note = "" if best.as_posix() == wanted else f"using {code_span(best.as_posix())} as {code_span(wanted)}"
        return _Choice(path=best, parts=[ModulePart(origin=best.as_posix())] if composed else [], note=note)
    return None


# --- by content ------------------------------------------------------------------------------

def _read(files: list[str], template_dir: Path, dest: Path, candidates: list[PurePosixPath],
          choices: dict[str, _Choice | None], mode: NotebookMode, inspect: Inspector,
          as_notebooks: set[str], known: dict[str, FileFacts] | None = None) -> dict[str, FileFacts]:
    """What inspection needs to read, but what is `known` already: the notebooks chosen by name (and
    the files of `as_notebooks`), every code file of the upload when some graded file was not
    found by name, and the template's notebooks."""
    known = known or {}
    paths = {f"upload/{c.path.as_posix()}" for w, c in choices.items() if c and (c.parts or w in as_notebooks)}
    if any(c is None for c in choices.values()):
        paths |= {f"upload/{c.as_posix()}" for c in candidates if is_code(c.name)}
    templates = dest / "template"
    for wanted in files:
        source = template_dir / wanted
        if source.is_file() and (wanted.endswith(".ipynb") or any(c is None for c in choices.values())) \
                and f"template/{wanted}" not in known:
            (templates / wanted).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, templates / wanted)
            paths.add(f"template/{wanted}")
    paths -= set(known)
    return inspect(dest, sorted(paths), mode) if paths else {}


def _handouts_code(wanted: str, choice: _Choice, facts: dict[str, FileFacts]) -> bool:
    """Whether the notebook chosen for the notebook `wanted` runs exactly the handout's code."""
    if not wanted.endswith(".ipynb") or not choice.parts or choice.parts[0].cells:
        return False
    theirs, handout = facts.get(f"upload/{choice.path.as_posix()}"), facts.get(f"template/{wanted}")
    if theirs is None or handout is None or "unreadable" in (theirs.kind, handout.kind):
        return False
    return [(c.source, c.statements) for c in theirs.cells] == [(c.source, c.statements) for c in handout.cells]


def _by_content(wanted: str, candidates: list[PurePosixPath], used: set[PurePosixPath],
                facts: dict[str, FileFacts], unchanged: str = "") -> _Choice | None:
    """What a notebook's %%writefile cells write to the file, else pasted cells titled with its
    name, else the one file defining most of what the template's version defines: one not graded
    as another file yet, else any (a notebook holding every module, pasted untitled).
    `unchanged`: the note that the file of that name is the handout's, if it is."""
    name = PurePosixPath(wanted).name
    why = f"{unchanged}: " if unchanged else ""
    if written := _written(wanted, candidates, facts):
        notebook, file = written
        numbers = ", ".join(str(n) for n in file.cells)
        return _Choice(path=notebook, text=file.text,
                       note=f"{why or f'no file is named {code_span(name)}: '}grading what cell {numbers} of "
                            f"{code_span(notebook.as_posix())} writes to {code_span(file.path)} (`%%writefile`) as "
                            f"{code_span(wanted)}")
    for candidate in candidates:
        f = facts.get(f"upload/{candidate.as_posix()}")
        if f is not None and f.kind == "ipynb" and (cells := title_cells(f, name)):  # one notebook, several files
            numbers = ", ".join(str(c.number) for c in cells)
            return _Choice(path=candidate, parts=[ModulePart(origin=candidate.as_posix(), cells=cells)],
                           note=f"{why}grading the cells of {code_span(candidate.as_posix())} titled {code_span(name)} "
                                f"(cell {numbers}) as {code_span(wanted)}")
    needed = set(_template_facts(wanted, facts).names)
    scores = {c: len(needed & set(facts[f"upload/{c.as_posix()}"].names)) for c in candidates
              if f"upload/{c.as_posix()}" in facts}
    best, winners = 0, []
    for pool in ([c for c in scores if c not in used], list(scores)):  # a file graded already only if none else
        best = max((scores[c] for c in pool), default=0)
        winners = [c for c in pool if scores[c] == best]
        if best:
            break
    if not needed or best == 0 or len(winners) != 1:
        return None
    chosen = winners[0]
    what = ", ".join(code_span(n) for n in sorted(needed & set(facts[f"upload/{chosen.as_posix()}"].names)))
    composed = chosen.suffix.lower() == ".ipynb" or wanted.endswith(".ipynb")
    why = why or f"no file is named {code_span(name)}: "
    return _Choice(path=chosen, parts=[ModulePart(origin=chosen.as_posix())] if composed else [],
                   note=f"{why}grading {code_span(chosen.as_posix())}, which defines {what}, as {code_span(wanted)}")


def _written(wanted: str, candidates: list[PurePosixPath],
             facts: dict[str, FileFacts]) -> tuple[PurePosixPath, WrittenFile] | None:
    """The notebook and its %%writefile file that is `wanted` (a .py): one whose path ends like the
    spec's (deeplearning/optim.py), else one of that name; of several, the one written last."""
    want = PurePosixPath(wanted)
    if want.suffix != ".py":
        return None
    tail = [part.lower() for part in want.parts]
    best = None
    for candidate in candidates:
        f = facts.get(f"upload/{candidate.as_posix()}")
        for file in f.written if f is not None else []:
            path = PurePosixPath(file.path.replace("\\", "/"))
            if _normal(path.name) != _normal(want.name):
                continue
            rank = (0 if [part.lower() for part in path.parts[-len(tail):]] == tail else 1, -file.cells[-1])
            if best is None or rank < best[0]:
                best = (rank, candidate, file)
    return best[1:] if best is not None else None


def _same_text(path: Path, template: Path) -> bool:
    """Whether the upload's file is the template's text (either line ending)."""
    try:
        if path.stat().st_size > 2 * template.stat().st_size:  # not read at all: it may be huge
            return False
        return path.read_bytes().replace(b"\r\n", b"\n") == template.read_bytes().replace(b"\r\n", b"\n")
    except OSError:
        return False


def _template_facts(wanted: str, facts: dict[str, FileFacts]) -> FileFacts:
    return facts.get(f"template/{wanted}") or FileFacts(kind="unreadable")


def _with_cells(choice: _Choice, facts: dict[str, FileFacts]) -> list[ModulePart]:
    """The choice's parts with the cells inspection planned (titled choices carry theirs)."""
    return [p if p.cells else ModulePart(origin=p.origin, cells=facts[f"upload/{p.origin}"].cells)
            for p in choice.parts if p.cells or f"upload/{p.origin}" in facts]


def _template_part(wanted: str, template_dir: Path, facts: dict[str, FileFacts]) -> ModulePart | None:
    source = template_dir / wanted
    if not source.is_file():
        return None
    if wanted.endswith(".ipynb"):
        return ModulePart(origin=wanted, cells=_template_facts(wanted, facts).cells)
    return ModulePart(origin=wanted, whole=source.read_text())


def _write_template(wanted: str, template_dir: Path, module: Path, facts: dict[str, FileFacts]) -> None:
    part = _template_part(wanted, template_dir, facts)
    if part is None:
        raise SubmissionError(f"the handout has no {wanted}")  # a staff fault, caught at load once validated
    module.write_text(part.whole if part.whole is not None else module_source([part]))


def _nothing_found(files: list[str], candidates: list[PurePosixPath], facts: dict[str, FileFacts]) -> str:
    wanted = ", ".join(code_span(f) for f in files)
    if not candidates:
        return f"Your submission is empty. This assignment grades {wanted}."
    unreadable = [(c, f.error) for c in candidates
                  if (f := facts.get(f"upload/{c.as_posix()}")) is not None and f.kind == "unreadable"]
    if unreadable:  # the file is there: what is wrong is in it
        path, error = unreadable[0]
        others = f" (and {len(unreadable) - 1} other code files)" if len(unreadable) > 1 else ""
        return (f"Nothing in your submission could be graded: {code_span(path.as_posix())}{others} could not be read: "
                f"{error}. This assignment grades {wanted}: upload the file as your editor saves it, or a zip of the "
                "folder that holds it.")
    held = ", ".join(code_span(c.as_posix()) for c in candidates[:_LISTED])
    more = f" and {len(candidates) - _LISTED} more" if len(candidates) > _LISTED else ""
    names = [c.name for c in candidates]
    close = sorted({m for f in files for m in difflib.get_close_matches(PurePosixPath(f).name, names, n=3, cutoff=0.5)})
    hint = f" The closest names: {', '.join(code_span(n) for n in close)}." if close else ""
    return (f"Your submission contains none of the files this assignment grades ({wanted}), and none of its code "
            f"files defines what they should. It holds {held}{more}.{hint} Upload the files themselves, or a zip of "
            "the folder that holds them.")


def _chown_tree(root: Path, uid: int) -> None:
    for dirpath, _, filenames in os.walk(root):
        os.chown(dirpath, uid, uid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), uid, uid)
