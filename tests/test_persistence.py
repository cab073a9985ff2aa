import pickle

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from skprune import (
    CoefficientPruner,
    PrunedLogisticRegression,
    PrunedLogisticRegressionCV,
    SampleSubsetter,
)

sio = pytest.importorskip("skops.io")


def by_magnitude(estimator, X, y):
    """A user's own criterion: a type skops must not trust blindly."""
    return np.abs(estimator.coef_)


def fitted_models(X, y):
    return [
        CoefficientPruner(LogisticRegression(), n_keep=5, n_iter=2).fit(X, y),
        PrunedLogisticRegression(n_keep=5, criterion="obs").fit(X, y),
        PrunedLogisticRegressionCV(n_keeps=[2, 4, 8], cv=3).fit(X, y),
        SampleSubsetter(LogisticRegression(), strategy="noise").fit(X, y),
        SampleSubsetter(Ridge(), strategy="kcenter").fit(X, y.astype(float)),
    ]


def test_pickle_round_trip(wine):
    X, y = wine
    for model in fitted_models(X, y):
        restored = pickle.loads(pickle.dumps(model))
        np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_skops_trusts_only_skprune_types(wine):
    X, y = wine
    for model in fitted_models(X, y):
        payload = sio.dumps(model)
        untrusted = sio.get_untrusted_types(data=payload)
        assert untrusted == [f"{type(model).__module__}.{type(model).__name__}"]
        assert all(name.startswith("skprune.") for name in untrusted)
        with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
            sio.loads(payload)
        restored = sio.loads(payload, trusted=untrusted)
        np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_skops_refuses_a_foreign_type(wine):
    X, y = wine
    model = CoefficientPruner(LogisticRegression(), criterion=by_magnitude).fit(X, y)
    payload = sio.dumps(model)
    untrusted = sio.get_untrusted_types(data=payload)
    assert "test_persistence.by_magnitude" in untrusted
    own = [name for name in untrusted if name.startswith("skprune.")]
    with pytest.raises(
        sio.exceptions.UntrustedTypesFoundException, match="by_magnitude"
    ):
        sio.loads(payload, trusted=own)


def test_a_saved_pruned_network_holds_its_weights_once(small_digits):
    """scikit-learn's early-stopping copy of the weights (``_best_coefs``,
    unused with ``early_stopping=False``) is dropped; the quantizer's codes
    are stored in a small integer type."""
    from sklearn.neural_network import MLPClassifier

    from skprune import CoefficientQuantizer

    X, y = small_digits
    network = MLPClassifier((64,), max_iter=20, random_state=0)
    with pytest.warns(Warning):
        pruner = CoefficientPruner(network, prune_ratio=0.5).fit(X, y)
    quantizer = CoefficientQuantizer(pruner, n_bits=4, prefit=True).fit(X, y)
    for inner in (pruner.estimator_, quantizer.estimator_):
        assert not hasattr(inner, "_best_coefs")
        assert not hasattr(inner, "_best_intercepts")
    assert all(codes.dtype == np.int8 for codes in quantizer.codes_)
    weights = sum(W.nbytes for W in pruner.estimator_.coefs_)
    # twice the weights would be at least 2x
    assert len(pickle.dumps(pruner.estimator_)) < 1.5 * weights
    restored = pickle.loads(pickle.dumps(quantizer))
    np.testing.assert_array_equal(restored.predict(X), quantizer.predict(X))
    # the inner network still trains on
    restored.estimator_.partial_fit(X, y)
