"""Swap refinement: exact exchange scores and exchanges that only lower the loss."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_wine
from sklearn.preprocessing import scale

from skprune import (
    PrunedLogisticRegression,
    PrunedLogisticRegressionCV,
    logistic_pruning_path,
)
from skprune.families.logistic._loss import (
    fit_masked_logistic,
    logistic_objective,
    logistic_problem,
)
from skprune.families.logistic._swaps import exchange_scores


def simulate(n=200, p=400, k=6, rho=0.1, seed=0):
    # abess's logistic design: equicorrelated columns, beta_j ~ U[2m, 10m]
    rng = np.random.RandomState(seed)
    X = np.sqrt(1 - rho) * rng.randn(n, p) + np.sqrt(rho) * rng.randn(n, 1)
    m = 5 * np.sqrt(2 * np.log(p) / n)
    beta = np.zeros(p)
    support = rng.choice(p, k, replace=False)
    beta[support] = rng.uniform(2 * m, 10 * m, k) * rng.choice([-1, 1], k)
    y = (rng.rand(n) < 1 / (1 + np.exp(-X @ beta))).astype(int)
    return X, y, beta != 0


@pytest.mark.parametrize("n_classes", [2, 3])
def test_scores_are_the_exact_obs_saliency_and_score_test(n_classes):
    X, y = load_wine(return_X_y=True)
    X = scale(X)
    if n_classes == 2:
        y = (y == 0).astype(int)
    n_rows = 1 if n_classes == 2 else 3
    rng = np.random.RandomState(0)
    mask = np.zeros((n_rows, 13), dtype=bool)
    mask.ravel()[rng.choice(mask.size, 5, replace=False)] = True
    coef, intercept, _ = fit_masked_logistic(X, y, n_classes, mask=mask, tol=1e-12)
    problem = logistic_problem(X, y, n_classes, mask, 1.0, None, True)
    theta = problem.pack(coef, intercept)
    backward, forward = exchange_scores(problem, theta, X, "weight")
    # intercepts of a softmax are shift invariant: fix the last one
    keep = np.ones(theta.size, dtype=bool)
    if n_rows > 1:
        keep[-1] = False
    hessian = problem.hessian(theta)[np.ix_(keep, keep)]
    inverse = np.linalg.inv(hessian)
    rows, cols = np.nonzero(mask)
    for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
        expected = coef[r, c] ** 2 / (2 * inverse[i, i])
        assert backward[r, c] == pytest.approx(expected, rel=1e-8)
    # forward: the Schur complement from the Hessian of the larger support
    for r, c in [(0, 12), (n_rows - 1, 3)]:
        if mask[r, c]:
            continue
        bigger = mask.copy()
        bigger[r, c] = True
        big = logistic_problem(X, y, n_classes, bigger, 1.0, None, True)
        big_theta = big.pack(coef, intercept)
        grad = big.loss_gradient(big_theta)[1]
        keep_big = np.ones(big_theta.size, dtype=bool)
        if n_rows > 1:
            keep_big[-1] = False
        H = big.hessian(big_theta)[np.ix_(keep_big, keep_big)]
        j = int(np.flatnonzero(np.flatnonzero(bigger.ravel()) == r * 13 + c)[0])
        others = np.flatnonzero(np.arange(H.shape[0]) != j)
        schur = H[j, j] - H[j, others] @ np.linalg.solve(
            H[np.ix_(others, others)], H[others, j]
        )
        assert forward[r, c] == pytest.approx(grad[j] ** 2 / (2 * schur), rel=1e-6)
    assert np.all(np.isinf(backward[~mask])) and np.all(np.isinf(forward[mask]))


@pytest.mark.parametrize("granularity", ["weight", "feature"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_swaps_never_raise_the_training_loss(granularity, seed):
    X, y, _ = simulate(seed=seed)
    common = dict(n_keep=6, granularity=granularity)
    nested = PrunedLogisticRegression(swap=False, **common).fit(X, y)
    swapped = PrunedLogisticRegression(swap=True, **common).fit(X, y)
    assert swapped.n_nonzero_ == nested.n_nonzero_
    assert swapped.history_[-1]["train_loss"] <= nested.history_[-1]["train_loss"]


def test_swaps_recover_a_support_nested_pruning_misses():
    X, y, true = simulate(seed=3)  # nested pruning finds 4 of the 6
    nested = PrunedLogisticRegression(n_keep=6, swap=False).fit(X, y)
    swapped = PrunedLogisticRegression(n_keep=6, swap=True).fit(X, y)
    assert not np.array_equal(nested.support_, true)
    np.testing.assert_array_equal(swapped.support_, true)
    assert swapped.history_[-1]["train_loss"] < nested.history_[-1]["train_loss"]


def test_multiclass_feature_swaps_and_sparse_equal_dense():
    X, y = load_wine(return_X_y=True)
    X = scale(X)
    dense = PrunedLogisticRegression(n_keep=3, granularity="feature", swap=True)
    dense.fit(X, y)
    sparse = PrunedLogisticRegression(n_keep=3, granularity="feature", swap=True)
    sparse.fit(sp.csr_matrix(X), y)
    np.testing.assert_array_equal(dense.support_, sparse.support_)
    np.testing.assert_allclose(dense.coef_, sparse.coef_, atol=1e-6)
    nested = PrunedLogisticRegression(n_keep=3, granularity="feature", swap=False)
    nested.fit(X, y)
    assert dense.history_[-1]["train_loss"] <= nested.history_[-1]["train_loss"]


def test_path_and_cv_swap_every_level_and_need_refit():
    X, y, true = simulate(seed=3)
    levels = [12, 6, 3]
    _, coefs, icpts, _ = logistic_pruning_path(X, y, n_keeps=levels, swap=True)
    _, n_coefs, n_icpts, _ = logistic_pruning_path(X, y, n_keeps=levels)
    assert [int(np.count_nonzero(c)) for c in coefs] == levels
    swapped = [
        logistic_objective(X, y, 2, c, b) for c, b in zip(coefs, icpts, strict=True)
    ]
    nested = [
        logistic_objective(X, y, 2, c, b) for c, b in zip(n_coefs, n_icpts, strict=True)
    ]
    assert np.all(np.array(swapped) <= np.array(nested))
    assert swapped[1] < nested[1]
    cv = PrunedLogisticRegressionCV(n_keeps=[3, 6, 12], cv=3, swap=True).fit(X, y)
    assert cv.n_nonzero_ == cv.n_keep_
    assert cv.support_[true].sum() >= 5
    with pytest.raises(ValueError, match="needs refit=True"):
        PrunedLogisticRegression(swap=True, refit=False).fit(X, y)
    # the default swaps with refit and quietly not without
    assert PrunedLogisticRegression(refit=False).fit(X, y).n_nonzero_ == 200
    default = PrunedLogisticRegression(n_keep=6).fit(X, y)
    explicit = PrunedLogisticRegression(n_keep=6, swap=True).fit(X, y)
    np.testing.assert_array_equal(default.coef_, explicit.coef_)


def test_top_k_is_a_stable_sort_prefix():
    from skprune.families.logistic._swaps import top_k

    rng = np.random.RandomState(0)
    for _ in range(300):
        n = rng.randint(1, 40)
        scores = rng.randint(0, 4, n).astype(float)  # many ties
        scores[rng.rand(n) < 0.2] = -np.inf
        items = np.arange(n) * 3
        k = rng.randint(1, 8)
        expected = items[np.argsort(-scores, kind="stable")[:k]]
        np.testing.assert_array_equal(top_k(items, scores, k), expected)


def test_cv_auto_swaps_every_level_when_binary_and_the_final_model_otherwise():
    X, y, _ = simulate(seed=3)
    params = dict(n_keeps=[3, 6, 12], cv=3)
    auto = PrunedLogisticRegressionCV(**params).fit(X, y)
    every = PrunedLogisticRegressionCV(swap=True, **params).fit(X, y)
    nested = PrunedLogisticRegressionCV(swap=False, **params).fit(X, y)
    np.testing.assert_array_equal(
        auto.cv_results_["mean_test_score"], every.cv_results_["mean_test_score"]
    )
    assert not np.array_equal(
        auto.cv_results_["mean_test_score"], nested.cv_results_["mean_test_score"]
    )
    X, y = load_wine(return_X_y=True)
    X = scale(X)
    params = dict(n_keeps=[2, 4, 8], cv=3)
    auto = PrunedLogisticRegressionCV(**params).fit(X, y)
    nested = PrunedLogisticRegressionCV(swap=False, **params).fit(X, y)
    np.testing.assert_array_equal(
        auto.cv_results_["mean_test_score"], nested.cv_results_["mean_test_score"]
    )
    assert auto.n_nonzero_ == auto.n_keep_
    assert auto.history_[-1]["train_loss"] <= nested.history_[-1]["train_loss"]
