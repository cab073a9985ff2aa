import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import (
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, KFold

from skprune import (
    PrunedLogisticRegression,
    PrunedLogisticRegressionCV,
    logistic_pruning_path,
)
from skprune.coefficients._criteria import obs_removal_order
from skprune.coefficients._masks import geometric_schedule
from skprune.families.logistic._loss import logistic_objective, logistic_problem

TIGHT = dict(tol=1e-10, max_iter=5000)


def known_support(n_samples=600, random_state=0):
    """Independent features, 5 of 30 informative, strong signal."""
    rng = np.random.RandomState(random_state)
    X = rng.randn(n_samples, 30)
    beta = np.zeros(30)
    beta[[2, 7, 11, 19, 25]] = [2.0, -2.0, 1.5, -1.5, 2.5]
    y = (rng.rand(n_samples) < 1 / (1 + np.exp(-X @ beta))).astype(int)
    return X, y, beta != 0


def projected_gradient(X, y, n_classes, coef, intercept, C=1.0):
    mask = coef != 0
    problem = logistic_problem(X, y, n_classes, mask, C, None, True)
    return np.abs(problem.loss_gradient(problem.pack(coef, intercept))[1]).max()


@pytest.mark.parametrize(
    "criterion", ["obd", "obs", "magnitude", "scaled_magnitude", "random"]
)
@pytest.mark.parametrize("granularity", ["weight", "feature"])
@pytest.mark.parametrize("n_iter", [1, 4])
def test_kept_counts_are_exact(wine, criterion, granularity, n_iter):
    X, y = wine
    for n_keep in (1, 5, 12):
        model = PrunedLogisticRegression(
            n_keep=n_keep,
            criterion=criterion,
            granularity=granularity,
            n_iter=n_iter,
            random_state=0,
        ).fit(X, y)
        assert model.coef_.shape == (3, 13)
        assert np.all(model.coef_[~model.coef_mask_] == 0.0)
        if granularity == "feature":
            assert model.support_.sum() == n_keep
            assert model.n_nonzero_ == 3 * n_keep
        else:
            assert model.n_nonzero_ == n_keep
            assert np.count_nonzero(model.coef_) == n_keep
        counts = [
            h["n_features" if granularity == "feature" else "n_nonzero"]
            for h in model.history_[1:]
        ]
        total = 13 if granularity == "feature" else 39
        # rounds that would remove nothing are not run
        schedule = geometric_schedule(total, n_keep, n_iter)
        assert counts == sorted(set(schedule) - {total}, reverse=True)


@pytest.mark.parametrize(
    "prune_ratio, expected", [(0.0, 30), (0.5, 15), (0.9, 3), (0.99, 1)]
)
def test_prune_ratio_binary(cancer, prune_ratio, expected):
    X, y = cancer
    model = PrunedLogisticRegression(prune_ratio=prune_ratio).fit(X, y)
    assert model.coef_.shape == (1, 30)
    assert model.n_nonzero_ == expected


def test_nothing_pruned_equals_sklearn(wine):
    X, y = wine
    sw = np.random.RandomState(0).uniform(0.5, 2, len(y))
    for class_weight in (None, "balanced"):
        ours = PrunedLogisticRegression(
            prune_ratio=0.0, C=0.3, class_weight=class_weight, **TIGHT
        )
        ref = LogisticRegression(C=0.3, class_weight=class_weight, **TIGHT)
        ours.fit(X, y, sample_weight=sw)
        ref.fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
        np.testing.assert_allclose(
            ours.predict_proba(X), ref.predict_proba(X), atol=1e-6
        )


@pytest.mark.parametrize("granularity", ["weight", "feature"])
@pytest.mark.parametrize("criterion", ["obd", "obs", "magnitude"])
def test_path_levels_nest_and_are_masked_optima(wine, granularity, criterion):
    X, y = wine
    n_keeps, coefs, intercepts, n_iters = logistic_pruning_path(
        X,
        y,
        n_keeps=[1, 2, 3, 5, 8, 12],
        granularity=granularity,
        criterion=criterion,
        **TIGHT,
    )
    np.testing.assert_array_equal(n_keeps, [12, 8, 5, 3, 2, 1])
    previous = np.ones((3, 13), dtype=bool)
    for k, coef, intercept in zip(n_keeps, coefs, intercepts, strict=True):
        support = coef != 0
        if granularity == "feature":
            assert support.any(axis=0).sum() == k
        else:
            assert support.sum() == k
        assert np.all(previous | ~support), "a pruned coefficient came back"
        previous = support
        assert projected_gradient(X, y, 3, coef, intercept) < 1e-7
    # every level removed coefficients from the last optimum: a refit ran
    assert np.all(n_iters > 0)


def test_path_accepts_ratios_and_defaults(cancer):
    X, y = cancer
    n_keeps, coefs, _, _ = logistic_pruning_path(X, y, prune_ratios=[0.0, 0.5, 0.9])
    np.testing.assert_array_equal(n_keeps, [30, 15, 3])
    n_keeps, coefs, _, _ = logistic_pruning_path(X, y)
    assert n_keeps[0] == 30 and n_keeps[-1] == 1
    assert np.all(np.diff(n_keeps) < 0)
    assert [np.count_nonzero(c) for c in coefs] == n_keeps.tolist()


def test_refit_never_raises_the_loss(wine):
    X, y = wine
    for criterion in ("obd", "obs", "magnitude"):
        common = dict(n_keep=6, criterion=criterion, n_iter=1)
        # without swaps, so that both keep the same mask
        refit = PrunedLogisticRegression(swap=False, **common).fit(X, y)
        unrefit = PrunedLogisticRegression(refit=False, **common).fit(X, y)
        np.testing.assert_array_equal(refit.coef_mask_, unrefit.coef_mask_)
        loss_refit = logistic_objective(X, y, 3, refit.coef_, refit.intercept_)
        loss_unrefit = logistic_objective(X, y, 3, unrefit.coef_, unrefit.intercept_)
        assert loss_refit < loss_unrefit
        assert refit.history_[-1]["train_loss"] == pytest.approx(loss_refit)
        np.testing.assert_array_equal(
            unrefit.coef_, np.where(unrefit.coef_mask_, unrefit.dense_coef_, 0.0)
        )


def brute_force_obs(hessian, weights, groups, n_remove, free):
    """Greedy: remove the group whose removal least raises 0.5 d^T H d when the
    other parameters move to minimise the quadratic model."""
    removed, order = [], []
    candidates = list(range(len(groups)))
    for _ in range(n_remove):
        values = []
        for g in candidates:
            fixed = np.concatenate([groups[r] for r in [*removed, g]])
            rest = np.setdiff1d(free, fixed)
            d = np.zeros_like(weights)
            d[fixed] = -weights[fixed]
            # minimise over d_rest: H_rr d_rest = -H_rf d_fixed
            rhs = -hessian[np.ix_(rest, fixed)] @ d[fixed]
            d[rest] = np.linalg.lstsq(hessian[np.ix_(rest, rest)], rhs, rcond=None)[0]
            values.append(0.5 * d @ hessian @ d)
        best = candidates[int(np.argmin(values))]
        removed.append(best)
        order.append(best)
        candidates.remove(best)
    return order


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("feature_groups", [False, True])
def test_obs_equals_brute_force_greedy_on_the_quadratic_model(
    n_classes, feature_groups
):
    X, y = make_classification(
        80, 6, n_informative=4, n_redundant=1, n_classes=n_classes, random_state=1
    )
    n_rows = 1 if n_classes == 2 else n_classes
    problem = logistic_problem(X, y, n_classes, None, 1.0, None, True)
    rng = np.random.RandomState(0)
    theta = rng.randn(problem.n_free + n_rows) * 0.5
    # the Hessian, built column by column from Hessian-vector products
    hessian = np.column_stack([problem.hessp(theta, e) for e in np.eye(theta.size)])
    if feature_groups:
        groups = np.arange(problem.n_free).reshape(n_rows, 6).T
    else:
        groups = np.arange(problem.n_free)[:, np.newaxis]
    n_remove = 4
    free = np.arange(theta.size)
    keep = np.ones(theta.size, dtype=bool)
    if n_rows > 1:
        keep[-1] = False  # fix one intercept, as OBS does: softmax shift invariance
    step = obs_removal_order(hessian[np.ix_(keep, keep)], theta[keep], groups, n_remove)
    expected = brute_force_obs(hessian, theta, list(groups), n_remove, free)
    assert [int(np.flatnonzero(step == t)[0]) for t in range(n_remove)] == expected


def test_obs_criterion_keeps_brute_force_survivors(cancer):
    X, y = cancer
    X = X[:, :8]
    model = PrunedLogisticRegression(n_keep=3, criterion="obs", n_iter=1, **TIGHT).fit(
        X, y
    )
    problem = logistic_problem(X, y, 2, None, 1.0, None, True)
    theta = problem.pack(model.dense_coef_, model.dense_intercept_)
    hessian = np.column_stack([problem.hessp(theta, e) for e in np.eye(theta.size)])
    groups = list(np.arange(8)[:, np.newaxis])
    order = brute_force_obs(hessian, theta, groups, 5, np.arange(9))
    expected = np.ones(8, dtype=bool)
    expected[order] = False
    np.testing.assert_array_equal(model.support_, expected)


@pytest.mark.parametrize("criterion", ["obd", "obs", "scaled_magnitude"])
def test_sparse_equals_dense(wine, criterion):
    X, y = wine
    for granularity in ("weight", "feature"):
        params = dict(
            n_keep=5, granularity=granularity, criterion=criterion, n_iter=3, **TIGHT
        )
        dense = PrunedLogisticRegression(**params).fit(X, y)
        sparse = PrunedLogisticRegression(**params).fit(sp.csr_matrix(X), y)
        np.testing.assert_array_equal(sparse.coef_mask_, dense.coef_mask_)
        np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-6)
        np.testing.assert_allclose(
            sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), atol=1e-6
        )


