"""CoefficientPruner around MLPClassifier / MLPRegressor."""

import copy
import itertools
import pickle

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import scale

from skprune import CoefficientPruner, PrunedLogisticRegression
from skprune.coefficients._criteria import taylor_scores
from skprune.coefficients._masks import geometric_schedule
from skprune.coefficients._pruning import prune
from skprune.families.network._family import MLPRefit, hidden_units_alive
from skprune.families.network._training import (
    _BACKPROP_TAKES_SAMPLE_WEIGHT,
    backprop,
    encoded_target,
    initial_weights,
    masked_lbfgs,
    remove_hidden_units,
    widen,
)
from skprune.utils._arrays import apportion as allocate

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def network(**params):
    defaults = dict(hidden_layer_sizes=(24, 12), max_iter=30, random_state=0)
    return MLPClassifier(**{**defaults, **params})


def total(arrays):
    return sum(int(np.count_nonzero(a)) for a in arrays)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("scope", ["global", "layer"])
def test_weight_counts_are_exact_and_pruned_weights_zero(small_digits, solver, scope):
    X, y = small_digits
    pruner = CoefficientPruner(
        network(solver=solver), n_keep=300, scope=scope, n_iter=2
    ).fit(X, y)
    assert pruner.n_nonzero_ == 300 == total(pruner.coef_mask_)
    for coef, mask in zip(pruner.estimator_.coefs_, pruner.coef_mask_, strict=True):
        assert coef.shape == mask.shape
        assert np.all(coef[~mask] == 0.0)
    sizes = [m.size for m in pruner.coef_mask_]
    counts = [int(m.sum()) for m in pruner.coef_mask_]
    if scope == "layer":
        # the same share of every layer, to one weight
        shares = np.array(counts) / np.array(sizes)
        assert np.all(np.abs(np.array(counts) - 300 * np.array(sizes) / sum(sizes)) < 1)
        assert shares.max() - shares.min() < 0.05
    assert [h["n_nonzero"] for h in pruner.history_] == [
        sum(sizes),
        *geometric_schedule(sum(sizes), 300, 2),
    ]


def test_global_scope_ranks_across_layers(small_digits):
    X, y = small_digits
    dense = network().fit(X, y)
    pruner = CoefficientPruner(network(), n_keep=300, refit=False).fit(X, y)
    flat = np.concatenate([np.abs(c).ravel() for c in dense.coefs_])
    kept = np.concatenate([m.ravel() for m in pruner.coef_mask_])
    # the 300 largest magnitudes of the whole network, whatever their layer
    assert flat[kept].min() >= flat[~kept].max()
    np.testing.assert_array_equal(
        np.concatenate([c.ravel() for c in pruner.estimator_.coefs_]),
        np.where(kept, np.concatenate([c.ravel() for c in dense.coefs_]), 0.0),
    )


def test_pruned_weights_are_zero_after_every_round(small_digits):
    X, y = small_digits
    seen = []

    def recorder(model, X, y):
        seen.append([c.copy() for c in model.coefs_])
        return [np.abs(c) for c in model.coefs_]

    pruner = CoefficientPruner(network(), n_keep=200, n_iter=3, criterion=recorder)
    pruner.fit(X, y)
    # the models rounds 2 and 3 score are the fine-tuned models of rounds 1, 2
    counts = [total(c) for c in seen]
    assert counts[1:] == [h["n_nonzero"] for h in pruner.history_[1:-1]]
    # the live weights of each round are among those of the round before
    for before, after in itertools.pairwise([*seen, pruner.estimator_.coefs_]):
        for b, a in zip(before, after, strict=True):
            assert not np.any((a != 0) & (b == 0))
    assert total(pruner.estimator_.coefs_) == 200


