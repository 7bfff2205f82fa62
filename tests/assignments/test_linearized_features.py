"""linearized_features specifics beyond the library: the reference against an independent
derivation, and the messages a student would read."""

import importlib.util

import numpy as np
import pytest
import torch
from support.library import library_folder
from torch import nn

from autograder.spec.assignment import load_assignment
from autograder.judging.compare import compare
from autograder.grading import grade
from autograder.spec.models import PrincipalFeatures

A = load_assignment("linearized_features")


def _load_reference():
    spec = importlib.util.spec_from_file_location("reference_linearized_features",
                                                  A.reference_dir / "linearized_features.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REFERENCE = _load_reference()


def relu_network(seed, sizes, dtype=torch.float64):
    torch.manual_seed(seed)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out, dtype=dtype), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def analytic_features(model, X):
    """y = W2 relu(W1 x + b1) + b2: d y/d W2 = relu(W1 x + b1), d y/d b2 = 1,
    d y/d b1 = W2ᵀ ⊙ 1[W1 x + b1 > 0], d y/d W1 = (d y/d b1) xᵀ; flattened row-major, in
    model.parameters() order (W1, b1, W2, b2)."""
    W1, b1 = model[0].weight.detach().numpy(), model[0].bias.detach().numpy()
    W2 = model[2].weight.detach().numpy()
    rows = []
    for x in X:
        z = W1 @ x + b1
        d_b1 = W2[0] * (z > 0)
        rows.append(np.concatenate([np.outer(d_b1, x).ravel(), d_b1, np.maximum(z, 0), [1.0]]))
    return np.array(rows)


@pytest.mark.parametrize("seed, width, in_features", [(0, 10, 1), (1, 20, 1), (2, 40, 1), (3, 7, 3)])
def test_reference_features_match_the_analytic_derivation(seed, width, in_features):
    model = relu_network(seed, [in_features, width, 1])
    X = np.random.default_rng(seed).uniform(-1, 1, (25, in_features))
    F = REFERENCE.compute_features(model, torch.from_numpy(X))
    assert F.shape == (25, in_features * width + 2 * width + 1)
    np.testing.assert_allclose(F, analytic_features(model, X), rtol=1e-12, atol=1e-14)


def test_reference_features_of_two_hidden_layers_match_finite_differences():
    model = relu_network(4, [1, 8, 8, 1])
    X = np.random.default_rng(4).uniform(-1, 1, (6, 1))
    F = REFERENCE.compute_features(model, torch.from_numpy(X))
    theta = torch.nn.utils.parameters_to_vector(model.parameters()).detach()
    h = 1e-6
    columns = []
    for k in range(theta.numel()):
        values = []
        for step in (h, -h):  # y is piecewise linear in each parameter: central differences are exact off kinks
            shifted = theta.clone()
            shifted[k] += step
            torch.nn.utils.vector_to_parameters(shifted, model.parameters())
            values.append(model(torch.from_numpy(X)).detach().numpy()[:, 0])
        columns.append((values[0] - values[1]) / (2 * h))
    np.testing.assert_allclose(F, np.stack(columns, axis=1), atol=1e-8)


def test_reference_principal_features_are_f_v_with_descending_singular_values():
    model = relu_network(5, [1, 20, 1])
    F = analytic_features(model, np.linspace(-1, 1, 30)[:, None])
    s, P = REFERENCE.principal_features(F)
    assert np.all(np.diff(s) <= 0) and P.shape == F.shape
    np.testing.assert_allclose(s, np.linalg.svd(F, compute_uv=False), rtol=1e-12, atol=1e-13 * s[0])
    np.testing.assert_allclose(np.linalg.norm(P, axis=0)[:len(s)], s, rtol=1e-9, atol=1e-12)
    u, s_torch, _ = torch.linalg.svd(torch.from_numpy(F), full_matrices=False)
    assert compare(PrincipalFeatures(kind="principal_features"), (s, P), (s_torch.numpy(), (u * s_torch).numpy()),
                   inputs={}, params={}, checks={}).passed


@pytest.fixture(scope="module")
def reports():
    return {name: grade(A, library_folder("linearized_features", name)) for name in ("vh_not_transposed", "first_layer_only", "notebook_global_model")}


def by_id(report):
    return {c.id: c for c in report.cases}


def test_f_times_vh_is_named_in_the_message_without_expected_values(reports):
    report = reports["vh_not_transposed"]
    c = by_id(report)["principal/random[n=30,d=8]"]
    assert c.outcome == "failed"
    assert c.message.startswith("column 0 of P does not match up to sign (largest error")
    assert "P looks like F @ vh rather than F @ vh.T" in c.message
    assert "P = F @ vh.T, whose column i is F v_i = s_i u_i" in c.message  # the problem's hint
    assert by_id(report)["principal/singular_values[n=30,d=8]"].outcome == "passed"
    assert report.notes[0].startswith("using `linearized_features.ipynb` as `linearized_features.py`: only its imports")
    assert report.notes[1] == ("`linearized_features.ipynb` cell 1, line 3: `%matplotlib inline` is an IPython "
                               "command; it was skipped")


def test_first_layer_only_is_told_the_expected_width(reports):
    c = by_id(reports["first_layer_only"])["features/one_hidden_layer[width=10]"]
    assert c.outcome == "failed"
    assert "`output` has shape (25, 20); expected shape (25, 31)" in c.message
    assert "every parameter" in c.message  # the hint


def test_a_notebook_reading_its_own_global_model_is_told_why(reports):
    report = reports["notebook_global_model"]
    c = by_id(report)["features/one_hidden_layer[width=10]"]
    assert c.outcome == "error" and "NameError: name 'model' is not defined" in c.message
    assert any(n.startswith("`features.ipynb` cell ") and "`def compute_features` uses the global `model`, set by "
               "`model = nn.Sequential(" in n for n in report.notes), report.notes
    assert by_id(report)["principal/random[n=30,d=8]"].outcome == "passed"
