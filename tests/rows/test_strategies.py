"""The row-scoring strategies (skprune.rows.scoring._strategies): pure functions of
``(X, y, oof)``, higher meaning easier, checked against their formulas."""

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression

from skprune.rows.scoring._strategies import (
    STRATEGIES,
    el2n_scores,
    grand_scores,
    loss_scores,
    margin_scores,
    prototype_scores,
)


def predictions(decision, y_codes, *, fit_intercept=True, scorer=None):
    """What a strategy reads of out-of-fold predictions, from decision values."""
    if decision.ndim == 1:
        proba = np.column_stack(
            [1 / (1 + np.exp(decision)), 1 / (1 + np.exp(-decision))]
        )
    else:
        proba = softmax(decision, axis=1)
    n_classes = proba.shape[1]
    onehot = np.eye(n_classes)[y_codes]
    return SimpleNamespace(
        decision=decision,
        proba=proba,
        residual_norm=np.linalg.norm(proba - onehot, axis=1),
        y_codes=y_codes,
        y=y_codes,
        classes=np.arange(n_classes),
        is_classifier=True,
        scorer=scorer or LogisticRegression(fit_intercept=fit_intercept),
        random_state=0,
    )


@pytest.fixture
def three_classes():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 4)
    y = rng.randint(0, 3, 30)
    return X, y, predictions(rng.randn(30, 3), y)


def test_grand_is_the_norm_of_the_log_loss_gradient(three_classes):
    # the gradient of -log softmax(W [x, 1])_y in W is (p - e_y) [x, 1]^T
    X, y, oof = three_classes
    expected = []
    for x, p, label in zip(X, oof.proba, y, strict=True):
        residual = p - np.eye(3)[label]
        expected.append(np.linalg.norm(np.outer(residual, np.append(x, 1.0))))
    np.testing.assert_allclose(grand_scores(X, y, oof), -np.array(expected))
    # without an intercept, no coordinate of 1
    oof.scorer = LogisticRegression(fit_intercept=False)
    norms = np.linalg.norm(oof.proba - np.eye(3)[y], axis=1)
    np.testing.assert_allclose(
        grand_scores(X, y, oof), -norms * np.linalg.norm(X, axis=1)
    )
    # sparse X: the same row norms
    np.testing.assert_allclose(
        grand_scores(sp.csr_matrix(X), y, oof), grand_scores(X, y, oof)
    )


def test_el2n_loss_and_margin_by_their_formulas(three_classes):
    X, y, oof = three_classes
    rows = np.arange(len(y))
    onehot = np.eye(3)[y]
    np.testing.assert_allclose(
        el2n_scores(X, y, oof), -np.linalg.norm(oof.proba - onehot, axis=1)
    )
    np.testing.assert_allclose(loss_scores(X, y, oof), np.log(oof.proba[rows, y]))
    others = np.where(onehot == 1, -np.inf, oof.decision).max(axis=1)
    np.testing.assert_allclose(margin_scores(X, y, oof), oof.decision[rows, y] - others)


def test_binary_margin_is_the_signed_decision():
    decision = np.array([2.0, -1.0, 0.5, -3.0])
    y = np.array([1, 1, 0, 0])
    oof = predictions(decision, y)
    np.testing.assert_allclose(margin_scores(None, y, oof), [2.0, -1.0, -0.5, 3.0])
    # and el2n's two-class shortcut is the norm of p - onehot(y)
    expected = -np.linalg.norm(oof.proba - np.eye(2)[y], axis=1)
    np.testing.assert_allclose(el2n_scores(np.zeros((4, 1)), y, oof), expected)


def test_regression_loss_is_minus_the_residual():
    y = np.array([1.0, -2.0, 3.0])
    oof = SimpleNamespace(
        is_classifier=False, y=y, predictions=np.array([1.5, -2.0, 0.0])
    )
    np.testing.assert_allclose(loss_scores(None, y, oof), [-0.5, 0.0, -3.0])
    Y = np.column_stack([y, y])
    oof = SimpleNamespace(is_classifier=False, y=Y, predictions=np.zeros((3, 2)))
    np.testing.assert_allclose(loss_scores(None, Y, oof), -np.sqrt(2) * np.abs(y))


@pytest.mark.parametrize("as_sparse", [False, True])
def test_prototype_is_minus_the_distance_to_the_class_mean(as_sparse):
    X = np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.0], [0.0, 10.0], [0.0, 12.0]])
    y = np.array([0, 0, 0, 1, 1])
    oof = SimpleNamespace(classes=np.array([0, 1]), y_codes=y)
    data = sp.csr_matrix(X) if as_sparse else X
    np.testing.assert_allclose(
        prototype_scores(data, y, oof), [-2.0, 0.0, -2.0, -1.0, -1.0], atol=1e-12
    )


@pytest.mark.parametrize("name", ["margin", "loss", "el2n", "grand", "noise"])
def test_a_confidently_wrong_row_is_the_hardest(name, three_classes):
    # higher is easier: the row whose given label the model rejects most
    # scores lowest, the one it is surest of highest
    X, y, _ = three_classes
    decision = np.tile([0.0, 0.0, 0.0], (30, 1))
    decision[np.arange(30), y] = 1.0
    decision[7] = 0.0
    decision[7, (y[7] + 1) % 3] = 6.0  # row 7: confidently another class
    decision[12, y[12]] = 6.0  # row 12: confidently its own
    scores = STRATEGIES[name](X, y, predictions(decision, y))
    if name == "grand":  # its row norms reorder the ties, not the extremes
        assert np.argmin(scores) == 7
        return
    assert np.argmin(scores) == 7 and np.argmax(scores) == 12


@pytest.mark.parametrize("n_classes", [2, 3])
def test_residual_norm_from_the_decision_values_is_the_formulas(n_classes):
    # a logistic pilot's ||p - onehot(y)|| straight from its decision values
    # (two classes: one sigmoid, no n x 2 array), huge margins included
    from skprune.rows.scoring._scorers import Pilot

    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    y = rng.randint(n_classes, size=300)
    X[:3] *= 1e4  # margins far past exp's range, either sign
    rows = np.zeros(300, dtype=bool)
    rows[::3] = True
    pilot = Pilot(
        X=X,
        y=y,
        y_codes=y,
        classes=np.arange(n_classes),
        scorer=LogisticRegression(),
        fit_params={},
        rows=rows,
    )
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        norms = pilot.residual_norm
    proba = pilot.model.predict_proba(X)
    expected = np.linalg.norm(proba - np.eye(n_classes)[y], axis=1)
    np.testing.assert_allclose(norms, expected, rtol=1e-10, atol=1e-12)