def test_same_seed_same_mask(wine):
    X, y = wine

    def mask(seed):
        return (
            # swaps would lead both seeds to the same support
            PrunedLogisticRegression(
                n_keep=7, criterion="random", random_state=seed, swap=False
            )
            .fit(X, y)
            .coef_mask_
        )

    np.testing.assert_array_equal(mask(0), mask(0))
    assert not np.array_equal(mask(0), mask(1))


def test_cv_picks_the_known_support():
    X, y, true = known_support()
    model = PrunedLogisticRegressionCV(n_keeps=range(1, 16), cv=5).fit(X, y)
    assert 5 <= model.n_keep_ <= 7
    assert np.all(model.support_[true])
    assert model.n_nonzero_ == model.n_keep_
    results = model.cv_results_
    np.testing.assert_array_equal(results["n_keeps"], np.arange(1, 16))
    assert {f"split{i}_test_score" for i in range(5)} <= set(results)
    best = results["mean_test_score"].max()
    assert results["mean_test_score"][model.n_keep_ - 1] == best
    assert results["mean_test_score"][0] < best  # one feature is not enough


def correlated_support(seed, n_samples=300, n_features=100, rho=0.3):
    """abess's logistic design in small: constant correlation ``rho``, 5 true
    features with coefficients of either sign and size in [1.5, 3]."""
    rng = np.random.RandomState(seed)
    shared = rng.randn(n_samples, 1)
    X = np.sqrt(1 - rho) * rng.randn(n_samples, n_features) + np.sqrt(rho) * shared
    beta = np.zeros(n_features)
    support = rng.choice(n_features, 5, replace=False)
    beta[support] = rng.uniform(1.5, 3.0, 5) * rng.choice([-1, 1], 5)
    y = (rng.rand(n_samples) < 1 / (1 + np.exp(-X @ beta))).astype(int)
    return X, y, beta != 0


