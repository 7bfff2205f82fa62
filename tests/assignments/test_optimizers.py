"""optimizers specifics beyond the library: the reference against torch.optim and torch.nn.init,
the statistical checks' false-failure bounds and power, determinism, and what students read."""

import contextlib
import importlib
import importlib.util
import math
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
from scipy import stats
from support.library import library_folder

from autograder.judging.checks import checks_module
from autograder.spec.assignment import load_assignment
from autograder.spec.cases import generate_inputs, iter_cases
from autograder.grading import grade
from autograder.tools.library import load_library

A = load_assignment("optimizers")
CHECKS = checks_module(A)
FILES = A.spec.files
STATISTICAL_CASES = [c for c in iter_cases(A.spec)
                     if getattr(c.compare, "function", None) in ("he_weights", "random_weights")]
UNIFORM_KS = 0.0572067  # sup |F - Phi| for the uniform law with variance 1, as STATISTICS.md states


def by_id(report):
    return {c.id: c for c in report.cases}


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OPTIM = _load(A.reference_dir / "deeplearning" / "optim.py", "_reference_optim")
GDM = _load(A.reference_dir / "deeplearning" / "gd_momentum.py", "_reference_gd_momentum")


@contextlib.contextmanager
def harness_for(submission: Path, tmp_path: Path) -> Iterator[ModuleType]:
    """The assignment's harness importing `deeplearning` from the template overlaid with the
    submission's files, as the grader stages it, but in this process."""
    root = tmp_path / submission.name
    shutil.copytree(A.template_dir, root)
    for f in FILES:
        shutil.copyfile(submission / f, root / f)
    sys.path.insert(0, str(root))
    try:
        yield _load(A.harness_path, f"_harness_{submission.name}")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == "deeplearning" or m.startswith("deeplearning.")]:
            del sys.modules[name]


# --- the reference update rules against torch.optim ----------------------------------------------

def _run_reference(rule, w0, grads, config):
    w, ws = w0.copy(), []
    for g in grads:
        w, config = rule(w.copy(), g.copy(), config)
        ws.append(w.copy())
    return np.stack(ws), config


def _run_torch(make_optimizer, w0, grads):
    p = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    opt = make_optimizer([p])
    ws = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        ws.append(p.detach().numpy().copy())
    return np.stack(ws), {k: v.numpy() if torch.is_tensor(v) else v for k, v in opt.state[p].items()}


# The course's state keys and torch's names for the same quantities.
TORCH_STATE = {"sgd": {}, "sgd_momentum": {"velocity": "momentum_buffer"}, "rmsprop": {"cache": "square_avg"},
               "adam": {"m": "exp_avg", "v": "exp_avg_sq", "t": "step"}}


@pytest.mark.parametrize("grad_scale", [1.0, 1e-8], ids=["ordinary", "tiny"])
@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_reference_rules_follow_torch_optim_over_many_steps(rule, grad_scale):
    """Iterates and state. The state matters: CS231n's momentum has the same iterates as the
    course's (its v is -learning_rate times the course's), but not the same velocity."""
    rng = np.random.default_rng(7)
    w0, grads = rng.standard_normal((6, 5)), grad_scale * rng.standard_normal((300, 6, 5))
    config, torch_optimizer = {
        "sgd": ({"learning_rate": 0.02}, lambda ps: torch.optim.SGD(ps, lr=0.02)),
        "sgd_momentum": ({"learning_rate": 0.01, "momentum": 0.8},
                         lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.8, dampening=0)),
        # torch's RMSprop adds eps after the square root, as the course does.
        "rmsprop": ({"learning_rate": 0.003, "decay_rate": 0.95, "epsilon": 1e-8},
                    lambda ps: torch.optim.RMSprop(ps, lr=0.003, alpha=0.95, eps=1e-8)),
        "adam": ({"learning_rate": 0.002, "beta1": 0.85, "beta2": 0.995, "epsilon": 1e-8},
                 lambda ps: torch.optim.Adam(ps, lr=0.002, betas=(0.85, 0.995), eps=1e-8)),
    }[rule]
    ours, our_state = _run_reference(getattr(OPTIM, rule), w0, grads, config)
    theirs, their_state = _run_torch(torch_optimizer, w0, grads)
    np.testing.assert_allclose(ours - w0, theirs - w0, rtol=1e-9, atol=1e-15)
    for key, torch_key in TORCH_STATE[rule].items():
        np.testing.assert_allclose(our_state[key], their_state[torch_key], rtol=1e-9, atol=1e-300, err_msg=key)


