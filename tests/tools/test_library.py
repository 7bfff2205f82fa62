"""Every assignment's library: correct solutions get full marks, each mutant fails exactly
the cases it declares (and passes the rest), the reference gets full marks and the untouched
template gets zero with every case "not implemented".

The gradings are those of one `autograder regress` run per assignment (the `regress_run`
fixture, shared with test_regress.py); these tests check its reports independently."""

import pytest

from autograder.spec.assignment import list_assignments, load_assignment
from autograder.tools.library import expectation_failures, load_library
from autograder.tools.regress import MIN_MUTANTS

ASSIGNMENTS = list_assignments()
LIBRARIES = {name: load_library(load_assignment(name)) for name in ASSIGNMENTS}
ENTRIES = [(name, kind, e) for name, library in LIBRARIES.items()
           for kind, entries in (("solution", library.solutions), ("mutant", library.mutants)) for e in entries]


def graded(regress_run, name, kind, entry_name):
    _, report = regress_run(name)
    [entry] = [e for e in report.entries if (e.kind, e.name) == (kind, entry_name)]
    assert entry.report is not None, f"{entry.status}: {entry.problems}"
    return entry.report


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_reference_gets_full_marks(name, regress_run):
    report = graded(regress_run, name, "reference", "reference")
    assert report.status == "completed"
    failing = [(c.id, c.outcome, c.message) for c in report.cases if c.outcome != "passed"]
    assert not failing
    assert report.score == report.max_score > 0


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_untouched_template_gets_zero_all_not_implemented(name, regress_run):
    report = graded(regress_run, name, "template", "template")
    assert report.status == "completed"
    assert report.score == 0
    assert [c.id for c in report.cases if c.outcome != "not_implemented"] == []
    assert all("not implemented" in c.message for c in report.cases)


@pytest.mark.parametrize("name, kind, entry", ENTRIES, ids=[f"{n}-{k}-{e.name}" for n, k, e in ENTRIES])
def test_library_entry_is_graded_as_declared(name, kind, entry, regress_run):
    report = graded(regress_run, name, kind, entry.name)
    assert expectation_failures(entry, report) == []
    if kind == "mutant":  # it costs points, or fails a case of an optional (0-point) part
        assert report.score < report.max_score or any(c.outcome != "passed" and c.points == 0 for c in report.cases)


def test_each_assignment_keeps_enough_mutants_and_solutions():
    for name, library in LIBRARIES.items():
        assert len(library.mutants) >= MIN_MUTANTS, name
        assert len(library.solutions) >= 3, name


DIAGNOSABLE = [(name, m) for name, library in LIBRARIES.items() for m in library.mutants if m.diagnosis]


@pytest.mark.parametrize("name, mutant", DIAGNOSABLE, ids=[f"{n}-{m.name}" for n, m in DIAGNOSABLE])
def test_a_student_who_makes_a_known_mistake_is_told_which(name, mutant, regress_run):
    report = graded(regress_run, name, "mutant", mutant.name)
    failed = [c for c in report.cases if c.outcome == "failed"]
    named = [c.id for c in failed if c.diagnosis == mutant.name or mutant.diagnosis in c.message]
    assert named, f"{mutant.name}: no failed case names it ({[c.id for c in failed]})"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_correct_work_is_never_diagnosed(name, regress_run):
    correct = [("reference", "reference"), *(("solution", s.name) for s in LIBRARIES[name].solutions)]
    for kind, entry in correct:
        report = graded(regress_run, name, kind, entry)
        assert [c.id for c in report.cases if c.diagnosis or "mistake:*" in c.message] == [], entry
