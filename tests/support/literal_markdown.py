"""Rendering our Markdown the way Gradescope does (a real CommonMark renderer, markdown-it-py) and
checking that student text stayed literal: only inside <code>/<pre>, never a heading, a link, an
image, raw HTML or anything else our own messages never make."""

from __future__ import annotations

from html.parser import HTMLParser

from markdown_it import MarkdownIt

MARK = "INJECTED"  # every hostile string carries it, so it can be found wherever it lands

# Student text a determined student would try: markup, delimiter runs, blank lines, CR, NUL,
# bidi controls, terminal escapes, a lone surrogate, raw HTML that closes our code element.
HOSTILE_TEXTS = [
    f"# All 23 tests passed {MARK}",
    f"[regrade {MARK}](http://x.example/regrade)",
    f"![beacon {MARK}](http://x.example/b.png)",
    f"<img src=x onerror=alert('{MARK}')>",
    f"</code></pre><h1>{MARK}</h1><pre><code>",
    f"ends`` here {MARK} ``` and ` {MARK}",
    f"~~~~~~~~~~\n# {MARK} after a fence\n~~~",
    f"first line\n\n# {MARK} after a blank line\n\n**Passed**",
    f"carriage\r# {MARK} after a CR\r\n- a list {MARK}",
    f"nul \x00 {MARK}",
    f"bidi \u202e{MARK}\u202c and \u2066{MARK}\u2069 \u200f",
    f"ansi \x1b[2J\x1b[31m{MARK}\x1b[0m \x07",
    f"surrogate \udc80 {MARK}",
    f"    indented {MARK}\n> quote {MARK}\n---\n| a | {MARK} |\n|---|---|\n| 1 | 2 |",
    f"<script>alert('{MARK}')</script> http://{MARK}.example www.{MARK}.example <http://{MARK}.example>",
    f"\\`escaped\\` *{MARK}* _{MARK}_ ~~{MARK}~~ &lt;b&gt;",
    f"[{MARK}]: http://x.example\n[{MARK}]",
]

# What our own Markdown makes: paragraphs, bold, italics, bullets, inline code and fenced blocks.
ALLOWED_TAGS = {"p", "strong", "em", "ul", "li", "code", "pre", "br"}
_RENDERERS = [MarkdownIt("commonmark"), MarkdownIt("commonmark").enable(["table", "strikethrough"])]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth_in_code = 0
        self.tags: list[tuple[str, list]] = []
        self.outside: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag in ("code", "pre"):
            self.depth_in_code += 1

    def handle_endtag(self, tag):
        if tag in ("code", "pre"):
            self.depth_in_code -= 1

    def handle_data(self, data):
        if self.depth_in_code <= 0:
            self.outside.append(data)


def rendered(markdown: str) -> list[str]:
    return [renderer.render(markdown) for renderer in _RENDERERS]


def literal_problems(markdown: str) -> list[str]:
    """What is wrong with `markdown` as a carrier of student text (empty when nothing is)."""
    problems = []
    for html in rendered(markdown):
        reader = _Reader()
        reader.feed(html)
        reader.close()
        for tag, attrs in reader.tags:
            if tag not in ALLOWED_TAGS:
                problems.append(f"<{tag}> in {html!r}")
            if attrs:
                problems.append(f"<{tag} {attrs}> in {html!r}")
        if MARK in "".join(reader.outside):
            problems.append(f"student text outside <code>/<pre> in {html!r}")
    if any(c in markdown for c in "\x00\x1b\r\u202e\u2066"):
        problems.append(f"a control character left as is in {markdown!r}")
    try:
        markdown.encode("utf-8")
    except UnicodeEncodeError as exc:
        problems.append(f"cannot be written as UTF-8 ({exc})")
    return problems


def assert_literal(markdown: str) -> None:
    problems = literal_problems(markdown)
    assert not problems, "\n".join(problems[:5])