@pytest.mark.parametrize("scope", ["layer", "global"])
def test_neuron_pruning_gives_a_smaller_network_equal_to_the_masked_one(
    small_digits, scope
):
    X, y = small_digits
    pruner = CoefficientPruner(
        network(), granularity="neuron", n_keep=9, scope=scope
    ).fit(X, y)
    small = pruner.estimator_
    assert type(small) is MLPClassifier
    assert sum(small.hidden_layer_sizes) == 9
    if scope == "layer":
        assert small.hidden_layer_sizes == (6, 3)
    assert [c.shape[1] for c in small.coefs_[:-1]] == list(small.hidden_layer_sizes)
    units = [m.any(axis=1) for m in pruner.coef_mask_[1:]]
    wide = widen(small, units, network().fit(X, y))
    np.testing.assert_allclose(
        small.predict_proba(X), wide.predict_proba(X), rtol=0, atol=1e-10
    )
    # the masks describe whole units of the original network
    inputs = [np.ones(X.shape[1], dtype=bool), *units]
    for layer, keep in enumerate(units):
        assert not pruner.coef_mask_[layer][:, ~keep].any()
        assert pruner.coef_mask_[layer][np.ix_(inputs[layer], keep)].all()
    assert pruner.n_nonzero_ == sum(c.size for c in small.coefs_)
    assert len(pickle.dumps(small)) < len(pickle.dumps(network().fit(X, y)))


def test_neuron_pruning_of_a_regressor():
    X, y = make_regression(200, 10, random_state=0)
    y = y / y.std()
    model = MLPRegressor(hidden_layer_sizes=(20,), max_iter=50, random_state=0)
    pruner = CoefficientPruner(model, granularity="neuron", prune_ratio=0.75).fit(X, y)
    assert pruner.estimator_.hidden_layer_sizes == (5,)
    assert pruner.estimator_.coefs_[0].shape == (10, 5)
    assert pruner.score(X, y) > 0.5


def test_feature_granularity_is_a_pipeline_step(small_digits):
    X, y = small_digits
    pipe = make_pipeline(
        CoefficientPruner(network(), granularity="feature", n_keep=20),
        LogisticRegression(max_iter=500),
    ).fit(X, y)
    pruner = pipe[0]
    assert pruner.support_.sum() == 20
    assert pipe[1].coef_.shape[1] == 20
    np.testing.assert_array_equal(pruner.transform(X), X[:, pruner.support_])
    assert not pruner.estimator_.coefs_[0][~pruner.support_].any()
    assert pruner.estimator_.coefs_[0][pruner.support_].any(axis=1).all()
    assert pipe.score(X, y) > 0.8


def test_fine_tuning_recovers_what_zeroing_loses(small_digits):
    X, y = small_digits
    tuned = CoefficientPruner(network(max_iter=60), prune_ratio=0.9).fit(X, y)
    zeroed = CoefficientPruner(network(max_iter=60), prune_ratio=0.9, refit=False)
    zeroed.fit(X, y)
    np.testing.assert_array_equal(
        np.concatenate([m.ravel() for m in tuned.coef_mask_]),
        np.concatenate([m.ravel() for m in zeroed.coef_mask_]),
    )
    assert tuned.history_[-1]["train_loss"] < zeroed.history_[-1]["train_loss"]
    assert tuned.score(X, y) > zeroed.score(X, y)


def test_masked_lbfgs_with_all_true_masks_is_sklearns_lbfgs(small_digits):
    X, y = small_digits
    base = network(solver="lbfgs", max_iter=5).fit(X, y)
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    masks = [np.ones(c.shape, dtype=bool) for c in base.coefs_]
    masked_lbfgs(ours, X, encoded_target(ours, y), masks)
    theirs.set_params(warm_start=True).fit(X, y)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_masked_lbfgs_reaches_the_masked_optimum(small_digits):
    X, y = small_digits
    model = network(
        solver="lbfgs", activation="tanh", max_iter=5000, tol=1e-12, alpha=1.0
    ).fit(X, y)
    rng = np.random.RandomState(0)
    masks = [rng.rand(*c.shape) < 0.05 for c in model.coefs_]
    Y = encoded_target(model, y)
    masked_lbfgs(model, X, Y, masks)
    _, grads, intercept_grads, _, _ = backprop(model, X, Y)
    for coef, grad, mask in zip(model.coefs_, grads, masks, strict=True):
        assert np.all(coef[~mask] == 0.0)
        # stationary on the kept weights (to L-BFGS's ftol), not on the pruned
        assert np.abs(grad[mask]).max() < 1e-3
        assert np.abs(grad[~mask]).max() > 100 * np.abs(grad[mask]).max()
    assert max(np.abs(g).max() for g in intercept_grads) < 1e-3