def test_cv_chooses_the_true_size_on_a_correlated_design():
    # the held-out deviance of the fold paths peaks at the true size and the
    # final model holds exactly the true features, on most draws (a rule
    # that took the best score's opposite, or the densest tie, would not)
    exact = 0
    for seed in range(6):
        X, y, true = correlated_support(seed)
        model = PrunedLogisticRegressionCV(n_keeps=list(range(1, 16)), cv=5)
        exact += np.array_equal(model.fit(X, y).support_, true)
    assert exact >= 5


@pytest.mark.parametrize("scoring", [None, "accuracy"])
def test_cv_scores_each_fold_path_on_its_held_out_rows(scoring):
    # as documented: per fold, the swapped pruning path (swap="auto" swaps
    # every level of a binary model) on the training rows, each level scored
    # on the held-out rows, by log-loss when scoring is None
    X, y, _ = correlated_support(0, n_samples=200, n_features=40)
    splits = list(KFold(3, shuffle=True, random_state=0).split(X))
    n_keeps = [2, 5, 9]
    model = PrunedLogisticRegressionCV(
        n_keeps=n_keeps, cv=splits, scoring=scoring, C=0.5
    ).fit(X, y)
    for i, (train, test) in enumerate(splits):
        levels, coefs, intercepts, _ = logistic_pruning_path(
            X[train], y[train], n_keeps=n_keeps, swap=True, C=0.5
        )
        expected = []
        for k in n_keeps:
            level = list(levels).index(k)
            proba = 1 / (1 + np.exp(-(X[test] @ coefs[level][0] + intercepts[level])))
            if scoring is None:
                expected.append(-log_loss(y[test], proba, labels=[0, 1]))
            else:
                expected.append(np.mean((proba > 0.5) == y[test]))
        np.testing.assert_allclose(
            model.cv_results_[f"split{i}_test_score"], expected, rtol=1e-6
        )


