import pickle
import warnings
from itertools import pairwise

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Perceptron,
    Ridge,
    RidgeClassifier,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC, LinearSVR
from sklearn.utils._param_validation import InvalidParameterError

from skprune import CoefficientPruner, PrunedLogisticRegression
from skprune.coefficients._masks import geometric_schedule
from skprune.families.logistic._loss import fit_masked_logistic, logistic_objective


def record_nonzero(seen):
    """A random criterion that records which coefficients are alive when called."""
    rng = np.random.RandomState(0)

    def criterion(estimator, X, y):
        seen.append(np.atleast_2d(estimator.coef_) != 0)
        return rng.rand(*np.shape(estimator.coef_))

    return criterion


TIGHT_LR = LogisticRegression(tol=1e-10, max_iter=5000)


@pytest.mark.parametrize("criterion", ["magnitude", "scaled_magnitude", "random"])
@pytest.mark.parametrize("granularity", ["weight", "feature"])
@pytest.mark.parametrize("n_iter", [1, 3])
@pytest.mark.parametrize("n_keep", [1, 7, 13])
def test_kept_counts_are_exact(wine, criterion, granularity, n_iter, n_keep):
    X, y = wine
    pruner = CoefficientPruner(
        LogisticRegression(),
        n_keep=n_keep,
        criterion=criterion,
        granularity=granularity,
        n_iter=n_iter,
        random_state=0,
    ).fit(X, y)
    mask = pruner.coef_mask_
    assert mask.shape == pruner.coef_.shape == (3, 13)
    assert np.all(pruner.coef_[~mask] == 0.0)
    if granularity == "feature":
        assert pruner.support_.sum() == n_keep
        assert pruner.n_nonzero_ == 3 * n_keep
        assert np.all(mask == mask[0])
    else:
        assert pruner.n_nonzero_ == mask.sum() == n_keep
    assert pruner.transform(X).shape == (len(y), pruner.support_.sum())
    np.testing.assert_array_equal(pruner.support_, mask.any(axis=0))


@pytest.mark.parametrize(
    "prune_ratio, expected", [(0.0, 39), (0.5, 20), (0.99, 1), (0.3, 28)]
)
def test_prune_ratio_floors_removed_count(wine, prune_ratio, expected):
    X, y = wine
    pruner = CoefficientPruner(LogisticRegression(), prune_ratio=prune_ratio).fit(X, y)
    assert pruner.n_nonzero_ == expected


@pytest.mark.parametrize("granularity", ["weight", "feature"])
def test_masks_nest_over_rounds_and_follow_the_schedule(wine, granularity):
    X, y = wine
    seen = []
    pruner = CoefficientPruner(
        LogisticRegression(),
        n_keep=2,
        criterion=record_nonzero(seen),
        granularity=granularity,
        n_iter=4,
    ).fit(X, y)
    masks = [*seen[1:], pruner.coef_mask_]
    for before, after in pairwise(masks):
        assert np.all(before | ~after), "a pruned coefficient came back"
    n_total = 13 if granularity == "feature" else 39
    expected = geometric_schedule(n_total, 2, 4)
    counts = [
        h["n_features" if granularity == "feature" else "n_nonzero"]
        for h in pruner.history_
    ]
    assert counts == [n_total, *expected]
    assert [h["round"] for h in pruner.history_] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("granularity", ["weight", "feature"])
@pytest.mark.parametrize("n_iter", [1, 3])
def test_masked_refit_never_raises_the_training_loss(wine, granularity, n_iter):
    X, y = wine
    common = dict(n_keep=6, granularity=granularity, n_iter=n_iter)
    unrefit = CoefficientPruner(LogisticRegression(), refit=False, **common).fit(X, y)
    refit = CoefficientPruner(LogisticRegression(), **common).fit(X, y)
    loss_unrefit = logistic_objective(X, y, 3, unrefit.coef_, unrefit.intercept_)
    loss_refit = logistic_objective(X, y, 3, refit.coef_, refit.intercept_)
    assert loss_refit < loss_unrefit
    if n_iter == 1:
        np.testing.assert_array_equal(refit.coef_mask_, unrefit.coef_mask_)
    np.testing.assert_array_equal(
        unrefit.coef_, np.where(unrefit.coef_mask_, unrefit.dense_coef_, 0.0)
    )


