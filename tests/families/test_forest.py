"""Tree ensembles pruned as linear models over their leaves
(skprune.families.forest)."""

import pickle
import warnings

import numpy as np
import pytest
from scipy import sparse
from scipy.special import expit, softmax
from sklearn.base import is_classifier
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skprune import CoefficientPruner, CoefficientQuantizer
from skprune.families.forest import _family
from skprune.families.forest._criteria import LeafStats, tree_cost
from skprune.families.forest._family import ForestFamily
from skprune.families.forest._sklearn_trees import read_ensemble
from skprune.families.forest._trees import apply

CLASSIFIERS = [
    RandomForestClassifier(n_estimators=8, random_state=0),
    ExtraTreesClassifier(n_estimators=8, random_state=0),
    GradientBoostingClassifier(n_estimators=8, random_state=0),
    HistGradientBoostingClassifier(max_iter=8, random_state=0),
]
REGRESSORS = [
    RandomForestRegressor(n_estimators=8, random_state=0),
    ExtraTreesRegressor(n_estimators=8, random_state=0),
    GradientBoostingRegressor(n_estimators=8, random_state=0),
    HistGradientBoostingRegressor(max_iter=8, random_state=0),
]


def _name(estimator):
    return type(estimator).__name__


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X[:300], y[:300]


def _with_missing(X, seed=0):
    X = X.copy()
    rng = np.random.RandomState(seed)
    X[rng.uniform(size=X.shape) < 0.1] = np.nan
    return X


# -- the ensemble read as a linear model over its leaves ----------------------


@pytest.mark.parametrize(
    "model",
    [m for m in CLASSIFIERS[2:]] + REGRESSORS,
    ids=_name,
)
def test_an_unpruned_ensemble_predicts_as_the_original(model, iris, diabetes):
    X, y = iris if hasattr(model, "predict_proba") else diabetes
    if "Hist" in _name(model) or "RandomForest" in _name(model):
        X = _with_missing(X)  # the trees' own routing of missing values
    model.fit(X, y)
    pruner = CoefficientPruner(model, prefit=True, prune_ratio=0.0, refit=False)
    pruner.fit(X, y)
    if hasattr(model, "predict_proba"):
        np.testing.assert_allclose(
            pruner.predict_proba(X), model.predict_proba(X), atol=1e-12
        )
    else:
        np.testing.assert_allclose(pruner.predict(X), model.predict(X), atol=1e-10)
    stored = sum(
        e.tree_.node_count for e in np.ravel(getattr(model, "estimators_", []))
    ) or sum(len(p.nodes) for it in model._predictors for p in it)
    assert pruner.n_nodes_ == stored


def test_routing_matches_the_forests_own_leaves(iris):
    X, y = iris
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    ensemble = read_ensemble(forest)
    compact, leaf_nodes = ensemble.trees.compact()
    reached = leaf_nodes[apply(compact, X)]
    offsets = np.asarray(ensemble.trees.roots)
    np.testing.assert_array_equal(reached - offsets, forest.apply(X))
    # sparse X is routed the same, never made dense as a whole
    np.testing.assert_array_equal(
        apply(compact, sparse.csr_matrix(X)), apply(compact, X)
    )


# -- the refit ------------------------------------------------------------------


