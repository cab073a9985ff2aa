"""ONNX export of pruned tree ensembles: onnxruntime predicts what the pruned
model does, missing values included."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

from skprune import CoefficientPruner

ort = pytest.importorskip("onnxruntime")
skprune_onnx = pytest.importorskip("skprune.onnx")

PROBA_TOL = 1e-5


def _run(pruner, X, dtype):
    options = {id(pruner): {"zipmap": False}} if hasattr(pruner, "classes_") else None
    onx = skprune_onnx.to_onnx(pruner, X[:1].astype(dtype), options=options)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X.astype(dtype)}), onx


@pytest.mark.parametrize(
    "model, data",
    [
        (RandomForestClassifier(n_estimators=20, random_state=0), "iris"),
        (RandomForestClassifier(n_estimators=20, random_state=0), "cancer"),
        (ExtraTreesClassifier(n_estimators=20, random_state=0), "iris"),
        (GradientBoostingClassifier(n_estimators=20, random_state=0), "iris"),
        (GradientBoostingClassifier(n_estimators=20, random_state=0), "cancer"),
        (HistGradientBoostingClassifier(max_iter=20, random_state=0), "iris"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
@pytest.mark.parametrize("granularity", ["leaf", "tree"])
def test_classifier_labels_and_probabilities(model, data, granularity):
    X, y = (
        load_iris(return_X_y=True)
        if data == "iris"
        else (load_breast_cancer(return_X_y=True))
    )
    pruner = CoefficientPruner(model, granularity=granularity, prune_ratio=0.8)
    pruner.fit(X, y)
    # histogram boosting compares float64 values: a float64 graph routes as
    # it does; scikit-learn's trees compare float32 values
    dtype = np.float64 if "Hist" in type(model).__name__ else np.float32
    (labels, proba), _ = _run(pruner, X, dtype)
    np.testing.assert_array_equal(labels, pruner.predict(X))
    np.testing.assert_allclose(proba, pruner.predict_proba(X), atol=PROBA_TOL)


@pytest.mark.parametrize(
    "model",
    [
        RandomForestRegressor(n_estimators=10, random_state=0),
        GradientBoostingRegressor(n_estimators=20, random_state=0),
        HistGradientBoostingRegressor(max_iter=20, random_state=0),
    ],
    ids=lambda m: type(m).__name__,
)
def test_regressor_predictions(model):
    X, y = load_diabetes(return_X_y=True)
    pruner = CoefficientPruner(model, prune_ratio=0.9).fit(X, y)
    dtype = np.float64 if "Hist" in type(model).__name__ else np.float32
    (predicted,), _ = _run(pruner, X, dtype)
    np.testing.assert_allclose(predicted[:, 0], pruner.predict(X), rtol=1e-5)


def test_missing_values_route_the_same_way():
    X, y = load_breast_cancer(return_X_y=True)
    X = X.copy()
    X[np.random.RandomState(0).uniform(size=X.shape) < 0.2] = np.nan
    pruner = CoefficientPruner(
        HistGradientBoostingClassifier(max_iter=20, random_state=0), prune_ratio=0.7
    ).fit(X, y)
    (labels, proba), _ = _run(pruner, X, np.float64)
    np.testing.assert_array_equal(labels, pruner.predict(X))
    np.testing.assert_allclose(proba, pruner.predict_proba(X), atol=PROBA_TOL)


def test_the_file_shrinks_with_the_nodes_kept():
    X, y = load_breast_cancer(return_X_y=True)
    forest = RandomForestClassifier(n_estimators=30, random_state=0).fit(X, y)
    sizes, stored = [], []
    for ratio in (0.5, 0.9, 0.98):
        pruner = CoefficientPruner(forest, prefit=True, prune_ratio=ratio).fit(X, y)
        _, onx = _run(pruner, X, np.float32)
        sizes.append(len(onx.SerializeToString()))
        stored.append(pruner.n_bytes_)
    assert sizes[0] > sizes[1] > sizes[2]
    # opset-3 records: a node per leaf, a mode string per node, 64-bit ids
    # (see the deployment guide): at most 4 times n_bytes_ and an overhead
    for size, n_bytes in zip(sizes, stored, strict=True):
        assert size <= 4 * n_bytes + 2048
