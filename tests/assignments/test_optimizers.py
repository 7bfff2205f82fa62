"""optimizers specifics beyond the library: the reference against torch.optim and torch.nn.init,
the handout against the reference, the statistical checks' false-failure bounds and power,
grad_norm's independence from optim.py and fc_net.py, and what students read."""

import contextlib
import importlib
import importlib.util
import math
import re
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

from autograder.grading import grade
from autograder.judging.checks import checks_module
from autograder.spec.assignment import load_assignment
from autograder.spec.cases import generate_inputs, iter_cases
from autograder.tools.library import load_library

A = load_assignment("optimizers")
CHECKS = checks_module(A)
FILES = A.spec.files
CASES = {c.id: c for c in iter_cases(A.spec)}
HE_CASES = [c for c in CASES.values() if getattr(c.compare, "function", None) == "he_weights"]
UNIFORM_KS = 0.0572067  # sup |F - Phi| for the uniform law with variance 1, as STATISTICS.md states


def by_id(report):
    return {c.id: c for c in report.cases}


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OPTIM = _load(A.reference_dir / "deeplearning" / "optim.py", "_reference_optim")


def _forget_deeplearning() -> None:
    for name in [m for m in sys.modules if m == "deeplearning" or m.startswith("deeplearning.")]:
        del sys.modules[name]


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
        _forget_deeplearning()


def edited_reference(tmp_path: Path, name: str, file: str, old: str, new: str) -> Path:
    """A copy of the reference with one edit, for mistakes the library does not keep."""
    folder = tmp_path / name
    shutil.copytree(A.reference_dir, folder)
    path = folder / file
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return folder


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


def test_notebook_adam_check_matches_torch_resumed_at_step_5(tmp_path):
    """The adam/notebook case is the notebook's check: its linspace arrays as m, v and w, t = 5
    given; torch's Adam resumed from that state takes the same step and counts to 6."""
    inputs = generate_inputs(CASES["adam/notebook"])
    with harness_for(A.reference_dir, tmp_path) as harness:
        ours = harness.linspace_step(**inputs)
    size = 20
    w = np.linspace(-0.4, 0.6, num=size).reshape(4, 5)
    p = torch.nn.Parameter(torch.tensor(w))
    opt = torch.optim.Adam([p], lr=1e-2)
    opt.state[p] = {"step": torch.tensor(5.0), "exp_avg": torch.tensor(np.linspace(0.6, 0.9, num=size).reshape(4, 5)),
                    "exp_avg_sq": torch.tensor(np.linspace(0.7, 0.5, num=size).reshape(4, 5))}
    p.grad = torch.tensor(np.linspace(-0.6, 0.4, num=size).reshape(4, 5))
    opt.step()
    np.testing.assert_allclose(ours["next_w"], p.detach().numpy(), rtol=1e-12)
    assert ours["config"]["t"] == 6 == int(opt.state[p]["step"])


# --- the handout: the template is the reference with its holes ----------------------------------

def _outside_todo_blocks(text: str) -> tuple[str, int]:
    """The text with the code inside each `# TODO` ... `# END TODO` block dropped (its comments
    kept), and the number of blocks."""
    kept, inside, blocks = [], False, 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# TODO"):
            inside, blocks = True, blocks + 1
        elif stripped == "# END TODO":
            inside = False
        if not inside or stripped.startswith("#"):
            kept.append(line)
    assert not inside, "a TODO block is not closed"
    return "\n".join(kept), blocks


# The course's messages, one per hole (fc_net's two holes share one).
HOLES = {"deeplearning/optim.py": ["Implement sgd_momentum in deeplearning/optim.py.",
                                   "Implement rmsprop in deeplearning/optim.py.",
                                   "Implement adam in deeplearning/optim.py."],
         "deeplearning/classifiers/fc_net.py":
             ["Implement the requested initialization in FullyConnectedNet.__init__."] * 2,
         "deeplearning/solver.py": ["Implement the mean gradient norm in deeplearning/solver.py."]}


