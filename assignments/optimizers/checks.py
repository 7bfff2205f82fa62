"""Property checks for optimizers; run in the grader on the student's returned data.

Initialization is graded by statistics, not equality: a student's weights are another draw than
the reference's unless both make the same calls to np.random. Each weight matrix W of a layer
must look like i.i.d. N(0, sigma^2) draws for the sigma the course asked for. Three tests per
matrix, each with a closed-form bound on its false-failure probability for a correct draw:

- mean: Z = sum(W / sigma) / sqrt(n) ~ N(0, 1); the Chernoff bound P(|Z| > z) <= 2 exp(-z^2 / 2);
- variance: S = sum((W / sigma)^2) ~ chi^2_n; Laurent & Massart (2000, Lemma 1) bound both tails;
- Gaussian shape: the Kolmogorov-Smirnov distance D_n to the N(0, sigma^2) CDF; the
  Dvoretzky-Kiefer-Wolfowitz inequality with Massart's (1990) constant, P(D_n > e) <= 2 exp(-2 n e^2)
  (the threshold leaves room for the error of our normal CDF).

A case splits FALSE_FAILURE_BUDGET evenly over its tests (union bound), so a correct
implementation fails a statistical case with probability at most 1e-6. STATISTICS.md has the
derivation and the thresholds of every case.
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder import Verdict, describe, not_implemented, property_check

FALSE_FAILURE_BUDGET = 1e-6  # per statistical case, for a correct implementation
TESTS_PER_LAYER = 3  # mean, variance, Gaussian shape

# Numerical Recipes in C, 2nd ed. (Press et al., 1992), section 6.2, function erfcc: a Chebyshev fit
# of erfc with fractional error below 1.2e-7 everywhere, so normal_cdf is within PHI_ERROR of Phi.
# numpy has no erfc, scipy is no grader dependency, and math.erfc entry by entry is ten times slower.
PHI_ERROR = 1.2e-7
_ERFCC = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
          1.48851587, -0.82215223, 0.17087277)

_NOT_IMPLEMENTED = "no parameters came back: the initialization looks not implemented yet."


def case_alpha(num_layers: int) -> float:
    """The false-failure probability allowed to each test of a case with this many weight matrices."""
    return FALSE_FAILURE_BUDGET / (TESTS_PER_LAYER * num_layers)


@dataclass(frozen=True)
class Thresholds:
    """Acceptance region of the three tests on a matrix of n entries; each test fails a correct
    draw with probability at most alpha."""
    n: int
    alpha: float
    sum_of_squares: tuple[float, float]  # for S = sum((W / sigma)^2)
    mean_z: float  # for |Z| = |sum(W / sigma)| / sqrt(n)
    ks: float  # for D_n = sup |F_n - Phi(. / sigma)|, with room for the error of normal_cdf


def thresholds(n: int, alpha: float) -> Thresholds:
    x = math.log(2 / alpha)  # each tail of each test may fail with probability alpha / 2
    return Thresholds(n=n, alpha=alpha,
                      sum_of_squares=(n - 2 * math.sqrt(n * x), n + 2 * math.sqrt(n * x) + 2 * x),
                      mean_z=math.sqrt(2 * x), ks=math.sqrt(x / (2 * n)) + PHI_ERROR)


@dataclass(frozen=True)
class LayerStatistics:
    n: int
    sum_of_squares: float
    mean_z: float
    ks: float


def layer_statistics(W: np.ndarray, sigma: float) -> LayerStatistics:
    u = np.asarray(W, dtype=np.float64).ravel() / sigma
    n = u.size
    cdf = normal_cdf(np.sort(u))
    ranks = np.arange(1, n + 1) / n
    ks = float(max(np.max(ranks - cdf), np.max(cdf - (ranks - 1 / n))))
    # np.sum, not u @ u: a BLAS call spins up threads, which costs milliseconds on a busy machine.
    return LayerStatistics(n=n, sum_of_squares=float(np.sum(u * u)), mean_z=float(u.sum() / math.sqrt(n)), ks=ks)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x), the standard normal CDF, to within PHI_ERROR."""
    z = np.abs(x) / math.sqrt(2)
    t = 1 / (1 + 0.5 * z)
    poly = np.zeros_like(t)
    for c in reversed(_ERFCC):
        poly = c + t * poly
    half_erfc = 0.5 * t * np.exp(-z * z + poly)  # erfc(z) / 2
    return np.where(x >= 0, 1 - half_erfc, half_erfc)


@property_check
def he_weights(actual: Any, *, expected: Any, inputs: dict, params: dict) -> str | Verdict | None:
    """Every W_l ~ N(0, 2 / fan_in) entrywise, fan_in = dims[l-1] (the layer's number of inputs)."""
    dims = [int(d) for d in inputs["dims"]]
    layers = [_Layer(fan_in, fan_out, math.sqrt(2 / fan_in), {
        "fan_out instead of fan_in": math.sqrt(2 / fan_out),
        "the first layer's fan_in, input_dim, in every layer": math.sqrt(2 / dims[0]),
        "sqrt(1 / fan_in) (the factor 2 is missing)": math.sqrt(1 / fan_in),
        "2 / sqrt(fan_in)": 2 / math.sqrt(fan_in),
        "sqrt(2) / fan_in (the square root is taken of 2 only)": math.sqrt(2) / fan_in,
        "sqrt(2 / fan_in) times weight_scale": math.sqrt(2 / fan_in) * float(inputs["weight_scale"]),
        "sqrt(2 / (fan_in + fan_out))": math.sqrt(2 / (fan_in + fan_out)),
        "weight_scale (the 'random' initialization)": float(inputs["weight_scale"]),
    }) for fan_in, fan_out in zip(dims[:-1], dims[1:])]
    return _gaussian_weights(actual, layers, inputs["dtype"], "sqrt(2 / fan_in)")


