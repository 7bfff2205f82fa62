"""Notebooks become importable modules: definitions only by default (nothing slow or notebook-only
runs), everything in full mode; magics and broken cells are skipped with a note naming the cell."""

import ast
import json
import zipfile
from pathlib import Path

import pytest

from autograder.spec.assignment import load_assignment
from autograder.grading import grade
from autograder.submission.notebook import NotebookError, to_module
from autograder.spec.models import NotebookOptions
from autograder.submission.staging import stage
from autograder.tools.library import edited_files, load_library


def notebook(*cells: str) -> str:
    """A notebook with a markdown cell first, so code cell k is cell k + 1."""
    body = [{"cell_type": "markdown", "metadata": {}, "source": ["# Homework\n"]}]
    body += [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": cell.splitlines(keepends=True)} for cell in cells]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": body})


def load(text: str, mode: str = "definitions") -> tuple[dict, list[str]]:
    conversion = to_module(text, mode)
    namespace: dict = {}
    exec(compile(conversion.source, "converted.py", "exec"), namespace)
    return namespace, conversion.notes


def test_definitions_mode_keeps_imports_functions_classes_and_constants():
    ns, notes = load(notebook(
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


def test_loops_calls_and_plots_never_run():
    ns, _ = load(notebook(
        "def f():\n    return 1",
        "while True:\n    pass",
        "raise SystemExit('the training loop ran')",
        "f()\nopen('/nonexistent/file')",
    ))
    assert ns["f"]() == 1


def test_shell_and_line_magics_are_skipped_with_a_note_naming_the_cell():
    ns, notes = load(notebook(
        "!pip install torch\n%matplotlib inline\nimport math\n\ndef g():\n    return math.e",
        "if True:\n    !ls\n    H = 1",
    ))
    assert ns["g"]() == pytest.approx(2.71828, abs=1e-5)
    assert notes == ["cell 2, line 1: `!pip install torch` is an IPython command; it was skipped",
                     "cell 2, line 2: `%matplotlib inline` is an IPython command; it was skipped",
                     "cell 3, line 2: `!ls` is an IPython command; it was skipped"]


def test_cell_magics_and_syntax_errors_skip_only_their_cell():
    ns, notes = load(notebook(
        "def before():\n    return 'before'",
        "%%time\nfor epoch in range(150000):\n    pass",
        "x = 1\nprint 'done'",
        "def after():\n    return 'after'",
    ))
    assert ns["before"]() == "before" and ns["after"]() == "after"
    assert notes == [
        "cell 3 (`%%time`) is a `%%time` cell magic, which only IPython runs; it was skipped",
        "cell 4 (`x = 1`) has a syntax error at line 2 (Missing parentheses in call to 'print'. Did you mean "
        "print(...)?); it was skipped",
    ]


def test_notebook_only_imports_do_not_stop_the_module_from_loading():
    ns, _ = load(notebook(
        "from google.colab import drive\nimport matplotlib_that_is_not_installed as plt\nimport math",
        "drive.mount('/content/drive')",
        "def h():\n    return math.tau",
    ))
    assert ns["h"]() == pytest.approx(6.28318, abs=1e-5)
    assert "plt" not in ns


def test_definitions_needing_values_that_never_get_set_are_skipped_with_a_note():
    ns, notes = load(notebook(
        "import math\nmodel = math.sqrt(2)",
        "def uses_default(m=model):\n    return m",
        "def uses_global(x):\n    return model * x\n\ndef fine(x):\n    return x",
        "RATIO = model / 2",
    ))
    assert "uses_default" not in ns and "RATIO" not in ns
    assert ns["fine"](3) == 3
    assert notes == [
        "cell 3 (`def uses_default(m=model):`): `def uses_default` needs `model`, which only code that does not "
        "run while grading sets; it was skipped",
        "cell 5 (`RATIO = model / 2`): `RATIO = model / 2` needs `model`, which only code that does not run while "
        "grading sets; it was skipped",
        "`uses_global` uses the global `model` (set by `model = math.sqrt(2)` in cell 2), which is not set while "
        "grading: pass what it needs as an argument",
    ]


def test_deeply_nested_cells_are_skipped_not_fatal():
    deep = "x = " + "-" * 2000 + "1"  # parses, but ast.unparse would overflow the stack
    ns, notes = load(notebook(deep, "from math import *\n\ndef uses_star(r=pi):\n    return r"))
    assert notes == ["cell 2 (`x = ------------------------------------...`) is nested more than 100 levels "
                     "deep; it was skipped"]
    assert ns["uses_star"]() == pytest.approx(3.14159, abs=1e-5)  # names from `import *` count as set


def test_future_imports_stay_first():
    ns, _ = load(notebook("import math", "from __future__ import annotations\n\ndef k(x: int) -> int:\n    return 1"))
    assert ns["k"](0) == 1


def test_full_mode_runs_every_cell_but_magics_and_broken_cells():
    ns, notes = load(notebook(
        "!pip install numpy\nvalues = [1]",
        "for i in range(3):\n    values.append(i)",
        "def broken(:\n    pass",
        "total = sum(values)",
    ), mode="full")
    assert ns["values"] == [1, 0, 1, 2] and ns["total"] == 4
    assert len(notes) == 2 and "cell 4 (`def broken(:`) has a syntax error at line 1" in notes[1]


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    ('{"worksheets": []}', "only nbformat 4"),
    ("[1, 2]", "no list of cells"),
])
def test_unreadable_notebooks_raise(text, words):
    with pytest.raises(NotebookError, match=words):
        to_module(text, "definitions")


