"""The report page's pictures, as PNG bytes: matplotlib's object API on the Agg canvas, so no
window system, no pyplot state shared between calls, and the same picture from the same numbers.
Only our own text goes into a picture (numbers, case numbers, fixed labels), and none of it is
parsed as mathtext."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .class_stats import CaseRate, ScoreBin

_BAR = "#4c72b0"
_ALT = "#8da0cb"
_FULL = "#55a868"
_TEXT = {"parse_math": False}


def histogram_png(bins: list[ScoreBin], max_score: float) -> bytes:
    """One bar per bin, [low, high) on the axis; the bin that holds full marks is green."""
    figure = Figure(figsize=(7.5, 2.8), dpi=100, layout="constrained")
    ax = figure.add_subplot()
    colors = [_FULL if b.low <= max_score < b.high else _BAR for b in bins]
    ax.bar([b.low for b in bins], [b.count for b in bins], width=[b.high - b.low for b in bins], align="edge",
           color=colors, edgecolor="white")
    ax.set_xlim(0, bins[-1].high if bins else 1)
    ax.set_xlabel("total score (points)", **_TEXT)
    ax.set_ylabel("submissions", **_TEXT)
    for axis in (ax.xaxis, ax.yaxis):  # whole points, whole submissions
        axis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def pass_rate_png(cases: list[CaseRate]) -> bytes:
    """One horizontal bar per case, top to bottom in spec order, labelled by case number (a spec's
    titles are long and its own text)."""
    height = 0.8 + 0.22 * max(1, len(cases))
    figure = Figure(figsize=(7.5, height), dpi=100, layout="constrained")
    ax = figure.add_subplot()
    rows = range(len(cases))
    rates = [100 * (c.rate or 0.0) for c in cases]
    # Problems alternate in colour, so their cases read as groups.
    problems = list(dict.fromkeys(c.problem for c in cases))
    colors = [_BAR if problems.index(c.problem) % 2 == 0 else _ALT for c in cases]
    ax.barh(list(rows), rates, color=colors, height=0.7)
    ax.set_yticks(list(rows), [c.number for c in cases], **_TEXT)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("submissions that passed (%)", **_TEXT)
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()
