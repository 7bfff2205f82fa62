"""Graded files are found however students upload them: by name anywhere in a folder or zip,
renamed by a browser, as a notebook, as cells pasted from a module, or by what they define; a
missing file is the untouched template; an upload with nothing gradable gets one message."""

import json
import zipfile
from pathlib import Path

import pytest
from support.cli import REPO
from support.notebooks import notebook, read_here

from autograder.submission.staging import stage

CONV1D = (REPO / "reference/conv1d/conv1D.py").read_text()
TEMPLATE = REPO / "student_template/conv1d"


def staged(tmp_path, files, upload, template=TEMPLATE, mode="definitions", dest="dest"):
    return stage(files, template, upload, tmp_path / dest, None, mode, read_here)


def upload(tmp_path, files: dict[str, str], name="up") -> Path:
    folder = tmp_path / name
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def imported(staged_submission, file="conv1D.py") -> dict:
    namespace: dict = {"__name__": "graded"}
    exec(compile((staged_submission.root / file).read_text(), file, "exec"), namespace)
    return namespace


def test_files_found_by_name_in_nested_folders(tmp_path):
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {"My Homework (final)/code/conv1D.py": "X = 1\n"}))
    assert s.found == {"conv1D.py": "My Homework (final)/code/conv1D.py"}
    assert (s.root / "conv1D.py").read_text() == "X = 1\n"
    assert s.notes == ["using `My Homework (final)/code/conv1D.py` as `conv1D.py`"]


def test_the_specs_folder_wins_then_the_shallowest(tmp_path):
    up = upload(tmp_path, {rel: rel for rel in ["old/optim.py", "a/b/deeplearning/optim.py", "x/y/z/optim.py"]})
    template = upload(tmp_path, {"deeplearning/layers.py": "support", "deeplearning/optim.py": "def sgd(): pass\n"},
                      name="template")
    s = staged(tmp_path, ["deeplearning/optim.py"], up, template)
    assert s.found == {"deeplearning/optim.py": "a/b/deeplearning/optim.py"}
    assert (s.root / "deeplearning/layers.py").read_text() == "support"  # the template fills in the rest


@pytest.mark.parametrize("name", ["conv1D (1).py", "conv1D(2).py", "Conv1d.py", "CONV1D [3].PY"])
def test_a_browsers_second_download_and_case_differences_are_the_file(tmp_path, name):
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {name: CONV1D, "notes.txt": "x"}))
    assert s.found == {"conv1D.py": name}
    assert s.notes == [f"using `{name}` as `conv1D.py`"]
    assert imported(s)["Convolution1d"] is not None


@pytest.mark.parametrize("name", ["conv1D.py.txt", "conv1D (1).py.txt", "conv1D.py.JSON"])
def test_an_extension_a_browser_added_is_undone(tmp_path, name):
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {f"hw1/{name}": CONV1D, "hw1/notes.txt": "x"}))
    own = name[:-len(".txt")] if name.endswith(".txt") else name[:-len(".JSON")]
    assert s.found == {"conv1D.py": f"hw1/{own}"}
    extension = name[len(own):]
    assert s.notes[0] == (f"`hw1/{name}` is read as `hw1/{own}`: the `{extension}` at its end is what a browser adds "
                          "to a file it downloads")
    assert imported(s)["Convolution1d"] is not None


def test_a_notebook_a_browser_saved_as_text_is_read_as_a_notebook(tmp_path):
    up = upload(tmp_path, {"HW1 final.ipynb.txt": notebook(CONV1D, "A = Convolution1d(None)")})
    s = staged(tmp_path, ["conv1D.py"], up)
    assert s.found == {"conv1D.py": "HW1 final.ipynb"}
    module = imported(s)
    assert "Convolution1d" in module and "A" not in module  # composed from its definitions: a notebook


def test_the_file_itself_wins_over_a_copy_a_browser_renamed(tmp_path):
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {"conv1D.py": CONV1D, "conv1D.py.txt": "STALE = 1\n"}))
    assert s.found == {"conv1D.py": "conv1D.py"} and s.notes == []
    assert (tmp_path / "dest/upload/conv1D.py.txt").is_file()  # left as it was


