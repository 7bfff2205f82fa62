"""SVD comparators accept every valid SVD route (signs, bases inside repeated singular values,
anything for zero ones) and explain wrong answers without revealing expected values."""

import numpy as np
import pytest
import scipy.linalg
import torch
from pydantic import TypeAdapter, ValidationError

from autograder.judging.compare import compare
from autograder.spec.models import ComparatorSpec, PrincipalFeatures, SingularValues, SvdFactors

VALUES = SingularValues(kind="singular_values")
FEATURES = PrincipalFeatures(kind="principal_features")
FACTORS = SvdFactors(kind="svd_factors")


def run(spec, expected, actual):
    return compare(spec, expected, actual, inputs={}, params={}, checks={})


def random_matrix(n, d, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


def with_spectrum(n, d, s, seed=0):
    """An n x d matrix whose singular values are exactly `s` (padded with zeros) up to rounding."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((d, d)))
    sigma = np.zeros((n, d))
    sigma[:len(s), :len(s)] = np.diag(s)
    return u @ sigma @ v.T


def reference(F):
    u, s, vh = np.linalg.svd(F)
    return s, F @ vh.T


def route_numpy(F):
    return reference(F)


def route_torch(F):
    u, s, vh = torch.linalg.svd(torch.from_numpy(F))
    return s.numpy(), (torch.from_numpy(F) @ vh.T).numpy()


def route_scipy_gesvd(F):
    u, s, vh = scipy.linalg.svd(F, lapack_driver="gesvd")
    return s, F @ vh.T


def route_u_times_s(F):
    u, s, vh = np.linalg.svd(F, full_matrices=False)
    return s, u * s


def route_flipped_signs(F):
    s, P = reference(F)
    return s, P * np.where(np.arange(P.shape[1]) % 2, -1.0, 1.0)


def route_eigh(F):
    """Eigendecomposition of Fᵀ F: the least accurate valid route, with its own bases."""
    evals, V = np.linalg.eigh(F.T @ F)
    order = np.argsort(evals)[::-1]
    k = min(F.shape)
    return np.sqrt(np.clip(evals[order][:k], 0, None)), F @ V[:, order]


ROUTES = [route_numpy, route_torch, route_scipy_gesvd, route_u_times_s, route_flipped_signs, route_eigh]
MATRICES = {
    "tall": random_matrix(30, 8),
    "wide": random_matrix(10, 25, seed=1),
    "square": random_matrix(12, 12, seed=2),
    "repeated": with_spectrum(9, 7, [5.0, 5.0, 5.0, 2.0, 2.0, 1.0]),  # clusters, and one zero value
    "rank_two": with_spectrum(6, 20, [4.0, 1.5]),  # many zero singular values
}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.__name__)
@pytest.mark.parametrize("name", MATRICES)
def test_every_valid_route_passes(route, name):
    F = MATRICES[name]
    s, P = route(F)
    assert run(FEATURES, reference(F), (s, P)).passed, run(FEATURES, reference(F), (s, P)).message
    assert run(VALUES, reference(F)[0], s).passed


def test_any_rotation_inside_a_cluster_passes_but_mixing_clusters_fails():
    F = MATRICES["repeated"]
    s, P = reference(F)
    q, _ = np.linalg.qr(np.random.default_rng(3).standard_normal((3, 3)))
    rotated = P.copy()
    rotated[:, :3] = P[:, :3] @ q
    assert run(FEATURES, (s, P), (s, rotated)).passed
    mixed = P.copy()
    mixed[:, 2:4] = P[:, 2:4] @ np.array([[0.6, 0.8], [-0.8, 0.6]])  # rotates across the 5 | 2 boundary
    v = run(FEATURES, (s, P), (s, mixed))
    assert v.outcome == "failed"
    assert "columns 0 to 2 of P belong to a cluster" in v.message


def test_nearly_equal_singular_values_count_as_a_cluster_within_cluster_rtol():
    F = with_spectrum(8, 5, [3.0, 3.0 * (1 + 1e-9), 1.0], seed=4)
    s, P = reference(F)
    rotated = P.copy()
    rotated[:, :2] = P[:, :2] @ np.array([[0.6, 0.8], [-0.8, 0.6]])
    assert run(FEATURES, (s, P), (s, rotated)).passed
    strict = PrincipalFeatures(kind="principal_features", cluster_rtol=1e-12)
    assert not run(strict, (s, P), (s, rotated)).passed


def test_columns_of_zero_singular_values_are_ignored():
    F = MATRICES["rank_two"]
    s, P = reference(F)
    garbage = P.copy()
    garbage[:, 2:] = np.random.default_rng(5).standard_normal(garbage[:, 2:].shape)
    assert run(FEATURES, (s, P), (s, garbage)).passed
    garbage[:, 1] *= 1.01
    assert "column 1 of P does not match up to sign" in run(FEATURES, (s, P), (s, garbage)).message


def test_one_wrong_column_is_named_with_its_row():
    F = MATRICES["tall"]
    s, P = reference(F)
    wrong = P.copy()
    wrong[5, 3] += 0.2 * s[0]
    v = run(FEATURES, (s, P), (s, wrong))
    assert v.outcome == "failed"
    assert "column 3 of P does not match up to sign (largest error 0.2 relative to the largest singular value at " \
           "row 5)" in v.message


def test_half_a_column_flipped_is_not_a_sign_flip():
    F = MATRICES["tall"]
    s, P = reference(F)
    wrong = P.copy()
    wrong[:15, 0] *= -1
    assert "column 0 of P does not match up to sign" in run(FEATURES, (s, P), (s, wrong)).message


@pytest.mark.parametrize("name", ["tall", "wide", "square"])
def test_f_times_vh_instead_of_vh_transposed_is_recognised(name):
    F = MATRICES[name]
    u, s, vh = np.linalg.svd(F)
    v = run(FEATURES, reference(F), (s, F @ vh))
    assert v.outcome == "failed"
    assert "P looks like F @ vh rather than F @ vh.T" in v.message


def test_unscaled_singular_vectors_are_recognised():
    F = MATRICES["wide"]
    u, s, vh = np.linalg.svd(F)
    v = run(FEATURES, reference(F), (s, u))
    assert v.outcome == "failed" and "unit length" in v.message and "U·diag(s)" in v.message


def test_ascending_and_squared_singular_values_are_explained():
    F = MATRICES["tall"]
    s, P = reference(F)
    v = run(FEATURES, (s, P), (s[::-1], P[:, ::-1]))
    assert "singular values not in descending order: entry 1 is larger than entry 0" in v.message
    v = run(VALUES, s, s ** 2)
    assert v.outcome == "failed" and "squared singular values" in v.message
    assert "8 of 8 singular values are wrong" in v.message


def test_singular_values_within_relative_tolerance():
    s = np.array([10.0, 1.0, 1e-3, 0.0])
    assert run(VALUES, s, s * (1 + 5e-7)).passed
    assert run(VALUES, s, s + np.array([0, 0, 0, 5e-6])).passed  # numerically zero: absolute slack zero_rtol·s_max
    v = run(VALUES, s, s * np.array([1, 1, 1.1, 1]))
    assert v.outcome == "failed"
    assert "1 of 4 singular values are wrong" in v.message and "at index 2" in v.message
    assert "0.001" not in v.message and "1e-03" not in v.message  # no expected values
    assert "negative entry at index 3" in run(VALUES, s, s - np.array([0, 0, 0, 1.0])).message


@pytest.mark.parametrize("actual, words", [
    ((np.ones(8), np.ones((8, 30))), "`P` has shape (8, 30); expected shape (30, 8)"),
    ((np.ones(7), np.ones((30, 8))), "`s` has shape (7,); expected shape (8,)"),
    ((np.ones(8), np.ones((30, 8))), "8 of 8 singular values are wrong"),
    ((np.ones(8),), "expected the tuple (s, P), got tuple of length 1"),
    ((np.ones(8), "P"), "`P` is str; expected a real numeric array"),
    ((np.ones(8), np.full((30, 8), np.nan)), "`P` contains NaN or inf (first at index (0, 0))"),
])
def test_malformed_answers_are_described(actual, words):
    v = run(FEATURES, reference(MATRICES["tall"]), actual)
    assert v.outcome == "failed" and words in v.message


def test_transposed_principal_features_are_recognised():
    F = MATRICES["wide"]
    s, P = reference(F)
    v = run(FEATURES, (s, P), (s, P.T))
    assert "It looks transposed" in v.message


def test_reduced_and_full_shapes_are_both_accepted_for_wide_matrices():
    F = MATRICES["wide"]
    s, P = reference(F)
    assert run(FEATURES, (s, P), (s, P[:, :10])).passed
    assert run(FEATURES, (s, P), (s, P[:, :15])).passed
    assert "expected shape (10, 25) (or (10, 10)" in run(FEATURES, (s, P), (s, P[:, :9])).message


@pytest.mark.parametrize("actual", [None, (None, None), (np.ones(8), None)])
def test_none_is_not_implemented(actual):
    v = run(FEATURES, reference(MATRICES["tall"]), actual)
    assert v.outcome == "not_implemented" and "not implemented" in v.message


def test_float32_routes_pass_with_float32_tolerances():
    F = MATRICES["repeated"].astype(np.float32)
    loose = PrincipalFeatures(kind="principal_features", rtol=1e-4, zero_rtol=1e-5, cluster_rtol=1e-4, atol=1e-4)
    expected = reference(F.astype(np.float64))
    assert run(loose, expected, route_torch(F)).passed
    assert run(loose, expected, route_eigh(F)).passed


def factor_routes(F):
    yield np.linalg.svd(F)
    yield np.linalg.svd(F, full_matrices=False)
    yield tuple(t.numpy() for t in torch.linalg.svd(torch.from_numpy(F)))
    yield scipy.linalg.svd(F, lapack_driver="gesvd")
    u, s, vh = np.linalg.svd(F)
    signs = np.where(np.arange(u.shape[1]) % 3 == 0, -1.0, 1.0)
    yield u * signs, s, (vh.T * np.concatenate([signs[:len(s)], np.ones(vh.shape[0] - len(s))])[:vh.shape[0]]).T


@pytest.mark.parametrize("name", MATRICES)
def test_factors_from_every_route_pass(name):
    F = MATRICES[name]
    for factors in factor_routes(F):
        v = run(FACTORS, np.linalg.svd(F), factors)
        assert v.passed, v.message


def test_factors_with_mismatched_signs_or_rotations_fail():
    F = MATRICES["repeated"]
    u, s, vh = np.linalg.svd(F)
    flipped = u.copy()
    flipped[:, 3] *= -1  # U's column flipped, Vh's row not
    v = run(FACTORS, (u, s, vh), (flipped, s, vh))
    assert v.outcome == "failed" and "U·diag(s)·Vh does not reproduce the matrix" in v.message
    q, _ = np.linalg.qr(np.random.default_rng(6).standard_normal((3, 3)))
    both = u.copy(), vh.copy()
    both[0][:, :3] = u[:, :3] @ q
    both[1][:3] = q.T @ vh[:3]
    assert run(FACTORS, (u, s, vh), (both[0], s, both[1])).passed  # the same rotation on both sides
    v = run(FACTORS, (u, s, vh), (both[0], s, vh))
    assert "U·diag(s)·Vh does not reproduce" in v.message
    v = run(FACTORS, (u, s, vh), (u, s, vh[::-1]))
    assert v.outcome == "failed" and "of Vh" in v.message


def test_spec_validates_svd_comparators():
    adapter = TypeAdapter(ComparatorSpec)
    spec = adapter.validate_python({"kind": "principal_features", "atol": 1e-4, "zero_rtol": 1e-5})
    assert isinstance(spec, PrincipalFeatures) and spec.atol == 1e-4 and spec.rtol == 1e-6
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "singular_values", "atol": 1e-4})  # vectors' tolerance: not for values
    with pytest.raises(ValidationError):
        adapter.validate_python({"kind": "svd_factors", "rtol": -1})