@pytest.mark.parametrize("granularity", ["leaf", "tree"])
@pytest.mark.parametrize(
    "model, data",
    [
        (RandomForestClassifier(n_estimators=10, random_state=0), "cancer"),
        (GradientBoostingClassifier(n_estimators=10, random_state=0), "iris"),
        (RandomForestRegressor(n_estimators=10, random_state=0), "diabetes"),
    ],
    ids=lambda v: v if isinstance(v, str) else _name(v),
)
def test_the_refit_gradient_vanishes_on_the_kept_leaves(
    model, data, granularity, request
):
    X, y = request.getfixturevalue(data)
    weight = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    pruner = CoefficientPruner(model, granularity=granularity, random_state=0)
    refitter, dense = ForestFamily.refit_object(
        pruner, X, y, {"sample_weight": weight}, "obd"
    )
    n_keep = refitter.count_alive(refitter.full_mask(dense), granularity) // 3
    stats = refitter.scores("obd", dense, n_keep, granularity, X, y, np.random)
    mask = refitter.select(stats, n_keep, granularity, refitter.full_mask(dense))
    anchor, _ = refitter._warm_start(dense, mask)
    fit = refitter.refit(dense, mask)
    assert refitter.count_alive(mask, granularity) == n_keep
    Phi, columns = refitter.design(mask)
    raw = Phi @ fit.coef[:, columns].T + fit.intercept
    if is_classifier(model):
        codes = np.searchsorted(refitter.classes, y)
        if raw.shape[1] == 1:
            residual = expit(raw) - (codes == 1)[:, None]
        else:
            residual = softmax(raw, axis=1) - np.eye(raw.shape[1])[codes]
        scale = 1.0
    else:
        residual = raw - y[:, None]
        scale = np.var(y)
    residual *= weight[:, None] / weight.sum()
    gradient = np.asarray(Phi.T @ residual).T + refitter.penalty * (
        fit.coef[:, columns] - anchor[:, columns]
    )
    allowed = refitter._row_mask(columns)  # a boosting tree feeds its class
    assert np.abs(gradient[allowed]).max() < 1e-5 * scale
    assert np.abs(residual.sum(axis=0)).max() < 1e-5 * scale  # the intercept's
    # a real refit: the values moved from where the round started
    assert np.abs(fit.coef - anchor).max() > 1e-3 * np.abs(anchor).max()


def test_a_merged_parent_predicts_for_every_row_under_its_children(cancer):
    X, y = cancer
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    pruner = CoefficientPruner(
        forest, prefit=True, granularity="leaf", prune_ratio=0.9, n_iter=3
    ).fit(X, y)
    mask = pruner.coef_mask_  # a bool per node of the fitted forest
    kept_leaves = np.flatnonzero(mask)
    reached = kept_leaves[pruner.estimator_.apply(X)]
    # every row's path in the original trees passes through the node the
    # pruned model sends it to
    path, _ = forest.decision_path(X)
    live_trees = np.unique(read_ensemble(forest).trees.tree_of[kept_leaves])
    offsets = read_ensemble(forest).trees.roots
    for k, tree in enumerate(live_trees):
        on_path = path[:, offsets[tree] :].toarray()[
            :, : forest.estimators_[tree].tree_.node_count
        ]
        local = reached[:, k] - offsets[tree]
        assert on_path[np.arange(len(y)), local].all()
    # merges happened: some kept leaves are internal nodes of the forest
    assert (~read_ensemble(forest).trees.is_leaf[kept_leaves]).any()


# -- small for real -------------------------------------------------------------


@pytest.mark.parametrize("granularity", ["leaf", "tree"])
def test_counts_are_exact_and_what_is_stored(cancer, granularity):
    X, y = cancer
    forest = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    n_keep = 40 if granularity == "leaf" else 3
    pruner = CoefficientPruner(
        forest, prefit=True, granularity=granularity, n_keep=n_keep, n_iter=2
    ).fit(X, y)
    model = pruner.estimator_
    if granularity == "leaf":
        assert pruner.n_leaves_ == model.n_leaves_ == pruner.n_nonzero_ == 40
    else:
        assert model.n_trees_ == 3
    trees = model.trees_
    # nodes are removed, not zeroed: the arrays hold the kept nodes only
    assert pruner.n_nodes_ == len(trees.left) + len(model.leaf_values_)
    assert len(trees.left) == model.n_leaves_ - model.n_trees_
    children = np.concatenate([trees.left, trees.right, trees.roots])
    assert np.array_equal(
        np.sort(children[children < 0]), -1 - np.arange(model.n_leaves_)[::-1]
    )
    assert pruner.n_bytes_ == model.n_bytes_
    assert len(pickle.dumps(model)) <= 1.5 * pruner.n_bytes_ + 2048


def test_pickle_and_predictions_agree(iris):
    X, y = iris
    pruner = CoefficientPruner(
        HistGradientBoostingClassifier(max_iter=10, random_state=0),
        granularity="leaf",
        prune_ratio=0.8,
    ).fit(X, y)
    again = pickle.loads(pickle.dumps(pruner))
    np.testing.assert_array_equal(again.predict_proba(X), pruner.predict_proba(X))