def test_a_folder_of_the_renamed_files_own_name_stays(tmp_path):
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {"conv1D.py/readme.md": "x", "conv1D.py.txt": CONV1D}))
    assert (tmp_path / "dest/upload/conv1D.py.txt").is_file() and s.found == {"conv1D.py": "conv1D.py.txt"}


def test_a_renamed_file_in_a_zip_inside_the_upload(tmp_path):
    folder = upload(tmp_path, {"notes.md": "mine"})
    with zipfile.ZipFile(folder / "code.zip", "w") as zf:
        zf.writestr("conv1D.py.txt", CONV1D)
    s = staged(tmp_path, ["conv1D.py"], folder)
    assert s.found == {"conv1D.py": "code.zip/conv1D.py"}
    assert imported(s)["Convolution1d"] is not None


def test_a_single_file_or_a_zip_is_a_submission(tmp_path):
    single = tmp_path / "conv1D.py"
    single.write_text("A = 2\n")
    assert staged(tmp_path, ["conv1D.py"], single, dest="d1").found == {"conv1D.py": "conv1D.py"}
    archive = tmp_path / "s.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("submission/conv1D.py", "B = 3\n")
        zf.writestr("__MACOSX/submission/._conv1D.py", "junk")
    s = staged(tmp_path, ["conv1D.py"], archive, dest="d2")
    assert (s.root / "conv1D.py").read_text() == "B = 3\n" and not s.missing


def test_a_file_of_another_name_that_defines_what_the_template_does(tmp_path):
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {"Problem_5.py": CONV1D, "wideMinima.py": "def f(x):\n  return x\n"}))
    assert s.found == {"conv1D.py": "Problem_5.py"}
    assert s.notes == ["no file is named `conv1D.py`: grading `Problem_5.py`, which defines `Convolution1d`, "
                       "`TransposedConvolution1d`, `huber_grad`, `huber_loss`, as `conv1D.py`"]
    assert (s.root / "conv1D.py").read_text() == CONV1D  # a .py stays a .py: it runs as the student ran it


def test_two_files_defining_as_much_leave_the_choice_to_nobody(tmp_path):
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {"a.py": CONV1D, "b.py": CONV1D}))
    assert s.found == {} and "none of the files this assignment grades" in s.nothing_found


def test_a_notebook_stands_for_the_file_and_the_template_fills_what_it_lacks(tmp_path):
    forward_only = CONV1D.split("class TransposedConvolution1d")[0]
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {"HW1 final.ipynb": notebook(
        "!pip install numpy\nimport numpy as np", forward_only, "k = np.random.randn(3)\nA = Convolution1d(k)")}))
    assert s.found == {"conv1D.py": "HW1 final.ipynb"}
    assert s.notes[0].startswith("no file is named `conv1D.py`: grading `HW1 final.ipynb`")
    module = imported(s)
    A = module["Convolution1d"](__import__("numpy").array([1.0, 2.0]))
    assert list(A @ __import__("numpy").array([1.0, 0.0, 3.0])) == [1.0, 6.0]  # the notebook's
    assert A.T @ __import__("numpy").array([1.0, 2.0]) is None  # the template's: not implemented
    assert "A" not in module  # the driver cell does not run


def test_a_notebook_named_like_the_file_wins_over_one_that_defines_it(tmp_path):
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {"a/other.ipynb": notebook(CONV1D),
                                                         "b/conv1D.ipynb": notebook("def nothing():\n    pass")}))
    assert s.found == {"conv1D.py": "b/conv1D.ipynb"}
    assert s.notes[0] == ("using `b/conv1D.ipynb` as `conv1D.py`: only its imports, functions, classes and constant "
                          "assignments run")