def test_logistic_weight_refit_is_the_masked_optimum(wine):
    X, y = wine
    pruner = CoefficientPruner(TIGHT_LR, n_keep=10).fit(X, y)
    coef, intercept, _ = fit_masked_logistic(
        X, y, 3, mask=pruner.coef_mask_, tol=1e-10, max_iter=5000
    )
    np.testing.assert_allclose(pruner.coef_, coef, atol=1e-6)
    np.testing.assert_allclose(pruner.intercept_, intercept, atol=1e-6)


@pytest.mark.parametrize("class_weight", [None, "balanced", {0: 2.0, 1: 1.0, 2: 0.5}])
def test_feature_refit_equals_sklearn_on_kept_columns(wine, class_weight):
    X, y = wine
    sw = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    lr = clone(TIGHT_LR).set_params(C=0.5, class_weight=class_weight)
    pruner = CoefficientPruner(lr, n_keep=5, granularity="feature").fit(
        X, y, sample_weight=sw
    )
    ref = clone(lr).fit(X[:, pruner.support_], y, sample_weight=sw)
    np.testing.assert_allclose(pruner.coef_[:, pruner.support_], ref.coef_, atol=1e-5)
    np.testing.assert_allclose(pruner.intercept_, ref.intercept_, atol=1e-5)


def test_generic_refit_equals_fit_on_kept_columns_and_beats_no_refit():
    X, y = make_regression(200, 20, n_informative=8, noise=20.0, random_state=0)
    alpha = 10.0
    pruner = CoefficientPruner(Ridge(alpha=alpha), n_keep=5).fit(X, y)
    ref = Ridge(alpha=alpha).fit(X[:, pruner.support_], y)
    np.testing.assert_allclose(pruner.coef_[pruner.support_], ref.coef_)
    assert np.all(pruner.coef_[~pruner.support_] == 0.0)
    unrefit = CoefficientPruner(Ridge(alpha=alpha), n_keep=5, refit=False).fit(X, y)

    def ridge_objective(model):
        residual = y - model.predict(X)
        return residual @ residual + alpha * model.coef_ @ model.coef_

    assert ridge_objective(pruner) < ridge_objective(unrefit)


def test_multirow_generic_weight_refit_keeps_pruned_weights_zero(wine):
    X, y = wine
    pruner = CoefficientPruner(LinearSVC(), n_keep=8).fit(X, y)
    assert pruner.n_nonzero_ == 8
    assert np.count_nonzero(pruner.coef_) <= 8
    assert np.all(pruner.coef_[~pruner.coef_mask_] == 0.0)


def test_sparse_equals_dense(wine):
    X, y = wine
    for granularity in ("weight", "feature"):
        params = dict(
            n_keep=5, granularity=granularity, n_iter=2, criterion="scaled_magnitude"
        )
        dense = CoefficientPruner(TIGHT_LR, **params).fit(X, y)
        for fmt in ("csr", "csc"):
            sparse = CoefficientPruner(TIGHT_LR, **params).fit(
                sp.csr_matrix(X).asformat(fmt), y
            )
            np.testing.assert_array_equal(sparse.coef_mask_, dense.coef_mask_)
            np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-6)
            assert sp.issparse(sparse.transform(sp.csr_matrix(X)))


def test_same_seed_same_mask(wine):
    X, y = wine

    def fit(seed):
        return (
            CoefficientPruner(
                LogisticRegression(),
                n_keep=10,
                criterion="random",
                random_state=seed,
                n_iter=2,
            )
            .fit(X, y)
            .coef_mask_
        )

    np.testing.assert_array_equal(fit(7), fit(7))
    assert not np.array_equal(fit(7), fit(8))
    rng_a, rng_b = np.random.RandomState(3), np.random.RandomState(3)
    np.testing.assert_array_equal(
        CoefficientPruner(LogisticRegression(), criterion="random", random_state=rng_a)
        .fit(X, y)
        .coef_mask_,
        CoefficientPruner(LogisticRegression(), criterion="random", random_state=rng_b)
        .fit(X, y)
        .coef_mask_,
    )


