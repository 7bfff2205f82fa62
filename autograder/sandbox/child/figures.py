"""What a call draws, as plain data: for harnesses of functions that only plot.

A harness calls `capture(function, *args, **kwargs)` in the student process (the worker makes
this module importable as `autograder_figures`) and gets back the function's return value and
every figure it created, with matplotlib's non-interactive Agg backend (nothing is shown, and
`plt.show()` does nothing): per axes its title and axis labels, its lines' labels and x/y data,
and its scatter plots' labels and offsets. The figures are closed afterwards. matplotlib is
imported only when a harness captures.
"""

import warnings


def capture(function, *args, **kwargs):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "FigureCanvasAgg is non-interactive" from plt.show()
            value = function(*args, **kwargs)
        return value, [_figure(plt.figure(n)) for n in plt.get_fignums() if n not in before]
    finally:
        for n in set(plt.get_fignums()) - before:
            plt.close(n)


def _figure(figure):
    return {"title": figure._suptitle.get_text() if figure._suptitle else "",
            "axes": [_axes(ax) for ax in figure.get_axes()]}


def _axes(ax):
    import numpy as np

    return {
        "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
        "lines": [{"label": line.get_label(), "x": np.asarray(line.get_xdata(), dtype=float),
                   "y": np.asarray(line.get_ydata(), dtype=float)} for line in ax.get_lines()],
        "scatters": [{"label": c.get_label(), "offsets": np.asarray(c.get_offsets(), dtype=float)}
                     for c in ax.collections if hasattr(c, "get_offsets")],
    }
