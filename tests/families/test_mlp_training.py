"""Masked fine-tuning of scikit-learn MLPs (groundwork for MLP pruning)."""

import copy
import math
import pickle

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skprune.families.network._training import (
    MaskedOptimizer,
    fresh_optimizer,
    masked_fine_tune,
    remove_hidden_units,
)


def fitted(model, X, y):
    return model.set_params(max_iter=5, random_state=0).fit(X, y)


def random_masks(model, keep=0.3, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.rand(*coef.shape) < keep for coef in model.coefs_]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_all_true_masks_step_exactly_as_sklearn(small_digits, solver):
    X, y = small_digits
    base = fitted(MLPClassifier(hidden_layer_sizes=(32,), solver=solver), X, y)
    ours, theirs = copy.deepcopy(base), copy.deepcopy(base)
    masks = [np.ones(c.shape, dtype=bool) for c in base.coefs_]
    masked_fine_tune(ours, X, y, masks, max_iter=3)
    # scikit-learn alone: the same fresh optimizer, three partial_fit epochs
    # drawing their shuffles from one stream of the seed, as fit does
    theirs._optimizer = fresh_optimizer(theirs)
    theirs.loss_curve_, theirs.best_loss_ = [], np.inf
    theirs._no_improvement_count, theirs.t_ = 0, 0
    theirs.random_state = np.random.RandomState(0)
    for _ in range(3):
        theirs.partial_fit(X, y)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_array_equal(a, b)
    assert ours.loss_curve_ == theirs.loss_curve_
    assert ours.n_iter_ == 3


class Spy(MaskedOptimizer):
    """Checks after every step that the pruned weights are exactly zero."""

    steps = 0

    def update_params(self, params, grads):
        super().update_params(params, grads)
        for param, mask in zip(params, self.masks, strict=False):
            assert np.all(param[~mask] == 0.0)
        Spy.steps += 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pruned_weights_are_zero_after_every_step(small_digits, monkeypatch):
    X, y = small_digits
    model = fitted(MLPClassifier(hidden_layer_sizes=(32, 16)), X, y)
    masks = random_masks(model)
    before = [c.copy() for c in model.coefs_]
    monkeypatch.setattr("skprune.families.network._training.MaskedOptimizer", Spy)
    Spy.steps = 0
    masked_fine_tune(model, X, y, masks, max_iter=2)
    # two epochs of batches of 200 rows (scikit-learn's batch_size='auto')
    assert Spy.steps == 2 * math.ceil(len(y) / 200)
    for coef, old, mask in zip(model.coefs_, before, masks, strict=True):
        assert np.all(coef[~mask] == 0.0)
        assert np.any(coef[mask] != old[mask])  # the survivors did train
    # without the mask, one epoch grows the zeroed weights back
    plain = fitted(MLPClassifier(hidden_layer_sizes=(32, 16)), X, y)
    for coef, mask in zip(plain.coefs_, masks, strict=True):
        coef[~mask] = 0.0
    plain.partial_fit(X, y)
    assert any(np.any(c[~m] != 0.0) for c, m in zip(plain.coefs_, masks, strict=True))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_regressor_and_stopping_rule():
    X, y = make_regression(300, 10, noise=1.0, random_state=0)
    y = y / y.std()
    model = fitted(
        MLPRegressor(hidden_layer_sizes=(16,), n_iter_no_change=2, tol=1e9), X, y
    )
    masks = random_masks(model, keep=0.5)
    masked_fine_tune(model, X, y, masks, max_iter=50)
    # tol so large that no epoch after the first improves enough: the count
    # passes n_iter_no_change=2 at the fourth epoch, as in MLPRegressor.fit
    assert model.n_iter_ == 4
    assert all(np.all(c[~m] == 0.0) for c, m in zip(model.coefs_, masks, strict=True))


def test_clear_errors(small_digits):
    X, y = small_digits
    lbfgs = MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=20).fit(
        X, y
    )
    masks = [np.ones(c.shape, dtype=bool) for c in lbfgs.coefs_]
    with pytest.raises(ValueError, match="solver='lbfgs'"):
        masked_fine_tune(lbfgs, X, y, masks)
    model = MLPClassifier(hidden_layer_sizes=(8,), early_stopping=True, max_iter=5).fit(
        X, y
    )
    with pytest.raises(ValueError, match="early_stopping=False"):
        masked_fine_tune(model, X, y, masks)
    model.set_params(early_stopping=False)
    with pytest.raises(ValueError, match="masks have shapes"):
        masked_fine_tune(model, X, y, masks[:1])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh"])
def test_removed_units_equal_the_masked_dense_network(small_digits, activation):
    X, y = small_digits
    model = fitted(
        MLPClassifier(hidden_layer_sizes=(32, 16), activation=activation), X, y
    )
    rng = np.random.RandomState(1)
    keep = [rng.rand(32) < 0.25, rng.rand(16) < 0.5]
    smaller = remove_hidden_units(model, keep)
    assert smaller.hidden_layer_sizes == (int(keep[0].sum()), int(keep[1].sum()))
    assert [c.shape for c in smaller.coefs_] == [
        (64, keep[0].sum()),
        (keep[0].sum(), keep[1].sum()),
        (keep[1].sum(), 10),
    ]
    masked = copy.deepcopy(model)
    for layer, units in enumerate(keep):
        masked.coefs_[layer][:, ~units] = 0.0
        masked.intercepts_[layer][~units] = 0.0
        masked.coefs_[layer + 1][~units, :] = 0.0
    np.testing.assert_allclose(
        smaller.predict_proba(X), masked.predict_proba(X), rtol=0, atol=1e-10
    )
    assert len(pickle.dumps(smaller)) < len(pickle.dumps(model)) / 2
    # the smaller network trains on as an ordinary one
    before = log_loss(y, smaller.predict_proba(X))
    masks = [np.ones(c.shape, dtype=bool) for c in smaller.coefs_]
    masked_fine_tune(smaller, X, y, masks, max_iter=5)
    assert log_loss(y, smaller.predict_proba(X)) < before
    with pytest.raises(ValueError, match="one boolean array per hidden layer"):
        remove_hidden_units(model, keep[:1])
    with pytest.raises(ValueError, match="at least one unit"):
        remove_hidden_units(model, [np.zeros(32, dtype=bool), keep[1]])