@property_check
def reproducible(actual: Any, *, expected: Any, inputs: dict, params: dict) -> str | Verdict | None:
    """(params after seed s, params after seed s again, params after seed s + 1)."""
    if actual is None:
        return not_implemented(_NOT_IMPLEMENTED)
    first, again, other = actual
    differs = [k for k in sorted(first) if k not in again or not _identical(first[k], again[k])]
    if differs:
        return (f"Two networks built right after np.random.seed(s), with the same s, differ (in {differs[0]}). "
                "Draw every weight from the global np.random stream (np.random.randn), not from "
                "np.random.default_rng() or another generator that np.random.seed does not control.")
    weights = [k for k in first if k.startswith("W")]
    if weights and all(k in other and _identical(first[k], other[k]) for k in weights):
        return ("Networks built after np.random.seed with two different seeds have identical weights, so the "
                "weights do not come from the global np.random stream. Draw them with np.random.randn, not "
                "from a generator with a fixed seed.")
    return None


@dataclass(frozen=True)
class _Layer:
    fan_in: int
    fan_out: int
    sigma: float
    look_alikes: dict[str, float]  # plausible wrong standard deviations, named for the message


def _gaussian_weights(actual: Any, layers: list[_Layer], dtype: str, sigma_name: str) -> str | Verdict | None:
    if actual is None:
        return not_implemented(_NOT_IMPLEMENTED)
    if not isinstance(actual, dict):
        return f"FullyConnectedNet.params should be a dict; it is a {type(actual).__name__}."
    alpha = case_alpha(len(layers))
    problems = []
    for index, layer in enumerate(layers, start=1):
        name = f"W{index}"
        if name not in actual:
            problems.append(f"params has no '{name}' (its keys are {sorted(actual)}); the weights of layer "
                            f"{index} must be stored as params['{name}'].")
            continue
        problem = _layer_problem(name, actual[name], layer, dtype, sigma_name, alpha)
        if problem:
            problems.append(problem)
    return "\n\n".join(problems) or None


def _layer_problem(name: str, W: Any, layer: _Layer, dtype: str, sigma_name: str, alpha: float) -> str | None:
    shape = (layer.fan_in, layer.fan_out)
    if W is None:
        return f"params['{name}'] is None: initialize the weights of every layer."
    if not isinstance(W, np.ndarray) or W.dtype.kind != "f":
        return f"params['{name}'] should be a float array; it is {describe(W)}."
    if W.shape != shape:
        return (f"params['{name}'] has shape {W.shape}; layer {name[1:]} maps {shape[0]} inputs to {shape[1]} "
                f"outputs, so it must have shape {shape}.")
    if W.dtype != np.dtype(dtype):
        return (f"params['{name}'] has dtype {W.dtype}; the network was built with dtype={dtype}, and every "
                "parameter must have that dtype.")
    if not np.all(np.isfinite(W)):
        return f"params['{name}'] contains NaN or infinite values."
    stats, limits = layer_statistics(W, layer.sigma), thresholds(W.size, alpha)
    if abs(stats.mean_z) > limits.mean_z:
        return (f"params['{name}'] (shape {shape}): its entries are not centred at 0: their mean is "
                f"{stats.mean_z / math.sqrt(stats.n):.3g} times {sigma_name} (a correct draw stays within "
                f"{limits.mean_z / math.sqrt(stats.n):.2g} times). np.random.randn draws N(0, 1); "
                "np.random.rand draws from [0, 1).")
    lo, hi = limits.sum_of_squares
    if not lo <= stats.sum_of_squares <= hi:
        ratio = math.sqrt(stats.sum_of_squares / stats.n)
        window_of_ratio = (math.sqrt(lo / stats.n), math.sqrt(hi / stats.n))
        window = f"[{window_of_ratio[0]:.3f}, {window_of_ratio[1]:.3f}]"
        return (f"params['{name}'] (shape {shape}): the root mean square of its entries is {ratio:.3g} times "
                f"the standard deviation asked for, {sigma_name}; a correct draw of {stats.n} entries lies "
                f"within {window} times (it fails this test with probability below {alpha:.1e})."
                + _look_alike(ratio, window_of_ratio, layer, sigma_name))
    if stats.ks > limits.ks:
        return (f"params['{name}'] (shape {shape}): its values are not Gaussian. The largest gap between their "
                f"empirical CDF and the CDF of N(0, ({sigma_name})^2) is {stats.ks:.3f}; a Gaussian draw of "
                f"{stats.n} entries stays below {limits.ks:.3f}. Draw with np.random.randn, not from a uniform "
                "or a +-c distribution that only has the right variance.")
    return None


def _look_alike(ratio: float, window: tuple[float, float], layer: _Layer, sigma_name: str) -> str:
    """Names a plausible slip whose standard deviation the observed one is consistent with."""
    for slip, std in layer.look_alikes.items():
        relative = ratio * layer.sigma / std
        if not window[0] <= std / layer.sigma <= window[1] and window[0] <= relative <= window[1]:
            return (f" That is what {slip} gives (this layer has fan_in = {layer.fan_in}, "
                    f"fan_out = {layer.fan_out}).")
    return f" Scale np.random.randn by {sigma_name}."


def _identical(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=True))
    return type(a) is type(b) and a == b
