"""Notebooks become importable modules: definitions only by default (nothing slow or notebook-only
runs), everything in full mode; magics and broken cells are skipped with a note naming the cell;
tracebacks point at cells; cells pasted from a module grade as that module."""

import ast
import traceback

import pytest
from support.notebooks import notebook, read_here

from autograder.submission.notebook import ModulePart, describe, module_source, title_cells


def load(tmp_path, text: str, mode: str = "definitions", name: str = "hw.ipynb") -> tuple[dict, list[str]]:
    (tmp_path / name).write_text(text)
    facts = read_here(tmp_path, [name], mode)[name]
    namespace: dict = {"__name__": "hw"}
    exec(compile(module_source([ModulePart(origin=name, cells=facts.cells)]), "hw.py", "exec"), namespace)
    return namespace, [describe(name, n) for n in facts.notes]


def test_definitions_mode_keeps_imports_functions_classes_and_constants(tmp_path):
    ns, notes = load(tmp_path, notebook(
        "import math\nfrom collections import OrderedDict as OD",
        "WIDTH = 40\nSIZES = (1, WIDTH, 1)\nSCALE: float = -2 ** 0.5\nPI = math.pi\nSQUARE = lambda v: v * v",
        "def area(r):\n    return PI * r ** 2\n\nclass Net:\n    depth = 2\n    layers = depth * 2\n",
        "net = Net()\nresults = OD()\nfor i in range(3):\n    results[i] = area(i)\nprint(results)",
    ))
    assert ns["area"](1.0) == pytest.approx(3.14159, abs=1e-5)
    assert ns["SIZES"] == (1, 40, 1) and ns["SCALE"] == -(2 ** 0.5) and ns["SQUARE"](3) == 9
    assert ns["Net"].layers == 4 and ns["OD"] is not None
    assert "net" not in ns and "results" not in ns and "i" not in ns
    assert notes == []


def test_loops_calls_and_plots_never_run(tmp_path):
    ns, _ = load(tmp_path, notebook(
        "def f():\n    return 1",
        "while True:\n    pass",
        "raise SystemExit('the training loop ran')",
        "f()\nopen('/nonexistent/file')",
        "n_steps = 150000\nfor step in range(n_steps):\n    f()",
    ))
    assert ns["f"]() == 1 and ns["n_steps"] == 150000


def test_shell_and_line_magics_are_skipped_with_a_note_naming_the_cell(tmp_path):
    ns, notes = load(tmp_path, notebook(
        "!pip install torch\n%matplotlib inline\nimport math\n\ndef g():\n    return math.e",
        "if True:\n    !ls\n    H = 1",
        '%pip install "numpy<2"\n%load_ext autoreload\n%autoreload 2',
    ))
    assert ns["g"]() == pytest.approx(2.71828, abs=1e-5)
    assert notes == ["`hw.ipynb` cell 2, line 1: `!pip install torch` is an IPython command; it was skipped",
                     "`hw.ipynb` cell 2, line 2: `%matplotlib inline` is an IPython command; it was skipped",
                     "`hw.ipynb` cell 3, line 2: `!ls` is an IPython command; it was skipped",
                     '`hw.ipynb` cell 4, line 1: `%pip install "numpy<2"` is an IPython command; it was skipped',
                     "`hw.ipynb` cell 4, line 2: `%load_ext autoreload` is an IPython command; it was skipped",
                     "`hw.ipynb` cell 4, line 3: `%autoreload 2` is an IPython command; it was skipped"]


def test_cell_magics_and_syntax_errors_skip_only_their_cell(tmp_path):
    ns, notes = load(tmp_path, notebook(
        "def before():\n    return 'before'",
        "%%timeit -n 3\ndef timed():\n    return 'timed'",
        "%%bash\nls -l",
        "x = 1\nprint 'done'",
        "def after():\n    return 'after'",
    ))
    assert ns["before"]() == "before" and ns["after"]() == "after"
    assert "timed" not in ns  # %%timeit runs its cell in a namespace of its own
    assert notes == [
        "`hw.ipynb` cell 3 is a `%%timeit` cell magic, which only IPython runs; it was skipped",
        "`hw.ipynb` cell 4 is a `%%bash` cell magic, which only IPython runs; it was skipped",
        "`hw.ipynb` cell 5, line 2 has a syntax error (`Missing parentheses in call to 'print'. Did you mean "
        "print(...)?`); the cell was skipped",
    ]


