"""linearized_features specifics beyond the library: the reference notebook against independent
derivations, the handout against the reference, the checks' messages, and the course's notebook
as students hand it in (saved by Jupyter or Colab, renamed, exported to .py, zipped), each TODO
done right or wrong."""

import copy
import importlib.util
import json
import re
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import nbformat
import numpy as np
import pytest
import torch
from nbclient import NotebookClient
from nbconvert.exporters import ScriptExporter
from support.cli import REPO
from support.notebooks import read_here

from autograder.judging.checks import checks_module
from autograder.sandbox.child import figures
from autograder.spec.assignment import load_assignment
from autograder.submission.notebook import ModulePart, module_source
from autograder.tools.grading_process import GradingJob, default_timeout_s, grade_in_process, upload_from_path

A = load_assignment("linearized_features")
NOTEBOOK = "q_linearized_features.ipynb"
CHECKS = checks_module(A)


def notebook_module(path: Path, name: str) -> ModuleType:
    """A notebook composed into a module as the grader composes it (definitions only), in this process."""
    facts = read_here(path.parent, [path.name], "definitions")[path.name]
    module = ModuleType(name)
    exec(compile(module_source([ModulePart(origin=path.name, cells=facts.cells)]), name, "exec"), module.__dict__)
    return module


def _harness(reference: ModuleType) -> ModuleType:
    """The assignment's harness, importing the reference notebook's module, in this process."""
    saved = {name: sys.modules.get(name) for name in ("autograder_figures", "q_linearized_features")}
    sys.modules.update(autograder_figures=figures, q_linearized_features=reference)
    try:
        spec = importlib.util.spec_from_file_location("_linearized_features_harness", A.harness_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


REFERENCE = notebook_module(A.reference_dir / NOTEBOOK, "_reference_q_linearized_features")
HARNESS = _harness(REFERENCE)


def analytic_features(model, X):
    """y = sum_i a_i relu(w_i x + b_i) + c: dy/dw_i = a_i x 1[w_i x + b_i > 0] (0 at the kink, as
    PyTorch), dy/db_i = a_i 1[...], dy/da_i = relu(w_i x + b_i), dy/dc = 1, in model.parameters()
    order (w, b, a, c)."""
    w, b = model[0].weight.detach().double().numpy()[:, 0], model[0].bias.detach().double().numpy()
    a = model[2].weight.detach().double().numpy()[0]
    z = X[:, :1] * w + b
    on = (z > 0) * a
    return np.concatenate([on * X[:, :1], on, np.maximum(z, 0), np.ones((len(X), 1))], axis=1)


# --- the reference notebook against independent derivations ------------------------------------

@pytest.mark.parametrize("width, train_steps", [(10, 0), (20, 0), (40, 0), (20, 60)])
def test_reference_features_match_the_analytic_derivation(width, train_steps):
    model = HARNESS.network(width, width, 1, "float64", train_steps)
    X = HARNESS.data(width, 50, 0)[0]
    F = REFERENCE.collect_output_features(X, model)
    assert F.shape == (50, 3 * width + 1) and F.dtype == np.float64
    np.testing.assert_allclose(F, analytic_features(model, X), rtol=1e-12, atol=1e-14)


def test_reference_features_of_two_hidden_layers_match_finite_differences():
    model = HARNESS.network(4, 8, 2, "float64")
    X = HARNESS.data(4, 6, 0)[0]
    F = REFERENCE.collect_output_features(X, model)
    theta = torch.nn.utils.parameters_to_vector(model.parameters()).detach()
    h, columns = 1e-6, []
    for k in range(theta.numel()):
        values = []
        for step in (h, -h):  # y is piecewise linear in each parameter: central differences are exact off kinks
            shifted = theta.clone()
            shifted[k] += step
            torch.nn.utils.vector_to_parameters(shifted, model.parameters())
            values.append(model(torch.from_numpy(X)).detach().numpy()[:, 0])
        columns.append((values[0] - values[1]) / (2 * h))
    np.testing.assert_allclose(F, np.stack(columns, axis=1), atol=1e-8)


@pytest.mark.parametrize("dtype, depth", [("float64", 1), ("float64", 2), ("float32", 1)])
def test_the_harness_trains_and_computes_features_as_torch_autograd_would(dtype, depth):
    """The harness trains its networks and computes its own feature matrix in numpy, for speed.
    Both against autograd: one step of torch.optim.SGD from the same start, and a loop of backward
    passes."""
    start = HARNESS.network(7, 10, depth, dtype)
    trained = HARNESS.network(7, 10, depth, dtype, 1)
    x = torch.linspace(0, 1, 32, dtype=torch.float64)[:, None].to(start[0].weight.dtype)
    target = torch.from_numpy(HARNESS.curve(x.double().numpy())).to(x.dtype)
    ((start(x)[:, 0] - target) ** 2).mean().backward()
    torch.optim.SGD(start.parameters(), lr=HARNESS.LEARNING_RATE).step()
    tolerance = {"float64": 1e-12, "float32": 1e-5}[dtype]
    for ours, theirs in zip(trained.parameters(), start.parameters()):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tolerance, atol=tolerance)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=tolerance, atol=tolerance)
    assert HARNESS.network(7, 10, depth, dtype).parameters().__next__().grad is None
    X = HARNESS.data(7, 25, 0)[0]
    F = HARNESS.staff_features(X, trained)
    assert F.dtype == np.dtype(dtype)
    np.testing.assert_allclose(F, REFERENCE.collect_output_features(X, trained), rtol=tolerance, atol=tolerance)