def test_cv_final_model_is_the_path_level_and_jobs_agree():
    X, y, _ = known_support(300, random_state=1)
    params = dict(n_keeps=[2, 4, 6, 8], cv=3, **TIGHT)
    one = PrunedLogisticRegressionCV(n_jobs=1, **params).fit(X, y)
    two = PrunedLogisticRegressionCV(n_jobs=2, **params).fit(X, y)
    np.testing.assert_array_equal(
        one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(one.coef_, two.coef_)
    n_keeps, coefs, _, _ = logistic_pruning_path(
        X, y, n_keeps=[2, 4, 6, 8], swap=True, **TIGHT
    )
    level = list(n_keeps).index(one.n_keep_)
    np.testing.assert_allclose(one.coef_, coefs[level], atol=1e-8)


def test_cv_ties_go_to_the_sparser_level():
    X, y, _ = known_support(200)

    def constant(estimator, X, y):
        return 0.5

    model = PrunedLogisticRegressionCV(n_keeps=[3, 6, 9], cv=3, scoring=constant).fit(
        X, y
    )
    assert model.n_keep_ == 3


def test_bad_input_gets_clear_errors(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match="n_keeps must be a non-empty"):
        PrunedLogisticRegressionCV(n_keeps=[]).fit(X, y)
    with pytest.raises(ValueError, match="must be sorted"):
        PrunedLogisticRegressionCV(n_keeps=[3, 1, 2]).fit(X, y)
    with pytest.raises(ValueError, match="must be sorted"):
        logistic_pruning_path(X, y, n_keeps=[2, 2, 1])
    with pytest.raises(
        ValueError,
        match=r"n_keeps has 31, more than the number of "
        r"coefficients \(30\)",
    ):
        PrunedLogisticRegressionCV(n_keeps=[1, 31]).fit(X, y)
    with pytest.raises(ValueError, match="prune_ratios must lie in"):
        logistic_pruning_path(X, y, prune_ratios=[0.5, 1.0])
    with pytest.raises(ValueError, match="not both"):
        logistic_pruning_path(X, y, n_keeps=[1], prune_ratios=[0.5])
    y_rare = y.copy()
    y_rare[:] = 0
    y_rare[:1] = 1
    with pytest.raises(ValueError, match="Class 1 has a single row"):
        PrunedLogisticRegressionCV(cv=5).fit(X, y_rare)
    with pytest.raises(ValueError, match="only one class"):
        PrunedLogisticRegression().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="only one class"):
        PrunedLogisticRegressionCV().fit(X, np.zeros(len(y)))
    with pytest.raises(
        ValueError,
        match=r"n_keep=31 is larger than the number of "
        r"coefficients \(30\)",
    ):
        PrunedLogisticRegression(n_keep=31).fit(X, y)
    with pytest.raises(ValueError, match="prune_ratio"):
        PrunedLogisticRegression(prune_ratio=1.5).fit(X, y)
    with pytest.raises(ValueError, match="criterion"):
        PrunedLogisticRegression(criterion="hessian").fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        PrunedLogisticRegression().fit(X, np.linspace(0, 1, len(y)))
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PrunedLogisticRegression().fit(X_nan, y)


