"""ONNX export (skprune.onnx): onnxruntime predicts what scikit-learn does,
the graphs hold only what was kept, and the extra stays optional."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    LogisticRegression,
    PoissonRegressor,
    Ridge,
    SGDClassifier,
)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skprune import (
    CoefficientPruner,
    CoefficientQuantizer,
    PrunedLogisticRegression,
    PrunedLogisticRegressionCV,
    SampleSubsetter,
)

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
skprune_onnx = pytest.importorskip("skprune.onnx")
numpy_helper = pytest.importorskip("onnx.numpy_helper")

# float32 graphs: probabilities within 1e-5 of scikit-learn's float64 ones
# (float32 rounds each of a few hundred products and sums at ~6e-8 relative;
# the largest gap seen on these sets is below 4e-6)
PROBA_TOL = 1e-5


def network(**kwargs):
    return MLPClassifier(
        hidden_layer_sizes=(32,), max_iter=60, random_state=0, **kwargs
    )


@pytest.fixture(scope="module")
def cancer32():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


@pytest.fixture(scope="module")
def digits32():
    X, y = load_digits(return_X_y=True)
    return (X[:500] / 16).astype(np.float32), y[:500]


def run(onx, X):
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


CLASSIFIERS = {
    "pruner-logistic-weight": lambda: CoefficientPruner(
        LogisticRegression(max_iter=300), prune_ratio=0.8
    ),
    "pruner-logistic-feature": lambda: CoefficientPruner(
        LogisticRegression(max_iter=300), prune_ratio=0.7, granularity="feature"
    ),
    "pruner-mlp-weight": lambda: CoefficientPruner(network(), prune_ratio=0.9),
    "pruner-mlp-feature": lambda: CoefficientPruner(
        network(), prune_ratio=0.5, granularity="feature"
    ),
    "pruner-mlp-neuron": lambda: CoefficientPruner(
        network(activation="tanh"), prune_ratio=0.5, granularity="neuron"
    ),
    "pruned-logistic": lambda: PrunedLogisticRegression(prune_ratio=0.8),
    "pruned-logistic-cv": lambda: PrunedLogisticRegressionCV(
        prune_ratios=[0.5, 0.9], cv=2
    ),
    "quantizer-8": lambda: CoefficientQuantizer(LogisticRegression(max_iter=300)),
    "quantizer-4-kmeans": lambda: CoefficientQuantizer(
        LogisticRegression(max_iter=300), n_bits=4, method="kmeans"
    ),
    "quantizer-4-pruned-mlp": lambda: CoefficientQuantizer(
        CoefficientPruner(network(), prune_ratio=0.9), n_bits=4
    ),
    "quantizer-3-mlp-row": lambda: CoefficientQuantizer(
        CoefficientPruner(network(activation="logistic"), prune_ratio=0.5),
        n_bits=3,
        share="row",
    ),
    "quantizer-5-kmeans-row-pruned-logistic": lambda: CoefficientQuantizer(
        PrunedLogisticRegression(prune_ratio=0.9),
        n_bits=5,
        method="kmeans",
        share="row",
    ),
    "quantizer-12-feature-pruner": lambda: CoefficientQuantizer(
        CoefficientPruner(
            LogisticRegression(max_iter=300), prune_ratio=0.6, granularity="feature"
        ),
        n_bits=12,
    ),
    "subsetter": lambda: SampleSubsetter(
        LogisticRegression(max_iter=300), prune_ratio=0.5, random_state=0
    ),
    "pipeline-pruner-in-the-middle": lambda: make_pipeline(
        CoefficientPruner(
            LogisticRegression(max_iter=300), n_keep=6, granularity="feature"
        ),
        LogisticRegression(max_iter=300),
    ),
    "pruner-sgd-modified-huber": lambda: CoefficientPruner(
        SGDClassifier(loss="modified_huber", random_state=0), prune_ratio=0.5
    ),
}

# SGD's unregularised decision values reach the hundreds, where float32
# rounding of z moves small probabilities by ~1e-4: checked in float64
SGD_LOG_LOSS = lambda: CoefficientPruner(  # noqa: E731
    SGDClassifier(loss="log_loss", random_state=0), prune_ratio=0.5
)


@pytest.mark.parametrize("data", ["cancer32", "digits32"])
@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_labels_and_probabilities_match_scikit_learn(name, data, request):
    X, y = request.getfixturevalue(data)
    model = fitted(CLASSIFIERS[name](), X, y)
    labels, proba = run(
        skprune_onnx.to_onnx(model, X[:1], options={"zipmap": False}), X
    )
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=PROBA_TOL)


@pytest.mark.parametrize("data", ["cancer32", "digits32"])
def test_sgd_log_loss_in_a_double_graph(data, request):
    X, y = request.getfixturevalue(data)
    X = X.astype(np.float64)
    model = fitted(SGD_LOG_LOSS(), X, y)
    onx = skprune_onnx.to_onnx(model, X[:1], options={"zipmap": False})
    labels, proba = run(onx, X)
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-9)


def test_double_graph_reproduces_scikit_learn_to_rounding(digits32):
    X, y = digits32
    X = X.astype(np.float64)
    model = fitted(CLASSIFIERS["quantizer-4-pruned-mlp"](), X, y)
    labels, proba = run(
        skprune_onnx.to_onnx(model, X[:1], options={"zipmap": False}), X
    )
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-12)


def test_classifier_without_probabilities_gives_its_decision_values(cancer32, digits32):
    for X, y in (cancer32, digits32):
        model = fitted(CoefficientPruner(LinearSVC(), prune_ratio=0.5), X, y)
        labels, scores = run(
            skprune_onnx.to_onnx(model, X[:1], options={"zipmap": False}), X
        )
        np.testing.assert_array_equal(labels, model.predict(X))
        decision = model.decision_function(X)
        if decision.ndim == 1:
            decision = np.column_stack([-decision, decision])
        np.testing.assert_allclose(scores, decision, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "model",
    [
        CoefficientPruner(Ridge(), prune_ratio=0.5),
        CoefficientPruner(PoissonRegressor(), prune_ratio=0.5),
        CoefficientPruner(
            MLPRegressor(hidden_layer_sizes=(16,), max_iter=50, random_state=0),
            prune_ratio=0.8,
        ),
        CoefficientQuantizer(Ridge(), n_bits=6),
    ],
    ids=["ridge", "poisson", "mlp", "quantized-ridge"],
)
def test_regressors(model, cancer32):
    X, _ = cancer32
    target = np.abs(X[:, 0]) + X[:, 1] ** 2 + 0.1
    model = fitted(model, X, target)
    (prediction,) = run(skprune_onnx.to_onnx(model, X[:1]), X)
    assert prediction.shape == (X.shape[0], 1)
    np.testing.assert_allclose(
        prediction.ravel(), model.predict(X), rtol=1e-4, atol=1e-4
    )


def test_string_and_unordered_labels(cancer32):
    X, y = cancer32
    for labels in (np.array(["benign", "malignant"])[y], np.where(y == 1, 7, 3)):
        model = fitted(
            CoefficientPruner(LogisticRegression(), prune_ratio=0.5), X, labels
        )
        predicted, _ = run(
            skprune_onnx.to_onnx(model, X[:1], options={"zipmap": False}), X
        )
        np.testing.assert_array_equal(predicted, model.predict(X))


def test_zipmap_by_default_and_skl2onnx_to_onnx_is_the_same(digits32):
    X, y = digits32
    model = fitted(PrunedLogisticRegression(prune_ratio=0.5), X, y)
    ours = skprune_onnx.to_onnx(model, X[:1])
    theirs = skl2onnx.to_onnx(model, X[:1])
    assert ours.SerializeToString() == theirs.SerializeToString()
    _, probabilities = run(ours, X[:5])
    assert isinstance(probabilities[0], dict)
    expected = model.predict_proba(X[:5])
    for row, dictionary in zip(expected, probabilities, strict=True):
        np.testing.assert_allclose(
            [dictionary[c] for c in model.classes_], row, atol=PROBA_TOL
        )


def initializer_shapes(onx):
    return [tuple(t.dims) for t in onx.graph.initializer]


def test_pruned_linear_model_computes_only_its_kept_columns(digits32):
    X, y = digits32
    model = fitted(
        CoefficientPruner(
            LogisticRegression(max_iter=300), n_keep=9, granularity="feature"
        ),
        X,
        y,
    )
    onx = skprune_onnx.to_onnx(model, X[:1], options={"zipmap": False})
    gather = next(n for n in onx.graph.node if n.op_type == "ArrayFeatureExtractor")
    columns = next(t for t in onx.graph.initializer if t.name == gather.input[1])
    # the kept columns, in order: a converter that reordered them would put
    # the weights on the wrong inputs
    np.testing.assert_array_equal(
        numpy_helper.to_array(columns),
        np.flatnonzero(model.support_),
    )
    assert (9, 10) in initializer_shapes(onx)
    assert all(64 not in shape for shape in initializer_shapes(onx))


def test_neuron_pruned_network_is_a_smaller_network(digits32):
    X, y = digits32
    model = fitted(
        CoefficientPruner(network(), prune_ratio=0.75, granularity="neuron"), X, y
    )
    shapes = initializer_shapes(skprune_onnx.to_onnx(model, X[:1]))
    assert (8, 10) in shapes and all(32 not in shape for shape in shapes)


def test_quantized_file_holds_the_bytes_it_reports(digits32):
    """The .onnx file of a 90 %-pruned 4-bit network is n_bytes_ plus a
    format overhead of a few hundred bytes per weight matrix, and far below
    the dense float32 export: a converter that stored the weights dense, or
    as floats, fails here."""
    X, y = digits32
    dense = fitted(MLPClassifier((64, 32), max_iter=60, random_state=0), X, y)
    pruner = fitted(CoefficientPruner(dense, prune_ratio=0.9, prefit=True), X, y)
    model = CoefficientQuantizer(pruner, n_bits=4, prefit=True).fit(X, y)
    size = len(skprune_onnx.to_onnx(model, X[:1]).SerializeToString())
    dense_size = len(skl2onnx.to_onnx(dense, X[:1]).SerializeToString())
    assert size <= 1.5 * model.n_bytes_ + 1200 * 3 + 1000
    assert size * 5 <= dense_size
    # the dense float32 weights alone are 4 bytes each
    assert size < 4 * sum(W.size for W in dense.coefs_) / 4


def test_pruner_in_feature_union_and_column_transformer_is_its_transform(cancer32):
    X, y = cancer32
    pruner = fitted(
        CoefficientPruner(LogisticRegression(), n_keep=4, granularity="feature"), X, y
    )
    for container in (
        FeatureUnion([("kept", pruner)]),
        ColumnTransformer([("kept", pruner, list(range(X.shape[1])))]),
    ):
        container.fit(X, y)
        (kept,) = run(skprune_onnx.to_onnx(container, X[:1]), X)
        np.testing.assert_array_equal(kept, container.transform(X))


def test_transform_option_chooses_the_selector(cancer32):
    X, y = cancer32
    pruner = fitted(
        CoefficientPruner(LogisticRegression(), n_keep=4, granularity="feature"), X, y
    )
    onx = skprune_onnx.to_onnx(pruner, X[:1], options={id(pruner): {"transform": True}})
    (kept,) = run(onx, X)
    np.testing.assert_array_equal(kept, pruner.transform(X))


def test_unsupported_models_and_opsets_get_clear_errors(cancer32):
    X, y = cancer32
    multilabel = np.column_stack([y, 1 - y])
    model = fitted(CoefficientPruner(network(), prune_ratio=0.5), X, multilabel)
    with pytest.raises(TypeError, match="single-label"):
        skprune_onnx.to_onnx(model, X[:1])
    model = fitted(PrunedLogisticRegression(prune_ratio=0.5), X, y)
    with pytest.raises(ValueError, match="opset 13 or newer"):
        skprune_onnx.to_onnx(model, X[:1], target_opset=12)


def test_importing_skprune_never_imports_onnx():
    code = (
        "import sys, skprune\n"
        "print(any(m in sys.modules for m in ('skl2onnx', 'onnx', 'onnxruntime')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_missing_extra_is_a_clear_import_error():
    code = (
        "import sys; sys.modules['skl2onnx'] = None\n"
        "try:\n    import skprune.onnx\nexcept ImportError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert 'pip install "skprune[onnx]"' in out.stdout, out.stderr