def test_the_harness_features_of_a_linear_model_without_bias_are_its_inputs():
    model = torch.nn.Linear(4, 1, bias=False, dtype=torch.float64)
    X = np.random.default_rng(0).normal(size=(6, 4))
    np.testing.assert_array_equal(HARNESS.staff_features(X, model), X)


def test_reference_plot_draws_one_line_per_entry_of_the_group_against_the_inputs():
    model = HARNESS.network(5, 10, 1, "float64", 60)
    X_test = HARNESS.data(5, 20, 40)[2]
    value, [figure] = figures.capture(REFERENCE.backward_and_plot_grad, X_test, model, vis_name="0.bias", title="t")
    [axes] = figure["axes"]
    assert value is None and (axes["title"], axes["ylabel"]) == ("t", "Output derivative: 0.bias")
    assert [line["label"] for line in axes["lines"]] == [f"0.bias.{i}" for i in range(10)]
    truth = analytic_features(model, X_test)[:, 10:20]
    for i, line in enumerate(axes["lines"]):
        assert np.array_equal(line["x"], X_test[:, 0])
        np.testing.assert_allclose(line["y"], truth[:, i], rtol=1e-12, atol=1e-14)


def test_reference_projects_the_plotting_features_on_the_training_svd():
    model = HARNESS.network(6, 20, 1, "float64", 60)
    X, y, X_test, y_test = HARNESS.data(6, 60, 80)
    (s, P), drawn = figures.capture(REFERENCE.compute_svd_plot_features, X, y, X_test, y_test, model, title="t")
    F = analytic_features(model, X)
    u, s_true, _ = np.linalg.svd(F, full_matrices=False)
    np.testing.assert_allclose(s, s_true, rtol=1e-10, atol=1e-12 * s_true[0])
    assert P.shape == (140, 60)
    # X is part of X_test, and on the training inputs the projection F V is U diag(s): sign by sign.
    rows = np.searchsorted(X_test[:, 0], X[:, 0])
    signs = np.sign(np.sum(P[rows] * (u * s), axis=0))
    kept = s_true > 1e-8 * s_true[0]
    np.testing.assert_allclose((P[rows] * signs)[:, kept], (u * s_true)[:, kept], atol=1e-9 * s_true[0])
    scatter, lines = drawn
    assert np.allclose(scatter["axes"][0]["scatters"][0]["offsets"][:, 1], s)
    assert [line["label"] for line in lines["axes"][0]["lines"]] == [f"Feature {k}" for k in range(1, 11)]


# --- the handout against the reference --------------------------------------------------------

RIGHT = {"plots": "model.zero_grad()\ny.backward()", "features": "model.zero_grad()\ny.backward()",
         "svd": "u, s, vh = np.linalg.svd(feature_matrix, full_matrices=False)",
         "projection": "principal_features = plot_feature_matrix @ vh.T"}