@pytest.mark.parametrize("file", FILES)
def test_template_is_the_reference_with_each_hole_raising_the_course_message(file):
    template, reference = (A.template_dir / file).read_text(), (A.reference_dir / file).read_text()
    (template_rest, blocks), (reference_rest, reference_blocks) = map(_outside_todo_blocks, (template, reference))
    assert template_rest == reference_rest
    assert blocks == reference_blocks == len(HOLES[file])
    assert re.findall(r'raise NotImplementedError\("([^"]*)"\)', template) == HOLES[file]
    assert "NotImplementedError" not in reference


def test_template_support_files_are_the_references():
    edited = {Path(f) for f in FILES}
    support = [p.relative_to(A.template_dir) for p in A.template_dir.rglob("*.py")]
    assert support and all((A.reference_dir / p).read_bytes() == (A.template_dir / p).read_bytes()
                           for p in support if p not in edited)


def test_template_provides_sgd_and_random_initialization(tmp_path):
    """What the course provides works in the untouched handout; that is why no case grades it."""
    with harness_for(A.template_dir, tmp_path) as harness:
        w, dw = np.ones((2, 3)), np.full((2, 3), 2.0)
        assert np.array_equal(harness.step("sgd", w, dw, learning_rate=0.5)["next_w"], np.zeros((2, 3)))
        params = harness.init_params([30, 20, 10], "random", 0.05, "float32", seed=3)
        assert sorted(params) == ["W1", "W2", "b1", "b2"]
        assert all(p.dtype == np.float32 for p in params.values()) and not params["b1"].any()
        with pytest.raises(NotImplementedError, match="FullyConnectedNet.__init__"):
            harness.init_params([30, 20, 10], "he", 0.05, "float32", seed=3)


def test_shipped_network_backward_matches_numerical_gradients():
    """The template's layers and FullyConnectedNet.loss, on a float64 'random' network."""
    sys.path.insert(0, str(A.template_dir))
    try:
        fc_net = importlib.import_module("deeplearning.classifiers.fc_net")
        np.random.seed(0)
        net = fc_net.FullyConnectedNet([6, 5], input_dim=4, num_classes=3, reg=0.1, weight_scale=1.0,
                                       dtype=np.float64)
        rng = np.random.default_rng(0)
        for name in ("b1", "b2", "b3"):
            net.params[name] = rng.standard_normal(net.params[name].shape)
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
        _forget_deeplearning()


def test_rmsprop_is_optional_worth_nothing_and_every_other_problem_earns_points():
    points = {}
    for case in CASES.values():
        points[case.problem] = points.get(case.problem, 0) + case.points
    assert points == {"sgd_momentum": 7, "rmsprop": 0, "adam": 8, "init": 9, "grad_norm": 6}
    assert "optional" in next(p for p in A.spec.problems if p.name == "rmsprop").title
    header = A.spec_path.read_text().split("\nname:")[0]
    assert "Points (30): sgd_momentum 7, adam 8, init 9, grad_norm 6; rmsprop 0" in header.replace("\n# ", " ")


# --- grad_norm: only solver.py counts -------------------------------------------------------------

def test_staff_network_gradients_match_numerical_ones(tmp_path):
    harness = _load(A.harness_path, "_harness_alone")  # imports no student module until called
    rng = np.random.default_rng(4)
    net = harness.StaffNet({"W1": rng.standard_normal((5, 7)), "b1": rng.standard_normal(7),
                            "W2": rng.standard_normal((7, 3)), "b2": rng.standard_normal(3)})
    X, y = rng.standard_normal((9, 5)), rng.integers(0, 3, 9)
    loss, grads = net.loss(X, y)
    assert net.loss(X).shape == (9, 3) and np.isfinite(loss)
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