def test_prediction_is_the_sum_of_the_reached_leaves(iris):
    X, y = iris
    pruner = CoefficientPruner(
        RandomForestClassifier(n_estimators=6, random_state=0), prune_ratio=0.5
    ).fit(X, y)
    model = pruner.estimator_
    raw = model.intercept_ + model.leaf_values_[model.apply(X)].sum(axis=1)
    np.testing.assert_allclose(model.decision_function(X), raw)
    np.testing.assert_allclose(model.predict_proba(X), softmax(raw, axis=1))
    np.testing.assert_array_equal(pruner.predict(X), model.classes_[raw.argmax(1)])


# -- the rest of skprune on it ---------------------------------------------------


def test_pipeline_and_grid_search_over_prune_ratio(cancer):
    X, y = cancer
    pipe = make_pipeline(
        StandardScaler(),
        CoefficientPruner(GradientBoostingClassifier(n_estimators=10, random_state=0)),
    )
    search = GridSearchCV(
        pipe, {"coefficientpruner__prune_ratio": [0.5, 0.9]}, cv=2
    ).fit(X, y)
    assert search.best_score_ > 0.85
    nodes = [
        CoefficientPruner(
            GradientBoostingClassifier(n_estimators=10, random_state=0),
            prune_ratio=r,
        )
        .fit(X, y)
        .n_nodes_
        for r in (0.5, 0.9)
    ]
    assert nodes[0] > nodes[1]


def test_sparse_input_prunes_as_dense(cancer):
    X, y = cancer
    model = RandomForestClassifier(n_estimators=5, random_state=0)
    dense = CoefficientPruner(model, prune_ratio=0.8, random_state=0).fit(X, y)
    csr = CoefficientPruner(model, prune_ratio=0.8, random_state=0).fit(
        sparse.csr_matrix(X), y
    )
    np.testing.assert_array_equal(dense.coef_mask_, csr.coef_mask_)
    np.testing.assert_allclose(
        dense.predict_proba(X), csr.predict_proba(sparse.csr_matrix(X)), atol=1e-8
    )


def test_sample_weight_reaches_the_forest_and_the_refit(cancer):
    X, y = cancer
    weight = np.where(y == 1, 5.0, 1.0)
    model = GradientBoostingClassifier(n_estimators=5, random_state=0)
    plain = CoefficientPruner(model, prune_ratio=0.5).fit(X, y)
    weighted = CoefficientPruner(model, prune_ratio=0.5).fit(X, y, sample_weight=weight)
    # weighting the positive class raises its predicted share
    assert weighted.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean()
    # the refit of a prefit model: weights are repeated rows
    fitted = model.fit(X, y)
    repeat = np.repeat(np.arange(len(y)), weight.astype(int))
    by_weight = CoefficientPruner(fitted, prefit=True, prune_ratio=0.5).fit(
        X, y, sample_weight=weight
    )
    by_rows = CoefficientPruner(fitted, prefit=True, prune_ratio=0.5).fit(
        X[repeat], y[repeat]
    )
    np.testing.assert_array_equal(by_weight.coef_mask_, by_rows.coef_mask_)
    np.testing.assert_allclose(
        by_weight.predict_proba(X), by_rows.predict_proba(X), atol=1e-6
    )


@pytest.mark.parametrize("criterion", ["magnitude", "obd", "random"])
def test_every_criterion_prunes_to_the_count(cancer, criterion):
    X, y = cancer
    pruner = CoefficientPruner(
        RandomForestClassifier(n_estimators=10, random_state=0),
        criterion=criterion,
        n_keep=25,
        n_iter=2,
        random_state=0,
    ).fit(X, y)
    assert pruner.n_leaves_ == 25
    assert pruner.score(X, y) > 0.85


def test_a_callable_criterion_scores_the_leaves_of_the_model_it_gets(cancer):
    X, y = cancer
    seen = []

    def by_value(model, X, y):
        seen.append(model.n_leaves_)
        return np.abs(model.leaf_values_).sum(axis=1)

    pruner = CoefficientPruner(
        RandomForestClassifier(n_estimators=10, random_state=0),
        criterion=by_value,
        n_keep=30,
        n_iter=2,
    ).fit(X, y)
    assert pruner.n_leaves_ == 30
    assert len(seen) == 2 and seen[0] > seen[1] > 30

    def wrong_shape(model, X, y):
        return np.ones(3)

    with pytest.raises(ValueError, match="one score per leaf"):
        CoefficientPruner(
            RandomForestClassifier(n_estimators=3, random_state=0),
            criterion=wrong_shape,
        ).fit(X, y)


