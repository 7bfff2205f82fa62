"""gd_momentum specifics beyond the library: the reference against torch.optim.SGD, the handout
against the reference, and what students read."""

import importlib.util
from pathlib import Path

import numpy as np
import torch
from support.library import library_folder

from autograder.grading import grade
from autograder.spec.assignment import load_assignment

A = load_assignment("gd_momentum")


def by_id(report):
    return {c.id: c for c in report.cases}


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_is_torch_sgd_with_momentum_and_dampening_one_minus_beta():
    """z <- (1-beta) z + beta g is torch's buf <- mu buf + (1-dampening) g with mu = dampening = 1-beta;
    torch starts buf at the first raw gradient, as the course notebook's runGDM does."""
    gdm = _load(A.reference_dir / "gd_momentum.py", "_reference_gd_momentum")
    rng = np.random.default_rng(9)
    X, y, w0 = rng.standard_normal((25, 4)), rng.standard_normal(25), rng.standard_normal(4)
    for beta, stepsize in ((0.6, 0.005), (0.1, 0.01), (1.0, 0.005)):
        ours = gdm.run_gdm(X, y, w0.copy(), stepsize, beta, 60)
        w = torch.tensor(w0, requires_grad=True)
        opt = torch.optim.SGD([w], lr=stepsize, momentum=1 - beta, dampening=1 - beta)
        Xt, yt, theirs = torch.tensor(X), torch.tensor(y), []
        for _ in range(60):
            opt.zero_grad()
            ((Xt @ w - yt) ** 2).sum().backward()
            opt.step()
            theirs.append(w.detach().numpy().copy())
        np.testing.assert_allclose(ours, np.stack(theirs), rtol=1e-10, atol=1e-13)


def _without_todo_body(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "# TODO:" in line) + 2  # past the banner's closing rule
    end = next(i for i, line in enumerate(lines) if "END OF YOUR CODE" in line) - 1
    return lines[:start] + lines[end:]


def test_template_is_the_reference_without_its_todo_body():
    template, reference = ((d / "gd_momentum.py").read_text() for d in (A.template_dir, A.reference_dir))
    assert _without_todo_body(template) == _without_todo_body(reference)
    assert "# IMPLEMENT THIS" in template and "return ws" in template


def test_template_reads_as_not_implemented_with_the_expected_shape():
    c = by_id(grade(A, A.template_dir))["run_gdm/nonzero_start"]
    assert c.outcome == "not_implemented"
    assert "ndarray of shape (25, 4)" in c.message


def test_shape_mistakes_are_told_by_shape():
    c = by_id(grade(A, library_folder("gd_momentum", "gdm_includes_w0")))["run_gdm/iterates[beta=0.6,stepsize=0.005]"]
    assert "`output` has shape (41, 3); expected shape (40, 3)" in c.message and "without w0" in c.message
    c = by_id(grade(A, library_folder("gd_momentum", "gdm_final_only")))["run_gdm/nonzero_start"]
    assert "`output` has shape (4,); expected shape (25, 4)" in c.message


def test_heavy_ball_is_wrong_from_the_first_step_and_told_the_averaged_form():
    cases = by_id(grade(A, library_folder("gd_momentum", "gdm_heavy_ball")))
    c = cases["run_gdm/single_step"]
    assert c.outcome == "failed" and "First wrong entry at index (0, 0)" in c.message
    assert "z = (1 - beta) * z + beta * g" in c.message


def test_column_vector_iterates_are_accepted():
    """The course notebook keeps w as a (d, 1) column: (maxiter, d, 1) iterates grade as (maxiter, d)."""
    report = grade(A, library_folder("gd_momentum", "column_vectors"))
    assert report.score == report.max_score == 6
