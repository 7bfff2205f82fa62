"""The submission's files read inside the sandbox: `submission/inspection.py` run as the harness of
a confined worker, under the same limits as student code, and its plain-data answer validated.
The grader never parses a student's file itself (docs/threat-model.md)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..submission import inspection
from ..submission.notebook import FileFacts, NotebookMode
from ..submission.staging import Inspector
from . import spawn
from .plan import Limits, cpu_budget
from .runner import Budget, CallRequest, prepare_workspace, run_calls

HARNESS = Path(inspection.__file__)
_IMPORTS = spawn.harness_imports(HARNESS)  # the standard library's; read once, not per submission (4 ms)
_FAILURE = {"timeout": "reading it took longer than the grader allows", "startup_timeout": "reading it timed out",
            "crashed": "reading it crashed the reader (it may be too large)",
            "not_run": "grading ran out of time before it could be read"}


def confined_inspector(base: Path, *, uid: int | None, memory_mb: int, timeout_s: float,
                       budget: Budget | None = None) -> Inspector:
    """An Inspector that runs in its own worker, its files under `base`/inspection-N; it spends
    from the submission's `budget`, like the worker that runs its code."""
    runs = 0

    def inspect(root: Path, paths: list[str], mode: NotebookMode) -> dict[str, FileFacts]:
        nonlocal runs
        runs += 1
        folder = base / f"inspection-{runs}"
        folder.mkdir()
        workspace = prepare_workspace(folder, root, HARNESS, uid)
        request = CallRequest(id="inspect", call="inspect", args={"files": paths, "mode": mode}, timeout_s=timeout_s)
        [outcome] = run_calls(workspace, [request], limits=Limits(cpu_seconds=cpu_budget(timeout_s, [timeout_s]),
                                                                  memory_mb=memory_mb),
                              startup_timeout_s=timeout_s, uid=uid, budget=budget,
                              started=spawn.start(_IMPORTS, wait_for_server=False))
        answer = outcome.value if outcome.status == "returned" and isinstance(outcome.value, dict) else {}
        reason = _FAILURE.get(outcome.status, "it could not be read within the grader's limits")
        return {path: _validated(answer.get(path), reason) for path in paths}

    return inspect


def _validated(raw: object, reason: str) -> FileFacts:
    if raw is None:
        return FileFacts(kind="unreadable", error=reason)
    try:
        return FileFacts.model_validate(raw)
    except ValidationError:  # the reader ran beside student code in nothing but its own files; still, data only
        return FileFacts(kind="unreadable", error="its contents could not be read")
