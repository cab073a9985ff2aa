"""The out-of-fold scorer (skprune.rows.scoring._scorers.OutOfFold): every row
predicted by the fold model that held it out, in one pass for linear models."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from skprune.rows.scoring._scorers import OutOfFold
from skprune.utils import _arrays
from skprune.utils._arrays import row_block_views


def out_of_fold(X, y, scorer, cv=5):
    classes, codes = np.unique(y, return_inverse=True)
    return OutOfFold(X, y, codes, classes, scorer, {}, cv=cv)


@pytest.mark.parametrize("data", ["iris", "cancer"])
@pytest.mark.parametrize("as_sparse", [False, True])
def test_one_pass_decision_is_each_fold_models_own(
    data, as_sparse, request, monkeypatch
):
    X, y = request.getfixturevalue(data)
    X = sp.csr_matrix(X) if as_sparse else X
    monkeypatch.setattr(_arrays, "BLOCK_VALUES", 64)  # many row blocks
    oof = out_of_fold(X, y, LogisticRegression(max_iter=1000))
    model = LogisticRegression(max_iter=1000)
    expected = cross_val_predict(model, X, y, cv=5, method="decision_function")
    np.testing.assert_allclose(oof.decision, expected, rtol=1e-10, atol=1e-10)
    proba = cross_val_predict(model, X, y, cv=5, method="predict_proba")
    np.testing.assert_allclose(oof.proba, proba, rtol=1e-8, atol=1e-12)


def test_a_model_without_decision_function_is_asked_for_probabilities(iris):
    X, y = iris
    knn = KNeighborsClassifier(n_neighbors=5)
    oof = out_of_fold(X, y, knn)
    expected = cross_val_predict(knn, X, y, cv=5, method="predict_proba")
    np.testing.assert_array_equal(oof.proba, expected)
    np.testing.assert_allclose(oof.decision, np.log(np.clip(expected, 1e-15, 1)))


def test_a_fold_without_a_class_is_refused(iris):
    X, y = iris  # sorted by class: unshuffled folds leave one class out
    oof = out_of_fold(X, y, LogisticRegression(), cv=KFold(3))
    with pytest.raises(ValueError, match="has no row of class"):
        _ = oof.fold_models


def test_csr_row_blocks_are_bounded_and_cover_every_row():
    X = sp.random(3000, 7, density=0.3, format="csr", random_state=0)
    blocks = list(row_block_views(X, n_columns=2**12))  # 1024 rows a block
    assert [b.shape[0] for _, b in blocks] == [1024, 1024, 952]
    np.testing.assert_array_equal(
        sp.vstack([b for _, b in blocks]).toarray(), X.toarray()
    )