_LINEARIZED = load_assignment("linearized_features")
_LIBRARY = load_library(_LINEARIZED)
LIBRARY_PY = {f"{kind}-{e.name}": edited_files(_LINEARIZED, e)["linearized_features.py"]
              for kind, entries in (("mutants", _LIBRARY.mutants), ("solutions", _LIBRARY.solutions))
              for e in entries if e.edits}


@pytest.mark.parametrize("name", sorted(LIBRARY_PY))
def test_library_code_pasted_into_a_notebook_keeps_exactly_its_definitions(name):
    """Grading a .py and the same code spread over notebook cells (among magics and a training
    loop) sees the same functions and imports."""
    source = LIBRARY_PY[name]
    lines = source.splitlines()
    tree = ast.parse(source)
    cells = ["!pip install torch", "%matplotlib inline"]
    for stmt in tree.body:
        start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        cells.append("\n".join(lines[start - 1:stmt.end_lineno]))
    cells.append("model = None\nfor step in range(150_000):\n    model = train(model)")
    converted = ast.parse(to_module(notebook(*cells), "definitions").source)

    def definitions(module):
        return {node.name: ast.dump(node) for node in module.body if isinstance(node, ast.FunctionDef)}

    def imports(module):
        return {ast.dump(node) for node in ast.walk(module) if isinstance(node, (ast.Import, ast.ImportFrom))}

    assert definitions(converted) == definitions(tree) != {}
    assert imports(converted) == imports(tree)


# --- staging: which notebook stands for which file -------------------------------------------------

def template(tmp_path: Path) -> Path:
    folder = tmp_path / "template"
    folder.mkdir(exist_ok=True)
    (folder / "features.py").write_text("def compute(x):\n    return None\n\n\ndef helper():\n    pass\n")
    (folder / "support.py").write_text("SUPPORT = 1\n")
    return folder


