"""Staff property checks: functions in an assignment's checks.py, marked with `@property_check`, that
judge a returned value by what it must satisfy rather than by equality with the reference.

The contract (docs/authoring.md): `@property_check def name(actual, *, expected, inputs, params, **options)`,
called in the grader with the student's decoded output, the reference's output, the case's
inputs and params, and the comparator's `options` from the spec. It returns None when the
output is right, a message for the student when it is wrong, or a `Verdict` (for instance
`not_implemented(...)`). It must judge any output without raising: a check that raises (or
returns anything else) makes the case a grader error, which scores full points
(`results.outcomes.FULL_POINTS`). Only marked functions are checks, so helpers and imports in
the module never are; `spec/validation.py` finds the same ones by parsing the module.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from ..spec.assignment import Assignment
from .verdict import Verdict

CheckFunction = Callable[..., "str | Verdict | None"]
F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__autograder_check__"


def property_check(function: F) -> F:
    """Marks a function of checks.py as a check the spec may name (`compare: {kind: check, function: NAME}`)."""
    setattr(function, _MARK, True)
    return function


def load_checks(assignment: Assignment) -> dict[str, CheckFunction]:
    """The checks of the assignment's checks.py, by name."""
    module = checks_module(assignment)
    if module is None:
        return {}
    return {name: value for name, value in vars(module).items() if callable(value) and getattr(value, _MARK, False)}


def checks_module(assignment: Assignment) -> ModuleType | None:
    """The assignment's checks.py, loaded into the grader: trusted staff code."""
    path = assignment.checks_path
    if path is None:
        return None
    module_name = f"_autograder_checks_{assignment.name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered before running, as a normal import would: dataclasses and typing look it up.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