def test_reference_history_is_the_mean_norm_of_each_iterations_gradients(tmp_path):
    """Each entry, recomputed from the gradients the model handed the Solver at that iteration."""
    case = CASES["grad_norm/history[batch_size=8,num_epochs=3,lr_decay=1.0]"]
    inputs = generate_inputs(case)
    with harness_for(A.reference_dir, tmp_path) as harness:
        seen = []
        loss = harness.StaffNet.loss

        def recording_loss(self, X, y=None):
            out = loss(self, X, y)
            if y is not None:
                seen.append([np.sqrt(np.sum(g ** 2)) for g in out[1].values()])
            return out

        harness.StaffNet.loss = recording_loss
        histories = harness.grad_norm_history(**inputs)
        solver = importlib.import_module("deeplearning.solver")
        assert solver.optim is importlib.import_module("deeplearning.optim")  # restored after the run
    recorded = histories["record_grad_norm=True"]
    assert recorded.shape == (15,)  # 40 // 8 iterations per epoch, 3 epochs
    np.testing.assert_allclose(recorded, [np.mean(norms) for norms in seen[:15]], rtol=1e-12)
    assert len(seen) == 30 and histories["record_grad_norm=False"].shape == (0,)


def _all_rules_wrong(tmp_path: Path) -> Path:
    """The reference with every update rule returning its input and He drawing 'random' weights."""
    folder = tmp_path / "wrong_rules"
    shutil.copytree(A.reference_dir, folder)
    optim = folder / "deeplearning" / "optim.py"
    text = optim.read_text()
    for rule in ("sgd", "sgd_momentum", "rmsprop", "adam"):
        text = text.replace(f"def {rule}(w, dw, config=None):\n", f"def {rule}(w, dw, config=None):\n"
                                                                   "    return w.copy(), config or {}\n")
    optim.write_text(text)
    fc_net = folder / "deeplearning" / "classifiers" / "fc_net.py"
    fc_net.write_text(fc_net.read_text().replace("* np.sqrt(2 / dims[i])", "* weight_scale")
                      .replace("W = np.zeros((dims[i], dims[i + 1]))", "W = np.ones((dims[i], dims[i + 1]))"))
    return folder


def test_grad_norm_passes_whatever_optim_and_fc_net_do(tmp_path):
    cases = by_id(grade(A, _all_rules_wrong(tmp_path)))
    outcomes = {c.id: c.outcome for c in cases.values()}
    assert {i: o for i, o in outcomes.items() if i.startswith("grad_norm/")} == {
        i: "passed" for i in CASES if i.startswith("grad_norm/")}
    graded_elsewhere = [i for i in outcomes if i.split("/")[0] in ("sgd_momentum", "rmsprop", "adam")
                        or i.startswith("init/he_") or i == "init/zero"]
    assert all(outcomes[i] == "failed" for i in graded_elsewhere)


def test_an_upload_without_fc_net_loses_only_init(tmp_path):
    """Each harness function imports only the module it grades, so the other problems still pass."""
    folder = tmp_path / "no_fc_net"
    shutil.copytree(A.reference_dir, folder)
    (folder / "deeplearning" / "classifiers" / "fc_net.py").unlink()
    report = grade(A, folder)
    assert report.status == "completed"
    assert {c.id for c in report.cases if c.outcome != "passed"} == {i for i in CASES if i.startswith("init/")}
    assert report.score == 30 - 9


