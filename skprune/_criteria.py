"""Coefficient importance scores.

A criterion is a pure function ``(coef, X, y, estimator, random_state) -> scores``
returning an array of the shape of ``coef`` (2-D, ``(n_rows, n_features)``).
Higher means more important. Intercepts are never scored, so never pruned.
Adding a criterion means adding a function to ``CRITERIA``; no estimator changes.
"""

import numpy as np
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils.sparsefuncs import mean_variance_axis


def feature_std(X):
    """Standard deviation of every column of dense or sparse ``X``.

    Sparse input is never densified: the variance comes from the stored
    entries only (``mean_variance_axis``).
    """
    if sparse.issparse(X):
        _, var = mean_variance_axis(X.tocsc() if X.format == "coo" else X, axis=0)
    else:
        var = np.var(np.asarray(X, dtype=np.float64), axis=0)
    return np.sqrt(np.maximum(var, 0.0))


def magnitude(coef, X, y, estimator, random_state):
    """``|w|``: the plain magnitude of each coefficient."""
    return np.abs(coef)


def scaled_magnitude(coef, X, y, estimator, random_state):
    """``|w_j| * std(x_j)``: magnitude on the scale of the feature it multiplies.

    Equal to the magnitude the coefficient would have if the feature were
    standardized, so unscaled features are ranked fairly.
    """
    return np.abs(coef) * feature_std(X)[np.newaxis, :]


def random(coef, X, y, estimator, random_state):
    """Uniform random scores drawn from ``random_state``: the pruning baseline."""
    return check_random_state(random_state).random_sample(coef.shape)


CRITERIA = {
    "magnitude": magnitude,
    "scaled_magnitude": scaled_magnitude,
    "random": random,
}


def score_coefficients(criterion, coef, X, y, estimator, random_state=None):
    """Scores of the shape of the 2-D ``coef`` for a criterion name or callable.

    A callable is called as ``criterion(estimator, X, y)`` and must return an
    array of the shape of ``estimator.coef_`` (or of the 2-D ``coef``).
    """
    if callable(criterion):
        scores = np.asarray(criterion(estimator, X, y), dtype=np.float64)
        if scores.size != coef.size or scores.ndim > 2:
            raise ValueError(
                f"The criterion callable returned scores of shape {scores.shape}; "
                f"expected the shape of coef_, {coef.shape}."
            )
        scores = scores.reshape(coef.shape)
    else:
        try:
            function = CRITERIA[criterion]
        except KeyError:
            raise ValueError(
                f"Unknown criterion {criterion!r}; expected one of "
                f"{sorted(CRITERIA)} or a callable."
            ) from None
        scores = function(coef, X, y, estimator, random_state)
    if not np.all(np.isfinite(scores) | (scores == np.inf)):
        raise ValueError(
            "The criterion returned NaN or -inf scores; scores must be finite "
            "(or +inf to force a coefficient to stay)."
        )
    return scores