def test_the_transform_keeps_the_features_the_kept_splits_read(cancer):
    X, y = cancer
    pruner = CoefficientPruner(
        GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0),
        granularity="tree",
        n_keep=1,
    ).fit(X, y)
    used = np.unique(pruner.estimator_.trees_.feature)
    np.testing.assert_array_equal(np.flatnonzero(pruner.support_), used)
    assert pruner.transform(X).shape[1] == len(used)


def test_quantized_leaf_values(iris):
    X, y = iris
    pruner = CoefficientPruner(
        RandomForestClassifier(n_estimators=20, random_state=0), prune_ratio=0.8
    )
    quantizer = CoefficientQuantizer(pruner, n_bits=4).fit(X, y)
    model = quantizer.estimator_
    # at most 16 distinct leaf values, and the bytes count the trees too
    assert len(np.unique(model.leaf_values_)) <= 16
    assert quantizer.bytes_["structure"] == model.trees_.n_bytes
    assert quantizer.bytes_["codes"] == -(-model.leaf_values_.size * 4 // 8)
    assert quantizer.n_bytes_ < pruner.fit(X, y).n_bytes_
    assert quantizer.score(X, y) > 0.9
    with pytest.raises(ValueError, match="pruned tree ensemble"):
        CoefficientQuantizer(pruner, refit=True).fit(X, y)


@pytest.mark.parametrize("criterion", ["obd", "magnitude"])
def test_dropping_a_tree_costs_what_the_intercept_cannot_take(criterion):
    # two trees of three leaves; a constant added to a tree's leaves moves
    # only the intercept, so it costs nothing
    rng = np.random.RandomState(0)
    beta, h, n = rng.normal(size=(1, 6)), rng.uniform(1, 2, (1, 6)), np.arange(6.0)
    tree_of, leaves = np.array([0, 0, 0, 1, 1, 1]), np.arange(6)
    costs = []
    for shift in (0.0, 1e6):
        shifted = beta + np.where(tree_of == 0, shift, -shift)
        stats = LeafStats(shifted, h, np.zeros(6), n + 1, criterion)
        costs.append(tree_cost(stats, leaves, tree_of, 2))
    np.testing.assert_allclose(costs[0], costs[1], rtol=1e-6)
    assert np.all(costs[0] > 0)
    flat = LeafStats(np.full((1, 6), 3.0), h, np.zeros(6), n + 1, criterion)
    np.testing.assert_allclose(tree_cost(flat, leaves, tree_of, 2), 0.0, atol=1e-9)


def test_leaves_no_row_reaches_keep_their_values(diabetes):
    X, y = diabetes
    forest = RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y)
    # a prefit forest pruned on a few rows, which miss most leaves
    pruner = CoefficientPruner(
        forest, prefit=True, prune_ratio=0.1, refit=False, n_iter=1
    ).fit(X[:20], y[:20])
    leaves = np.flatnonzero(pruner.coef_mask_)
    unchanged = read_ensemble(forest).trees.is_leaf[leaves]
    values = pruner.estimator_.leaf_values_[unchanged, 0]
    np.testing.assert_allclose(values, pruner.dense_coef_[0, leaves[unchanged]])
    assert np.all(values != 0)


def test_the_pruned_models_are_what_scikit_learn_helpers_expect(iris, diabetes):
    from sklearn.base import is_classifier, is_regressor
    from sklearn.metrics import get_scorer

    X, y = iris
    classifier = CoefficientPruner(
        RandomForestClassifier(n_estimators=5, random_state=0)
    ).fit(X, y)
    assert is_classifier(classifier.estimator_)
    assert get_scorer("neg_log_loss")(classifier.estimator_, X, y) < 0
    regressor = CoefficientPruner(
        GradientBoostingRegressor(n_estimators=5, random_state=0)
    ).fit(*diabetes)
    assert is_regressor(regressor.estimator_)