def test_cells_pasted_from_each_module_grade_as_that_module(tmp_path):
    template = upload(tmp_path, {"deeplearning/__init__.py": "", "deeplearning/optim.py": "def sgd(w, dw):\n    return None\n",
                                 "deeplearning/solver.py": "class Solver:\n    pass\n"}, name="template")
    up = upload(tmp_path, {"hw2.ipynb": notebook(
        "from google.colab import drive\ndrive.mount('/content/drive')",
        "#@title Optim.py\nimport numpy as np\n\ndef sgd(w, dw):\n    return w - 0.1 * dw",
        "from deeplearning.classifiers.fc_net import *",
        "config = {'learning_rate': 1e-2, 'cache': cache}",
    ), "submission_logs/results.json": '{"val_acc": 0.5}'})
    s = staged(tmp_path, ["deeplearning/optim.py", "deeplearning/solver.py"], up, template)
    assert s.found == {"deeplearning/optim.py": "hw2.ipynb"} and s.missing == ["deeplearning/solver.py"]
    assert s.notes == ["grading the cells of `hw2.ipynb` titled `optim.py` (cell 3) as `deeplearning/optim.py`",
                       "`deeplearning/solver.py` is not in your submission: its cases are graded as the untouched "
                       "template"]
    assert imported(s, "deeplearning/optim.py")["sgd"](1.0, 1.0) == 0.9
    assert (s.root / "deeplearning/solver.py").read_text() == "class Solver:\n    pass\n"


def test_what_writefile_cells_write_is_the_file_and_the_last_write_wins(tmp_path):
    template = upload(tmp_path, {"deeplearning/optim.py": "def sgd(w, dw):\n    raise NotImplementedError\n"},
                      name="template")
    up = upload(tmp_path, {"hw2.ipynb": notebook(
        "%%writefile deeplearning/optim.py\ndef sgd(w, dw):\n    return None\n",
        "%%writefile notes.py\nX = 1\n",  # another file
        "%%writefile {folder}/optim.py\nX = 2\n",  # expanded by IPython: unknowable
        "%%writefile C:\\hw2\\deeplearning\\optim.py\nimport math\n",
        "%%writefile --append C:\\hw2\\deeplearning\\optim.py\n\ndef sgd(w, dw):\n    return w - 0.1 * dw\n",
        "for i in range(10**9):\n    pass",
    )})
    s = staged(tmp_path, ["deeplearning/optim.py"], up, template)
    assert s.found == {"deeplearning/optim.py": "hw2.ipynb"}
    assert (s.root / "deeplearning/optim.py").read_text() == "import math\n\ndef sgd(w, dw):\n    return w - 0.1 * dw\n"
    assert s.notes == ["no file is named `optim.py`: grading what cell 5, 6 of `hw2.ipynb` writes to "
                       "`C:\\hw2\\deeplearning\\optim.py` (`%%writefile`) as `deeplearning/optim.py`"]


def test_a_file_of_that_name_wins_over_writefile_cells_unless_it_is_the_handouts(tmp_path):
    handout = "def sgd(w, dw):\n    raise NotImplementedError\n"
    template = upload(tmp_path, {"deeplearning/optim.py": handout}, name="template")
    cells = notebook("%%writefile deeplearning/optim.py\ndef sgd(w, dw):\n    return 'cell'\n")
    edited = staged(tmp_path, ["deeplearning/optim.py"], upload(tmp_path, {
        "hw2.ipynb": cells, "deeplearning/optim.py": "def sgd(w, dw):\n    return 'file'\n"}, name="edited"), template)
    assert imported(edited, "deeplearning/optim.py")["sgd"](1, 1) == "file"
    untouched = staged(tmp_path, ["deeplearning/optim.py"], upload(tmp_path, {
        "hw2.ipynb": cells, "deeplearning/optim.py": handout}, name="untouched"), template, dest="dest2")
    assert imported(untouched, "deeplearning/optim.py")["sgd"](1, 1) == "cell"
    assert untouched.notes == ["`deeplearning/optim.py` is the handout's, unchanged: grading what cell 2 of `hw2.ipynb` "
                               "writes to `deeplearning/optim.py` (`%%writefile`) as `deeplearning/optim.py`"]


