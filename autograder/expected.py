"""Expected outputs: what the reference returns on each case, run through the same harness.

The reference runs in a worker like student code does (no shared interpreter state; torch is
imported only where a harness needs it) but trusted: no privilege drop, larger limits. Values
come from, in order:
- the file shipped beside the spec (`expected_values.json`), which `autograder build` writes into
  the Gradescope zip and the handout, so that neither carries the reference. Each value carries a
  fingerprint of its case and of the harness that produced it, so a value whose case or harness
  changed since shipping is never used;
- the local cache (`settings.cache_dir()`), keyed by everything the values depend on;
- a run of the reference, which fills the cache.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from . import settings
from .files import fingerprint, tree_entries, write_atomic
from .sandbox.child import wire
from .sandbox.plan import Limits, cpu_budget
from .sandbox.runner import CallRequest, prepare_workspace, run_calls
from .spec.assignment import SHIPPED_FILE, Assignment
from .spec.cases import Case
from .submission.staging import stage


class ReferenceError(RuntimeError):
    """The reference itself failed: a grader problem, never the student's."""


class ShippedValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    fingerprint: str  # of the case and the harness that computed the value
    value: Any  # wire-encoded, as the worker sends it


class ShippedValues(BaseModel):
    model_config = ConfigDict(frozen=True)

    cases: dict[str, ShippedValue]


def expected_outputs(assignment: Assignment, cases: list[Case], inputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    shipped = read_shipped(assignment, cases)
    if shipped is not None:
        return shipped
    path = settings.cache_dir() / f"{assignment.name}-{cache_key(assignment, cases)}.json"
    if path.is_file():
        stored = json.loads(path.read_text())
        return {case_id: wire.decode(value) for case_id, value in stored.items()}
    values = compute_expected(assignment, cases, inputs)
    write_atomic(path, json.dumps({k: wire.encode(v) for k, v in values.items()}), mode=0o600)
    return values


def cache_key(assignment: Assignment, cases: list[Case]) -> str:
    """Of everything the values depend on: spec, harness, reference, template, cases, numpy."""
    entries = [("spec", assignment.spec_path.read_bytes()), ("harness", assignment.harness_path.read_bytes()),
               *tree_entries(assignment.reference_dir, "reference"), *tree_entries(assignment.template_dir, "template"),
               *((f"case/{c.id}", c.model_dump_json().encode()) for c in cases), ("numpy", np.__version__.encode())]
    return fingerprint(entries, length=24)


def compute_expected(assignment: Assignment, cases: list[Case], inputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec = assignment.spec
    requests = [CallRequest(id=c.id, call=c.call, args=inputs[c.id], timeout_s=max(60.0, c.timeout_s * 10))
                for c in cases]
    with tempfile.TemporaryDirectory(prefix="autograder-ref-") as tmp:
        base = Path(tmp)
        staged = stage(spec.files, assignment.template_dir, assignment.reference_dir, base, uid=None,
                       notebook_mode=spec.notebook.mode)
        if staged.missing:
            raise ReferenceError(f"reference/{assignment.name} lacks {', '.join(staged.missing)}")
        workspace = prepare_workspace(base, staged.root, assignment.harness_path, uid=None)
        limits = Limits(cpu_seconds=cpu_budget(spec.startup_timeout_s, [r.timeout_s for r in requests]),
                        memory_mb=8192, max_file_mb=256)
        outcomes = run_calls(workspace, requests, limits=limits, startup_timeout_s=max(120.0, spec.startup_timeout_s),
                             uid=None)
    values = {}
    for outcome in outcomes:
        if outcome.status != "returned":
            detail = outcome.error.message if outcome.error else outcome.status
            raise ReferenceError(f"reference/{assignment.name} failed on case {outcome.id}: {outcome.status}: "
                                 f"{detail}\n{outcome.error.traceback if outcome.error else ''}")
        values[outcome.id] = outcome.value
    return values


def _value_fingerprint(harness: bytes, case: Case) -> str:
    return fingerprint([("harness", harness), ("case", case.model_dump_json().encode())], length=24)


def write_shipped(assignment: Assignment, cases: list[Case], values: dict[str, Any], dest_dir: Path) -> Path:
    harness = assignment.harness_path.read_bytes()
    shipped = ShippedValues(cases={c.id: ShippedValue(fingerprint=_value_fingerprint(harness, c),
                                                      value=wire.encode(values[c.id])) for c in cases})
    path = Path(dest_dir) / SHIPPED_FILE
    write_atomic(path, shipped.model_dump_json())
    return path


def read_shipped(assignment: Assignment, cases: list[Case]) -> dict[str, Any] | None:
    """The shipped values of `cases`, or None unless every one of them is shipped and current."""
    path = assignment.dir / SHIPPED_FILE
    if not path.is_file():
        return None
    shipped = ShippedValues.model_validate_json(path.read_bytes())
    harness = assignment.harness_path.read_bytes()
    values = {}
    for case in cases:
        entry = shipped.cases.get(case.id)
        if entry is None or entry.fingerprint != _value_fingerprint(harness, case):
            return None
        values[case.id] = wire.decode(entry.value)
    return values
