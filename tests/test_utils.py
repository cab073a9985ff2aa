"""The helpers shared by the estimators (skprune.utils)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.tree import DecisionTreeClassifier

from skprune.utils._docstrings import CRITERIA, Substitution
from skprune.utils._validation import (
    check_cv_fits_classes,
    coef_as_2d,
    display_label,
    fold_class_weight,
    take_rows,
)


def test_fold_class_weight_is_what_logistic_regression_weighs():
    y = np.array([0, 0, 0, 1])
    weights = np.array([1.0, 2.0, 1.0, 1.0])
    balanced = fold_class_weight("balanced", np.array([0, 1]), y, weights)
    # scikit-learn's "balanced": n / (n_classes * count), with or without
    # the sample weights in the counts, as the installed version does
    ours = LogisticRegression(class_weight="balanced").fit(np.eye(4), y, weights)
    plain = LogisticRegression().fit(np.eye(4), y, balanced)
    np.testing.assert_allclose(ours.coef_, plain.coef_, rtol=1e-6)
    np.testing.assert_allclose(
        fold_class_weight({0: 1.0, 1: 3.0}, np.array([0, 1]), y, weights),
        [1.0, 2.0, 1.0, 3.0],
    )
    np.testing.assert_array_equal(
        fold_class_weight(None, np.array([0, 1]), y, weights), weights
    )
    assert weights.tolist() == [1.0, 2.0, 1.0, 1.0]  # never modified


def test_coef_as_2d_copies_any_layout_and_names_a_model_without_coef():
    X, y = np.random.RandomState(0).randn(20, 3), np.arange(20.0)
    ridge = Ridge().fit(X, y)
    coef = coef_as_2d(ridge)
    assert coef.shape == (1, 3) and not np.shares_memory(coef, ridge.coef_)
    ridge.coef_ = sp.csr_matrix(ridge.coef_)  # after sparsify()
    np.testing.assert_array_equal(coef_as_2d(ridge), coef)
    tree = DecisionTreeClassifier().fit(X, y > 10)
    with pytest.raises(TypeError, match="DecisionTreeClassifier does not expose"):
        coef_as_2d(tree)


def test_take_rows_subsets_only_row_aligned_values():
    rows = np.array([0, 2])
    assert take_rows([5, 6, 7], rows, 3).tolist() == [5, 7]
    np.testing.assert_array_equal(take_rows(np.arange(3.0), rows, 3), [0.0, 2.0])
    assert take_rows("abc", rows, 3) == "abc"  # a string of length 3
    assert take_rows([1, 2], rows, 3) == [1, 2]  # not one per row
    assert take_rows(0.5, rows, 3) == 0.5


def test_check_cv_fits_classes_names_the_class_a_fold_would_miss():
    classes = np.array(["cat", "dog"])
    check_cv_fits_classes(3, np.array([0, 0, 1, 1]), classes)  # two each: fine
    with pytest.raises(ValueError, match="Class 'dog' has a single row"):
        check_cv_fits_classes(3, np.array([0, 0, 0, 1]), classes)
    with pytest.raises(ValueError, match="at least 5 rows"):
        check_cv_fits_classes(5, np.array([0, 1, 0, 1]), classes)
    check_cv_fits_classes(
        [(np.arange(2), np.arange(2, 4))], np.array([0, 0, 0, 1]), classes
    )


def test_display_label_shows_numpy_scalars_as_written():
    assert repr(display_label(np.int64(3))) == "3"
    assert repr(display_label(np.str_("a"))) == "'a'"
    assert display_label("b") == "b"


def test_substitution_fills_named_placeholders_and_leaves_other_percent_signs():
    @Substitution(part="shared text")
    class Documented:
        """Before %(part)s after; 100 % kept."""

    assert Documented.__doc__ == "Before shared text after; 100 % kept."
    with pytest.raises(KeyError, match=r"%\(missing\)s"):
        Substitution(part="x")(type("Other", (), {"__doc__": "%(missing)s"}))


def test_the_criteria_are_documented_once_for_every_estimator_that_takes_them():
    import skprune

    for name in skprune.__all__:
        assert "%(" not in (getattr(getattr(skprune, name), "__doc__", "") or "")
    for estimator in (
        skprune.CoefficientPruner,
        skprune.PrunedLogisticRegression,
        skprune.PrunedLogisticRegressionCV,
    ):
        assert CRITERIA.strip() in estimator.__doc__