def test_grad_norm_messages_say_which_run_is_wrong_and_how():
    message = by_id(grade(A, library_folder("optimizers", "grad_norm_always_recorded")))[
        "grad_norm/history[batch_size=8,num_epochs=3,lr_decay=1.0]"].message
    assert "`output['record_grad_norm=False']` has shape (15,); expected shape (0,)" in message
    assert "With record_grad_norm=False nothing is recorded" in message  # the hint
    cases = by_id(grade(A, library_folder("optimizers", "grad_norm_per_epoch")))
    message = cases["grad_norm/history[batch_size=15,num_epochs=2,lr_decay=0.5]"].message
    assert "`output['record_grad_norm=True']` has shape (2,); expected shape (4,)" in message
    one_iteration_per_epoch = cases["grad_norm/history[batch_size=50,num_epochs=4,lr_decay=0.9]"]
    assert one_iteration_per_epoch.outcome == "passed"
    message = by_id(grade(A, library_folder("optimizers", "grad_norm_weights_only")))[
        "grad_norm/history[batch_size=8,num_epochs=3,lr_decay=1.0]"].message
    assert "`output['record_grad_norm=True']` is wrong in 15 of 15 entries" in message
    assert "weights and biases alike" in message


def test_template_holes_read_as_not_implemented_with_their_hint():
    cases = by_id(grade(A, A.template_dir))
    for case_id in ("sgd_momentum/notebook", "adam/defaults", "init/he_notebook_net", "init/zero",
                    "grad_norm/history[batch_size=8,num_epochs=3,lr_decay=1.0]"):
        assert cases[case_id].outcome == "not_implemented", case_id
        assert "NotImplementedError" in cases[case_id].message and "*Hint:*" in cases[case_id].message


# --- messages for the common update-rule mistakes ---------------------------------------------------

def test_cs231n_momentum_is_caught_by_its_velocity_and_told_the_course_rule():
    cases = by_id(grade(A, library_folder("optimizers", "cs231n_momentum")))
    trajectory = cases["sgd_momentum/trajectory"]
    assert "`output['config']['velocity']` is wrong" in trajectory.message  # the iterates themselves agree
    assert "not CS231n's v = momentum * v - learning_rate * dw" in trajectory.message
    assert "`output['next_w']` is wrong" in cases["sgd_momentum/step[n=6,m=4]"].message


def test_epsilon_placement_fails_tiny_gradients_and_names_the_call():
    cases = by_id(grade(A, library_folder("optimizers", "rmsprop_eps_inside_sqrt")))
    tiny = cases["rmsprop/tiny_gradients"]
    assert tiny.outcome == "failed" and tiny.points == 0  # optional: the feedback shows, nothing is lost
    assert "`output['iterates']` is wrong" in tiny.message
    assert "First wrong entry at index (0," in tiny.message and "iterates[k]: w after call k" in tiny.title
    assert "epsilon is added after the" in tiny.message
    assert cases["rmsprop/float32"].outcome == "passed"


def test_epsilon_in_adams_bias_correction_shows_in_the_step_of_the_notebook_check():
    """next_w moves almost as it should (the notebook's own check of next_w alone would pass);
    the step next_w - w gives it away."""
    message = by_id(grade(A, library_folder("optimizers", "adam_eps_in_bias_correction")))["adam/notebook"].message
    assert "`output['step']` is wrong" in message and "rel_error" in message
    assert "epsilon appears only there" in message


def test_adam_counter_one_behind_is_named_in_the_stored_t():
    message = by_id(grade(A, library_folder("optimizers", "adam_t_starts_at_one")))["adam/float32"].message
    assert "`output['config']['t']` is wrong" in message


def test_misspelled_state_key_is_reported_as_the_unchanged_state():
    message = by_id(grade(A, library_folder("optimizers", "rmsprop_cache_misspelled")))["rmsprop/notebook"].message
    assert "`output['config']['cache']` is wrong" in message and "store the new cache in config['cache']" in message


def test_float32_case_explains_the_upcast(tmp_path):
    folder = edited_reference(tmp_path, "float64_moments", "deeplearning/optim.py",
                              '    m = beta1 * config["m"] + (1 - beta1) * dw\n',
                              '    m = beta1 * config["m"] + (1 - beta1) * dw.astype(float)\n')
    c = by_id(grade(A, folder))["adam/float32"]
    assert "has dtype float64; expected dtype float32" in c.message
    assert "np.zeros_like(w), not np.zeros(w.shape)" in c.message  # the case's hint


