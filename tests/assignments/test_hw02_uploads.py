"""What EECS 182 HW02 students really upload, written here in the course's forms (no student's
code): the zip the notebook's packaging cell builds, a Colab notebook with modules pasted into
`#@title` cells beside the course's test cells, partial uploads. A correct upload in any form
gets full marks; one wrong or missing part costs only that part's points."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from support.cli import REPO
from support.library import library_folder
from support.notebooks import notebook

from autograder.grading import grade
from autograder.spec.assignment import load_assignment
from autograder.tools.mistakes import warm_caches

A = load_assignment("optimizers")
CODE = {f: (REPO / "reference/optimizers" / f).read_text() for f in A.spec.files}
SUPPORT = {rel: p.read_text() for p in (REPO / "reference/optimizers/deeplearning").rglob("*.py")
           if (rel := p.relative_to(REPO / "reference/optimizers").as_posix()) not in A.spec.files}
PROBLEM_OF_FILE = {"deeplearning/optim.py": {"sgd_momentum", "rmsprop", "adam"},
                   "deeplearning/classifiers/fc_net.py": {"init"}, "deeplearning/solver.py": {"grad_norm"}}

# The course notebook's cells, in its order and in its style (Colab set-up, autoreload, star
# imports, fixed-array test cells, training with the Solver, the packaging cell).
COURSE_CELLS = [
    "# Mount Drive only in Colab.\ntry:\n    from google.colab import drive\n    drive.mount('/content/drive')\n"
    "    IN_COLAB = True\nexcept ImportError:\n    IN_COLAB = False",
    "%load_ext autoreload\n%autoreload 2\n%matplotlib inline",
    "from assignment_utils import download_cifar10\ndownload_cifar10()",
    "import json\nimport time\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
    "from deeplearning.classifiers.fc_net import *\nfrom deeplearning.data_utils import get_CIFAR10_data\n"
    "from deeplearning.solver import Solver\n\nnp.random.seed(7)\n\ndef rel_error(x, y):\n"
    "    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))\n\nRUN_OPTIONAL_RMSPROP = False",
    "data = get_CIFAR10_data()\nfor k, v in data.items():\n    print(k, v.shape)",
    "from deeplearning.optim import sgd_momentum\nN, D = 4, 5\nw = np.linspace(-0.4, 0.6, num=N*D).reshape(N, D)\n"
    "dw = np.linspace(-0.6, 0.4, num=N*D).reshape(N, D)\nv = np.linspace(0.6, 0.9, num=N*D).reshape(N, D)\n"
    "config = {'learning_rate': 1e-3, 'velocity': v}\nnext_w, _ = sgd_momentum(w, dw, config=config)\n"
    "print('next_w error: ', rel_error(next_w, next_w))",
    "if RUN_OPTIONAL_RMSPROP:\n    from deeplearning.optim import rmsprop\n"
    "    cache = np.linspace(0.7, 0.5, num=N*D).reshape(N, D)\n    config = {'learning_rate': 1e-2, 'cache': cache}\n"
    "    next_w, _ = rmsprop(w, dw, config=config)\nelse:\n    print('Skipping optional RMSProp.')",
    "cache = np.linspace(0.7, 0.5, num=20).reshape(4, 5)\nconfig = {'learning_rate': 1e-2, 'cache': cache}",
    "num_train = 4000\nsmall_data = {k: data[k][:num_train] for k in ('X_train', 'y_train')}\n"
    "for update_rule in ['sgd', 'sgd_momentum', 'adam']:\n    model = FullyConnectedNet([100] * 5, weight_scale=5e-2)\n"
    "    solver = Solver(model, data, num_epochs=5, batch_size=100, update_rule=update_rule,\n"
    "                    optim_config={'learning_rate': 1e-2}, verbose=True)\n    solver.train()",
    "from assignment_utils import build_submission\nprint(build_submission(include_rmsprop=RUN_OPTIONAL_RMSPROP))",
]


@pytest.fixture(scope="module", autouse=True)
def known_mistakes():
    warm_caches(A)  # as regress and batch do: gradings in this process then name the mistakes


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def packaging_zip(path: Path, code: dict[str, str], notebook_cells: list[str] = COURSE_CELLS) -> Path:
    """cs182hw2_fa26_submission.zip as the packaging cell writes it: entries relative to hw02/code/."""
    logs = {f"submission_logs/optimizer_experiment_{rule}.npz": npz_bytes(train_losses=np.ones(3))
            for rule in ("sgd", "sgd_momentum", "adam")}
    logs |= {f"submission_logs/initialization_experiment_{i}.npz": npz_bytes(mean_gradient_norms=np.ones(5))
             for i in ("he", "random", "zero")}
    logs |= {f"submission_logs/w_stds_{i}.json": json.dumps([0.1] * 11).encode() for i in ("he", "random", "zero")}
    logs["submission_logs/best_fc_model.npz"] = npz_bytes(val_accs=np.array([0.5]))
    logs["submission_logs/results.json"] = json.dumps({"val_acc": 0.52, "test_acc": 0.51, "update_rule": "adam"}).encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("hw2_optimizer_init.ipynb", notebook(*notebook_cells))
        zf.writestr("assignment_utils.py", "def download_cifar10():\n    pass\n\n\ndef build_submission(include_rmsprop=False):\n"
                                           "    return 'cs182hw2_fa26_submission.zip'\n")
        for name, text in sorted({**SUPPORT, **code}.items()):
            zf.writestr(name, text)
        zf.writestr("deeplearning/data_utils.py", "import imageio\n\ndef get_CIFAR10_data():\n    raise OSError('no CIFAR here')\n")
        for name, data in logs.items():
            zf.writestr(name, data)
    return path


def scores(report) -> dict[str, float]:
    return {p: s for p, (s, _) in report.problem_scores().items()}


def full(report) -> dict[str, float]:
    return {p: m for p, (_, m) in report.problem_scores().items()}


def test_the_zip_the_packaging_cell_builds_gets_full_marks(tmp_path):
    report = grade(A, packaging_zip(tmp_path / "cs182hw2_fa26_submission.zip", CODE))
    assert report.status == "completed"
    assert report.score == report.max_score > 0, [(c.id, c.message) for c in report.cases if c.outcome != "passed"]
    assert report.notes == []  # found by name, nothing to say; its results.json is just a file


@pytest.mark.parametrize("missing", sorted(PROBLEM_OF_FILE))
def test_a_zip_missing_one_file_loses_only_that_files_problems(tmp_path, missing):
    code = {f: t for f, t in CODE.items() if f != missing}
    report = grade(A, packaging_zip(tmp_path / "partial.zip", code))
    lost = {p for p, s in scores(report).items() if s < full(report)[p]}
    assert lost == {p for p in PROBLEM_OF_FILE[missing] if full(report)[p] > 0}
    assert {c.outcome for c in report.cases if c.problem in PROBLEM_OF_FILE[missing]} == {"not_implemented"}
    assert f"`{missing}` is not in your submission: its cases are graded as the untouched template" in report.notes


def test_a_file_that_does_not_import_loses_only_its_problems(tmp_path):
    broken = CODE["deeplearning/classifiers/fc_net.py"].replace("def __init__(", "def __init__(\n", 1) + "\n)"
    report = grade(A, packaging_zip(tmp_path / "broken.zip", {**CODE, "deeplearning/classifiers/fc_net.py": broken}))
    init = [c for c in report.cases if c.problem == "init"]
    assert {c.outcome for c in init} == {"error"}
    assert all(c.message.startswith("`deeplearning/classifiers/fc_net.py` could not be imported") for c in init)
    assert all(c.outcome == "passed" for c in report.cases if c.problem != "init")


def test_the_packaging_zip_uploaded_beside_the_notebook_gets_full_marks(tmp_path):
    """Dragging both into Gradescope's dialog: the notebook and the zip arrive as two files."""
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "hw2_optimizer_init.ipynb").write_text(notebook(*COURSE_CELLS))
    packaging_zip(upload / "cs182hw2_fa26_submission.zip", CODE)
    report = grade(A, upload)
    assert report.score == report.max_score > 0, [(c.id, c.message) for c in report.cases if c.outcome != "passed"]
    assert report.notes == [f"using `cs182hw2_fa26_submission.zip/{f}` as `{f}`" for f in A.spec.files]


