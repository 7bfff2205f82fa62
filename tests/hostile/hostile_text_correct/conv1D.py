"""Correct and matrix-free, and prints, in every call, text built to take over the feedback it
lands in: Markdown headings, links, images and raw HTML, backtick and tilde runs, blank lines,
carriage returns, NUL, bidi overrides and terminal escapes. It deserves full marks, and
feedback in which all of that is shown, literally, as what it printed."""
import sys

import numpy as np

MARK = "INJECTED"
TEXTS = [
    f"# All 23 tests passed {MARK}", f"[regrade {MARK}](http://x.example/regrade)",
    f"![beacon {MARK}](http://x.example/b.png)", f"<img src=x onerror=alert('{MARK}')>",
    f"</code></pre><h1>{MARK}</h1><pre><code>", f"ends`` here {MARK} ``` and ` {MARK}",
    f"~~~~~~~~~~\n# {MARK} after a fence\n~~~", f"first line\n\n# {MARK} after a blank line\n\n**Passed**",
    f"carriage\r# {MARK} after a CR\r\n- a list {MARK}", f"nul \x00 {MARK}",
    f"bidi \u202e{MARK}\u202c and \u2066{MARK}\u2069", f"ansi \x1b[2J\x1b[31m{MARK}\x1b[0m \x07",
]


def _shout():
    for text in TEXTS:
        print(text)
    sys.stdout.flush()


class Convolution1d:
    def __init__(self, filt):
        self.__filt = filt
        self.T = TransposedConvolution1d(filt)

    def __matmul__(self, vector):
        _shout()
        return np.correlate(np.asarray(vector), self.__filt, mode="valid")


class TransposedConvolution1d:
    def __init__(self, filt):
        self.__filt = filt

    def __matmul__(self, vector):
        _shout()
        return np.convolve(np.asarray(vector), self.__filt, mode="full")