@pytest.mark.parametrize("rule, torch_optimizer", [
    ("adam", torch.optim.Adam),  # lr 1e-3, betas (0.9, 0.999), eps 1e-8
    ("rmsprop", torch.optim.RMSprop),  # lr 1e-2, alpha 0.99, eps 1e-8
])
def test_reference_defaults_are_torchs(rule, torch_optimizer):
    rng = np.random.default_rng(8)
    w0, grads = rng.standard_normal(7), rng.standard_normal((50, 7))
    ours, _ = _run_reference(getattr(OPTIM, rule), w0, grads, None)
    theirs, _ = _run_torch(torch_optimizer, w0, grads)
    np.testing.assert_allclose(ours - w0, theirs - w0, rtol=1e-9)


def test_reference_gdm_is_torch_sgd_with_momentum_and_dampening_one_minus_beta():
    """z <- (1-beta) z + beta g is torch's buf <- mu buf + (1-dampening) g with mu = dampening = 1-beta;
    torch starts buf at the first raw gradient, as the course notebook's runGDM does."""
    rng = np.random.default_rng(9)
    X, y, w0 = rng.standard_normal((25, 4)), rng.standard_normal(25), rng.standard_normal(4)
    for beta, stepsize in ((0.6, 0.005), (0.1, 0.01), (1.0, 0.005)):
        ours = GDM.run_gdm(X, y, w0.copy(), stepsize, beta, 60)
        w = torch.tensor(w0, requires_grad=True)
        opt = torch.optim.SGD([w], lr=stepsize, momentum=1 - beta, dampening=1 - beta)
        Xt, yt, theirs = torch.tensor(X), torch.tensor(y), []
        for _ in range(60):
            opt.zero_grad()
            ((Xt @ w - yt) ** 2).sum().backward()
            opt.step()
            theirs.append(w.detach().numpy().copy())
        np.testing.assert_allclose(ours, np.stack(theirs), rtol=1e-10, atol=1e-13)


# --- He initialization against torch.nn.init.kaiming_normal_ -------------------------------------

