"""A DataFrame's column names reach the wrapped estimator (pandas end to end)."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from skprune import CoefficientPruner, CoefficientQuantizer, SampleSubsetter

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def frame(cancer):
    X, y = cancer
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])]), y


@pytest.mark.parametrize(
    "model",
    [
        CoefficientPruner(LogisticRegression(), n_keep=5, granularity="feature"),
        CoefficientPruner(
            MLPClassifier((8,), max_iter=30, random_state=0), granularity="neuron"
        ),
        CoefficientQuantizer(LogisticRegression(), n_bits=4),
        CoefficientQuantizer(CoefficientPruner(LogisticRegression()), n_bits=4),
        SampleSubsetter(LogisticRegression(), prune_ratio=0.5, random_state=0),
    ],
    ids=[
        "pruner",
        "pruner-mlp-neuron",
        "quantizer",
        "quantizer-of-pruner",
        "subsetter",
    ],
)
def test_inner_estimator_has_the_users_columns(model, frame):
    X, y = frame
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the short MLP fit does not converge
        model.fit(X, y)
    np.testing.assert_array_equal(model.estimator_.feature_names_in_, X.columns)
    np.testing.assert_array_equal(model.feature_names_in_, X.columns)
    # a DataFrame at predict time is checked by the inner model, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        predicted = model.predict(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy after a DataFrame fit warns
        np.testing.assert_array_equal(predicted, model.predict(X.to_numpy()))


def test_numpy_input_leaves_no_names(cancer):
    X, y = cancer
    model = CoefficientPruner(LogisticRegression()).fit(X, y)
    assert not hasattr(model.estimator_, "feature_names_in_")


def test_pandas_output_through_a_pipeline_of_skprune_steps(frame):
    X, y = frame
    pipe = make_pipeline(
        CoefficientPruner(LogisticRegression(), n_keep=4, granularity="feature"),
        CoefficientQuantizer(LogisticRegression(), n_bits=8),
    ).set_output(transform="pandas")
    pipe.fit(X, y)
    kept = pipe[0].transform(X)
    assert list(kept.columns) == list(X.columns[pipe[0].support_])
    np.testing.assert_array_equal(pipe[1].estimator_.feature_names_in_, kept.columns)
