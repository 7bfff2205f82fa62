"""Grades numerical homework against reference implementations, in isolated student processes.

The public API of an assignment's staff checks (checks.py):

    from autograder import GraderFault, Verdict, check, describe, not_implemented

Imported on first use, so that `python -m autograder` starts without loading numpy.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["GraderFault", "Verdict", "check", "describe", "not_implemented"]

_PUBLIC = {"GraderFault": "judging.verdict", "Verdict": "judging.verdict", "describe": "judging.verdict",
           "not_implemented": "judging.verdict", "check": "judging.checks"}


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'autograder' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
