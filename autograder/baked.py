"""Expected outputs baked beside a spec, so that a grading image or a student handout carries
the reference's values but not the reference.

`autograder build` writes `baked_expected.json` next to the copied spec; `expected_outputs`
prefers it over the cache and the reference. Each value carries a fingerprint of its case and
of the harness that produced it: a value whose case or harness changed since baking is ignored,
so a stale file can never grade anyone.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from .assignments import Assignment
from .cases import Case
from .sandbox import wire

BAKED_FILE = "baked_expected.json"


class BakedValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    fingerprint: str
    value: Any  # wire-encoded, as the worker sends it


class BakedExpected(BaseModel):
    model_config = ConfigDict(frozen=True)

    cases: dict[str, BakedValue]


def fingerprint(harness: bytes, case: Case) -> str:
    h = hashlib.sha256(harness)
    h.update(case.model_dump_json().encode())
    return h.hexdigest()[:24]


def write_baked(assignment: Assignment, cases: list[Case], values: dict[str, Any], dest_dir: Path) -> Path:
    harness = assignment.harness_path.read_bytes()
    baked = BakedExpected(cases={c.id: BakedValue(fingerprint=fingerprint(harness, c), value=wire.encode(values[c.id]))
                                 for c in cases})
    path = Path(dest_dir) / BAKED_FILE
    path.write_text(baked.model_dump_json())
    return path


def read_baked(assignment: Assignment, cases: list[Case]) -> dict[str, Any] | None:
    """The baked values of `cases`, or None unless every one of them is baked and current."""
    path = assignment.dir / BAKED_FILE
    if not path.is_file():
        return None
    baked = BakedExpected.model_validate(json.loads(path.read_text()))
    harness = assignment.harness_path.read_bytes()
    values = {}
    for case in cases:
        entry = baked.cases.get(case.id)
        if entry is None or entry.fingerprint != fingerprint(harness, case):
            return None
        values[case.id] = wire.decode(entry.value)
    return values
