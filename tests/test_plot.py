import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skprune import (
    CoefficientPruner,
    PrunedLogisticRegressionCV,
    PruningCurveDisplay,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_from_estimator_with_pruned_logistic_cv(cancer):
    X, y = cancer
    model = PrunedLogisticRegressionCV(n_keeps=[16, 8, 4, 2, 1], cv=3).fit(X, y)
    display = PruningCurveDisplay.from_estimator(model)
    np.testing.assert_array_equal(display.line_.get_xdata(), [1, 2, 4, 8, 16])
    np.testing.assert_allclose(
        display.line_.get_ydata(), model.cv_results_["mean_test_score"]
    )
    assert display.ax_.get_xlabel() == "kept count"
    assert display.figure_ is display.ax_.figure
    assert display.ax_.get_legend().get_texts()[0].get_text() == (
        "PrunedLogisticRegressionCV"
    )
    assert len(display.ax_.collections) == 1  # the std band


def test_from_estimator_with_grid_search_in_a_pipeline(cancer):
    X, y = cancer
    pipe = make_pipeline(
        StandardScaler(), CoefficientPruner(LogisticRegression(), granularity="feature")
    )
    search = GridSearchCV(
        pipe,
        {
            "coefficientpruner__prune_ratio": [0.9, 0.0, 0.5],
            "coefficientpruner__n_iter": [1, 3],
        },
        cv=3,
    ).fit(X, y)
    _, ax = plt.subplots()
    display = PruningCurveDisplay.from_estimator(search, ax=ax, name="grid")
    assert display.ax_ is ax
    np.testing.assert_allclose(display.line_.get_xdata(), [0.0, 0.5, 0.9])
    results = search.cv_results_
    ratios = np.asarray(results["param_coefficientpruner__prune_ratio"], dtype=float)
    for x, y_value in zip(
        display.line_.get_xdata(), display.line_.get_ydata(), strict=True
    ):
        assert y_value == results["mean_test_score"][ratios == x].max()
    assert display.ax_.get_xlabel() == "coefficientpruner__prune_ratio"


def test_from_path_and_errors():
    display = PruningCurveDisplay.from_path(
        [3, 1, 2], [0.9, 0.5, 0.8], score_name="accuracy", show_std=False
    )
    np.testing.assert_array_equal(display.line_.get_xdata(), [1, 2, 3])
    assert display.ax_.get_ylabel() == "accuracy"
    with pytest.raises(ValueError, match="same length"):
        PruningCurveDisplay(levels=[1, 2], scores=[1.0])
    with pytest.raises(TypeError, match="without cv_results_"):
        PruningCurveDisplay.from_estimator(LogisticRegression())
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2).fit(
        np.random.RandomState(0).randn(40, 3), np.arange(40) % 2
    )
    with pytest.raises(ValueError, match=r"varies no prune_ratio.*\['C'\]"):
        PruningCurveDisplay.from_estimator(search)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "skprune\[plot\]"'):
        PruningCurveDisplay.from_path([1, 2], [0.5, 0.6])