def upload(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "upload"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_a_notebook_named_like_the_file_wins(tmp_path):
    up = upload(tmp_path, {"a/other.ipynb": notebook("def compute(x):\n    return 'other'"),
                           "b/c/features.ipynb": notebook("def nothing():\n    pass")})
    staged = stage(["features.py"], template(tmp_path), up, tmp_path / "dest", None)
    assert staged.found == {"features.py": "b/c/features.ipynb"}
    assert "def nothing" in (staged.root / "features.py").read_text()
    assert (staged.root / "support.py").is_file()  # the template fills in the rest
    assert staged.notes[0].startswith("grading notebook `b/c/features.ipynb` as `features.py`")


def test_otherwise_the_notebook_defining_the_templates_functions(tmp_path):
    up = upload(tmp_path, {"scratch.ipynb": notebook("def unrelated():\n    pass"),
                           "deep/HW1 final.ipynb": notebook("def helper():\n    pass\n\ndef compute(x):\n    return 2"),
                           "notes.txt": "hello"})
    staged = stage(["features.py"], template(tmp_path), up, tmp_path / "dest", None)
    assert staged.found == {"features.py": "deep/HW1 final.ipynb"}


def test_otherwise_the_only_notebook_and_never_over_a_py(tmp_path):
    up = upload(tmp_path, {"Untitled.ipynb": notebook("def renamed():\n    pass")})
    assert stage(["features.py"], template(tmp_path), up, tmp_path / "d1", None).found == {
        "features.py": "Untitled.ipynb"}
    (up / "features.py").write_text("def compute(x):\n    return 'py'\n")
    staged = stage(["features.py"], template(tmp_path), up, tmp_path / "d2", None)
    assert staged.found == {"features.py": "features.py"}
    assert "return 'py'" in (staged.root / "features.py").read_text()


def test_two_unrelated_notebooks_or_a_broken_one_leave_the_file_missing(tmp_path):
    up = upload(tmp_path, {"one.ipynb": notebook("x = 1"), "two.ipynb": notebook("y = 2"), "bad.ipynb": "{oops"})
    staged = stage(["features.py"], template(tmp_path), up, tmp_path / "dest", None)
    assert staged.missing == ["features.py"] and staged.found == {}
    assert any("`bad.ipynb` is not a readable notebook (not valid JSON" in n for n in staged.notes)


def test_a_notebook_alone_or_zipped_is_a_submission(tmp_path):
    single = tmp_path / "hw.ipynb"
    single.write_text(notebook("def compute(x):\n    return 3"))
    staged = stage(["features.py"], template(tmp_path), single, tmp_path / "d1", None)
    assert staged.found == {"features.py": "hw.ipynb"}
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("submission/hw.ipynb", single.read_text())
        zf.writestr("submission/.ipynb_checkpoints/hw-checkpoint.ipynb", single.read_text())
    staged = stage(["features.py"], template(tmp_path), archive, tmp_path / "d2", None, notebook_mode="full")
    assert staged.found == {"features.py": "submission/hw.ipynb"}
    assert "all of its code" in staged.notes[0]


# --- through grading --------------------------------------------------------------------------------

BUILT_BY_A_CALL = notebook(
    "import numpy as np\nimport torch",
    "def _make():\n"
    "    def compute_features(model, X):\n"
    "        params = list(model.parameters())\n"
    "        rows = [torch.cat([g.reshape(-1) for g in torch.autograd.grad(model(x[None]).sum(), params)])\n"
    "                for x in X]\n"
    "        return torch.stack(rows).numpy()\n"
    "    return compute_features\n\n"
    "compute_features = _make()",
    "def principal_features(F):\n    u, s, vh = np.linalg.svd(F)\n    return s, F @ vh.T",
)


def test_full_mode_from_the_spec_runs_the_notebook_in_full(tmp_path):
    (tmp_path / "hw.ipynb").write_text(BUILT_BY_A_CALL)
    a = load_assignment("linearized_features")
    definitions = grade(a, tmp_path)
    assert {c.outcome for c in definitions.cases if c.problem == "features"} == {"error"}
    assert "has no attribute 'compute_features'" in definitions.cases[0].message
    assert {c.outcome for c in definitions.cases if c.problem == "principal"} == {"passed"}
    full = a.model_copy(update={"spec": a.spec.model_copy(update={"notebook": NotebookOptions(mode="full")})})
    report = grade(full, tmp_path)
    assert report.score == report.max_score
    assert any("all of its code, cell by cell" in n for n in report.notes)