_HOLE = re.compile(r"^( *)# Replace the next line with your .*\n\1raise NotImplementedError\('(?P<what>[^']*)'\)\n", re.M)
_HOLES = {"backward_and_plot_grad": "plots", "collect_output_features": "features", "thin SVD": "svd",
          "compute principal_features": "projection"}


def _fill(match: re.Match, fills: dict[str, str]) -> str:
    [key] = [key for what, key in _HOLES.items() if what in match["what"]]
    return "".join(f"{match[1]}{line}\n" for line in fills[key].splitlines())


def course_notebook(**fills: str) -> nbformat.NotebookNode:
    """The handout with its holes filled: RIGHT, but for the `fills` given."""
    nb = nbformat.read(A.template_dir / NOTEBOOK, as_version=4)
    for cell in nb.cells:
        cell.source = _HOLE.sub(lambda m: _fill(m, {**RIGHT, **fills}), cell.source)
    return nb


def test_the_handout_is_the_reference_with_four_holes_that_raise():
    template = nbformat.read(A.template_dir / NOTEBOOK, as_version=4)
    reference = nbformat.read(A.reference_dir / NOTEBOOK, as_version=4)
    holes = [m["what"] for cell in template.cells for m in _HOLE.finditer(cell.source)]
    assert len(holes) == 4 and all(what.startswith("Part (") for what in holes)
    filled = course_notebook()
    assert [(c.cell_type, c.source) for c in filled.cells] == [(c.cell_type, c.source) for c in reference.cells]
    kinds = [c.cell_type for c in reference.cells]
    assert len(kinds) == 21 and kinds.count("markdown") == 7
    assert reference.cells[1].source.startswith("%pip install") and "150000" in reference.cells[14].source
    # Otter runs every cell of a notebook: it must neither install packages where it grades nor train.
    for nb in (template, reference):
        assert [i for i, c in enumerate(nb.cells) if "otter_ignore" in c.metadata.get("tags", [])] == [1, 14]


# --- the checks' messages, on what the harness returns ------------------------------------------

def lines_of(group, **changes):
    params = {"seed": 11, "n_train": 10, "n_grid": 20, "width": 10, "depth": 1, "dtype": "float64",
              "train_steps": 0, "group": group, **changes}
    return HARNESS.drawn_derivatives(**params), params


def plot_message(actual, group="0.weight"):
    expected, params = lines_of(group)
    return CHECKS.drawn_derivatives(actual, expected=expected, inputs={}, params=params, rtol=1e-9, atol=1e-12)


def test_a_plot_of_every_parameter_when_one_group_was_asked_for_is_told_so():
    message = plot_message(lines_of("all")[0])
    assert message.startswith("the plot should have one line per entry of `0.weight`: 10 lines labelled "
                              "`0.weight.0` to `0.weight.9`; yours has 31 lines. 21 of them have other labels "
                              "(such as `0.bias.0`)")
    assert plot_message(lines_of("0.weight")[0]) is None


def test_plots_without_lines_at_other_x_or_with_student_labels_are_told_what_is_wrong():
    right = lines_of("0.weight")[0]
    assert plot_message([]).startswith("backward_and_plot_grad drew no lines. It should plot one line per entry")
    against_index = [{**line, "x": np.arange(len(line["x"]), dtype=float)} for line in right]
    assert plot_message(against_index).startswith("line `0.weight.0` is drawn at other x positions than the inputs X")
    hostile = [{**right[0], "label": "`<img src=x onerror=alert(1)>`"}, *right[1:]]
    message = plot_message(hostile)
    assert "1 of them have other labels:" in message and "<img" not in message and "None is labelled `0.weight.0`" in message


def test_a_feature_matrix_of_the_wrong_shape_is_described_by_what_it_holds():
    params = {"seed": 3, "n_train": 12, "width": 10, "depth": 2, "dtype": "float64", "train_steps": 0}
    F = HARNESS.output_features(**params)

    def message(actual):
        return CHECKS.feature_matrix(actual, expected=F, inputs={}, params=params, rtol=1e-9, atol=1e-12)

    assert message(F) is None and message(F.tolist()) is None
    assert "which looks transposed; expected shape (12, 141)" in message(F.T)
    assert message(F[:, :20]).startswith("collect_output_features returned 20 columns, as many as `0.weight`, "
                                         "`0.bias` have; expected shape (12, 141)")
    assert message(None).outcome == "not_implemented"
    assert message([F[0], F[1, :5]]) == ("collect_output_features returned list of length 2; expected a numpy array "
                                         "of floats.")
    broken = F.copy()
    broken[4, 130] = np.nan
    assert message(broken) == "the feature matrix holds NaN or inf (first at input 4, column 130 (`4.weight` entry 0))."


