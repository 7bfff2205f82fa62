"""The student's second self-check: a pytest plugin that turns each visible case of the handout's
assignment into a pytest item, failing with the same text `autograder check` prints.

The handout's `conftest.py` imports `pytest_collect_file` from here. The handout folder is both
the course root (`assignments/NAME/assignment.yaml`) and the submission. The submission is
graded once, in one worker, when the first item runs; each item then reports its own case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..grading import grade
from ..results.outcomes import OUTCOME_WORDS
from ..results.report import CaseResult, GradeReport
from ..spec.assignment import SPEC_FILE, Assignment, load_assignment
from ..spec.cases import select_cases
from .terminal import format_case_failure


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name == SPEC_FILE and file_path.parent.parent.name == "assignments":
        return AssignmentFile.from_parent(parent, path=file_path)
    return None


class CaseFailed(Exception):
    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.id)
        self.result = result


class AssignmentFile(pytest.File):
    _report: GradeReport | None = None

    @property
    def handout(self) -> Path:
        return self.path.parent.parent.parent

    def assignment(self) -> Assignment:
        return load_assignment(self.path.parent.name, root=self.handout)

    def collect(self):
        for case in select_cases(self.assignment(), visible_only=True):
            yield CaseItem.from_parent(self, name=case.id, number=case.number)

    def result(self, case_id: str) -> CaseResult:
        """A submission that cannot be graded at all still has a result (and message) per case."""
        if self._report is None:
            # The student's own machine: no uid drop (Colab and Docker run as root, with the
            # interpreter in folders closed to other users), the same process, limits and filter.
            self._report = grade(self.assignment(), self.handout, visible_only=True, sandbox_user=False)
        return next(c for c in self._report.cases if c.id == case_id)


class CaseItem(pytest.Item):
    def __init__(self, *, number: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.number = number

    def runtest(self) -> None:
        result = self.parent.result(self.name)
        if result.outcome == "grader_error":  # no verdict on the student's code, so not a failure of it
            pytest.skip(f"{result.id}: {OUTCOME_WORDS[result.outcome].label}, not in your code: please tell the "
                        "course staff")
        if result.outcome != "passed":
            raise CaseFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo, style=None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            return format_case_failure(excinfo.value.result)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.number} {self.name}"
