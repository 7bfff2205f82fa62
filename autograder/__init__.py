"""Grades numerical homework against reference implementations, in isolated student processes.

For students, in a notebook cell of the handout's folder (notebook_check.py):

    import autograder
    autograder.check("conv1d")             # or autograder.check("conv1d", "forward"), or autograder.check()

For staff, the public API of an assignment's property checks (checks.py):

    from autograder import GraderFault, Verdict, describe, not_implemented, property_check

Imported on first use, so that `python -m autograder` starts without loading numpy.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["GraderFault", "Verdict", "check", "describe", "not_implemented", "property_check"]

_PUBLIC = {"GraderFault": "judging.verdict", "Verdict": "judging.verdict", "describe": "judging.verdict",
           "not_implemented": "judging.verdict", "property_check": "judging.checks", "check": "notebook_check"}


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'autograder' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