def test_sparsify_densify_and_prediction_methods(wine):
    X, y = wine
    model = PrunedLogisticRegression(n_keep=6).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(1)])
    model.sparsify()
    assert sp.issparse(model.coef_) and model.coef_.nnz == 6
    np.testing.assert_allclose(model.predict_proba(X), proba)
    model.densify()
    assert isinstance(model.coef_, np.ndarray)
    np.testing.assert_allclose(model.predict_proba(X), proba)


def test_binary_probabilities_match_sklearn_conventions(cancer):
    X, y = cancer
    model = PrunedLogisticRegression(n_keep=4).fit(X, y)
    ref = LogisticRegression()
    ref.classes_, ref.coef_, ref.intercept_ = (
        model.classes_,
        model.coef_,
        model.intercept_,
    )
    ref.n_features_in_ = 30
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X))
    np.testing.assert_allclose(model.decision_function(X), ref.decision_function(X))


def test_warm_start_starts_from_the_previous_dense_fit(wine):
    X, y = wine
    model = PrunedLogisticRegression(n_keep=5, warm_start=True, **TIGHT).fit(X, y)
    cold_iters = model.history_[0]["n_iter"]
    coef = model.coef_.copy()
    model.fit(X, y)
    assert model.history_[0]["n_iter"] < cold_iters
    np.testing.assert_allclose(model.coef_, coef, atol=1e-6)


def test_callable_criterion_sees_the_current_model(wine):
    X, y = wine
    seen = []

    def by_magnitude(model, X, y):
        seen.append(np.count_nonzero(model.coef_))
        np.testing.assert_array_equal(model.classes_, [0, 1, 2])
        return np.abs(model.coef_)

    ours = PrunedLogisticRegression(n_keep=5, n_iter=3, criterion=by_magnitude)
    ours.fit(X, y)
    assert seen[0] == 39 and seen[1:] == geometric_schedule(39, 5, 3)[:-1]
    magnitude = PrunedLogisticRegression(n_keep=5, n_iter=3, criterion="magnitude")
    np.testing.assert_array_equal(ours.coef_mask_, magnitude.fit(X, y).coef_mask_)


def test_verbose_reports_rounds(wine, capsys):
    X, y = wine
    PrunedLogisticRegression(n_keep=5, n_iter=2, verbose=1).fit(X, y)
    lines = [
        line for line in capsys.readouterr().out.splitlines() if "[skprune]" in line
    ]
    assert len(lines) == 3 and "round 2: 5 coefficients" in lines[-1]


def test_non_convergence_warns(cancer):
    X, y = cancer
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        PrunedLogisticRegression(max_iter=2).fit(X * 100, y)