def test_the_students_own_modules_beside_the_file_come_along_but_replace_nothing(tmp_path):
    template = upload(tmp_path, {"deeplearning/optim.py": "def sgd(w, dw):\n    raise NotImplementedError\n",
                                 "deeplearning/layers.py": "HANDOUT = True\n"}, name="template")
    up = upload(tmp_path, {
        "hw2/deeplearning/optim.py": "from deeplearning.my_helpers import step\n\ndef sgd(w, dw):\n    return step(w, dw)\n",
        "hw2/deeplearning/my_helpers.py": "def step(w, dw):\n    return w - 0.1 * dw\n",
        "hw2/deeplearning/layers.py": "HANDOUT = False\n",  # the handout's support file stays the handout's
        "hw2/deeplearning/json.py": "raise RuntimeError('shadows the standard library')\n",
        "hw2/deeplearning/numpy.py": "raise RuntimeError('shadows an installed library')\n",
        "hw2/elsewhere.py": "X = 1\n",  # not beside the graded file
    })
    s = staged(tmp_path, ["deeplearning/optim.py"], up, template)
    assert sorted(p.relative_to(s.root).as_posix() for p in s.root.rglob("*.py")) == [
        "deeplearning/layers.py", "deeplearning/my_helpers.py", "deeplearning/optim.py"]
    assert (s.root / "deeplearning/layers.py").read_text() == "HANDOUT = True\n"
    assert s.notes == ["using `hw2/deeplearning/optim.py` as `deeplearning/optim.py`"]


def test_a_notebook_graded_file_may_come_as_its_py_export(tmp_path):
    template = upload(tmp_path, {"hw.ipynb": notebook("def f(x):\n    raise NotImplementedError")}, name="template")
    up = upload(tmp_path, {"hw.py": "import math\n%matplotlib inline\n\ndef f(x):\n    return math.sqrt(x)\n\n"
                                    "for i in range(10**9):\n    f(i)\n"})
    s = staged(tmp_path, ["hw.ipynb"], up, template)
    assert s.found == {"hw.ipynb": "hw.py"}
    assert imported(s, "hw.py")["f"](4.0) == 2.0  # read as a notebook: the loop does not run
    assert "`hw.py`, line 2: `%matplotlib inline` is an IPython command; it was skipped" in s.notes  # no "cell 1"


HANDOUT_NB = ("import math", "def f(x):\n    raise NotImplementedError", "f(2)")


def _ran(text: str) -> str:
    """The notebook as Jupyter saves it once its cells ran: execution counts and outputs."""
    nb = json.loads(text)
    for number, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = number + 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ran\n"]}]
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["My answer to (c)."]})
    return json.dumps(nb)


def test_the_handouts_notebook_run_but_not_edited_yields_to_the_copy_that_holds_the_work(tmp_path):
    template = upload(tmp_path, {"hw.ipynb": notebook(*HANDOUT_NB)}, name="template")
    up = upload(tmp_path, {"hw.ipynb": _ran(notebook(*HANDOUT_NB)),
                           "hw-Copy1.ipynb": notebook("import math", "def f(x):\n    return math.sqrt(x)", "f(2)")})
    s = staged(tmp_path, ["hw.ipynb"], up, template)
    assert s.found == {"hw.ipynb": "hw-Copy1.ipynb"}
    assert s.notes[0].startswith("`hw.ipynb` holds the handout's code, unchanged: grading `hw-Copy1.ipynb`")
    assert imported(s, "hw.py")["f"](4.0) == 2.0


def test_the_handouts_notebook_run_and_alone_is_graded_as_it_is(tmp_path):
    template = upload(tmp_path, {"hw.ipynb": notebook(*HANDOUT_NB)}, name="template")
    s = staged(tmp_path, ["hw.ipynb"], upload(tmp_path, {"hw.ipynb": _ran(notebook(*HANDOUT_NB))}), template)
    assert s.found == {"hw.ipynb": "hw.ipynb"} and not s.missing


