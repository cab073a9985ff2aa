"""CoefficientQuantizer: codes, shared values, honest byte counts."""

import math

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import scale

from skprune import (
    CoefficientPruner,
    CoefficientQuantizer,
    PrunedLogisticRegression,
)
from skprune.coefficients._quantizer import float_bytes, kmeans_1d

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def f32(values):
    return np.asarray(values, dtype=np.float32).astype(np.float64)


@pytest.mark.parametrize("method", ["uniform", "kmeans"])
@pytest.mark.parametrize("share", ["layer", "row"])
def test_zeros_stay_zero_and_cost_no_code(iris, method, share):
    X, y = iris
    pruned = PrunedLogisticRegression(n_keep=5).fit(X, y)
    q = CoefficientQuantizer(
        pruned, prefit=True, n_bits=2, method=method, share=share
    ).fit(X, y)
    zero = pruned.coef_ == 0
    assert np.all(q.estimator_.coef_[zero] == 0.0)
    assert np.all(q.codes_[0][zero] == -1)
    assert np.all(q.codes_[0][~zero] >= 0)
    assert q.bytes_["codes"] == math.ceil(5 * 2 / 8)
    # every kept weight is one of its group's shared values
    for row in range(3):
        values = q.estimator_.coef_[row][~zero[row]]
        group = q.codebooks_[0][row if share == "row" else 0]
        assert np.all(np.isin(values, group))
        assert group.size <= 4


def test_byte_counts_from_first_principles(iris):
    X, y = iris
    pruned = PrunedLogisticRegression(n_keep=7).fit(X, y)
    q = CoefficientQuantizer(pruned, prefit=True, n_bits=3, share="layer").fit(X, y)
    # 7 codes of 3 bits: 21 bits -> 3 bytes; the zero pattern of a 3 x 4
    # matrix: a 12-bit bitmap (2 bytes) beats CSR (7 one-byte column indices
    # and 4 one-byte row pointers); the grid's offset and step and the three
    # intercepts as float32
    assert q.bytes_ == {"codes": 3, "index": 2, "shared": 8, "intercepts": 12}
    assert q.n_bytes_ == 25
    assert q.dense_n_bytes_ == (12 + 3) * 8
    assert q.compression_ratio_ == pytest.approx(120 / 25)
    # per row: three grids
    q_row = CoefficientQuantizer(pruned, prefit=True, n_bits=3, share="row")
    assert q_row.fit(X, y).bytes_["shared"] == 3 * 2 * 4


def test_csr_index_when_it_is_smaller():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 400)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    pruned = PrunedLogisticRegression(n_keep=3, granularity="feature").fit(X, y)
    q = CoefficientQuantizer(pruned, prefit=True, n_bits=8).fit(X, y)
    # 3 column indices (uint16: 400 columns) and 2 row pointers (uint8)
    # against a 400-bit bitmap (50 bytes)
    assert q.bytes_["index"] == 3 * 2 + 2 * 1


def test_uniform_grid_error_is_at_most_half_a_step(cancer):
    X, y = cancer
    model = LogisticRegression().fit(X, y)
    for n_bits in (2, 4, 8):
        q = CoefficientQuantizer(model, prefit=True, n_bits=n_bits).fit(X, y)
        w = model.coef_.ravel()
        step = (w.max() - w.min()) / (2**n_bits - 1)
        error = np.abs(q.estimator_.coef_.ravel() - w)
        assert error.max() <= step / 2 * (1 + 1e-5) + 1e-7
        assert q.codes_[0].max() <= 2**n_bits - 1


def test_kmeans_finds_clusters():
    rng = np.random.RandomState(0)
    centres = np.array([-2.0, -0.5, 1.0, 3.0])
    values = np.repeat(centres, 50) + 0.01 * rng.randn(200)
    codes, found = kmeans_1d(values, 4)
    np.testing.assert_allclose(np.sort(found), centres, atol=0.01)
    assert np.array_equal(np.bincount(codes), [50, 50, 50, 50])