def test_one_wrong_part_loses_only_that_parts_points(tmp_path):
    wrong = (library_folder("optimizers", "cs231n_momentum") / "deeplearning/optim.py").read_text()
    report = grade(A, packaging_zip(tmp_path / "wrong.zip", {**CODE, "deeplearning/optim.py": wrong}))
    assert {p for p, s in scores(report).items() if s < full(report)[p]} == {"sgd_momentum"}
    momentum = [c for c in report.cases if c.problem == "sgd_momentum" and c.outcome == "failed"]
    assert momentum and all(c.diagnosis == "cs231n_momentum" for c in momentum)


def test_a_colab_notebook_with_pasted_modules_and_the_courses_test_cells_gets_full_marks(tmp_path):
    cells = [COURSE_CELLS[0], COURSE_CELLS[1],
             "#@title Optim.py\n" + CODE["deeplearning/optim.py"],
             "#@title fc_net.py { display-mode: \"form\" }\n" + CODE["deeplearning/classifiers/fc_net.py"],
             "#@title solver.py\n" + CODE["deeplearning/solver.py"],
             *COURSE_CELLS[3:]]
    (tmp_path / "up").mkdir()
    (tmp_path / "up/HW2 Colab.ipynb").write_text(notebook(*cells))
    report = grade(A, tmp_path / "up")
    assert report.score == report.max_score, [(c.id, c.message) for c in report.cases if c.outcome != "passed"]
    assert {n.split(" (cell")[0] for n in report.notes if n.startswith("grading the cells")} == {
        f"grading the cells of `HW2 Colab.ipynb` titled `{Path(f).name}`" for f in A.spec.files}


