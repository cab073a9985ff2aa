import numpy as np
import pytest
import scipy.sparse as sp

from skprune.coefficients._criteria import feature_std, score_coefficients


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(50, 6) * np.array([1.0, 10.0, 0.1, 1.0, 5.0, 2.0])
    X[rng.rand(*X.shape) < 0.5] = 0.0
    coef = rng.randn(3, 6)
    return X, coef


def test_feature_std_sparse_matches_dense_without_densifying(data):
    X, _ = data
    for fmt in ("csr", "csc"):
        np.testing.assert_allclose(
            feature_std(sp.csr_matrix(X).asformat(fmt)), X.std(axis=0)
        )


def test_magnitude_and_scaled_magnitude(data):
    X, coef = data
    np.testing.assert_array_equal(
        score_coefficients("magnitude", coef, X, None, None), np.abs(coef)
    )
    scaled = score_coefficients("scaled_magnitude", coef, sp.csr_matrix(X), None, None)
    np.testing.assert_allclose(scaled, np.abs(coef) * X.std(axis=0))


def test_random_is_seeded(data):
    X, coef = data
    a = score_coefficients("random", coef, X, None, None, random_state=3)
    b = score_coefficients("random", coef, X, None, None, random_state=3)
    c = score_coefficients("random", coef, X, None, None, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_callable_criterion_shape_is_checked(data):
    X, coef = data

    def scores_of_wrong_shape(estimator, X, y):
        return np.ones(5)

    with pytest.raises(ValueError, match=r"returned scores of shape \(5,\)"):
        score_coefficients(scores_of_wrong_shape, coef, X, None, None)

    def nan_scores(estimator, X, y):
        return np.full(coef.shape, np.nan)

    with pytest.raises(ValueError, match="NaN"):
        score_coefficients(nan_scores, coef, X, None, None)


def test_unknown_criterion_names_the_choices(data):
    X, coef = data
    with pytest.raises(ValueError, match=r"Unknown criterion 'l3'.*magnitude"):
        score_coefficients("l3", coef, X, None, None)
