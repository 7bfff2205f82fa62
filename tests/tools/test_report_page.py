"""`autograder report DIR` as a TA uses it: a real batch of a small synthetic conv1d class, the
page opened in a real headless Chromium (it loads, every picture decodes, every section holds
the class's numbers, the console stays silent), and hostile text (submission folder names,
messages, titles, mistake names) that must stay text."""

from __future__ import annotations

import html
import re
import shutil
from collections import Counter

import pytest
from selenium.webdriver.common.by import By
from support.batch_folder import case, stored, write_batch_folder
from support.browser import chromium, console_errors
from support.cli import run_cli

from autograder.spec.assignment import load_assignment
from autograder.tools.batch import load_stored
from autograder.tools.gradebook import read_gradebook
from autograder.tools.class_stats import class_statistics
from autograder.tools.report import render_report, text
from autograder.tools.synthetic_class import make_sample_class

PROBLEM_POINTS = {"forward": 8, "transpose": 7, "adjoint": 2, "gradient_descent": 2, "matrix_free": 4}
SECTIONS = ["summary", "scores", "problems", "cases", "diagnoses", "failures", "slowest"]
# A folder name a student could pick: markup, an attribute breakout, and a right-to-left override.
HOSTILE_ID = "\"><img src=x onerror=document.title='pwned'>\u202egpj.exe"
HOSTILE_TEXTS = [
    "</code></td></tr></table><script>document.title='pwned'</script>",
    "\"><img src=x onerror=document.title='pwned'>",
    "<style>body{display:none}</style>",
    "right\u202eto\u2066left\u200b&amp;",
]


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def class_batch(tmp_path_factory):
    """A small class graded for real: 2 correct submissions, two mutants in two forms each (one
    of them crashes its process on A.T @ y), the template, code that does not import (twice: once
    under a hostile folder name), and 4 unusable uploads."""
    folder = tmp_path_factory.mktemp("class")
    made = make_sample_class(load_assignment("conv1d"), folder, size=12,
                             mutants=["true_convolution", "crashes_process"])
    assert Counter(s.kind for s in made) == {"correct": 2, "mutant": 4, "template": 1, "broken": 1, "unusable": 4}
    shutil.copytree(folder / "broken_syntax", folder / HOSTILE_ID)
    out = tmp_path_factory.mktemp("batch")
    graded = run_cli("batch", "conv1d", str(folder), "--out", str(out), "-j", "2", "--no-progress")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    made = run_cli("report", str(out))
    assert made.returncode == 0, made.stderr
    assert made.stdout == f"Report: {out / 'report.html'}\n"
    return out


def cells(driver, table_id: str) -> list[list[str]]:
    """The table's rows below its header, as each cell's text."""
    rows = driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tr")[1:]
    return [[c.get_attribute("textContent").strip() for c in r.find_elements(By.TAG_NAME, "td")] for r in rows]


