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
