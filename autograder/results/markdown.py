"""Student text inside our Markdown: exception messages, printed output, file names. It must
stay literal under any CommonMark renderer (Gradescope renders `md` output), whatever it holds."""

from __future__ import annotations

import re


def code_block(text: str) -> str:
    """A fenced block that student text cannot close early: the fence outruns any tilde run in it."""
    longest = max((len(run) for run in re.findall(r"~+", text)), default=0)
    fence = "~" * max(4, longest + 1)
    return f"{fence}\n{text.rstrip(chr(10))}\n{fence}"


def code_span(text: str) -> str:
    """Inline code that backticks in student text cannot close early (CommonMark's rule)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {text} {ticks}" if longest else f"`{text}`"
