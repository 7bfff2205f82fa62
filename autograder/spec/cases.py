"""From spec to concrete cases: stable ids, inherited settings, seeded inputs.

`iter_cases(spec)` is the one source of case ids for the grader, the student pytest plugin and
the TA regression command. Inputs are generated from a per-case seed derived from the ids, so
adding a case never changes another case's inputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from . import shapes
from .assignment import Assignment
from .models import (
    AssignmentSpec, CaseSpec, ComparatorSpec, InputSpec, IntegersInput, NormalInput, ParamInput,
    ParamValue, ProblemSpec, SeedInput, UniformInput, ValueInput, Visibility,
)


class Case(BaseModel):
    """One gradable case with every inherited setting resolved."""
    model_config = ConfigDict(frozen=True)

    id: str  # "problem/case" or "problem/case[n=5,r=3]"
    number: str  # "1.3", Gradescope's ordering
    problem: str
    problem_title: str
    title: str
    points: float
    visibility: Visibility
    call: str
    params: dict[str, ParamValue]
    inputs: dict[str, InputSpec]
    compare: ComparatorSpec
    timeout_s: float
    max_extra_memory_mb: float | None
    cost: float
    hint: str | None
    seed: int


def iter_cases(spec: AssignmentSpec) -> Iterator[Case]:
    for p_index, problem in enumerate(spec.problems, start=1):
        c_index = 0
        for case in problem.cases:
            for params, suffix in case.expanded():
                c_index += 1
                yield _resolve(spec, problem, case, params, suffix, f"{p_index}.{c_index}")


def select_cases(assignment: Assignment, visible_only: bool = False) -> list[Case]:
    return [c for c in iter_cases(assignment.spec) if not visible_only or c.visibility == "visible"]


def _resolve(spec: AssignmentSpec, problem: ProblemSpec, case: CaseSpec,
             params: dict[str, ParamValue], suffix: str, number: str) -> Case:
    case_id = f"{problem.name}/{case.name}{suffix}"
    seed = case.seed if case.seed is not None else _derived_seed(spec.seed, case_id)
    title = (case.title or case.name.replace("_", " "))
    if suffix:
        title += " " + suffix
    return Case(
        id=case_id, number=number, problem=problem.name,
        problem_title=problem.title or problem.name, title=title, points=case.points,
        visibility=case.visibility or problem.visibility or spec.visibility,
        call=case.call, params=params, inputs=case.inputs,
        compare=case.compare or problem.compare or spec.compare,
        timeout_s=case.timeout_s or problem.timeout_s or spec.timeout_s,
        max_extra_memory_mb=case.max_extra_memory_mb, cost=case.cost,
        hint=case.hint or problem.hint, seed=seed,
    )


def _derived_seed(base: int, case_id: str) -> int:
    digest = hashlib.sha256(f"{base}:{case_id}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


class InputError(ValueError):
    """A case's inputs cannot be generated (bad shape expression, unknown param)."""


def generate_inputs(case: Case) -> dict[str, Any]:
    """The case's arguments, in declaration order, from one generator seeded by the case."""
    rng = np.random.default_rng(case.seed)
    return {name: _generate(name, spec, case, rng) for name, spec in case.inputs.items()}


def _generate(name: str, spec: InputSpec, case: Case, rng: np.random.Generator) -> Any:
    if isinstance(spec, ValueInput):
        return spec.value if spec.dtype is None else np.asarray(spec.value, dtype=spec.dtype)
    if isinstance(spec, ParamInput):
        if spec.name not in case.params:
            raise InputError(f"{case.id}: input {name!r} refers to unknown param {spec.name!r}")
        return case.params[spec.name]
    if isinstance(spec, SeedInput):
        return int(rng.integers(0, 2**31 - 1))
    shape = tuple(_dim(d, case, name) for d in spec.shape)
    if isinstance(spec, NormalInput):
        return (spec.loc + spec.scale * rng.standard_normal(shape)).astype(spec.dtype)
    if isinstance(spec, UniformInput):
        return rng.uniform(spec.low, spec.high, shape).astype(spec.dtype)
    if isinstance(spec, IntegersInput):
        return rng.integers(spec.low, spec.high, shape).astype(spec.dtype)
    raise InputError(f"{case.id}: input {name!r} has an unknown kind")  # unreachable with a valid spec


def _dim(dim: int | str, case: Case, name: str) -> int:
    try:
        return shapes.evaluate(dim, case.params)
    except shapes.ShapeError as exc:
        raise InputError(f"{case.id}: input {name!r}: shape {exc}") from None
