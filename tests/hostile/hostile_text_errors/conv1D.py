"""Puts text built to take over the feedback into every place the grader quotes it from: the
types and messages of exceptions (blank lines, headings, raw HTML), the type name of an object
it returns (a forged __qualname__ and __module__), and the keys of a dict it returns."""
import numpy as np

MARK = "INJECTED"
HEADLINE = f"\n\n# All 23 tests passed {MARK}\n\n[regrade {MARK}](http://x.example)\n\n<img src=x onerror={MARK}>\n\n"


def _forged_type(base=Exception):
    forged = type("Forged", (base,), {})
    forged.__name__ = forged.__qualname__ = f"X{HEADLINE}**Passed**"
    forged.__module__ = f"</code></pre><h1>{MARK}</h1>"
    return forged


class _Opaque:
    pass


_Opaque.__qualname__ = f"thing`` {HEADLINE} ``` ~~~~"
_Opaque.__module__ = f"![beacon {MARK}](http://x.example/b.png)"


def _answer(n):
    """A different kind of hostile answer for each output length."""
    kind = n % 4
    if kind == 0:
        raise _forged_type()(f"message{HEADLINE}end")
    if kind == 1:
        raise ValueError(f"a message with blank lines{HEADLINE}and a fence\n~~~~~~~~\n# {MARK}\n~~~~~~~~")
    if kind == 2:
        return _Opaque()
    return {f"# key {MARK}": 1, f"[{MARK}](http://x.example)": 2, f"`` {MARK} ~~~": 3, f"\n\n# {MARK}": 4}


class Convolution1d:
    def __init__(self, filt):
        self.filt = np.asarray(filt)
        self.T = TransposedConvolution1d(self.filt)

    def __matmul__(self, x):
        return _answer(x.size - self.filt.size + 1)


class TransposedConvolution1d:
    def __init__(self, filt):
        self.filt = filt

    def __matmul__(self, y):
        return _answer(y.size + self.filt.size - 1)