def test_grid_search_over_prune_ratio(cancer):
    X, y = cancer
    search = GridSearchCV(
        PrunedLogisticRegression(granularity="feature"),
        {"prune_ratio": [0.0, 0.8, 0.97]},
        cv=3,
    ).fit(X, y)
    assert search.best_params_["prune_ratio"] in (0.0, 0.8)
    assert search.best_estimator_.support_.sum() in (30, 6)


def test_cv_with_an_unstratified_splitter_and_iris(iris):
    X, y = iris
    rng = np.random.RandomState(0)
    order = rng.permutation(len(y))
    model = PrunedLogisticRegressionCV(
        n_keeps=[1, 2, 4],
        granularity="feature",
        cv=KFold(3, shuffle=True, random_state=0),
        scoring="accuracy",
    ).fit(X[order], y[order])
    assert model.n_keep_ in (1, 2, 4)
    assert model.score(X, y) > 0.9


def test_inputs_are_not_modified(wine):
    X, y = wine
    X_sparse = sp.csr_matrix(X)
    saved = X.copy(), X_sparse.copy(), y.copy()
    sw = np.ones(len(y))
    PrunedLogisticRegression(criterion="obs", n_iter=2).fit(X, y, sample_weight=sw)
    PrunedLogisticRegressionCV(n_keeps=[2, 4], cv=3).fit(X_sparse, y)
    np.testing.assert_array_equal(X, saved[0])
    assert (X_sparse != saved[1]).nnz == 0
    np.testing.assert_array_equal(y, saved[2])
    np.testing.assert_array_equal(sw, 1.0)
    assert clone(PrunedLogisticRegressionCV(n_keeps=range(1, 4))).n_keeps == range(1, 4)


def test_default_scoring_is_neg_log_loss(wine):
    X, y = wine
    params = dict(n_keeps=[2, 5, 9], cv=3)
    default = PrunedLogisticRegressionCV(**params).fit(X, y)
    scorer = PrunedLogisticRegressionCV(scoring="neg_log_loss", **params).fit(X, y)
    np.testing.assert_allclose(
        default.cv_results_["mean_test_score"],
        scorer.cv_results_["mean_test_score"],
        rtol=1e-12,
    )
    assert default.n_keep_ == scorer.n_keep_


def test_cv_verbose_reports_folds_and_choice(wine, capsys):
    X, y = wine
    model = PrunedLogisticRegressionCV(n_keeps=[2, 4], cv=3, verbose=1).fit(X, y)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "3 folds x" in text
    assert f"selection='best' chose n_keep={model.n_keep_}" in text
    assert "Done   3 out of   3" in text or "Done 3 out of 3" in text


def test_without_intercept(wine):
    X, y = wine
    model = PrunedLogisticRegression(n_keep=6, fit_intercept=False, **TIGHT).fit(X, y)
    np.testing.assert_array_equal(model.intercept_, 0.0)
    assert projected_gradient_no_intercept(X, y, model.coef_) < 1e-7


def projected_gradient_no_intercept(X, y, coef):
    problem = logistic_problem(X, y, 3, coef != 0, 1.0, None, False)
    return np.abs(problem.loss_gradient(problem.pack(coef, None))[1]).max()


def test_path_sample_weight_equals_repeated_rows(cancer):
    X, y = cancer
    counts = np.random.RandomState(0).randint(1, 4, len(y))
    params = dict(n_keeps=[10, 5, 2], **TIGHT)
    _, weighted, _, _ = logistic_pruning_path(X, y, sample_weight=counts, **params)
    _, repeated, _, _ = logistic_pruning_path(
        np.repeat(X, counts, axis=0), np.repeat(y, counts), **params
    )
    np.testing.assert_allclose(weighted, repeated, atol=1e-6)


