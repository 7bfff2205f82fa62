"""Student text inside our Markdown, and on the terminal: exception types and messages, printed
output, file and folder names, notebook cells, dict keys, type names. Whatever it holds, it must
stay literal under any CommonMark renderer (Gradescope renders `md` output) and must not drive a
terminal. Every piece of student text reaches a message through one of these functions:

- `code_span`: inline code, on one line (line breaks are shown as `\\n`);
- `code_block`: a fenced block, for multi-line text (printed output, tracebacks);
- `code`: whichever of the two fits;
- `visible`: the escaping both use, also what the terminal reporter prints.

Why each step: a blank line or a line break inside inline code ends the paragraph or starts a
heading, list or HTML block on the next line, so spans hold no line break; backtick and tilde runs
could close our span or fence early, so the delimiters outrun them; control characters (ESC, CR,
NUL), bidi overrides and line separators could rewrite what the reader sees around the text; lone
surrogates cannot be encoded (results.json would not be written). All become visible escapes.
"""

from __future__ import annotations

import re

# Characters shown as escapes: C0 controls but tab and newline, DEL and C1 controls, the bidi
# marks, embeddings, overrides and isolates, zero-width space and BOM, line/paragraph separators,
# and lone surrogates (text decoded with surrogateescape, or a hostile str).
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069"
                        "\ufeff\ud800-\udfff]")
_LINE_BREAK = re.compile(r"\r\n?|\n")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, decoded with surrogateescape (file names)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every character that could act on what surrounds it (see the module
    docstring) replaced by its `\\x..` / `\\u....` escape; tabs and newlines stay."""
    return _INVISIBLE.sub(_escape, text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """`text` with lone surrogates as escapes and nothing else changed: writable as UTF-8."""
    return _SURROGATE.sub(_escape, text)


def code_span(text: str) -> str:
    """Inline code that holds `text` literally, on one line, whatever it contains."""
    text = visible(text).replace("\n", "\\n")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    # CommonMark strips one space from each end of a span that begins and ends with one; a span
    # touching a backtick needs the space to be read at all.
    if not text:
        return "` `"
    padded = bool(longest) or (text.startswith(" ") and text.endswith(" ") and bool(text.strip(" ")))
    return f"{ticks} {text} {ticks}" if padded else f"{ticks}{text}{ticks}"


def code_block(text: str) -> str:
    """A fenced block that holds `text` literally: the fence outruns every tilde run in it, and
    carriage returns become line breaks (so a progress bar reads as its successive lines)."""
    text = visible(_LINE_BREAK.sub("\n", text)).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"~+", text)), default=0)
    fence = "~" * max(4, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def code(text: str) -> str:
    """`text` as inline code if it is one line, else as a block set apart from the sentence."""
    if _LINE_BREAK.search(text.rstrip("\r\n")):
        return f"\n\n{code_block(text)}\n\n"
    return code_span(text.rstrip("\r\n"))
