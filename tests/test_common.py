"""Every public estimator through scikit-learn's own estimator checks."""

from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skprune import CoefficientPruner

ESTIMATORS = [
    CoefficientPruner(LogisticRegression()),
    CoefficientPruner(LogisticRegression(), granularity="feature"),
    CoefficientPruner(LogisticRegression(), n_iter=3, criterion="scaled_magnitude"),
    CoefficientPruner(LinearSVC()),
    CoefficientPruner(Ridge()),
    CoefficientPruner(LinearRegression(), granularity="feature", n_iter=2),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