def test_one_standard_error_rule_picks_the_sparsest_level_within_one_se(cancer):
    X, y = cancer
    params = dict(n_keeps=[1, 2, 3, 5, 8, 13, 21, 30], cv=5)
    best = PrunedLogisticRegressionCV(**params).fit(X, y)
    one_se = PrunedLogisticRegressionCV(selection="one_se", **params).fit(X, y)
    results = one_se.cv_results_
    table = np.array([results[f"split{i}_test_score"] for i in range(5)])
    mean = table.mean(axis=0)
    top = np.argmax(mean)
    bar = mean[top] - table[:, top].std() / np.sqrt(5)
    expected = results["n_keeps"][np.flatnonzero(mean >= bar)[0]]
    assert one_se.n_keep_ == expected
    assert best.n_keep_ == results["n_keeps"][top]
    # on breast_cancer the rule trades a hair of log-loss for fewer features
    assert one_se.n_keep_ < best.n_keep_
    assert one_se.n_nonzero_ == one_se.n_keep_


@pytest.mark.parametrize("selection", ["ebic", "gic"])
def test_information_criterion_selection_needs_no_folds(selection):
    from skprune.coefficients._pruning import MaskedFit
    from skprune.families.logistic._level_choice import information_criterion

    rng = np.random.RandomState(0)
    X = rng.randn(400, 30)
    beta = np.zeros(30)
    beta[:4] = [2.0, -2.0, 1.5, -1.5]
    y = (rng.rand(400) < 1 / (1 + np.exp(-X @ beta))).astype(int)
    model = PrunedLogisticRegressionCV(
        n_keeps=range(1, 16),
        selection=selection,
        cv=[],  # cv is never used
    ).fit(X, y)
    # the four true features, at most one noise feature beside them
    assert model.n_keep_ in (4, 5)
    assert model.support_[:4].all()
    values = model.cv_results_[selection]
    assert int(model.cv_results_["n_keeps"][np.argmin(values)]) == model.n_keep_
    # the criterion from first principles at the chosen level
    proba = model.predict_proba(X)[np.arange(len(y)), y]
    k, n, P = model.n_keep_, 400, 30
    if selection == "ebic":
        penalty = k * np.log(n) + 2 * np.log(math.comb(P, k))
    else:
        penalty = k * np.log(P) * np.log(np.log(n))
    expected = -2 * np.sum(np.log(proba)) + penalty
    assert values[np.argmin(values)] == pytest.approx(expected, rel=1e-9)
    fit = MaskedFit(model.coef_, model.intercept_, 0, None, None)
    assert information_criterion(
        selection, fit, X, y, np.ones(len(y))
    ) == pytest.approx(expected, rel=1e-9)


def test_cv_validates_its_parameters_without_folds(cancer):
    # the information-criterion branch runs no folds: fit itself validates
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = cancer
    with pytest.raises(InvalidParameterError, match="max_iter"):
        PrunedLogisticRegressionCV(selection="ebic", max_iter=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="selection"):
        PrunedLogisticRegressionCV(selection="aic").fit(X, y)


def test_sparse_rounds_start_where_the_live_columns_are_copied():
    # 1 % of 2,000 sparse features in 10 rounds: the first round prunes
    # straight to 5 % (the share a copy of the live columns is taken at), the
    # 9 others geometrically from there; dense X keeps the geometric rounds
    from scipy import sparse

    from skprune.families.logistic._loss import SLICE_BELOW_SPARSE

    rng = np.random.RandomState(0)
    X = sparse.random(600, 2000, density=0.01, random_state=rng, format="csr")
    y = (X @ rng.randn(2000) + 0.1 * rng.randn(600) > 0).astype(int)
    model = PrunedLogisticRegression(prune_ratio=0.99, n_iter=10).fit(X, y)
    kept = [entry["n_nonzero"] for entry in model.history_]
    assert kept[0] == 2000 and kept[1] == int(SLICE_BELOW_SPARSE * 2000)
    assert len(kept) == 11 and kept[-1] == model.n_nonzero_ == 20
    assert all(a > b for a, b in itertools.pairwise(kept[1:]))
    dense = PrunedLogisticRegression(prune_ratio=0.99, n_iter=10).fit(X.toarray(), y)
    assert dense.history_[1]["n_nonzero"] == round(2000 * 0.01**0.1)