def test_ties_are_broken_by_position(iris):
    X, y = iris

    def constant(estimator, X, y):
        return np.ones_like(estimator.coef_)

    pruner = CoefficientPruner(LogisticRegression(), n_keep=5, criterion=constant)
    mask = pruner.fit(X, y).coef_mask_
    np.testing.assert_array_equal(mask.ravel(), np.arange(12) < 5)


def test_grid_search_over_prune_ratio_in_a_pipeline(cancer):
    X, y = cancer
    pipe = make_pipeline(
        StandardScaler(),
        CoefficientPruner(LogisticRegression(), granularity="feature"),
    )
    search = GridSearchCV(
        pipe, {"coefficientpruner__prune_ratio": [0.0, 0.5, 0.9, 0.97]}, cv=3
    ).fit(X, y)
    assert search.best_params_["coefficientpruner__prune_ratio"] in (0.0, 0.5, 0.9)
    scores = search.cv_results_["mean_test_score"]
    assert scores[3] < scores[0]  # one feature out of 30 costs accuracy
    best = search.best_estimator_[-1]
    assert best.support_.sum() == best.n_features_in_ - int(
        best.prune_ratio * best.n_features_in_
    )


def test_intermediate_pipeline_step_and_feature_names(cancer):
    pytest.importorskip("pandas")
    data = load_breast_cancer(as_frame=True)
    X, y = data.data, data.target
    pipe = make_pipeline(
        StandardScaler().set_output(transform="pandas"),
        CoefficientPruner(LogisticRegression(), n_keep=4, granularity="feature"),
        LogisticRegression(),
    ).fit(X, y)
    names = pipe[1].get_feature_names_out()
    assert len(names) == 4
    assert set(names) <= set(X.columns)
    np.testing.assert_array_equal(names, X.columns[pipe[1].support_])
    assert pipe.score(X, y) > 0.9
    # the frame's columns reached the pruner through the pandas output
    assert list(pipe[1].feature_names_in_) == list(X.columns)


@pytest.mark.parametrize(
    "estimator",
    [
        LogisticRegression(solver="liblinear"),
        LinearSVC(),
        SGDClassifier(random_state=0),
        RidgeClassifier(),
        Perceptron(random_state=0),
    ],
)
def test_classifiers(cancer, estimator):
    X, y = cancer
    pruner = CoefficientPruner(estimator, n_keep=6).fit(X, y)
    assert pruner.n_nonzero_ == 6
    assert np.count_nonzero(pruner.coef_) <= 6
    assert pruner.score(X, y) > 0.85
    np.testing.assert_array_equal(pruner.classes_, [0, 1])
    assert pruner.predict(X).shape == (len(y),)


@pytest.mark.parametrize(
    "estimator",
    [
        LinearRegression(),
        Ridge(),
        Lasso(alpha=0.1),
        ElasticNet(alpha=0.1),
        SGDRegressor(random_state=0),
        LinearSVR(loss="squared_epsilon_insensitive", dual=False),
    ],
)
def test_regressors(estimator):
    X, y = make_regression(150, 12, n_informative=4, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    pruner = CoefficientPruner(estimator, n_keep=4, granularity="feature").fit(X, y)
    assert pruner.support_.sum() == 4
    assert np.all(pruner.coef_[~pruner.support_] == 0.0)
    assert pruner.coef_.shape == (12,)
    assert pruner.score(X, y) > 0.8


def test_multi_output_regression():
    X, y = make_regression(100, 10, n_targets=3, n_informative=3, random_state=0)
    pruner = CoefficientPruner(Ridge(), n_keep=4, granularity="feature").fit(X, y)
    assert pruner.coef_.shape == (3, 10)
    assert pruner.support_.sum() == 4
    assert pruner.predict(X).shape == (100, 3)


def test_sample_weight_reaches_every_fit(wine):
    X, y = wine
    counts = np.random.RandomState(0).randint(1, 4, len(y))
    X_rep, y_rep = np.repeat(X, counts, axis=0), np.repeat(y, counts)
    for estimator in (TIGHT_LR, Ridge()):
        params = dict(n_keep=12, n_iter=3, granularity="feature")
        target = y if estimator is TIGHT_LR else y.astype(float)
        target_rep = y_rep if estimator is TIGHT_LR else y_rep.astype(float)
        weighted = CoefficientPruner(estimator, **params).fit(
            X, target, sample_weight=counts
        )
        repeated = CoefficientPruner(estimator, **params).fit(X_rep, target_rep)
        np.testing.assert_array_equal(weighted.coef_mask_, repeated.coef_mask_)
        np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-5)