def decoded_pictures(driver) -> list[list]:
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Promise.all([...document.images].map(i => i.decode().then(() => [i.id, i.naturalWidth],"
        " e => [i.id, String(e)]))).then(done);")


def test_the_page_of_a_real_batch_loads_and_holds_the_class_numbers(browser, class_batch):
    # The browser first: where it is missing, the test skips before grading anything.
    out = class_batch
    book = read_gradebook(out / "grades.csv")
    reports = {r.id: load_stored(out, r.id).report for r in book.rows if r.status == "completed"}
    browser.get((out / "report.html").as_uri())

    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title == "Matrix-free 1-D convolution (conv1D.py): class report"
    pictures = decoded_pictures(browser)
    assert [p[0] for p in pictures] == ["histogram", "pass-rates"]
    assert all(isinstance(p[1], int) and p[1] > 0 for p in pictures), pictures
    assert [s.get_attribute("id") for s in browser.find_elements(By.CSS_SELECTOR, "header, section")] == SECTIONS

    assert Counter(r.status for r in book.rows) == {"completed": 9, "submission_error": 4}
    assert "13 submissions: 9 completed, 4 submission_error." in browser.find_element(By.ID, "summary").text

    # The histogram's numbers are the gradebook's totals, one bin per point.
    totals = Counter(int(r.total) for r in book.rows)
    assert cells(browser, "histogram-table") == [
        [f"{p} (full marks)" if p == 23 else f"{p} \u2264 score < {p + 1}", str(totals[p])] for p in range(24)]
    scores = browser.find_element(By.ID, "scores").text
    assert "13 submissions with a score out of 23 points" in scores and f"{totals[23]} with full marks" in scores

    # Per problem: passing every case of a problem is its full marks in grades.csv.
    completed = [r for r in book.rows if r.status == "completed"]
    assert cells(browser, "problem-table") == [
        [p, str(sum(c.problem == p for c in next(iter(reports.values())).cases)), str(points),
         _mean([r.scores[p] for r in completed]),
         f"{sum(r.scores[p] == points for r in completed)} of 9",
         f"{100 * sum(r.scores[p] == points for r in completed) / 9:.0f}%"] for p, points in PROBLEM_POINTS.items()]

    # Per case: counted from the stored reports, with the case titles.
    rows = cells(browser, "case-table")
    first = next(iter(reports.values())).cases
    assert [row[0] for row in rows] == [c.number for c in first] and len(rows) == 20
    for row, c in zip(rows, first):
        passed = sum(r.cases[first.index(c)].outcome == "passed" for r in reports.values())
        assert row[1] == f"{c.title}{c.id}" and row[3:5] == [f"{passed} of 9", f"{100 * passed / 9:.0f}%"], row
    # The crashing mutant's transposes crashed; the broken code raised on import, everywhere.
    assert "2 crashed" in rows[[c.id for c in first].index("transpose/asymmetric_kernel")][5]

    # The true-convolution mutant's wrong outputs are that known mistake's, in both its forms.
    diagnosed = {row[0]: row for row in cells(browser, "diagnosis-table")}
    assert set(diagnosed) == {"true_convolution"}
    assert diagnosed["true_convolution"][1] == "2" and diagnosed["true_convolution"][3].split(", ") == [
        "mutant_true_convolution_folder", "mutant_true_convolution_nested_zip"]
    assert browser.find_element(By.ID, "no-verdict-none").text == "Every submission got a verdict."
    faults = {row[0]: row for row in cells(browser, "case-fault-table")}
    for broken in ("broken_syntax", _shown(HOSTILE_ID)):
        assert faults[broken][1:3] == ["all 20", "20 error"]
        assert faults[broken][3].startswith("`conv1D.py` could not be imported, so this case could not run: `SyntaxError")
    for form in ("folder", "nested_zip"):
        crashed = [c.number for c in reports[f"mutant_crashes_process_{form}"].cases if c.outcome == "crashed"]
        assert len(crashed) >= 7 and faults[f"mutant_crashes_process_{form}"][1:3] == [", ".join(crashed),
                                                                                       f"{len(crashed)} crashed"]
    assert sorted(row[0] for row in cells(browser, "unusable-table")) == ["empty_zip", "no_files", "not_a_zip",
                                                                          "wrong_names"]

    slowest = cells(browser, "slowest-table")
    seconds = sorted(((load_stored(out, r.id).seconds, r.id) for r in book.rows), key=lambda t: (-t[0], t[1]))[:10]
    assert [row[:2] for row in slowest] == [[_shown(sid), f"{s:.1f} s"] for s, sid in seconds]

    # The hostile folder name stayed text (its row is above), its override shown as a code point.
    assert browser.find_elements(By.CSS_SELECTOR, "[onerror], script") == []
    assert console_errors(browser) == []


def test_hostile_text_stays_text_in_the_browser(tmp_path, browser):
    out = _hostile_batch(tmp_path)
    made = run_cli("report", str(out))
    assert made.returncode == 0, made.stderr
    browser.get((out / "report.html").as_uri())

    assert browser.title == f"{HOSTILE_TEXTS[1]}: class report"  # the title is text too, not markup
    assert len(browser.find_elements(By.TAG_NAME, "img")) == 2
    assert browser.find_elements(By.CSS_SELECTOR, "[onerror], script, body style, td style") == []
    body = browser.find_element(By.TAG_NAME, "body").get_attribute("textContent")
    for planted in [HOSTILE_ID, *HOSTILE_TEXTS]:
        assert _shown(planted) in body, planted
    assert browser.find_element(By.TAG_NAME, "body").is_displayed()
    assert console_errors(browser) == []


def test_hostile_text_is_escaped_in_the_html(tmp_path):
    page = render_report(class_statistics(_hostile_batch(tmp_path)))
    assert "<script" not in page and "<img src=x" not in page
    assert page.count("<img ") == 2 and page.count("<style>") == 1
    for planted in [HOSTILE_ID, *HOSTILE_TEXTS]:
        assert planted not in page
    assert "\u202e" not in page and "\u2066" not in page and "\u200b" not in page
    assert text(HOSTILE_ID) in page
    assert text("a\u202eb\tc\nd\x00") == 'a<span class="ctl">U+202E</span>b\tc\nd<span class="ctl">U+0000</span>'
    assert text("a\u202eb", marked=False) == "a[U+202E]b"  # for the <title>, where no markup may go
    assert text('<b a="1">&') == "&lt;b a=&quot;1&quot;&gt;&amp;"


def test_report_refuses_a_folder_batch_did_not_write(tmp_path):
    result = run_cli("report", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == (f"autograder: {tmp_path / 'manifest.json'}: missing; give the folder "
                             "`autograder batch --out` wrote\n")
    assert not (tmp_path / "report.html").exists()


def _hostile_batch(tmp_path):
    """Every kind of outside text on the page, planted: ids, messages, titles, mistake names."""
    evil_script, evil_img, evil_style, bidi = HOSTILE_TEXTS
    cases = [case("1.1", "p1", "failed", diagnosis=evil_script, title=evil_img),
             case("1.2", "p1", "error", message=f"{evil_script}\nline two", title=bidi),
             case("2.1", "p2", "passed", title=evil_style)]
    return write_batch_folder(tmp_path, {
        HOSTILE_ID: stored(cases=cases, title=evil_img),
        evil_img: stored("grader_error", error=evil_script + bidi),
        bidi: stored("submission_error", cases=cases, error=evil_style),
    }, ["p1", evil_style])


def _shown(value: str) -> str:
    """How the page shows outside text: as itself, with hidden characters as their code points."""
    return html.unescape(re.sub(r'<span class="ctl">(U\+[0-9A-F]+)</span>', r"\1", text(value)))


def _mean(values) -> str:
    mean = round(sum(values) / len(values), 2)
    return f"{mean:g}"