def _torch_he_params(dims, seed):
    torch.manual_seed(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
        weight = torch.empty(fan_out, fan_in, dtype=torch.float64)  # torch's (out, in) layout
        torch.nn.init.kaiming_normal_(weight, mode="fan_in", nonlinearity="relu")
        params[f"W{i}"] = weight.numpy().T.copy()
        params[f"b{i}"] = np.zeros(fan_out)
    return params


def test_he_target_is_torchs_kaiming_normal_std():
    for fan_in in (10, 64, 300):
        torch_std = torch.nn.init.calculate_gain("relu") / math.sqrt(fan_in)
        assert math.isclose(torch_std, math.sqrt(2 / fan_in), rel_tol=1e-12)


def test_reference_he_statistics_agree_with_kaiming_normal(tmp_path):
    """Torch's draws pass our He check, and per layer the reference's and torch's second moments
    agree by an F test and their shapes by a two-sample KS test (each at level 1e-6)."""
    he_cases = [c for c in STATISTICAL_CASES if c.compare.function == "he_weights"]
    with harness_for(A.reference_dir, tmp_path) as harness:
        for case in he_cases:
            inputs = generate_inputs(case)
            ours = harness.init_params(**inputs)
            theirs = _torch_he_params(inputs["dims"], seed=inputs["seed"])
            assert CHECKS.he_weights(theirs, expected=None, inputs={**inputs, "dtype": "float64"}, params={}) is None
            for name in (k for k in ours if k.startswith("W")):
                a, b = ours[name].astype(np.float64).ravel(), theirs[name].ravel()
                ratio = (a @ a) / (b @ b)  # F(n, n) when both are N(0, sigma^2) with the same sigma
                lo, hi = stats.f.ppf([0.5e-6, 1 - 0.5e-6], a.size, b.size)
                assert lo < ratio < hi, (case.id, name, ratio)
                assert stats.ks_2samp(a, b).pvalue > 1e-6, (case.id, name)


# --- the statistical checks: bounds, no false failures, power ------------------------------------

def test_closed_form_bounds_are_conservative_against_exact_tails():
    """Each test's threshold keeps its exact false-failure probability (scipy) below its share alpha,
    and a case's shares add up to at most 1e-6."""
    for case in STATISTICAL_CASES:
        dims = case.inputs["dims"].value
        alpha = CHECKS.case_alpha(len(dims) - 1)
        assert alpha * CHECKS.TESTS_PER_LAYER * (len(dims) - 1) <= 1e-6 * (1 + 1e-12)
        for fan_in, fan_out in zip(dims[:-1], dims[1:]):
            n = fan_in * fan_out
            t = CHECKS.thresholds(n, alpha)
            lo, hi = t.sum_of_squares
            assert stats.chi2.cdf(lo, n) + stats.chi2.sf(hi, n) <= alpha
            assert 2 * stats.norm.sf(t.mean_z) <= alpha
            assert stats.kstwo.sf(t.ks - CHECKS.PHI_ERROR, n) <= alpha  # D_n computed with normal_cdf


def test_statistics_doc_table_matches_the_spec_and_the_checks():
    """Every row of STATISTICS.md's table, recomputed from the spec's cases and checks.py."""
    rows = [line.split("|")[1:-1] for line in (A.dir / "STATISTICS.md").read_text().splitlines()
            if line.startswith(("| he_", "| random_"))]
    expected = []
    for case in STATISTICAL_CASES:
        dims = case.inputs["dims"].value
        alpha = CHECKS.case_alpha(len(dims) - 1)
        for fan_in, fan_out in zip(dims[:-1], dims[1:]):
            n = fan_in * fan_out
            t = CHECKS.thresholds(n, alpha)
            lo, hi = t.sum_of_squares
            exact = (stats.chi2.cdf(lo, n) + stats.chi2.sf(hi, n), 2 * stats.norm.sf(t.mean_z),
                     stats.kstwo.sf(t.ks - CHECKS.PHI_ERROR, n))
            uniform = 2 * math.exp(-2 * n * (UNIFORM_KS - t.ks) ** 2) if UNIFORM_KS > t.ks else None
            expected.append([case.id.split("/")[1], f"({fan_in}, {fan_out})", str(n),
                             f"[{math.sqrt(lo / n):.4f}, {math.sqrt(hi / n):.4f}]", f"{t.mean_z / math.sqrt(n):.4f}",
                             f"{t.ks:.4f}", " / ".join(f"{p:.1e}" for p in exact),
                             "-" if uniform is None else f"{uniform:.1e}"])
    assert [[cell.strip() for cell in row] for row in rows] == expected


def test_uniform_ks_distance_is_the_documented_one():
    x = np.linspace(0, math.sqrt(3), 200_001)
    assert math.isclose(np.max(np.abs((x / math.sqrt(3) + 1) / 2 - stats.norm.cdf(x))), UNIFORM_KS, rel_tol=1e-6)


def test_normal_cdf_is_within_its_stated_error():
    x = np.linspace(-40, 40, 2_000_001)
    assert np.max(np.abs(CHECKS.normal_cdf(x) - stats.norm.cdf(x))) <= CHECKS.PHI_ERROR


def test_correct_implementations_never_fail_a_statistical_case_over_200_seeds(tmp_path):
    implementations = [A.reference_dir] + [library_folder("optimizers", s.name) for s in load_library(A).solutions]
    for submission in implementations:
        with harness_for(submission, tmp_path) as harness:
            for case in STATISTICAL_CASES:
                inputs = generate_inputs(case)
                check = getattr(CHECKS, case.compare.function)
                for seed in range(200):
                    params = harness.init_params(**{**inputs, "seed": seed})
                    problem = check(params, expected=None, inputs=inputs, params={})
                    assert problem is None, (submission.name, case.id, seed, problem)


@pytest.mark.parametrize("mutant", ["he_uniform_right_variance", "he_sign_flip", "he_fan_out", "he_xavier",
                                    "he_rand_not_randn", "he_input_dim_every_layer"])
def test_wrong_he_fails_every_he_case_for_every_seed(mutant, tmp_path):
    he_cases = [c for c in STATISTICAL_CASES if c.compare.function == "he_weights"]
    with harness_for(library_folder("optimizers", mutant), tmp_path) as harness:
        for case in he_cases:
            inputs = generate_inputs(case)
            for seed in range(40):
                params = harness.init_params(**{**inputs, "seed": seed})
                assert CHECKS.he_weights(params, expected=None, inputs=inputs, params={}) is not None, (case.id, seed)


def test_check_rejects_a_single_wrong_layer_among_right_ones():
    rng = np.random.default_rng(3)
    dims = [300, 200, 100, 10]
    params = {f"W{i}": rng.standard_normal((a, b)) * math.sqrt(2 / a)
              for i, (a, b) in enumerate(zip(dims, dims[1:]), start=1)}
    inputs = {"dims": dims, "weight_scale": 0.03, "dtype": "float64"}
    assert CHECKS.he_weights(params, expected=None, inputs=inputs, params={}) is None
    params["W3"] = params["W3"] * 1.5
    message = CHECKS.he_weights(params, expected=None, inputs=inputs, params={})
    assert "params['W3']" in message and "W1" not in message and "W2" not in message
    params["W3"] = params["W3"].astype(np.float32) / 1.5
    assert "dtype float32" in CHECKS.he_weights(params, expected=None, inputs=inputs, params={})


# --- grading: determinism, messages, the handout -------------------------------------------------

def test_grading_the_same_submission_twice_gives_identical_results():
    for submission in (library_folder("optimizers", "in_place_updates"), library_folder("optimizers", "he_uniform_right_variance")):
        first, second = grade(A, submission), grade(A, submission)
        assert first.score == second.score
        assert ([(c.id, c.outcome, c.message) for c in first.cases]
                == [(c.id, c.outcome, c.message) for c in second.cases])


def test_cs231n_momentum_is_caught_by_its_velocity_and_told_the_course_rule():
    cases = by_id(grade(A, library_folder("optimizers", "cs231n_momentum")))
    trajectory = cases["sgd_momentum/trajectory"]
    assert "`output['config']['velocity']` is wrong" in trajectory.message  # the iterates themselves agree
    assert "not CS231n's v = momentum * v - learning_rate * dw" in trajectory.message
    assert "`output['next_w']` is wrong" in cases["sgd_momentum/step[n=6,m=4]"].message


def test_epsilon_placement_fails_tiny_gradients_and_names_the_call():
    cases = by_id(grade(A, library_folder("optimizers", "rmsprop_eps_inside_sqrt")))
    tiny = cases["rmsprop/tiny_gradients"]
    assert tiny.outcome == "failed" and "`output['iterates']` is wrong" in tiny.message
    assert "First wrong entry at index (0," in tiny.message and "iterates[k]: w after call k" in tiny.title
    assert "epsilon is added after the" in tiny.message
    assert cases["rmsprop/float32"].outcome == "passed"


def test_statistical_messages_name_the_slip_and_the_bound():
    cases = by_id(grade(A, library_folder("optimizers", "he_fan_out")))
    message = cases["init/he_three_layers"].message
    assert "That is what fan_out instead of fan_in gives" in message
    assert "probability below 1.1e-07" in message
    message = by_id(grade(A, library_folder("optimizers", "he_uniform_right_variance")))["init/he_wide"].message
    assert "not Gaussian" in message and "np.random.randn" in message
    message = by_id(grade(A, library_folder("optimizers", "init_unseeded_generator")))["init/reproducible"].message
    assert "np.random.seed" in message and "default_rng" in message


def test_float32_case_explains_the_upcast():
    c = by_id(grade(A, library_folder("optimizers", "adam_float64_state")))["adam/float32"]
    assert "has dtype float64; expected dtype float32" in c.message
    assert "np.zeros_like(w)" in c.message  # the case's hint


def test_wrong_return_shape_is_an_error_with_a_clear_message(tmp_path):
    shutil.copytree(A.reference_dir, tmp_path / "sub")
    optim = tmp_path / "sub" / "deeplearning" / "optim.py"
    optim.write_text(optim.read_text().replace("    return next_w, config\n\n\ndef rmsprop",
                                               "    return next_w\n\n\ndef rmsprop"))
    c = by_id(grade(A, tmp_path / "sub"))["sgd_momentum/defaults"]
    assert c.outcome == "error" and "must return the pair (next_w, config)" in c.message


def test_template_support_files_are_the_references():
    edited = {Path(f) for f in FILES}
    support = [p.relative_to(A.template_dir) for p in A.template_dir.rglob("*.py")]
    assert support and all((A.reference_dir / p).read_bytes() == (A.template_dir / p).read_bytes()
                           for p in support if p not in edited)


def test_shipped_network_backward_matches_numerical_gradients(tmp_path):
    """The template's layers and FullyConnectedNet.loss, with parameters set by hand since the
    template leaves initialization to the student."""
    sys.path.insert(0, str(A.template_dir))
    try:
        fc_net = importlib.import_module("deeplearning.classifiers.fc_net")
        net = fc_net.FullyConnectedNet([6, 5], input_dim=4, num_classes=3, reg=0.1, dtype=np.float64)
        rng = np.random.default_rng(0)
        dims = [4, 6, 5, 3]
        for i, (a, b) in enumerate(zip(dims, dims[1:]), 1):
            net.params[f"W{i}"], net.params[f"b{i}"] = rng.standard_normal((a, b)), rng.standard_normal(b)
        X, y = rng.standard_normal((7, 2, 2)), rng.integers(0, 3, 7)
        _, grads = net.loss(X, y)
        for name, p in net.params.items():
            numeric = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + 1e-6
                plus = net.loss(X, y)[0]
                p[idx] = old - 1e-6
                minus = net.loss(X, y)[0]
                p[idx] = old
                numeric[idx] = (plus - minus) / 2e-6
            np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)
    finally:
        sys.path.remove(str(A.template_dir))
        for name in [m for m in sys.modules if m == "deeplearning" or m.startswith("deeplearning.")]:
            del sys.modules[name]
