"""The pruning engine (skprune.coefficients._pruning): one score -> mask ->
refit loop over a schedule, with the refit objects of the linear families."""

import itertools

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.linear_model import LinearRegression, Ridge

from skprune.coefficients._pruning import prune
from skprune.families._linear import ColumnRefit
from skprune.families.logistic._loss import logistic_problem
from skprune.families.logistic._refit import LogisticRefit


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(120, 12, n_informative=5, noise=1.0, random_state=0)
    return X, y


def column_run(X, y, schedule, **params):
    refitter = ColumnRefit(LinearRegression(), X, y, {})
    dense = refitter.dense(LinearRegression().fit(X, y))
    params = {"criterion": "magnitude", "granularity": "weight", **params}
    return prune(refitter, dense, X, y, schedule=schedule, **params)


def test_each_round_keeps_the_largest_of_the_last_refit(regression):
    # magnitude, by hand: every round keeps the largest |coef| of the model
    # the round before refit on its survivors (exactly, by least squares)
    X, y = regression
    result = column_run(X, y, schedule=[9, 6, 3])
    assert [h["n_nonzero"] for h in result.history] == [12, 9, 6, 3]
    alive, coef = np.arange(12), LinearRegression().fit(X, y).coef_
    for k in (9, 6, 3):
        alive = np.sort(alive[np.argsort(-np.abs(coef), kind="stable")[:k]])
        coef = LinearRegression().fit(X[:, alive], y).coef_
    np.testing.assert_array_equal(np.flatnonzero(result.mask), alive)
    np.testing.assert_allclose(result.coef[0, alive], coef, rtol=1e-10)
    assert np.count_nonzero(result.coef) == 3


def test_refit_false_only_zeroes_the_pruned_weights(regression):
    X, y = regression
    dense = LinearRegression().fit(X, y).coef_
    result = column_run(X, y, schedule=[4], refit=False)
    kept = np.sort(np.argsort(-np.abs(dense), kind="stable")[:4])
    np.testing.assert_array_equal(np.flatnonzero(result.mask), kept)
    np.testing.assert_array_equal(result.coef[0, kept], dense[kept])
    assert result.final.n_iter == 0


def test_a_count_that_removes_nothing_costs_no_round_and_levels_are_kept(
    regression,
):
    X, y = regression
    result = column_run(X, y, schedule=[12, 8, 5], record={12, 8, 5})
    # round 0 (dense), then one round per count that removes something (12,
    # every feature, is recorded as the dense model)
    assert [h["round"] for h in result.history] == [0, 1, 2]
    assert [k for k, _, _ in result.levels] == [12, 8, 5]
    # a level's model is the one after its round; the masks nest
    previous = np.ones(12, dtype=bool)
    for n_keep, fit, _ in result.levels:
        live = fit.coef[0] != 0
        assert live.sum() == n_keep and np.all(previous | ~live)
        previous = live


def test_feature_granularity_prunes_whole_columns():
    X, y = make_regression(80, 10, n_targets=3, random_state=1)
    refitter = ColumnRefit(Ridge(), X, y, {})
    dense = refitter.dense(Ridge().fit(X, y))
    result = prune(
        refitter,
        dense,
        X,
        y,
        schedule=[4],
        criterion="magnitude",
        granularity="feature",
    )
    columns = result.mask.any(axis=0)
    assert columns.sum() == 4 and np.all(result.mask[:, columns])
    # the kept columns are those of the largest coefficient norms
    norms = np.linalg.norm(dense.coef, axis=0)
    assert set(np.flatnonzero(columns)) == set(np.argsort(-norms)[:4])
    np.testing.assert_allclose(
        result.coef[:, columns], Ridge().fit(X[:, columns], y).coef_, rtol=1e-10
    )


def test_the_logistic_refit_is_the_masked_optimum(cancer):
    X, y = cancer
    refitter = LogisticRefit(
        X,
        y,
        np.array([0, 1]),
        C=1.0,
        fit_intercept=True,
        sample_weight=None,
        max_iter=500,
        tol=1e-10,
    )
    result = prune(
        refitter,
        refitter.dense(),
        X,
        y,
        schedule=[20, 10, 5],
        criterion="magnitude",
        granularity="weight",
    )
    assert np.count_nonzero(result.coef) == 5
    # the objective's gradient vanishes on the survivors
    problem = logistic_problem(X, y, 2, result.mask, 1.0, None, True)
    theta = problem.pack(result.coef, result.intercept)
    assert np.abs(problem.loss_gradient(theta)[1]).max() < 1e-7
    # the training loss rises as coefficients go
    losses = [h["train_loss"] for h in result.history]
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(losses))


def test_a_run_read_at_a_recorded_level_is_the_run_stopped_there():
    # PrunedLogisticRegressionCV reads its final model off the path on all
    # the data: that must be what a path stopped at the level returns
    import numpy as np
    from sklearn.datasets import make_classification

    from skprune.families.logistic._path import encode_target, prune_logistic

    X, y = make_classification(200, 30, n_informative=4, random_state=0)
    classes, y_codes, sample_weight = encode_target(y, None, None, X)
    params = dict(
        criterion="magnitude",
        granularity="weight",
        refit=True,
        swap="auto",
        C=1.0,
        fit_intercept=True,
        max_iter=100,
        tol=1e-4,
        random_state=0,
        sample_weight=sample_weight,
    )
    schedule, levels = [20, 12, 8, 5, 3, 1], {20, 8, 5, 3, 1}
    full = prune_logistic(
        X, y, y_codes, classes, schedule=schedule, record=levels, **params
    )
    for level in (8, 5):
        stopped = prune_logistic(
            X,
            y,
            y_codes,
            classes,
            schedule=[k for k in schedule if k >= level],
            record={k for k in levels if k >= level},
            **params,
        )
        read = full.at(level)
        np.testing.assert_array_equal(read.mask, stopped.mask)
        np.testing.assert_array_equal(read.coef, stopped.coef)
        np.testing.assert_array_equal(read.intercept, stopped.intercept)
        assert read.history == stopped.history and read.n_iter == stopped.n_iter
        assert [k for k, *_ in read.levels] == [k for k, *_ in stopped.levels]
        assert int(np.count_nonzero(read.mask)) == level