@pytest.mark.parametrize("magic", ["%%time", "%%capture --no-display output", "%%prun -s cumulative", "%%debug"])
def test_a_cell_magic_that_ipython_runs_as_python_keeps_what_the_cell_defines(tmp_path, magic):
    """Colab students time the cell that defines their solution: IPython runs its body in the
    notebook's namespace, so the function exists afterwards and must be graded."""
    ns, notes = load(tmp_path, notebook(
        f"\n{magic}\nimport math\n\ndef solution(x):\n    return math.sqrt(x)\n\nfor epoch in range(150000):\n    pass",
        "def after():\n    return solution(4.0)",
    ))
    assert ns["after"]() == 2.0 and "epoch" not in ns
    assert notes == [f"`hw.ipynb` cell 2, line 2: `{magic}` is an IPython command; it was skipped"]


def test_notebook_only_imports_do_not_stop_the_module_from_loading(tmp_path):
    ns, _ = load(tmp_path, notebook(
        "from google.colab import drive\nimport matplotlib_that_is_not_installed as plt\nimport math",
        "from ipywidgets import fixed, interactive, widgets",
        "drive.mount('/content/drive')",
        "def h():\n    return math.tau",
    ))
    assert ns["h"]() == pytest.approx(6.28318, abs=1e-5)
    with pytest.raises(ModuleNotFoundError, match="No module named 'matplotlib_that_is_not_installed'"):
        ns["plt"].plot([1])


def test_a_name_from_a_failed_import_says_so_when_it_is_used(tmp_path):
    """tqdm in Colab, not in the grading image: NameError would hide why."""
    ns, _ = load(tmp_path, notebook(
        "import math\nfrom tqdm_not_installed import tqdm, trange as tr\nimport not_installed.sub as ni",
        "def progress(xs):\n    return [math.sqrt(x) for x in tqdm(xs)]",
    ))
    with pytest.raises(ModuleNotFoundError, match="No module named 'tqdm_not_installed': `tqdm` comes from an "
                                                  "import in hw.ipynb, cell 2 that failed while grading"):
        ns["progress"]([4.0])
    with pytest.raises(ModuleNotFoundError, match="`tr` comes from"):
        ns["tr"].attribute
    with pytest.raises(ModuleNotFoundError, match="`ni` comes from"):
        ns["ni"]()
    assert not hasattr(ns["tr"], "__wrapped__")  # dunder probes (inspect, pickle) still just fail


def test_a_test_cell_after_a_star_import_never_breaks_the_module(tmp_path):
    """The course's RMSProp test cell, kept as a constant assignment: `cache` is set by a call
    that does not run, and the star import may or may not provide it."""
    ns, _ = load(tmp_path, notebook(
        "from math import *",
        "def rmsprop(w, dw, config=None):\n    return w - config['learning_rate'] * dw, config",
        "import numpy as np\ncache = np.linspace(0.7, 0.5, num=20).reshape(4, 5)\n"
        "config = {'learning_rate': 1e-2, 'cache': cache}\nnext_w, _ = rmsprop(1.0, 2.0, config)",
        "AFTER = 1",
    ))
    assert ns["rmsprop"](1.0, 1.0, {"learning_rate": 0.5})[0] == 0.5
    assert "config" not in ns and ns["AFTER"] == 1 and ns["pi"] == pytest.approx(3.14159, abs=1e-5)