# --- what students read for the library's mistakes (graded by `autograder regress`) ---------------

@pytest.fixture(scope="module")
def mutants(regress_run):
    _, report = regress_run("linearized_features")
    return {e.name: {c.id: c for c in e.report.cases} for e in report.entries if e.kind == "mutant"}


def test_gradients_that_add_up_are_named_whatever_the_size(mutants):
    plots = mutants["plot_gradients_never_cleared"]
    assert plots["gradient_plots/first_layer_weights[width=10]"].message.startswith(
        "in the plot, the first input's derivatives are right, but each later row is the previous row plus the "
        "right derivatives: the gradients add up from one input to the next.")
    assert plots["gradient_plots/course_size"].message.startswith(  # float32 sums over 1200 inputs
        "in the plot, each row is the previous row plus the right derivatives, and the first also holds the "
        "gradients training left in .grad")
    features = mutants["features_cleared_once_before_the_loop"]
    assert "clear the gradients (model.zero_grad()) inside the loop, before each backward()" in \
        features["features/course_size"].message
    assert features["features/single_point"].outcome == "passed"


def test_gradients_cleared_after_backward_are_named(mutants):
    zeros = mutants["features_zeroed_after_backward"]["features/trained"]
    assert zeros.message.startswith("every derivative in the feature matrix is 0. Clear the gradients before backward()")
    none = mutants["plot_zero_grad_after_backward"]["gradient_plots/first_layer_biases"]
    assert none.outcome == "error" and "AttributeError: 'NoneType' object has no attribute 'detach'" in none.message
    assert 'File "q_linearized_features.ipynb, cell 17", line 18, in backward_and_plot_grad' in none.message
    assert "If param.grad is None when the plotting code reads it, the gradients were cleared after" in none.message


def test_parameters_in_another_order_are_named_by_column(mutants):
    c = mutants["sorted_parameter_names"]["features/one_hidden_layer[width=10]"]
    assert c.message.startswith("the feature matrix has the right derivatives in another column order: column 0 "
                                "(`0.weight` entry 0) holds what belongs in column 10 (`0.bias` entry 0).")


def test_svd_mistakes_are_told_apart(mutants):
    refit = mutants["svd_refit_on_x_test"]["principal_features/trained[width=20]"]
    assert refit.message.startswith("column 0 of P does not match up to sign")
    assert "Do not take another SVD of plot_feature_matrix" in refit.message  # the problem's hint
    assert "s_i u_i" not in refit.message  # true of F V for the SVD's own F only, not of the X_test features
    squared = mutants["squared_singular_values"]["principal_features/float32"]
    assert "They look like squared singular values (eigenvalues of Fᵀ F): take square roots." in squared.message
    ascending = mutants["ascending_order"]["principal_features/repeated_tall"]
    assert ascending.message.startswith("singular values not in descending order")
    assert mutants["ascending_order"]["principal_features/single_point"].outcome == "passed"


# --- the course's notebook as students hand it in ----------------------------------------------

QUICK = {"n_samples = 200": "n_samples = 40", "np.linspace(0, 1, 1000)": "np.linspace(0, 1, 100)",
         "n_steps = 150000": "n_steps = 200", "save_every = 1000": "save_every = 50"}
PART_C = """def two_layer_net(width):
    net = nn.Sequential(nn.Linear(1, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))
    elbows = np.sort(np.random.rand(width))
    with torch.no_grad():
        net[0].bias.copy_(to_torch(-elbows * to_numpy(net[0].weight).ravel()))
    return net


deep = {}
for width in [10]:
    net = two_layer_net(width)
    deep[width] = {'net': copy.deepcopy(net)}
    history = train_network(X, y, X_test, y_test, net, torch.optim.SGD(net.parameters(), lr=lr_all), 100, 50)
    deep[width]['trained_net'] = net
    for key in ('net', 'trained_net'):
        for group in ('0.weight', '0.bias', '2.weight', '2.bias'):
            backward_and_plot_grad(X_test, deep[width][key], vis_name=group, title=f'two layers: {group}')
        s, principal = compute_svd_plot_features(X, y, X_test, y_test, deep[width][key], title='two layers')
print(s[:5])"""