def test_prefit_prunes_without_touching_the_given_estimator(cancer):
    X, y = cancer
    fitted = LogisticRegression().fit(X, y)
    before = fitted.coef_.copy()
    for refit in (False, True):
        pruner = CoefficientPruner(fitted, prefit=True, n_keep=3, refit=refit).fit(X, y)
        np.testing.assert_array_equal(fitted.coef_, before)
        assert pruner.estimator_ is not fitted
        assert np.count_nonzero(pruner.coef_) == 3
        np.testing.assert_array_equal(pruner.dense_coef_, before)
    fresh = CoefficientPruner(LogisticRegression(), n_keep=3).fit(X, y)
    np.testing.assert_allclose(pruner.coef_, fresh.coef_, atol=1e-8)
    ridge = Ridge().fit(X, y)
    CoefficientPruner(ridge, prefit=True, n_keep=3).fit(X, y)
    assert np.count_nonzero(ridge.coef_) == 30


def test_prefit_errors(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match="has 30 coefficients per row but X has 29"):
        CoefficientPruner(LogisticRegression().fit(X, y), prefit=True).fit(X[:, 1:], y)
    with pytest.raises(Exception, match="not fitted"):
        CoefficientPruner(LogisticRegression(), prefit=True).fit(X, y)
    with pytest.raises(ValueError, match="labels the prefit LogisticRegression"):
        CoefficientPruner(LogisticRegression().fit(X, y), prefit=True).fit(X, y + 5)


def test_bad_input_gets_clear_errors(cancer):
    X, y = cancer
    pruner = CoefficientPruner(LogisticRegression())
    X_nan = X.copy()
    X_nan[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        pruner.fit(X_nan, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        pruner.fit(X, y[:-1])
    with pytest.raises(InvalidParameterError, match="prune_ratio"):
        CoefficientPruner(LogisticRegression(), prune_ratio=1.0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="prune_ratio"):
        CoefficientPruner(LogisticRegression(), prune_ratio=-0.1).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"n_keep=31 is larger than the number of "
        r"coefficients \(30\)",
    ):
        CoefficientPruner(LogisticRegression(), n_keep=31).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"n_keep=31 is larger than the number of "
        r"features \(30\)",
    ):
        CoefficientPruner(LogisticRegression(), n_keep=31, granularity="feature").fit(
            X, y
        )
    with pytest.raises(TypeError, match="KNeighborsClassifier does not expose a coef_"):
        CoefficientPruner(KNeighborsClassifier()).fit(X, y)
    with pytest.raises(InvalidParameterError, match="criterion"):
        CoefficientPruner(LogisticRegression(), criterion="hessian").fit(X, y)
    for model in (LinearSVC(), LogisticRegression(solver="liblinear")):
        with pytest.raises(ValueError, match=r"criterion=.obs. needs the exact"):
            CoefficientPruner(model, criterion="obs").fit(X, y)
    fitted = CoefficientPruner(LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="X has 29 features"):
        fitted.predict(X[:, 1:])


def test_inputs_are_not_modified(wine):
    X, y = wine
    X_sparse = sp.csr_matrix(X)
    copies = X.copy(), X_sparse.copy(), y.copy()
    sw = np.ones(len(y))
    CoefficientPruner(LogisticRegression(), n_iter=2).fit(X, y, sample_weight=sw)
    CoefficientPruner(LinearSVC(), granularity="feature").fit(X_sparse, y)
    np.testing.assert_array_equal(X, copies[0])
    assert (X_sparse != copies[1]).nnz == 0
    np.testing.assert_array_equal(y, copies[2])
    np.testing.assert_array_equal(sw, 1.0)


