"""Student text made literal (results/markdown.py), checked under a real CommonMark renderer."""

import pytest
from support.literal_markdown import HOSTILE_TEXTS, MARK, assert_literal, literal_problems, rendered

from autograder.results.markdown import code, code_block, code_span, visible


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_text_stays_literal_in_a_span_a_block_and_either(text):
    for markdown in (f"Your code raised {code_span(text)}; look at it.", f"Your code printed:\n{code_block(text)}",
                     f"- a note: {code_span(text)} was skipped", f"It failed: {code(text)} and more.",
                     f"**Wrong answer**: {code(text)}\n\n*Hint:* look"):
        assert_literal(markdown)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_the_checker_itself_catches_raw_student_text(text):
    # The check must be able to fail: the same text, pasted raw, is not literal.
    assert literal_problems(f"Your code raised {text}; look at it.") or literal_problems(f"`{text}`")


def test_spans_keep_the_text_readable():
    assert code_span("plain") == "`plain`"
    assert code_span("ValueError: ``x`` done") == "``` ValueError: ``x`` done ```"
    assert code_span("`tick") == "`` `tick ``" and code_span("") == "` `"
    assert code_span(" both ") == "`  both  `"  # CommonMark strips one space each side
    html = rendered(code_span("a\nb"))[0]
    assert "a\\nb" in html and "<br" not in html


def test_blocks_outrun_tilde_runs_and_turn_carriage_returns_into_lines():
    block = code_block("ok\n~~~~\n**forged: Passed**\n~~~~~~\n")
    fence = block.splitlines()[0]
    assert set(fence) == {"~"} and len(fence) == 7 and block.endswith("\n" + fence)
    assert code_block("10%\r50%\r\n100%") == "~~~~\n10%\n50%\n100%\n~~~~"


def test_visible_escapes_what_acts_on_its_surroundings():
    assert visible("a\tb\nc") == "a\tb\nc"
    assert visible("\x1b[31m\x00\r\u202e\u2066\ud800\u2028") == "\\x1b[31m\\x00\\x0d\\u202e\\u2066\\ud800\\u2028"
    assert visible("caf\udce9") == "caf\\xe9"  # the byte a surrogateescape'd file name stood for
    assert visible("ünïcödé ✓ 中文") == "ünïcödé ✓ 中文"
    assert MARK in visible(f"\u202e{MARK}")
