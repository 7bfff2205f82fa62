"""Expected outputs: the reference run through the same harness, in a trusted process.

The reference runs in a worker like student code does (no shared interpreter state, and torch
is imported only where a harness needs it) but without the privilege drop. Results are cached
as plain JSON keyed by everything they depend on, so a grading run normally only reads a file;
`autograder build` bakes the cache into the Gradescope zip.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .assignments import Assignment, course_root
from .baked import read_baked
from .cases import Case
from .limits import Limits
from .runner import CallRequest, cpu_budget, prepare_workspace, run_calls
from .sandbox import wire
from .submission import stage


class ReferenceError(RuntimeError):
    """The reference itself failed: a grader problem, never the student's."""


def cache_dir() -> Path:
    return Path(os.environ.get("AUTOGRADER_CACHE", course_root() / ".cache" / "expected"))


def cache_key(assignment: Assignment, cases: list[Case]) -> str:
    h = hashlib.sha256()
    for path in sorted(_dependencies(assignment)):
        h.update(str(path.relative_to(assignment.dir.parent.parent)).encode())
        h.update(path.read_bytes())
    for case in cases:
        h.update(case.model_dump_json().encode())
    h.update(np.__version__.encode())
    return h.hexdigest()[:24]


def _dependencies(assignment: Assignment) -> list[Path]:
    files = [assignment.spec_path, assignment.harness_path]
    files += [p for p in assignment.reference_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += [p for p in assignment.template_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return files


def expected_outputs(assignment: Assignment, cases: list[Case], inputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    baked = read_baked(assignment, cases)  # a built zip or handout: values without the reference
    if baked is not None:
        return baked
    path = cache_dir() / f"{assignment.name}-{cache_key(assignment, cases)}.json"
    if path.is_file():
        stored = json.loads(path.read_text())
        return {case_id: wire.decode(value) for case_id, value in stored.items()}
    values = compute_expected(assignment, cases, inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump({k: wire.encode(v) for k, v in values.items()}, f)
    os.replace(tmp, path)
    return values


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
        limits = Limits(cpu_seconds=cpu_budget(spec.startup_timeout_s, requests), memory_mb=8192, max_file_mb=256)
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