def test_definitions_needing_values_that_never_get_set_are_skipped_with_a_note(tmp_path):
    ns, notes = load(tmp_path, notebook(
        "def uses_default(m=never_set):\n    return m",
        "def fine(x):\n    return x",
    ))
    assert "uses_default" not in ns and ns["fine"](3) == 3
    assert notes == ["`hw.ipynb` cell 2, line 1: `def uses_default` needs `never_set`, which only code that does not "
                     "run while grading sets; it was skipped"]


def test_code_that_sets_a_global_a_definition_uses_runs_too(tmp_path):
    """`device = 'cuda' if torch.cuda.is_available() else 'cpu'`, read inside the student's
    function: in the notebook it works, so it must work while grading."""
    ns, notes = load(tmp_path, notebook(
        "import math\nscale = math.sqrt(4)\nprint('not run')",
        "def uses_default(m=scale):\n    return m",
        "def uses_global(x):\n    return offset * x\n\ndef fine(x):\n    return x",
        "offset = scale + float('1')\nRATIO = scale / 2\nunused = math.factorial(10)",
    ))
    assert ns["uses_default"]() == 2.0 and ns["uses_global"](2) == 6.0 and ns["RATIO"] == 1.0
    assert "unused" not in ns  # no kept definition needs it
    assert notes == [
        "`hw.ipynb` cell 3, line 1: `def uses_default` uses the global `scale`, set by `scale = math.sqrt(4)` in "
        "cell 2, which runs while grading for this only: it is skipped if it fails or takes more than 2 s",
        "`hw.ipynb` cell 4, line 1: `def uses_global` uses the global `offset`, set by `offset = scale + float('1')` "
        "in cell 5, which runs while grading for this only: it is skipped if it fails or takes more than 2 s",
    ]


def test_code_that_sets_a_global_is_stopped_after_its_time_and_skipped_if_it_fails(tmp_path):
    ns, _ = load(tmp_path, notebook(
        "import itertools\nfor step in itertools.count():\n    TRAINED = step",  # a training loop, forever
        "BROKEN = undefined_call()",
        "def report():\n    return TRAINED, BROKEN",
        "AFTER = 1",
    ))
    assert ns["TRAINED"] > 0 and "BROKEN" not in ns and ns["AFTER"] == 1
    with pytest.raises(NameError, match="BROKEN"):
        ns["report"]()


def test_code_that_runs_while_a_definition_is_made_is_named_truthfully(tmp_path):
    ns, notes = load(tmp_path, notebook(
        "import functools\n\n@functools.lru_cache(maxsize=None)\ndef cached(x):\n    return x",
        "def plain(x, scale=float('2')):\n    return x * scale",
        "class Net:\n    size = len('abc')",
        "def quiet(x, y=2):\n    return x + y",
        "def mark(f):\n    f.marked = True\n    return f\n\n@mark\ndef marked(x):\n    return x",
    ))
    assert ns["cached"](1) == 1 and ns["plain"](1) == 2.0 and ns["Net"].size == 3 and ns["marked"].marked
    assert notes == [
        f"`hw.ipynb` cell {cell}, line {line}: `{what}` calls code while it is being defined (a decorator, a default "
        "value or its class body); that code runs while grading"
        for cell, line, what in ((2, 3, "def cached"), (3, 1, "def plain"), (4, 1, "class Net"), (6, 5, "def marked"))
    ]


def test_tracebacks_point_at_the_notebook_cell_and_line(tmp_path):
    ns, _ = load(tmp_path, notebook("import math", "# a comment\ndef broken(x):\n    y = x + 1\n    return y / 0"))
    with pytest.raises(ZeroDivisionError) as caught:
        ns["broken"](1)
    frame = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert (frame.filename, frame.lineno, frame.name, frame.line) == ("hw.ipynb, cell 3", 4, "broken", "return y / 0")


def test_deeply_nested_cells_are_skipped_not_fatal(tmp_path):
    deep = "x = " + "-" * 2000 + "1"
    ns, notes = load(tmp_path, notebook(deep, "from math import *\n\ndef uses_star(r=pi):\n    return r"))
    assert notes[0] == "`hw.ipynb` cell 2 is nested too deeply to read; it was skipped"
    assert ns["uses_star"]() == pytest.approx(3.14159, abs=1e-5)  # names from `import *` may be set