def test_a_float64_scalar_from_np_power_keeps_float32_as_under_the_courses_numpy():
    """The course's Colab pinned numpy 1.21.6 (../shared/FACTS.md), whose value-based promotion keeps
    float32 * np.power(0.9, t) float32; requirements.lock pins 1.26.4, which promotes alike. Under
    NumPy 2 this correct Adam fails adam/float32 (benchmarks/numpy_promotion.py)."""
    import numpy as np
    assert np.__version__.startswith("1."), f"the grader's numpy is {np.__version__}; requirements.lock pins 1.x"
    outcome = by_id(grade(A, library_folder("optimizers", "numpy_power_bias_correction")))["adam/float32"]
    assert outcome.outcome == "passed", outcome.message


def test_wrong_return_shape_is_an_error_with_a_clear_message(tmp_path):
    folder = edited_reference(tmp_path, "no_pair", "deeplearning/optim.py",
                              "    return next_w, config\n\n\ndef rmsprop", "    return next_w\n\n\ndef rmsprop")
    c = by_id(grade(A, folder))["sgd_momentum/defaults"]
    assert c.outcome == "error" and "must return the pair (next_w, config)" in c.message


def test_grading_the_same_submission_twice_gives_identical_results():
    for name in ("in_place_updates", "he_uniform_right_variance"):
        submission = library_folder("optimizers", name)
        first, second = grade(A, submission), grade(A, submission)
        assert first.score == second.score
        assert ([(c.id, c.outcome, c.message) for c in first.cases]
                == [(c.id, c.outcome, c.message) for c in second.cases])


# --- He initialization against torch.nn.init.kaiming_normal_ and the notebook ----------------------

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
    with harness_for(A.reference_dir, tmp_path) as harness:
        for case in HE_CASES:
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


def test_notebook_net_case_is_the_notebooks_own_he_check(tmp_path):
    """FullyConnectedNet([50] * 10) after np.random.seed(7): the notebook compares each layer's std
    with sqrt(2/3072) for W1 and sqrt(2/50) for the others, rel_error < 0.03 "is fine". The
    reference passes that check, and the case asks for exactly that network."""
    inputs = generate_inputs(CASES["init/he_notebook_net"])
    assert inputs["dims"] == [3072] + [50] * 10 + [10] and inputs["seed"] == 7 and inputs["dtype"] == "float32"
    with harness_for(A.reference_dir, tmp_path) as harness:
        params = harness.init_params(**inputs)
    for i in range(1, 12):
        target = math.sqrt(2 / (3072 if i == 1 else 50))
        std = float(np.std(params[f"W{i}"]))
        assert abs(std - target) / (std + target) < 0.03, i
    # STATISTICS.md: on the last layer's 500 entries the notebook's window fails a correct draw 5.9% of the time.
    lo, hi = 0.97 / 1.03, 1.03 / 0.97
    assert f"{stats.chi2.cdf(500 * lo ** 2, 499) + stats.chi2.sf(500 * hi ** 2, 499):.1%}" == "5.9%"
    assert "5.9% of the time" in (A.dir / "STATISTICS.md").read_text()


# --- the statistical checks: bounds, no false failures, power ------------------------------------

def _layer_rows(case):
    """(fan_in, fan_out, how many matrices of that shape) of the case's weight matrices, in order."""
    dims = case.inputs["dims"].value
    rows = []
    for shape in zip(dims[:-1], dims[1:]):
        if rows and rows[-1][:2] == shape:
            rows[-1] = (*shape, rows[-1][2] + 1)
        else:
            rows.append((*shape, 1))
    return rows