def test_history_and_pickle_round_trip(cancer):
    X, y = cancer
    pruner = CoefficientPruner(LogisticRegression(), n_keep=3, n_iter=2).fit(X, y)
    first, last = pruner.history_[0], pruner.history_[-1]
    assert first["n_nonzero"] == 30 and last["n_nonzero"] == 3
    assert first["train_score"] == pytest.approx(
        LogisticRegression().fit(X, y).score(X, y)
    )
    assert last["train_score"] == pytest.approx(pruner.score(X, y))
    restored = pickle.loads(pickle.dumps(pruner))
    np.testing.assert_array_equal(restored.predict_proba(X), pruner.predict_proba(X))
    np.testing.assert_array_equal(
        restored.decision_function(X), pruner.decision_function(X)
    )
    np.testing.assert_allclose(
        pruner.predict_log_proba(X), np.log(pruner.predict_proba(X))
    )


def test_set_output_pandas_keeps_feature_names():
    pd = pytest.importorskip("pandas")
    data = load_breast_cancer(as_frame=True)
    pruner = CoefficientPruner(
        LogisticRegression(max_iter=5000), n_keep=3, granularity="feature"
    ).set_output(transform="pandas")
    out = pruner.fit(data.data, data.target).transform(data.data)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(data.data.columns[pruner.support_])
    np.testing.assert_array_equal(out.columns, pruner.get_feature_names_out())
    np.testing.assert_array_equal(
        out.to_numpy(), data.data.to_numpy()[:, pruner.support_]
    )


@pytest.mark.parametrize("meta", ["pruner", "subsetter"])
def test_metadata_routing_sends_sample_weight_where_requested(cancer, meta):
    from sklearn import config_context

    from skprune import SampleSubsetter

    X, y = cancer
    sw = np.random.RandomState(0).uniform(0.2, 5.0, len(y))

    def build(inner):
        if meta == "pruner":
            return CoefficientPruner(inner, n_keep=10)
        return SampleSubsetter(inner, strategy="random", n_keep=300, random_state=0)

    def coef(model):
        return model.coef_ if meta == "pruner" else model.estimator_.coef_

    with config_context(enable_metadata_routing=True):
        routed = build(LogisticRegression().set_fit_request(sample_weight=True))
        routed = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False), routed
        ).fit(X, y, sample_weight=sw)[-1]
        # a weight the inner estimator did not ask for is an error, not dropped
        with pytest.raises(ValueError, match="sample_weight"):
            build(LogisticRegression()).fit(X, y, sample_weight=sw)
    direct = build(LogisticRegression()).fit(X, y, sample_weight=sw)
    unweighted = build(LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(coef(routed), coef(direct))
    assert not np.allclose(coef(routed), coef(unweighted))


@pytest.mark.parametrize("criterion", ["obd", "obs"])
@pytest.mark.parametrize("granularity", ["weight", "feature"])
def test_second_order_criteria_around_logistic_regression(wine, criterion, granularity):
    # The same engine with the same refit object: CoefficientPruner around an
    # L2 LogisticRegression prunes exactly as PrunedLogisticRegression does.
    X, y = wine
    common = dict(n_keep=6, criterion=criterion, granularity=granularity, n_iter=3)
    pruner = CoefficientPruner(TIGHT_LR, **common).fit(X, y)
    model = PrunedLogisticRegression(tol=1e-10, max_iter=5000, swap=False, **common)
    model.fit(X, y)
    np.testing.assert_array_equal(pruner.coef_mask_, model.coef_mask_)
    np.testing.assert_allclose(pruner.coef_, model.coef_, atol=1e-6)
    magnitude = CoefficientPruner(TIGHT_LR, **{**common, "criterion": "magnitude"})
    assert not np.array_equal(magnitude.fit(X, y).coef_mask_, pruner.coef_mask_)


def test_logistic_refit_warns_when_it_does_not_converge(wine):
    X, y = wine
    model = LogisticRegression().fit(X, y).set_params(max_iter=1)
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=1"):
        CoefficientPruner(model, n_keep=5, prefit=True).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        CoefficientPruner(TIGHT_LR, n_keep=5).fit(X, y)