def test_one_notebook_with_every_module_pasted_untitled_gets_full_marks(tmp_path):
    cells = [COURSE_CELLS[0], COURSE_CELLS[1], *(CODE[f] for f in A.spec.files), *COURSE_CELLS[3:]]
    (tmp_path / "up").mkdir()
    (tmp_path / "up/HW2.ipynb").write_text(notebook(*cells))
    report = grade(A, tmp_path / "up")
    assert report.score == report.max_score, [(c.id, c.message) for c in report.cases if c.outcome != "passed"]
    assert [n.split(":")[0] for n in report.notes if n.startswith("no file is named")] == [
        f"no file is named `{Path(f).name}`" for f in A.spec.files]
    assert len([n for n in report.notes if "%autoreload 2" in n]) == 1  # the notebook's own notes once


def test_the_handouts_unchanged_files_beside_a_notebook_holding_the_work_get_full_marks(tmp_path):
    """The packaging zip of a Colab student who pasted the modules into titled cells: the
    deeplearning/ files it zips are the handout's, untouched."""
    handout = {f: (REPO / "student_template/optimizers" / f).read_text() for f in A.spec.files}
    cells = [COURSE_CELLS[0], *(f"#@title {Path(f).name}\n{CODE[f]}" for f in A.spec.files), *COURSE_CELLS[3:]]
    report = grade(A, packaging_zip(tmp_path / "cs182hw2_fa26_submission.zip", handout, notebook_cells=cells))
    assert report.score == report.max_score, [(c.id, c.message) for c in report.cases if c.outcome != "passed"]
    assert [n.split(": grading")[0] for n in report.notes] == [f"`{f}` is the handout's, unchanged" for f in A.spec.files]
    untouched = grade(A, packaging_zip(tmp_path / "untouched.zip", handout))  # no work anywhere: the handout's
    assert untouched.score == 0 and untouched.notes == []
    assert {c.outcome for c in untouched.cases} == {"not_implemented"}


def test_a_colab_notebook_that_writes_the_modules_with_writefile_cells_gets_full_marks(tmp_path):
    """Colab students edit the modules from the notebook: `%%writefile` cells, on Drive or in the
    runtime's folder, one module in two cells (`-a`), the notebook uploaded alone."""
    drive = "/content/drive/MyDrive/cs182/hw02/code"
    optim = CODE["deeplearning/optim.py"]
    half = optim.index("\ndef adam")
    cells = [COURSE_CELLS[0],
             f"%%writefile {drive}/deeplearning/optim.py\n{optim[:half]}",
             f"%%writefile -a {drive}/deeplearning/optim.py\n{optim[half:]}",
             f"%%writefile 'deeplearning/classifiers/fc_net.py'\n{CODE['deeplearning/classifiers/fc_net.py']}",
             f"\n%%file deeplearning/solver.py\n{CODE['deeplearning/solver.py']}",
             *COURSE_CELLS[3:]]
    (tmp_path / "up").mkdir()
    (tmp_path / "up/hw2_optimizer_init.ipynb").write_text(notebook(*cells))
    report = grade(A, tmp_path / "up")
    assert report.score == report.max_score > 0, [(c.id, c.message) for c in report.cases if c.outcome != "passed"]
    assert report.notes == [
        f"no file is named `optim.py`: grading what cell 3, 4 of `hw2_optimizer_init.ipynb` writes to "
        f"`{drive}/deeplearning/optim.py` (`%%writefile`) as `deeplearning/optim.py`",
        "no file is named `fc_net.py`: grading what cell 5 of `hw2_optimizer_init.ipynb` writes to "
        "`deeplearning/classifiers/fc_net.py` (`%%writefile`) as `deeplearning/classifiers/fc_net.py`",
        "no file is named `solver.py`: grading what cell 6 of `hw2_optimizer_init.ipynb` writes to "
        "`deeplearning/solver.py` (`%%writefile`) as `deeplearning/solver.py`"]


def test_only_the_notebook_gets_what_it_defines(tmp_path):
    """The packaging zip's notebook alone: the modules lived on Drive, so nothing is graded but
    the template, and that is said once, not once per case."""
    (tmp_path / "up").mkdir()
    (tmp_path / "up/hw2_optimizer_init.ipynb").write_text(notebook(*COURSE_CELLS))
    report = grade(A, tmp_path / "up")
    assert report.status == "submission_error" and report.score == 0
    assert report.message.startswith("Your submission contains none of the files this assignment grades")
    assert "`hw2_optimizer_init.ipynb`" in report.message