@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_initial_weights_are_sklearns(small_digits, activation):
    X, y = small_digits
    # a step far below float resolution leaves fit's initial weights as they are
    model = network(
        solver="sgd", learning_rate_init=1e-300, momentum=0.0, activation=activation
    )
    model.partial_fit(X, y, classes=np.unique(y))
    coefs, intercepts = initial_weights(model, np.random.RandomState(0))
    for a, b in zip(coefs + intercepts, model.coefs_ + model.intercepts_, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("random_state", [3, "instance", None])
def test_rewind_restarts_the_survivors_from_the_initial_weights(
    small_digits, random_state
):
    X, y = small_digits
    if random_state == "instance":
        random_state = np.random.RandomState(3)
    model = network(solver="lbfgs", max_iter=40, random_state=random_state)
    np.random.seed(5)  # noqa: NPY002 (random_state=None draws from it)
    pruner = CoefficientPruner(model, n_keep=250, rewind=True).fit(X, y)
    # the same run by hand: fit, prune by magnitude, restart from the draws
    # fit started from, fine-tune under the mask
    np.random.seed(5)  # noqa: NPY002
    dense = clone(model)
    source = dense.random_state
    if isinstance(source, int):
        start = np.random.RandomState(source)
    else:
        start = np.random.RandomState()
        start.set_state((source or np.random.mtrand._rand).get_state())
    dense.fit(X, y)
    coefs, intercepts = initial_weights(dense, start)
    expected = copy.deepcopy(dense)
    expected.coefs_, expected.intercepts_ = coefs, intercepts
    masked_lbfgs(expected, X, encoded_target(expected, y), pruner.coef_mask_)
    for a, b in zip(
        pruner.estimator_.coefs_ + pruner.estimator_.intercepts_,
        expected.coefs_ + expected.intercepts_,
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    not_rewound = CoefficientPruner(clone(model), n_keep=250)
    np.random.seed(5)  # noqa: NPY002
    not_rewound.fit(X, y)
    assert not np.allclose(
        not_rewound.estimator_.coefs_[0], pruner.estimator_.coefs_[0]
    )


def test_gradient_criterion_is_the_accumulated_taylor_score(small_digits):
    X, y = small_digits
    X, y = X[:60], y[:60]
    model = network(alpha=0.0).fit(X, y)
    Y = encoded_target(model, y)
    # row by row: |w| * sum_i |gradient of row i's loss| / n
    expected = [np.zeros(c.shape) for c in model.coefs_]
    for i in range(len(y)):
        _, grads, _, _, _ = backprop(model, X[i : i + 1], Y[i : i + 1])
        for e, g in zip(expected, grads, strict=True):
            e += np.abs(g)
    expected = [
        np.abs(c) * e / len(y) for c, e in zip(model.coefs_, expected, strict=True)
    ]
    refitter = MLPRefit(X, y, sample_weight=None, granularity="weight")
    fit = refitter.dense(model)
    scores = refitter.scores("gradient", fit, 10, "weight", X, y, None)
    for s, e in zip(scores, expected, strict=True):
        np.testing.assert_allclose(s, e, rtol=1e-9, atol=1e-15)
    wrong = model.predict(X) != y
    misclassified = refitter.scores(
        "gradient_misclassified", fit, 10, "weight", X, y, None
    )
    if wrong.any():
        _, _, _, acts, deltas = backprop(model, X[wrong], Y[wrong])
        np.testing.assert_allclose(
            misclassified[0], taylor_scores(model.coefs_[0], acts[0], deltas[0])
        )
    else:
        np.testing.assert_allclose(misclassified[0], scores[0])


def test_gradient_criterion_changes_the_mask(small_digits):
    X, y = small_digits
    by = {
        criterion: CoefficientPruner(
            network(), n_keep=300, criterion=criterion, refit=False, random_state=0
        ).fit(X, y)
        for criterion in ("magnitude", "gradient", "random")
    }
    masks = {
        k: np.concatenate([m.ravel() for m in p.coef_mask_]) for k, p in by.items()
    }
    assert (masks["gradient"] != masks["magnitude"]).sum() > 20
    assert (masks["random"] != masks["magnitude"]).sum() > 100


def test_linear_gradient_criterion_formula():
    X, y = load_digits(n_class=3, return_X_y=True)
    X = scale(X)
    model = LogisticRegression(max_iter=2000).fit(X, y)
    pruner = CoefficientPruner(
        model, prefit=True, n_keep=40, criterion="gradient", refit=False
    ).fit(X, y)
    residual = model.predict_proba(X) - np.eye(3)[y]
    scores = np.abs(model.coef_) * (np.abs(residual).T @ np.abs(X)) / len(y)
    order = np.argsort(-scores.ravel(), kind="stable")[:40]
    expected = np.zeros(scores.size, dtype=bool)
    expected[order] = True
    np.testing.assert_array_equal(pruner.coef_mask_.ravel(), expected)
    # the exact logistic state scores the same way, at its own dense optimum
    own = PrunedLogisticRegression(
        n_keep=40, criterion="gradient", refit=False, n_iter=1
    )
    own.fit(X, y)
    z = X @ own.dense_coef_.T + own.dense_intercept_
    proba = np.exp(z - z.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    scores = np.abs(own.dense_coef_) * (np.abs(proba - np.eye(3)[y]).T @ np.abs(X))
    kept = np.argsort(-scores.ravel(), kind="stable")[:40]
    assert set(np.flatnonzero(own.coef_mask_.ravel())) == set(kept)
    # a regressor: squared-error residuals
    Xr, yr = make_regression(100, 8, random_state=0)
    ridge = Ridge().fit(Xr, yr)
    pr = CoefficientPruner(
        ridge, prefit=True, n_keep=3, criterion="gradient", refit=False
    ).fit(Xr, yr)
    s = np.abs(ridge.coef_) * (np.abs(ridge.predict(Xr) - yr) @ np.abs(Xr))
    assert set(np.flatnonzero(pr.coef_mask_)) == set(np.argsort(-s)[:3])


def test_sparse_X_equals_dense(small_digits):
    X, y = small_digits
    dense = CoefficientPruner(
        network(solver="lbfgs", max_iter=30), n_keep=200, criterion="gradient"
    ).fit(X, y)
    sp = CoefficientPruner(
        network(solver="lbfgs", max_iter=30), n_keep=200, criterion="gradient"
    ).fit(sparse.csr_matrix(X), y)
    for a, b in zip(dense.coef_mask_, sp.coef_mask_, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(
        dense.predict_proba(X), sp.predict_proba(sparse.csr_matrix(X)), atol=1e-6
    )


def test_pickling_round_trip(small_digits):
    X, y = small_digits
    for granularity in ("weight", "neuron"):
        pruner = CoefficientPruner(
            network(), granularity=granularity, prune_ratio=0.5
        ).fit(X, y)
        loaded = pickle.loads(pickle.dumps(pruner))
        np.testing.assert_array_equal(loaded.predict(X), pruner.predict(X))
        assert not hasattr(loaded.estimator_, "_optimizer")


@pytest.mark.skipif(
    not _BACKPROP_TAKES_SAMPLE_WEIGHT, reason="MLPs take sample_weight from 1.7"
)
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_sample_weight_is_honoured(small_digits, solver):
    X, y = small_digits
    dense = network(solver=solver, max_iter=20).fit(X, y)
    weights = np.where(np.arange(len(y)) % 3 == 0, 2.0, 1.0)

    def pruned(X, y, **fit_params):
        pruner = CoefficientPruner(dense, prefit=True, n_keep=300)
        return pruner.fit(X, y, **fit_params).estimator_

    weighted = pruned(X, y, sample_weight=weights)
    plain = pruned(X, y)
    assert not np.allclose(weighted.coefs_[0], plain.coefs_[0])
    if solver == "lbfgs":
        # a weight of 2 is the row twice: the same objective, the same refit
        twice = np.flatnonzero(weights == 2.0)
        rows = np.concatenate([np.arange(len(y)), twice])
        duplicated = pruned(X[rows], y[rows])
        for a, b in zip(weighted.coefs_, duplicated.coefs_, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_clear_errors(small_digits):
    X, y = small_digits
    cases = [
        (CoefficientPruner(network(early_stopping=True)), "early_stopping"),
        (CoefficientPruner(network(), criterion="obd"), "is for linear models"),
        (CoefficientPruner(network(), criterion="scaled_magnitude"), "linear models"),
        (CoefficientPruner(LogisticRegression(), granularity="neuron"), "applies to"),
        (CoefficientPruner(LogisticRegression(), rewind=True), "applies to"),
        (CoefficientPruner(network(), granularity="neuron", n_keep=1), "a hidden unit"),
        (CoefficientPruner(network(), granularity="neuron", n_keep=99), "hidden units"),
        (
            CoefficientPruner(network(), criterion=lambda m, X, y: [1.0]),
            "list of arrays",
        ),
    ]
    for pruner, message in cases:
        with pytest.raises(ValueError, match=message):
            pruner.fit(X, y)
    fitted = network(random_state=None).fit(X, y)
    with pytest.raises(ValueError, match="integer random_state"):
        CoefficientPruner(fitted, prefit=True, rewind=True).fit(X, y)
    Xr, yr = make_regression(50, 4, random_state=0)
    with pytest.raises(ValueError, match="needs a classifier"):
        CoefficientPruner(
            MLPRegressor(hidden_layer_sizes=(4,), max_iter=5),
            criterion="gradient_misclassified",
        ).fit(Xr, yr)
    with pytest.raises(ValueError, match="needs a classifier"):
        CoefficientPruner(Ridge(), criterion="gradient_misclassified").fit(Xr, yr)


def test_input_is_not_modified(small_digits):
    X, y = small_digits
    model = network()
    X_sparse = sparse.csr_matrix(X)
    weights = np.ones(len(y))
    copies = X.copy(), y.copy(), X_sparse.copy(), weights.copy()
    CoefficientPruner(model, prune_ratio=0.5, rewind=True).fit(X, y)
    assert not hasattr(model, "coefs_")
    dense = network().fit(X, y)
    before = [c.copy() for c in dense.coefs_ + dense.intercepts_]
    # scikit-learn's MLPs take sample_weight from 1.7
    fit_params = {"sample_weight": weights} if _BACKPROP_TAKES_SAMPLE_WEIGHT else {}
    for granularity in ("weight", "neuron"):
        CoefficientPruner(dense, prefit=True, granularity=granularity).fit(
            X_sparse, y, **fit_params
        )
    for a, b in zip(before, dense.coefs_ + dense.intercepts_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert dense.hidden_layer_sizes == (24, 12)
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    assert (X_sparse != copies[2]).nnz == 0
    np.testing.assert_array_equal(weights, copies[3])


def test_neuron_pruned_network_equals_the_masked_full_width_one(small_digits):
    X, y = small_digits
    dense = network().fit(X, y)
    refitter = MLPRefit(X, y, sample_weight=None, granularity="neuron", scope="layer")
    result = prune(
        refitter,
        refitter.dense(dense),
        X,
        y,
        schedule=[30, 12],
        criterion="magnitude",
        granularity="neuron",
    )
    wide = result.final.model
    assert wide.hidden_layer_sizes == (24, 12)
    units = hidden_units_alive(result.mask)
    small = remove_hidden_units(wide, units)
    assert small.hidden_layer_sizes == (8, 4)
    np.testing.assert_allclose(
        small.predict_proba(X), wide.predict_proba(X), rtol=0, atol=1e-10
    )
    for b, keep in zip(wide.intercepts_, units, strict=False):
        assert np.all(b[~keep] == 0.0)


def test_allocate_respects_bounds_and_total():
    counts = allocate(10, [100, 4], low=[1, 1], high=[100, 4])
    assert counts.tolist() == [9, 1]  # 9.6 / 0.4, the small layer keeps one
    # a layer with few live units left: the rest goes to the other layer
    assert allocate(38, [40, 10], low=[1, 1], high=[35, 6]).tolist() == [32, 6]
    assert allocate(7, [3, 3, 3], low=[0, 0, 0], high=[3, 3, 3]).tolist() == [3, 2, 2]


@pytest.mark.parametrize("granularity", ["weight", "neuron"])
def test_rewind_with_adam_and_rounds(small_digits, granularity):
    X, y = small_digits
    params = dict(granularity=granularity, prune_ratio=0.75, n_iter=2)
    model = network(learning_rate_init=0.01)
    rewound = CoefficientPruner(model, rewind=True, **params).fit(X, y)
    tuned = CoefficientPruner(model, **params).fit(X, y)
    assert rewound.n_nonzero_ == tuned.n_nonzero_
    assert len(rewound.history_) == 3
    assert not np.allclose(rewound.estimator_.coefs_[0], tuned.estimator_.coefs_[0])
    # trained from the initial weights: below the chance-level log loss
    assert rewound.history_[-1]["train_loss"] < 0.7 * np.log(10)


def test_warns_when_lbfgs_stops_early(small_digits):
    X, y = small_digits
    with pytest.warns(ConvergenceWarning, match="masked L-BFGS"):
        CoefficientPruner(network(solver="lbfgs", max_iter=3), n_keep=200).fit(X, y)
