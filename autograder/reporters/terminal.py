"""Terminal reporter: a readable table of a `GradeReport`. Student text is in it (messages,
notes, printed output): every line goes out through `visible`, so no escape sequence, carriage
return or control character of the student's reaches the terminal."""

from __future__ import annotations

from ..results.markdown import visible
from ..results.outcomes import OUTCOME_WORDS
from ..results.report import CaseResult, GradeReport


def format_report(report: GradeReport, *, details: bool = True) -> str:
    lines = [f"{report.assignment}: {report.title}"]
    if report.status != "completed":
        lines.append(f"  {report.message}")
    width = max([len(f"{c.problem}: {c.title}") for c in report.cases] + [20])
    for c in report.cases:
        name = f"{c.problem}: {c.title}"
        lines.append(f"  {c.number:>5}  {name:<{width}}  {c.score:g}/{c.points:g}  {OUTCOME_WORDS[c.outcome].mark}")
    lines += [f"  note: {n}" for n in report.notes]
    lines.append(f"Score: {report.score:g} / {report.max_score:g}   ({report.seconds:.2f} s)")
    failures = [c for c in report.cases if c.outcome != "passed"]
    if details and failures:
        lines.append("")
        for c in failures:
            lines.append(format_case_failure(c))
    return visible("\n".join(lines))


def format_case_failure(c: CaseResult) -> str:
    """What went wrong in one case; also the failure text of the handout's pytest items."""
    lines = [f"{c.number} {c.problem}: {c.title} [{OUTCOME_WORDS[c.outcome].mark}]"]
    lines += ["    " + line for line in c.message.strip().splitlines()]
    if c.grader_fault:  # the first line says what failed; the staff have the rest in the report
        lines.append("    for the course staff: " + c.grader_fault.splitlines()[0][:300])
    if c.output.strip():  # whitespace-only output has no last line to show
        lines.append("    printed: " + c.output.strip().splitlines()[-1][:200])
    return visible("\n".join(lines))