def test_a_forest_classifier_without_refit_is_its_trees_mean_log_votes(iris):
    X, y = iris
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    pruner = CoefficientPruner(forest, prefit=True, prune_ratio=0.0, refit=False)
    pruner.fit(X, y)
    assert pruner.history_[0]["n_iter"] == 0  # nothing solved
    fractions = np.stack([t.predict_proba(X) for t in forest.estimators_])
    logits = np.log(np.clip(fractions, 1e-3, 1)).mean(axis=0)
    expected = softmax(logits, axis=1)
    np.testing.assert_allclose(pruner.predict_proba(X), expected, atol=1e-10)


def test_a_boosted_refit_sees_a_seeded_sample_of_many_rows(cancer, monkeypatch):
    X, y = cancer
    monkeypatch.setattr(_family, "REFIT_ROWS", 100)
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    pruner = CoefficientPruner(forest, prefit=True, random_state=0)
    refitter, _ = ForestFamily.refit_object(pruner, X, y, {}, "obd")
    assert refitter.leaf_of_row.shape[0] == len(y)  # a forest sees every row
    model = GradientBoostingClassifier(n_estimators=5, random_state=0).fit(X, y)
    pruner = CoefficientPruner(model, prefit=True, prune_ratio=0.5, random_state=0)
    refitter, _ = ForestFamily.refit_object(pruner, X, y, {}, "obd")
    assert refitter.leaf_of_row.shape[0] == 100
    masks = [
        CoefficientPruner(model, prefit=True, prune_ratio=0.5, random_state=seed)
        .fit(X, y)
        .coef_mask_
        for seed in (0, 0, 1)
    ]
    np.testing.assert_array_equal(masks[0], masks[1])  # same seed, same rows
    assert not np.array_equal(masks[0], masks[2])


# -- bad input -------------------------------------------------------------------


def test_clear_errors(iris, diabetes):
    X, y = iris
    with pytest.raises(ValueError, match="at least 2 classes"):
        CoefficientPruner(RandomForestClassifier(n_estimators=3)).fit(X, np.zeros(150))
    with pytest.raises(ValueError, match="larger than the number of leaves"):
        CoefficientPruner(
            RandomForestClassifier(n_estimators=2, max_depth=1), n_keep=50
        ).fit(X, y)
    # one ensemble per output: the pruner's tags say so, scikit-learn's
    # validation refuses a 2-D y
    with pytest.raises(ValueError, match="y should be a 1d array"):
        CoefficientPruner(RandomForestRegressor(n_estimators=3)).fit(
            X, np.column_stack([y, y])
        )
    with pytest.raises(ValueError, match="loss='squared_error'"):
        CoefficientPruner(GradientBoostingRegressor(loss="huber")).fit(*diabetes)
    with pytest.raises(ValueError, match="categorical"):
        CoefficientPruner(
            HistGradientBoostingClassifier(max_iter=3, categorical_features=[0])
        ).fit(np.column_stack([y % 2, X]), y)
    with pytest.raises(ValueError, match="criterion='scaled_magnitude'"):
        CoefficientPruner(
            RandomForestClassifier(n_estimators=3), criterion="scaled_magnitude"
        ).fit(X, y)
    with pytest.raises(ValueError, match="granularity='neuron'"):
        CoefficientPruner(
            RandomForestClassifier(n_estimators=3), granularity="neuron"
        ).fit(X, y)
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError, match="applies to tree ensembles"):
        CoefficientPruner(LogisticRegression(), granularity="leaf").fit(X, y)


def test_trees_that_are_single_leaves(diabetes):
    X, _ = diabetes
    y = np.full(len(X), 3.0)
    pruner = CoefficientPruner(
        RandomForestRegressor(n_estimators=4, random_state=0), n_keep=2
    ).fit(X, y)
    assert pruner.n_leaves_ == 2
    np.testing.assert_allclose(pruner.predict(X), 3.0)


def test_missing_values_route_as_the_ensemble_routes_them(iris):
    X, y = iris
    X = _with_missing(X, seed=1)
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pruner = CoefficientPruner(
            model, prefit=True, granularity="tree", prune_ratio=0.0, refit=False
        ).fit(X, y)
    np.testing.assert_allclose(pruner.predict_proba(X), model.predict_proba(X))
