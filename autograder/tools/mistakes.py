"""The library's known mistakes run on every case, for the judge to recognise them in a student's
output (`judging/diagnosis.py`): each mutant with a `diagnosis` is materialized, run through the
harness like the reference (trusted, `expected.run_trusted`), and what it returns is kept. Staff
side: `build` ships the result beside the spec; `regress` and `batch` compute it into the cache
first, so every grading they start finds it there."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..expected import KnownMistake, expected_outputs, known_mistakes, mistakes_cache, run_trusted
from ..files import write_atomic
from ..sandbox.child import wire
from ..spec.assignment import Assignment
from ..spec.cases import Case, generate_inputs, select_cases
from .library import load_library, materialize


def compute_mistakes(assignment: Assignment, cases: list[Case] | None = None) -> dict[str, list[KnownMistake]]:
    """case id -> the outputs of the library's diagnosable mutants on it; cached."""
    cases = select_cases(assignment) if cases is None else cases
    path = mistakes_cache(assignment, cases)
    if path.is_file():
        return known_mistakes(assignment, cases)
    inputs = {c.id: generate_inputs(c) for c in cases}
    found: dict[str, list[KnownMistake]] = {}
    with tempfile.TemporaryDirectory(prefix="autograder-mistakes-") as tmp:
        for mutant in load_library(assignment).mutants:
            if mutant.diagnosis is None:
                continue
            folder = materialize(assignment, mutant, Path(tmp))
            for case_id, outcome in run_trusted(assignment, folder, cases, inputs).items():
                if outcome.status == "returned":
                    found.setdefault(case_id, []).append(
                        KnownMistake(name=mutant.name, diagnosis=mutant.diagnosis, value=outcome.value))
    write_atomic(path, json.dumps({case_id: [{"name": m.name, "diagnosis": m.diagnosis, "value": wire.encode(m.value)}
                                             for m in entries] for case_id, entries in found.items()}), mode=0o600)
    return found


def warm_caches(assignment: Assignment) -> None:
    """The reference's and the mistakes' outputs computed once, before a tool starts many
    gradings at a time that would each compute them."""
    cases = select_cases(assignment)
    expected_outputs(assignment, cases, {c.id: generate_inputs(c) for c in cases})
    compute_mistakes(assignment, cases)