@pytest.mark.parametrize("method", ["uniform", "kmeans"])
def test_refit_equals_a_direct_fit_on_aggregated_features(cancer, method):
    X, y = cancer
    model = LogisticRegression(C=0.5).fit(X, y)
    q = CoefficientQuantizer(
        model, prefit=True, n_bits=2, method=method, refit=True
    ).fit(X, y)
    plain = CoefficientQuantizer(model, prefit=True, n_bits=2, method=method)
    codes = plain.fit(X, y).codes_[0][0]
    np.testing.assert_array_equal(q.codes_[0][0], codes)
    if method == "kmeans":
        aggregated = np.stack([X[:, codes == m].sum(axis=1) for m in range(4)], axis=1)
    else:
        aggregated = np.stack([X.sum(axis=1), X @ codes], axis=1)
    direct = LogisticRegression(C=0.5).fit(aggregated, y)
    params = direct.coef_.ravel()
    expected = params[codes] if method == "kmeans" else params[0] + params[1] * codes
    np.testing.assert_allclose(q.estimator_.coef_.ravel(), f32(expected), rtol=1e-6)
    np.testing.assert_allclose(q.estimator_.intercept_, f32(direct.intercept_))
    # the refit lowers the training loss of the quantized model
    from sklearn.metrics import log_loss

    assert log_loss(y, q.predict_proba(X)) < log_loss(y, plain.predict_proba(X))


def test_refit_with_sparse_X_equals_dense(cancer):
    X, y = cancer
    model = LogisticRegression().fit(X, y)
    dense = CoefficientQuantizer(model, prefit=True, n_bits=3, refit=True).fit(X, y)
    sp = CoefficientQuantizer(model, prefit=True, n_bits=3, refit=True)
    sp.fit(sparse.csr_matrix(X), y)
    np.testing.assert_allclose(sp.estimator_.coef_, dense.estimator_.coef_, rtol=1e-5)


