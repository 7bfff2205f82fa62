"""`DIR/report.html`: one self-contained page that tells a TA in a minute how a batch went:
scores, pass rates per problem and per case, diagnosed mistakes, grader failures, the slowest
submissions.

Self-contained: pictures are PNG data URIs, the style is inline, there is no script, and the
page's Content-Security-Policy allows nothing else, so it reads the same from a mail attachment
as from disk, and a slip in escaping could still run nothing. Every text from outside this
module (submission ids, which are the students' or a TA's folder names, messages, spec titles,
mistake names) goes through `text()`, which escapes markup and shows invisible and
direction-changing characters as visible code points.
"""

from __future__ import annotations

import base64
import html
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from ..files import write_atomic
from ..results.outcomes import OUTCOME_WORDS
from .charts import histogram_png, pass_rate_png
from .class_stats import ClassStatistics, class_statistics
from .gradebook import format_score

REPORT_NAME = "report.html"
SHOWN_IDS = 12  # submission ids listed in a cell before the rest fold away

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 1100px; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h3 { font-size: 1em; margin-top: 1.2em; }
h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; } th, td { padding: 0.25em 0.6em; border: 1px solid #ddd;
  text-align: left; vertical-align: top; } th { background: #f3f3f3; } td.n { text-align: right; white-space: nowrap; }
.muted { color: #666; font-size: 0.9em; } .warn { background: #fff3cd; padding: 0.5em 0.8em; border-radius: 4px; }
.ctl { font: 0.8em monospace; color: #a00; border: 1px solid #e99; border-radius: 3px; padding: 0 0.15em; }
code { font-size: 0.9em; } img { max-width: 100%; } details summary { cursor: pointer; color: #555; }
"""
# Nothing but the inline style and data: pictures; no script, no request anywhere.
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
# Characters shown as their code point rather than as themselves: controls other than tab and
# newline, format characters (bidi overrides and isolates, zero-width characters), line and
# paragraph separators, surrogates, private-use and unassigned code points.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def write_report(out: Path) -> Path:
    """Writes `out/report.html` from the batch folder `out`; raises `ReportError` if `out`
    is not one."""
    page = render_report(class_statistics(out))
    path = out / REPORT_NAME
    write_atomic(path, page)
    return path


def text(value: object, *, marked: bool = True) -> str:
    """Outside text as literal HTML text. `marked=False` where no markup may go (the title)."""
    escaped = html.escape(str(value), quote=True)
    if escaped.isprintable():
        return escaped
    mark = '<span class="ctl">U+{:04X}</span>' if marked else "[U+{:04X}]"
    return "".join(mark.format(ord(c)) if c not in "\t\n" and unicodedata.category(c) in _HIDDEN_CATEGORIES else c
                   for c in escaped)


def render_report(stats: ClassStatistics) -> str:
    sections = [_header(stats), _scores(stats), _problems(stats), _cases(stats), _diagnoses(stats),
                _failures(stats), _slowest(stats)]
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="icon" href="data:,">\n'
            f"<title>{text(stats.title, marked=False)}: class report</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(sections) + "\n</body>\n</html>\n")


def _header(stats: ClassStatistics) -> str:
    counts = ", ".join(f"{n} {text(status)}" for status, n in stats.statuses.items())
    were = "was" if len(stats.stale) == 1 else "were"
    stale = (f'<p class="warn">{_count(len(stats.stale), "submission")} ({_ids(stats.stale)}) {were} graded against '
             "other assignment files than the last batch run; run <code>autograder batch</code> again to regrade "
             "them.</p>" if stats.stale else "")
    return (f'<header id="summary">\n<h1>{text(stats.title)}</h1>\n'
            f'<p>Assignment <code>{text(stats.assignment)}</code>: {_count(stats.submissions, "submission")}'
            f"{': ' + counts if counts else ''}.</p>\n"
            f'<p class="muted">From the batch folder <code>{text(stats.folder)}</code>.</p>\n{stale}</header>')


def _scores(stats: ClassStatistics) -> str:
    head = '<section id="scores">\n<h2>Scores</h2>\n'
    if not stats.scores or stats.max_score is None:
        return head + "<p>No submission has a score yet.</p>\n</section>"
    unscored = stats.submissions - len(stats.scores)
    summary = (f"<p>{_count(len(stats.scores), 'submission')} with a score out of {_pts(stats.max_score)} points "
               f"(unusable uploads count as 0): mean {_pts(stats.mean)}, median {_pts(stats.median)}; "
               f"{sum(s >= stats.max_score for s in stats.scores)} with full marks."
               + (f" {_count(unscored, 'submission')} without a verdict {'is' if unscored == 1 else 'are'} not "
                  "counted." if unscored else "") + "</p>\n")
    rows = "".join(f'<tr><td>{_bin_label(b.low, b.high, stats.max_score)}</td><td class="n">{b.count}</td></tr>\n'
                   for b in stats.histogram)
    return (head + summary + _picture(histogram_png(stats.histogram, stats.max_score),
                                      "Histogram of total scores", "histogram")
            + '<details><summary>the numbers</summary>\n<table id="histogram-table">\n'
            f"<tr><th>total score</th><th>submissions</th></tr>\n{rows}</table>\n</details>\n</section>")


def _bin_label(low: float, high: float, max_score: float) -> str:
    if low == max_score:  # no score is higher: the bin holds exactly the full marks
        return f"{_pts(low)} (full marks)"
    return f"{_pts(low)} \u2264 score &lt; {_pts(high)}"


def _problems(stats: ClassStatistics) -> str:
    head = (f'<section id="problems">\n<h2>Pass rates per problem</h2>\n<p class="muted">Over the '
            f"{_count(stats.graded, 'submission')} graded to completion; a problem is passed when every case of it "
            "is.</p>\n")
    if not stats.problems:
        return head + "<p>No problem was graded.</p>\n</section>"
    rows = "".join(
        f"<tr><td><code>{text(p.name)}</code></td><td class=\"n\">{p.cases}</td><td class=\"n\">{_pts(p.points)}</td>"
        f'<td class="n">{_pts(p.mean_score)}</td><td class="n">{p.all_passed} of {p.graded}</td>'
        f'<td class="n">{_percent(p.rate)}</td></tr>\n' for p in stats.problems)
    return (head + '<table id="problem-table">\n<tr><th>problem</th><th>cases</th><th>points</th><th>mean score</th>'
            f"<th>passed every case</th><th>pass rate</th></tr>\n{rows}</table>\n</section>")


def _cases(stats: ClassStatistics) -> str:
    head = '<section id="cases">\n<h2>Pass rates per case</h2>\n'
    if not stats.cases:
        return head + "<p>No case was graded.</p>\n</section>"
    rows = []
    for c in stats.cases:
        others = _outcome_counts({o: n for o, n in c.outcomes.items() if o != "passed"})
        rows.append(f'<tr><td class="n">{text(c.number)}</td><td>{text(c.title)}<br><span class="muted">'
                    f"<code>{text(c.id)}</code></span></td><td class=\"n\">{_pts(c.points)}</td>"
                    f'<td class="n">{c.passed} of {c.graded}</td><td class="n">{_percent(c.rate)}</td>'
                    f"<td>{others}</td></tr>\n")
    return (head + _picture(pass_rate_png(stats.cases), "Pass rate of each case, by case number", "pass-rates")
            + '<table id="case-table">\n<tr><th>case</th><th>title</th><th>points</th><th>passed</th><th>pass rate</th>'
            f"<th>the others</th></tr>\n{''.join(rows)}</table>\n</section>")


def _diagnoses(stats: ClassStatistics) -> str:
    head = '<section id="diagnoses">\n<h2>Diagnosed mistakes</h2>\n'
    if not stats.diagnoses:
        return head + ("<p>No case carries a diagnosis: no submission's output matched a known mistake of the "
                       "assignment's library.</p>\n</section>")
    rows = "".join(f"<tr><td><code>{text(d.mistake)}</code></td><td class=\"n\">{len(d.submissions)}</td>"
                   f"<td>{text(', '.join(d.cases))}</td><td>{_ids(d.submissions)}</td></tr>\n" for d in stats.diagnoses)
    return (head + '<p class="muted">By the library mutant whose output the submission\'s matched, most often made '
            'first.</p>\n<table id="diagnosis-table">\n<tr><th>mistake</th><th>submissions</th><th>cases</th>'
            f"<th>who</th></tr>\n{rows}</table>\n</section>")


def _failures(stats: ClassStatistics) -> str:
    parts = ['<section id="failures">\n<h2>Grader errors and submissions without a verdict</h2>\n']
    if stats.no_verdict:
        rows = "".join(f"<tr><td>{text(i.id)}</td><td>{text(i.status)}</td><td>{text(i.error)}</td></tr>\n"
                       for i in stats.no_verdict)
        parts.append(f"<p>{_count(len(stats.no_verdict), 'submission')} got no verdict: the grader failed, not the "
                     "student; fix the cause and run <code>autograder batch</code> again, which retries only "
                     "these.</p>\n<table id=\"no-verdict-table\">\n<tr><th>submission</th><th>status</th><th>why</th>"
                     f"</tr>\n{rows}</table>\n")
    else:
        parts.append('<p id="no-verdict-none">Every submission got a verdict.</p>\n')
    parts.append("<h3>Cases that ended without a verdict on their values</h3>\n")
    if stats.case_faults:
        rows = "".join(
            f"<tr><td>{text(f.id)}</td><td>{_case_list(f.cases, f.of)}</td><td>{_outcome_counts(f.outcomes)}</td>"
            f"<td><code>{text(f.example)}</code></td></tr>\n" for f in stats.case_faults)
        parts.append('<p class="muted">In submissions graded to completion, cases whose code raised, timed out, '
                     'crashed or ran out of memory.</p>\n<table id="case-fault-table">\n<tr><th>submission</th>'
                     f"<th>cases</th><th>outcomes</th><th>for example</th></tr>\n{rows}</table>\n")
    else:
        parts.append('<p id="case-fault-none">None: every case run returned values to judge.</p>\n')
    if stats.unusable:
        rows = "".join(f"<tr><td>{text(i.id)}</td><td>{text(i.error)}</td></tr>\n" for i in stats.unusable)
        parts.append("<h3>Unusable uploads</h3>\n<p class=\"muted\">A verdict (0 points): the student's to fix, not "
                     f"the grader's.</p>\n<table id=\"unusable-table\">\n<tr><th>submission</th><th>why</th></tr>\n"
                     f"{rows}</table>\n")
    return "".join(parts) + "</section>"


def _slowest(stats: ClassStatistics) -> str:
    head = '<section id="slowest">\n<h2>Slowest submissions</h2>\n'
    if not stats.slowest:
        return head + "<p>No submission was graded.</p>\n</section>"
    rows = "".join(f'<tr><td>{text(t.id)}</td><td class="n">{t.seconds:.1f} s</td><td>{text(t.status)}</td>'
                   f'<td class="n">{_pts(t.score)}</td></tr>\n' for t in stats.slowest)
    return (head + '<p class="muted">Wall-clock time of each grading process.</p>\n<table id="slowest-table">\n'
            f"<tr><th>submission</th><th>time</th><th>status</th><th>score</th></tr>\n{rows}</table>\n</section>")


def _outcome_counts(outcomes: dict[str, int]) -> str:
    """In the vocabulary's order: "2 failed, 1 error"."""
    return ", ".join(f"{outcomes[o]} {o.replace('_', ' ')}" for o in OUTCOME_WORDS if o in outcomes)


def _case_list(numbers: list[str], of: int) -> str:
    return f"all {of}" if len(numbers) == of else text(", ".join(numbers))


def _picture(png: bytes, alt: str, name: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<p><img id="{name}" alt="{alt}" src="data:image/png;base64,{data}"></p>\n'


def _ids(ids: Iterable[str]) -> str:
    ids = list(ids)
    shown = ", ".join(text(i) for i in ids[:SHOWN_IDS])
    if len(ids) <= SHOWN_IDS:
        return shown
    rest = ", ".join(text(i) for i in ids[SHOWN_IDS:])
    return f"{shown}, <details><summary>and {len(ids) - SHOWN_IDS} more</summary>{rest}</details>"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _pts(value: float | None) -> str:
    return "-" if value is None else format_score(round(value, 2))


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.0f}%"
