"""One exported case, run inside Otter-Grader's kernel by a test file that `autograder
export-otter` wrote: the same inputs, harness, comparators, checks, hints and messages as our
grader, judged against the expected value embedded in the test file.

Otter's zip ships this package and the assignment's spec, harness and checks as support files,
which Otter copies into the submission folder, the kernel's working directory. It runs in the
student's own process, so it inherits Otter's model: no time limit per case, memory measured
with tracemalloc from inside (which the student could defeat), and nothing hidden from the
submission.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import sys
import time
import tracemalloc
import types
from pathlib import PurePosixPath
from typing import Any

from ..judging.checks import load_checks
from ..judging.judge import judge
from ..sandbox.child import figures, wire
from ..sandbox.runner import CallOutcome, ErrorInfo
from ..spec.assignment import load_assignment
from ..spec.cases import generate_inputs, iter_cases


def check_case(env: dict[str, Any], assignment_name: str, case_id: str, expected: Any) -> None:
    """Raises AssertionError with our grader's message unless the case passes on the student's
    code, found in `env` (the globals of the executed submission) or in the submission folder."""
    assignment = load_assignment(assignment_name)
    case = next(c for c in iter_cases(assignment.spec) if c.id == case_id)
    inputs = generate_inputs(case)
    _install_student_modules(assignment.spec.files, env)
    outcome = _call(assignment.harness_path, case.id, case.call, inputs, measure=case.max_extra_memory_mb is not None)
    result = judge(case, outcome, wire.decode(expected), inputs, load_checks(assignment),
                   assignment.spec.memory_limit_mb)
    if result.outcome == "grader_error":  # our fault: the points policy of outcomes.FULL_POINTS, said aloud
        print(f"[grader_error] {result.message}\n{result.grader_fault.splitlines()[0]}")
        return
    if result.outcome != "passed":
        raise AssertionError(f"[{result.outcome}] {result.message}")


def module_name(file: str) -> str:
    """conv1D.py -> conv1D; deeplearning/optim.py -> deeplearning.optim"""
    return ".".join(PurePosixPath(file).with_suffix("").parts)


def _install_student_modules(files: list[str], env: dict[str, Any]) -> None:
    """With one graded file, Otter's submission is that file (a script or a notebook), and its
    globals are the module the harness imports. With several, they are imported from the
    submission folder."""
    if len(files) > 1:
        for file in files:
            importlib.import_module(module_name(file))
        return
    name = module_name(files[0])
    module = types.ModuleType(name)
    module.__dict__.update(env)
    sys.modules[name] = module
    parent, _, leaf = name.rpartition(".")
    if parent:
        setattr(importlib.import_module(parent), leaf, module)


def _call(harness_path, case_id: str, call: str, inputs: dict[str, Any], *, measure: bool) -> CallOutcome:
    sys.modules.setdefault("autograder_figures", figures)  # as our worker provides it to harnesses
    spec = importlib.util.spec_from_file_location("_autograder_harness", harness_path)
    harness = importlib.util.module_from_spec(spec)
    if measure:
        tracemalloc.start()
    start = time.monotonic()
    try:
        spec.loader.exec_module(harness)
        value = getattr(harness, call)(**copy.deepcopy(inputs))
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
        return CallOutcome(id=case_id, status="raised", seconds=time.monotonic() - start,
                           error=ErrorInfo(type=type(exc).__name__, message=str(exc)[:2000]))
    finally:
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20 if measure else None
        if measure:
            tracemalloc.stop()
    try:  # the grader only ever sees what crosses the wire: do the same here
        value = wire.decode(wire.encode(value))
    except (wire.WireError, ValueError) as exc:
        return CallOutcome(id=case_id, status="protocol_error", error=ErrorInfo(
            type="BadOutput", message=f"the returned value could not be read: {exc}"))
    return CallOutcome(id=case_id, status="returned", value=value, seconds=time.monotonic() - start,
                       peak_extra_memory_mb=peak_mb)