def test_network_pruned_then_quantized():
    X, y = load_digits(return_X_y=True)
    X, y = scale(X[:500]), y[:500]
    network = MLPClassifier(hidden_layer_sizes=(32,), max_iter=60, random_state=0)
    pruner = CoefficientPruner(network, prune_ratio=0.9).fit(X, y)
    q = CoefficientQuantizer(pruner, prefit=True, n_bits=4, method="kmeans").fit(X, y)
    for W, codes, shared, mask in zip(
        q.estimator_.coefs_, q.codes_, q.codebooks_, pruner.coef_mask_, strict=True
    ):
        np.testing.assert_array_equal(codes >= 0, mask)
        np.testing.assert_array_equal(W != 0, mask)
        np.testing.assert_array_equal(W[mask], shared[0][codes[mask]])
    n_kept = pruner.n_nonzero_
    assert q.bytes_["codes"] == sum(
        math.ceil(np.count_nonzero(c >= 0) * 4 / 8) for c in q.codes_
    )
    assert q.bytes_["intercepts"] == (32 + 10) * 4
    assert q.dense_n_bytes_ == (64 * 32 + 32 * 10 + 32 + 10) * 8
    assert q.compression_ratio_ > 10
    assert n_kept == sum(np.count_nonzero(c >= 0) for c in q.codes_)
    np.testing.assert_array_equal(q.predict(X), q.estimator_.predict(X))
    assert q.score(X, y) > 0.8
    # refitting the shared values keeps the codes and the storage
    refit = CoefficientQuantizer(
        pruner, prefit=True, n_bits=4, method="kmeans", refit=True
    ).fit(X, y)
    assert refit.n_bytes_ == q.n_bytes_
    for a, b in zip(refit.codes_, q.codes_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_neuron_pruned_network_counts_against_the_original():
    X, y = load_digits(return_X_y=True)
    X, y = scale(X[:300]), y[:300]
    network = MLPClassifier(hidden_layer_sizes=(20,), max_iter=30, random_state=0)
    pruner = CoefficientPruner(network, granularity="neuron", n_keep=5).fit(X, y)
    q = CoefficientQuantizer(pruner, prefit=True).fit(X, y)
    assert q.dense_n_bytes_ == (64 * 20 + 20 * 10 + 20 + 10) * 8
    assert q.bytes_["intercepts"] == (5 + 10) * 4


def test_clear_errors(iris):
    X, y = iris
    with pytest.raises(ValueError, match="single row of coef_"):
        CoefficientQuantizer(LogisticRegression(), refit=True).fit(X, y)
    with pytest.raises(ValueError, match="inputs but X has"):
        CoefficientQuantizer(LogisticRegression().fit(X[:, :3], y), prefit=True).fit(
            X, y
        )
    with pytest.raises(ValueError, match="n_bits"):
        CoefficientQuantizer(LogisticRegression(), n_bits=0).fit(X, y)


def test_regressor_and_input_untouched():
    rng = np.random.RandomState(0)
    X = rng.randn(100, 6)
    y = X @ np.arange(6.0) + 0.1 * rng.randn(100)
    X_copy = X.copy()
    model = Ridge().fit(X, y)
    coef = model.coef_.copy()
    q = CoefficientQuantizer(model, prefit=True, n_bits=8, refit=True).fit(X, y)
    assert q.score(X, y) > 0.99
    np.testing.assert_array_equal(model.coef_, coef)
    np.testing.assert_array_equal(X, X_copy)


def test_float_bytes_of_unquantized_models_by_hand():
    """What the command line's compression table charges a model that is not
    quantized: float64 values, the zero pattern as the quantizer stores it."""
    X, y = load_breast_cancer(return_X_y=True)
    X = scale(X[:, :3])
    dense = LogisticRegression().fit(X, y)
    assert float_bytes(dense) == 8 * (3 + 1)
    pruner = CoefficientPruner(LogisticRegression(), n_keep=1).fit(X, y)
    # one weight and the intercept; the zeros: a one-byte bitmap (CSR: 1 + 2)
    assert float_bytes(pruner) == 8 * 2 + 1
    net = MLPClassifier(hidden_layer_sizes=(2,), max_iter=50, random_state=0)
    pruned_net = CoefficientPruner(net, n_keep=4, refit=False).fit(X, y)
    masks = pruned_net.coef_mask_
    assert sum(int(m.sum()) for m in masks) == 4
    # 3x2 and 2x1 weights: a one-byte bitmap for each layer that lost any;
    # biases 2 + 1
    index = sum(0 if m.all() else 1 for m in masks)
    assert float_bytes(pruned_net) == 8 * (4 + 3) + index


def test_float_bytes_agrees_with_the_quantizer_on_every_layout():
    X, y = load_iris(return_X_y=True)
    X = np.column_stack([scale(X), np.zeros(len(X))])  # a constant column
    dense = LogisticRegression().fit(X, y)
    assert not dense.coef_[:, -1].any()  # its weights are exactly zero
    quantizer = CoefficientQuantizer(dense, prefit=True).fit(X, y)
    # dense storage charges every weight, zero or not: 3 x 5 + 3 intercepts
    assert float_bytes(dense, sparse=False) == quantizer.dense_n_bytes_ == 8 * 18
    # sparse storage: the 12 non-zero weights, the intercepts and the index
    assert float_bytes(dense) == 8 * (12 + 3) + quantizer.bytes_["index"]
    # 5 of 3 x 5 weights kept: 5 values, 3 intercepts and a 2-byte bitmap
    # (CSR: 5 one-byte columns + 4 one-byte row pointers)
    pruner = CoefficientPruner(LogisticRegression(), n_keep=5).fit(X, y)
    assert float_bytes(pruner) == 8 * (5 + 3) + 2
    assert CoefficientQuantizer(pruner, prefit=True).fit(X, y).bytes_["index"] == 2
    model = CoefficientPruner(
        MLPClassifier(hidden_layer_sizes=(6, 4), max_iter=100, random_state=0),
        granularity="neuron",
        prune_ratio=0.5,
    ).fit(X, y)
    # a smaller dense network: 5*3 + 3*2 + 2*3 weights, 3 + 2 + 3 biases, no index
    assert float_bytes(model) == 8 * (27 + 8)
    assert CoefficientQuantizer(model, prefit=True).fit(X, y).bytes_["index"] == 0
    # the neuron-pruned network is smaller: 5 -> 3 -> 2 -> 3
    assert [W.shape for W in model.estimator_.coefs_] == [(5, 3), (3, 2), (2, 3)]