def student_notebook(**fills: str) -> nbformat.NotebookNode:
    """The course notebook as a student leaves it: holes filled, data and training made smaller to run
    quickly, part (c) done in its cell and a scratch cell at the end."""
    nb = course_notebook(**fills)
    for cell in nb.cells:
        for old, new in QUICK.items():
            cell.source = cell.source.replace(old, new)
    nb.cells[20].source = PART_C
    nb.cells.append(nbformat.v4.new_code_cell("%%time\nfor width in widths:\n    print(width)"))
    return nb


@pytest.fixture(scope="module")
def executed():
    """The student notebook run top to bottom in a real Jupyter kernel, as Jupyter saves it; the %pip
    cell was not run (everything is installed)."""
    nb = student_notebook()
    pip = nb.cells[1].source
    nb.cells[1].source = ""
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    nb.cells[1].source = pip
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    return nb


def saved_like(nb: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """`nb` (the same cells as `executed`, some sources edited after the run) with the run's outputs."""
    out = copy.deepcopy(nb)
    for cell, ran in zip(out.cells, executed.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
    return out


def as_colab(nb: nbformat.NotebookNode, name: str) -> str:
    """The notebook as Colab saves it: nbformat 4.0, ids in the cells' metadata, Colab's own keys,
    and the cells Colab students add to reach their Drive."""
    nb = copy.deepcopy(nb)
    nb.cells[3:3] = [nbformat.v4.new_code_cell("from google.colab import drive\ndrive.mount('/content/drive')"),
                     nbformat.v4.new_code_cell("%cd /content/drive/MyDrive/cs182/hw02\n!nvidia-smi")]
    cells = []
    for i, cell in enumerate(nb.cells):
        cell = dict(cell)
        cell.pop("id", None)
        cell["metadata"] = {"id": f"c{i:04x}Xq9", **({"colab": {"base_uri": "https://localhost:8080/", "height": 430},
                                                      "outputId": f"o{i:04x}Zr2"} if cell.get("outputs") else {})}
        cells.append(cell)
    return json.dumps({"nbformat": 4, "nbformat_minor": 0, "cells": cells, "metadata": {
        "colab": {"provenance": [], "name": name, "gpuType": "T4"}, "accelerator": "GPU",
        "kernelspec": {"name": "python3", "display_name": "Python 3"}, "language_info": {"name": "python"}}}, indent=2)


WRONG = {
    "plots_never_cleared": {"plots": "y.backward()"},
    "features_never_cleared": {"features": "y.backward()"},
    "svd_refit_on_x_test": {"projection": "u_test, s_test, vh_test = np.linalg.svd(plot_feature_matrix)\n"
                                          "principal_features = plot_feature_matrix @ vh_test.T"},
}


@pytest.fixture(scope="module")
def uploads(executed, tmp_path_factory):
    """Each upload (a folder holding it) graded as the Gradescope zip would, several at a time."""
    root = tmp_path_factory.mktemp("uploads")
    folders = {}

    def folder(name: str, files: dict[str, str | bytes]) -> None:
        folders[name] = root / name
        for rel, data in files.items():
            path = root / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data if isinstance(data, bytes) else data.encode())

    folder("renamed", {"q_linearized_features (1).ipynb": nbformat.writes(executed)})
    other_svd = student_notebook(svd="u, s, vh = torch.linalg.svd(torch.from_numpy(feature_matrix))\nvh = -vh",
                                 projection="principal_features = torch.from_numpy(plot_feature_matrix) @ vh.T")
    other_svd.cells.append(nbformat.v4.new_code_cell("print 'done with part (c)'"))  # Python 2: a syntax error
    folder("colab_by_content", {"HW2_Q4_lastname.ipynb": as_colab(saved_like(other_svd, executed), "HW2_Q4_lastname.ipynb")})
    autograd = student_notebook(
        plots="gradients = torch.autograd.grad(y.sum(), list(model.parameters()))\n"
              "for param, gradient in zip(model.parameters(), gradients):\n    param.grad = gradient",
        features="for param in parameters:\n    param.grad = None\ny.backward()")
    folder("py_export", {"q_linearized_features.py": ScriptExporter().from_notebook_node(saved_like(autograd, executed))[0]})
    zipped = root / "zip" / "cs182hw2_submission.zip"
    zipped.parent.mkdir(parents=True)
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("hw02/q_coding_linearized_features/code/q_linearized_features.ipynb", nbformat.writes(
            saved_like(student_notebook(svd="u, s, vh = np.linalg.svd(feature_matrix)"), executed)))
        zf.writestr("hw02/q_coding_linearized_features/code/.ipynb_checkpoints/q_linearized_features-checkpoint.ipynb",
                    (A.template_dir / NOTEBOOK).read_text())
        zf.writestr("hw02/hw02_written.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    for name, fills in WRONG.items():
        folder(name, {NOTEBOOK: nbformat.writes(saved_like(student_notebook(**fills), executed))})
    targets = {**folders, "zip": zipped}
    timeout = default_timeout_s(A)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(grade_in_process, GradingJob(
            id=name, assignment=A.name, course_root=REPO, upload=upload_from_path(path), timeout_s=timeout))
            for name, path in targets.items()}
        return {name: future.result() for name, future in futures.items()}


def problem_scores(outcome):
    scores = {}
    for test in outcome.results.tests:
        problem = test.extra_data["id"].split("/")[0]
        scores.setdefault(problem, [0.0, 0.0])
        scores[problem][0] += test.score
        scores[problem][1] += test.max_score
    return {problem: tuple(pair) for problem, pair in scores.items()}


@pytest.mark.parametrize("name", ["renamed", "colab_by_content", "py_export", "zip"])
def test_a_correct_notebook_in_any_form_gets_full_marks(uploads, name):
    outcome = uploads[name]
    assert outcome.status == "completed", outcome.error
    failing = [(c.id, c.message) for c in outcome.report.cases if c.outcome != "passed"]
    assert not failing and outcome.results.score == outcome.report.max_score == 28


def test_what_the_grader_says_about_each_form(uploads):
    notes = {name: uploads[name].report.notes for name in ("renamed", "colab_by_content", "py_export", "zip")}
    assert notes["renamed"][0] == ("using `q_linearized_features (1).ipynb` as `q_linearized_features.ipynb`: only "
                                   "its imports, functions, classes and constant assignments run")
    # IPython runs a %%time cell as Python: only its first line is skipped
    assert "`q_linearized_features (1).ipynb` cell 22, line 1: `%%time` is an IPython command; it was skipped" \
        in notes["renamed"]
    assert notes["colab_by_content"][0].startswith("no file is named `q_linearized_features.ipynb`: grading "
                                                   "`HW2_Q4_lastname.ipynb`, which defines `backward_and_plot_grad`")
    assert any(n.startswith("`HW2_Q4_lastname.ipynb` cell 25, line 1 has a syntax error (`Missing parentheses") for n in notes["colab_by_content"])
    assert notes["py_export"][0].startswith("using `q_linearized_features.py` as `q_linearized_features.ipynb`")
    assert notes["zip"][0].startswith("using `hw02/q_coding_linearized_features/code/q_linearized_features.ipynb` as")


@pytest.mark.parametrize("name, problem", [("plots_never_cleared", "gradient_plots"),
                                           ("features_never_cleared", "features"),
                                           ("svd_refit_on_x_test", "principal_features")])
def test_a_notebook_with_one_todo_wrong_loses_only_that_problems_points(uploads, name, problem):
    outcome = uploads[name]
    scores = problem_scores(outcome)
    assert scores[problem][0] == 0 < scores[problem][1]
    assert all(got == worth for other, (got, worth) in scores.items() if other != problem), scores
    failed = [c for c in outcome.report.cases if c.outcome != "passed"]
    assert {c.problem for c in failed} == {problem} and {c.outcome for c in failed} == {"failed"}
    first = failed[0].message
    assert {"plots_never_cleared": "the gradients add up from one input to the next",
            "features_never_cleared": "the gradients add up from one input to the next",
            "svd_refit_on_x_test": "Do not take another SVD of plot_feature_matrix"}[name] in first