def test_a_notebook_with_one_line_of_work_is_the_students_beside_any_copy(tmp_path):
    template = upload(tmp_path, {"hw.ipynb": notebook(*HANDOUT_NB)}, name="template")
    up = upload(tmp_path, {"hw.ipynb": _ran(notebook("import math", "def f(x):\n    return math.sqrt(x)", "f(2)")),
                           "hw-Copy1.ipynb": notebook(*HANDOUT_NB)})
    s = staged(tmp_path, ["hw.ipynb"], up, template)
    assert s.found == {"hw.ipynb": "hw.ipynb"}
    assert imported(s, "hw.py")["f"](4.0) == 2.0


def test_a_missing_graded_file_is_the_untouched_template(tmp_path):
    template = upload(tmp_path, {"a.py": "def f():\n    raise NotImplementedError\n", "b.py": "def g():\n    return None\n"},
                      name="template")
    s = staged(tmp_path, ["a.py", "b.py"], upload(tmp_path, {"a.py": "def f():\n    return 1\n"}), template)
    assert s.found == {"a.py": "a.py"} and s.missing == ["b.py"]
    assert (s.root / "b.py").read_text() == "def g():\n    return None\n"


def test_nothing_gradable_gets_one_message_naming_what_the_upload_held(tmp_path):
    up = upload(tmp_path, {"conv1d_final_v2.py": "print('hi')\n", "notes.txt": "x", "results.json": "{}"})
    s = staged(tmp_path, ["conv1D.py"], up)
    assert s.found == {} and s.notes == []
    assert s.nothing_found == (
        "Your submission contains none of the files this assignment grades (`conv1D.py`), and none of its code "
        "files defines what they should. It holds `conv1d_final_v2.py`, `notes.txt`, `results.json`. The closest "
        "names: `conv1d_final_v2.py`. Upload the files themselves, or a zip of the folder that holds them.")


def test_an_unreadable_notebook_is_named_and_not_graded(tmp_path):
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {"conv1D.ipynb": "{broken", "other.txt": "x"}))
    assert s.found == {}
    assert s.notes == ["`conv1D.ipynb` was not graded: it is not valid JSON (Expecting property name enclosed in "
                       "double quotes: line 1 column 2 (char 1))"]
    assert s.nothing_found == (
        "Nothing in your submission could be graded: `conv1D.ipynb` could not be read: it is not valid JSON "
        "(Expecting property name enclosed in double quotes: line 1 column 2 (char 1)). This assignment grades "
        "`conv1D.py`: upload the file as your editor saves it, or a zip of the folder that holds it.")


def test_a_byte_order_mark_is_no_part_of_a_notebook_or_a_py(tmp_path):
    up = tmp_path / "up"
    up.mkdir()
    (up / "HW1.ipynb").write_text(notebook(CONV1D), encoding="utf-8-sig")  # as some Windows editors save
    s = staged(tmp_path, ["conv1D.py"], up)
    assert s.found == {"conv1D.py": "HW1.ipynb"} and imported(s)["Convolution1d"] is not None
    (up / "HW1.ipynb").unlink()
    (up / "conv1D_final.py").write_text(CONV1D, encoding="utf-8-sig")
    s = staged(tmp_path, ["conv1D.py"], up, dest="again")
    assert s.found == {"conv1D.py": "conv1D_final.py"}


def test_full_mode_from_the_spec_runs_the_notebook_in_full(tmp_path):
    s = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {"conv1D.ipynb": notebook(
        CONV1D, "import numpy as np\nSCALE = float(np.sqrt(4.0))")}), mode="full")
    assert imported(s)["SCALE"] == 2.0


def test_names_quoted_in_notes_and_messages_stay_literal(tmp_path):
    from support.literal_markdown import HOSTILE_TEXTS, assert_literal
    names = [t.replace("/", "|").replace("\x00", "0") for t in HOSTILE_TEXTS]  # any byte but / and NUL
    found = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {f"{names[0]}/{names[1]}/conv1D (1).py": CONV1D}))
    nothing = staged(tmp_path, ["conv1D.py"], upload(tmp_path, {f"{n}.txt": "x" for n in names}, name="junk"),
                     dest="dest2")
    assert found.notes and nothing.nothing_found
    for markdown in [*found.notes, nothing.nothing_found]:
        assert_literal(markdown)