def test_full_mode_runs_every_cell_but_magics_and_broken_cells(tmp_path):
    ns, notes = load(tmp_path, notebook(
        "!pip install numpy\nvalues = [1]",
        "for i in range(3):\n    values.append(i)",
        "def broken(:\n    pass",
        "total = sum(values)",
    ), mode="full")
    assert ns["values"] == [1, 0, 1, 2] and ns["total"] == 4
    assert len(notes) == 2 and notes[1].startswith("`hw.ipynb` cell 4, line 1 has a syntax error")


@pytest.mark.parametrize("text, words", [
    ("{not json", "it is not valid JSON"),
    ('{"worksheets": []}', "only nbformat 4"),
    ("[1, 2]", "no list of cells"),
    ("\udcff", "UTF-8"),
])
def test_unreadable_notebooks_are_facts_not_exceptions(tmp_path, text, words):
    (tmp_path / "bad.ipynb").write_bytes(text.encode("utf-8", "surrogateescape"))
    facts = read_here(tmp_path, ["bad.ipynb"], "definitions")["bad.ipynb"]
    assert facts.kind == "unreadable" and words in facts.error


def test_cells_pasted_from_a_module_are_found_by_their_title(tmp_path):
    (tmp_path / "colab.ipynb").write_text(notebook(
        "#@title Optim.py { display-mode: \"form\" }\nimport numpy as np\n\ndef sgd(w, dw, config=None):\n    return w, config",
        "#@title fc_net.py\nclass FullyConnectedNet:\n    pass",
        "# deeplearning/solver.py\nclass Solver:\n    pass",
        "#@title Test RMSProp\nconfig = {}",
    ))
    facts = read_here(tmp_path, ["colab.ipynb"], "definitions")["colab.ipynb"]
    assert [c.number for c in title_cells(facts, "optim.py")] == [2]
    assert [c.number for c in title_cells(facts, "fc_net.py")] == [3]
    assert [c.number for c in title_cells(facts, "solver.py")] == [4]
    assert title_cells(facts, "layers.py") == []


def test_a_module_spread_over_cells_keeps_exactly_its_definitions(tmp_path):
    """Grading a .py and the same code spread over notebook cells (among magics and a training
    loop) sees the same functions and imports."""
    source = ("import numpy as np\nimport torch\n\n\ndef compute(model, X):\n    return np.zeros((len(X), 2))\n\n\n"
              "def svd(F):\n    u, s, vh = np.linalg.svd(F)\n    return s, F @ vh.T\n")
    tree = ast.parse(source)
    cells = ["!pip install torch", "%matplotlib inline"]
    lines = source.splitlines()
    cells += ["\n".join(lines[s.lineno - 1:s.end_lineno]) for s in tree.body]
    cells.append("model = build()\nfor step in range(150_000):\n    model = train(model)")
    (tmp_path / "hw.ipynb").write_text(notebook(*cells))
    facts = read_here(tmp_path, ["hw.ipynb"], "definitions")["hw.ipynb"]
    kept = [ast.parse(c.source).body[i] for c in facts.cells for i, _ in c.statements]
    assert [ast.dump(s) for s in kept] == [ast.dump(s) for s in tree.body]


def test_notes_quote_names_and_cell_text_literally():
    from support.literal_markdown import HOSTILE_TEXTS, assert_literal

    from autograder.submission.notebook import InspectionNote, describe
    for text in HOSTILE_TEXTS:
        for what in ("cell_magic", "ipython_line", "syntax_error", "not_python", "too_large", "too_deep",
                     "needs_unrun_name", "runs_when_defined", "needs_unrun_global", "unknown"):
            note = InspectionNote(what=what, cell=2, line=3, text=text, names=[text],
                                  setter={"cell": 1, "text": text})
            assert_literal(describe(f"{text}.ipynb", note))