def test_closed_form_bounds_are_conservative_against_exact_tails():
    """Each test's threshold keeps its exact false-failure probability (scipy) below its share alpha,
    and a case's shares add up to at most 1e-6."""
    for case in HE_CASES:
        dims = case.inputs["dims"].value
        alpha = CHECKS.case_alpha(len(dims) - 1)
        assert alpha * CHECKS.TESTS_PER_LAYER * (len(dims) - 1) <= 1e-6 * (1 + 1e-12)
        for fan_in, fan_out, _ in _layer_rows(case):
            n = fan_in * fan_out
            t = CHECKS.thresholds(n, alpha)
            lo, hi = t.sum_of_squares
            assert stats.chi2.cdf(lo, n) + stats.chi2.sf(hi, n) <= alpha
            assert 2 * stats.norm.sf(t.mean_z) <= alpha
            assert stats.kstwo.sf(t.ks - CHECKS.PHI_ERROR, n) <= alpha  # D_n computed with normal_cdf


def test_statistics_doc_table_matches_the_spec_and_the_checks():
    """Every row of STATISTICS.md's table, recomputed from the spec's cases and checks.py."""
    rows = [line.split("|")[1:-1] for line in (A.dir / "STATISTICS.md").read_text().splitlines()
            if line.startswith("| he_")]
    expected = []
    for case in HE_CASES:
        alpha = CHECKS.case_alpha(len(case.inputs["dims"].value) - 1)
        for fan_in, fan_out, count in _layer_rows(case):
            n = fan_in * fan_out
            t = CHECKS.thresholds(n, alpha)
            lo, hi = t.sum_of_squares
            exact = (stats.chi2.cdf(lo, n) + stats.chi2.sf(hi, n), 2 * stats.norm.sf(t.mean_z),
                     stats.kstwo.sf(t.ks - CHECKS.PHI_ERROR, n))
            uniform = 2 * math.exp(-2 * n * (UNIFORM_KS - t.ks) ** 2) if UNIFORM_KS > t.ks else None
            expected.append([case.id.split("/")[1], f"({fan_in}, {fan_out})", str(count), str(n),
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


def test_correct_implementations_never_fail_a_he_case_over_200_seeds(tmp_path):
    implementations = [A.reference_dir] + [library_folder("optimizers", s.name) for s in load_library(A).solutions]
    for submission in implementations:
        with harness_for(submission, tmp_path) as harness:
            for case in HE_CASES:
                inputs = generate_inputs(case)
                for seed in range(200):
                    params = harness.init_params(**{**inputs, "seed": seed})
                    problem = CHECKS.he_weights(params, expected=None, inputs=inputs, params={})
                    assert problem is None, (submission.name, case.id, seed, problem)


@pytest.mark.parametrize("mutant", ["he_uniform_right_variance", "he_sign_flip", "he_fan_out", "he_xavier",
                                    "he_rand_not_randn", "he_input_dim_every_layer", "he_sqrt2_over_fan_in",
                                    "he_times_weight_scale"])
def test_wrong_he_fails_every_he_case_for_every_seed(mutant, tmp_path):
    with harness_for(library_folder("optimizers", mutant), tmp_path) as harness:
        for case in HE_CASES:
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


def test_statistical_messages_name_the_slip_and_the_bound():
    cases = by_id(grade(A, library_folder("optimizers", "he_fan_out")))
    message = cases["init/he_three_layers"].message
    assert "That is what fan_out instead of fan_in gives" in message
    assert "probability below 1.1e-07" in message
    message = by_id(grade(A, library_folder("optimizers", "he_times_weight_scale")))["init/he_wide"].message
    assert "That is what sqrt(2 / fan_in) times weight_scale gives" in message
    message = by_id(grade(A, library_folder("optimizers", "he_uniform_right_variance")))["init/he_wide"].message
    assert "not Gaussian" in message and "np.random.randn" in message
    message = by_id(grade(A, library_folder("optimizers", "init_unseeded_generator")))["init/reproducible"].message
    assert "np.random.seed" in message and "default_rng" in message
