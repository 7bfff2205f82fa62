"""What the trusted code returns on each case: the reference's outputs (expected values), and the
outputs of the library's known mistakes (the mutants with a diagnosis), which let the judge name
the mistake a failed case looks like.

Trusted code runs through the same harness in a worker, like student code, but without the
privilege drop and with larger limits (`run_trusted`). Values come from, in order:
- the file shipped beside the spec (`expected_values.json`), which `autograder build` writes into
  the Gradescope zip and the handout, so that neither carries the reference or the library. Each
  value carries a fingerprint of its case and of the harness that produced it, so a value whose
  case or harness changed since shipping is never used;
- the local cache (`settings.cache_dir()`), keyed by everything the values depend on;
- for expected values, a run of the reference, which fills the cache. The mistakes' outputs are
  computed by the staff tools (`tools/mistakes.py`: build, regress, batch), which fill the cache.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from . import settings
from .files import fingerprint, tree_entries, write_atomic
from .sandbox.child import wire
from .sandbox.inspection_run import confined_inspector
from .sandbox.plan import Limits, cpu_budget
from .sandbox.runner import CallOutcome, CallRequest, prepare_workspace, run_calls
from .spec.assignment import SHIPPED_FILE, Assignment
from .spec.cases import Case
from .submission.staging import module_name, stage

LIBRARY_FILES = ("mutants.yaml", "mutants")  # what the mistakes' outputs depend on besides the assignment


class ReferenceError(RuntimeError):
    """The reference itself failed: a grader problem, never the student's."""


class KnownMistake(BaseModel):
    """A library mutant's output on one case, and what to tell a student whose output matches it."""
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    diagnosis: str  # for the student
    value: Any  # decoded


class ShippedValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    fingerprint: str  # of the case and the harness that computed the value
    value: Any  # wire-encoded, as the worker sends it


class ShippedMistake(ShippedValue):
    name: str
    diagnosis: str


class ShippedValues(BaseModel):
    model_config = ConfigDict(frozen=True)

    cases: dict[str, ShippedValue]
    mistakes: dict[str, list[ShippedMistake]] = {}


def expected_outputs(assignment: Assignment, cases: list[Case], inputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    shipped = _read_shipped(assignment)
    if shipped is not None and (values := _current(assignment, cases, shipped.cases)) is not None:
        return values
    path = settings.cache_dir() / f"{assignment.name}-{cache_key(assignment, cases)}.json"
    if path.is_file():
        return _read_cache(path, lambda stored: {case_id: wire.decode(value) for case_id, value in stored.items()})
    outcomes = run_trusted(assignment, assignment.reference_dir, cases, inputs)
    values = {}
    for case_id, outcome in outcomes.items():
        if outcome.status != "returned":
            detail = outcome.error.message if outcome.error else outcome.status
            raise ReferenceError(f"reference/{assignment.name} failed on case {case_id}: {outcome.status}: "
                                 f"{detail}\n{outcome.error.traceback if outcome.error else ''}")
        values[case_id] = outcome.value
    write_atomic(path, json.dumps({k: wire.encode(v) for k, v in values.items()}), mode=0o600)
    return values


def known_mistakes(assignment: Assignment, cases: list[Case]) -> dict[str, list[KnownMistake]]:
    """case id -> the library's mistakes' outputs on it; empty when none were computed."""
    shipped = _read_shipped(assignment)
    if shipped is not None and shipped.mistakes:
        harness = assignment.harness_path.read_bytes()
        by_id = {c.id: c for c in cases}
        return {case_id: [KnownMistake(name=m.name, diagnosis=m.diagnosis, value=wire.decode(m.value))
                          for m in entries if m.fingerprint == _value_fingerprint(harness, by_id[case_id])]
                for case_id, entries in shipped.mistakes.items() if case_id in by_id}
    path = mistakes_cache(assignment, cases)
    if not path.is_file():
        return {}
    return _read_cache(path, lambda stored: {
        case_id: [KnownMistake(name=m["name"], diagnosis=m["diagnosis"], value=wire.decode(m["value"])) for m in entries]
        for case_id, entries in stored.items()})


_decoded: dict[tuple[str, int, int], Any] = {}  # (path, mtime, size) -> what the cache file decodes to


def _read_cache(path: Path, decode: Callable[[Any], Any]) -> Any:
    """A cache file's values, decoded once per process while the file stays as it was: a grading
    slot grades many submissions against the same values. Their arrays are made read-only, so
    that judging cannot change what the next submission is judged against: a comparator or check
    that tried would fail loudly, as a grader error, instead."""
    info = path.stat()
    key = (str(path), info.st_mtime_ns, info.st_size)
    if key not in _decoded:
        _decoded[key] = _read_only(decode(json.loads(path.read_text())))
    return dict(_decoded[key])


def _read_only(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for item in value.values():
            _read_only(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _read_only(item)
    elif isinstance(value, KnownMistake):
        _read_only(value.value)
    return value


def cache_key(assignment: Assignment, cases: list[Case]) -> str:
    """Of everything the values depend on: spec, harness, reference, template, cases, numpy."""
    entries = [("spec", assignment.spec_path.read_bytes()), ("harness", assignment.harness_path.read_bytes()),
               *tree_entries(assignment.reference_dir, "reference"), *tree_entries(assignment.template_dir, "template"),
               *((f"case/{c.id}", c.model_dump_json().encode()) for c in cases), ("numpy", np.__version__.encode())]
    return fingerprint(entries, length=24)


def mistakes_cache(assignment: Assignment, cases: list[Case]) -> Path:
    library = [e for name in LIBRARY_FILES for e in ([(name, (assignment.dir / name).read_bytes())]
                                                      if (assignment.dir / name).is_file()
                                                      else tree_entries(assignment.dir / name, name))]
    key = fingerprint([("values", cache_key(assignment, cases).encode()), *library], length=24)
    return settings.cache_dir() / f"{assignment.name}-mistakes-{key}.json"


def run_trusted(assignment: Assignment, folder: Path, cases: list[Case],
                inputs: dict[str, dict[str, Any]]) -> dict[str, CallOutcome]:
    """What the trusted code in `folder` (the reference, a mutant) does on each case."""
    spec = assignment.spec
    requests = [CallRequest(id=c.id, call=c.call, args=inputs[c.id], timeout_s=max(60.0, c.timeout_s * 10))
                for c in cases]
    with tempfile.TemporaryDirectory(prefix="autograder-trusted-") as tmp:
        base = Path(tmp)
        inspect = confined_inspector(base, uid=None, memory_mb=8192, timeout_s=max(120.0, spec.startup_timeout_s))
        staged = stage(spec.files, assignment.template_dir, folder, base, None, spec.notebook.mode, inspect)
        if folder == assignment.reference_dir and set(staged.found.values()) != set(spec.files):
            lacking = sorted(set(spec.files) - set(staged.found.values()))
            raise ReferenceError(f"reference/{assignment.name} lacks {', '.join(lacking)} under that exact name")
        workspace = prepare_workspace(base, staged.root, assignment.harness_path, None,
                                      [(module_name(f), f) for f in spec.files])
        limits = Limits(cpu_seconds=cpu_budget(spec.startup_timeout_s, [r.timeout_s for r in requests]),
                        memory_mb=8192, max_file_mb=256)
        outcomes = run_calls(workspace, requests, limits=limits, startup_timeout_s=max(120.0, spec.startup_timeout_s),
                             uid=None)
    return {o.id: o for o in outcomes}


def _value_fingerprint(harness: bytes, case: Case) -> str:
    return fingerprint([("harness", harness), ("case", case.model_dump_json().encode())], length=24)


def write_shipped(assignment: Assignment, cases: list[Case], values: dict[str, Any],
                  mistakes: dict[str, list[KnownMistake]], dest_dir: Path) -> Path:
    harness = assignment.harness_path.read_bytes()
    prints = {c.id: _value_fingerprint(harness, c) for c in cases}
    shipped = ShippedValues(
        cases={c.id: ShippedValue(fingerprint=prints[c.id], value=wire.encode(values[c.id])) for c in cases},
        mistakes={c.id: [ShippedMistake(name=m.name, diagnosis=m.diagnosis, fingerprint=prints[c.id],
                                        value=wire.encode(m.value)) for m in mistakes.get(c.id, [])]
                  for c in cases if mistakes.get(c.id)})
    path = Path(dest_dir) / SHIPPED_FILE
    write_atomic(path, shipped.model_dump_json())
    return path


def read_shipped(assignment: Assignment, cases: list[Case]) -> dict[str, Any] | None:
    """The shipped values of `cases`, or None unless every one of them is shipped and current."""
    shipped = _read_shipped(assignment)
    return None if shipped is None else _current(assignment, cases, shipped.cases)


def _read_shipped(assignment: Assignment) -> ShippedValues | None:
    path = assignment.dir / SHIPPED_FILE
    return ShippedValues.model_validate_json(path.read_bytes()) if path.is_file() else None


def _current(assignment: Assignment, cases: list[Case], shipped: dict[str, ShippedValue]) -> dict[str, Any] | None:
    harness = assignment.harness_path.read_bytes()
    values = {}
    for case in cases:
        entry = shipped.get(case.id)
        if entry is None or entry.fingerprint != _value_fingerprint(harness, case):
            return None
        values[case.id] = wire.decode(entry.value)
    return values
