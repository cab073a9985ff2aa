"""Coefficient importance scores.

A criterion is a pure function ``(coef, X, y, estimator, random_state) -> scores``
returning an array of the shape of ``coef`` (2-D, ``(n_rows, n_features)``).
Higher means more important. Intercepts are never scored, so never pruned.
Adding a criterion means adding a function to ``CRITERIA``; no estimator changes.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse
from scipy.special import expit, softmax
from sklearn.base import is_regressor
from sklearn.utils import check_random_state
from sklearn.utils.extmath import safe_sparse_dot
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


def random_scores(coef, X, y, estimator, random_state):
    """Uniform random scores drawn from ``random_state``: the pruning baseline."""
    return check_random_state(random_state).random_sample(coef.shape)


def taylor_scores(weights, inputs, deltas):
    """First-order Taylor scores of one layer accumulated over rows:
    ``|w_jk| * sum_i |x_ij * delta_ik| / n``, where ``delta_ik`` is the
    derivative of row ``i``'s loss with respect to output ``k`` of the layer,
    so ``x_ij * delta_ik`` is the row's gradient for ``w_jk``. Since
    ``|x_ij * delta_ik| = |x_ij| |delta_ik|``, the sum is one product
    ``|X|^T |delta|`` (sparse ``X`` stays sparse). ``weights`` has shape
    ``(n_inputs, n_outputs)``.
    """
    n_rows = inputs.shape[0]
    if n_rows == 0:
        return np.zeros(weights.shape)
    absolute = abs(inputs) if sparse.issparse(inputs) else np.abs(inputs)
    accumulated = np.asarray(safe_sparse_dot(absolute.T, np.abs(deltas)))
    return np.abs(weights) * accumulated / n_rows


@dataclass
class LogisticState:
    """What a criterion sees of the logistic model being pruned.

    It duck-types a fitted ``LogisticRegression`` (``coef_``, ``intercept_``,
    ``classes_``) for callables, and carries the objective on the current
    support (``loss``, ``theta``) for the second-order criteria, plus the
    round's target count ``n_keep`` and ``granularity`` for OBS.
    """

    coef_: np.ndarray
    intercept_: np.ndarray
    classes_: np.ndarray
    n_keep: int
    granularity: str
    loss: object = field(repr=False)

    @cached_property
    def theta(self):
        return self.loss.pack(self.coef_, self.intercept_)


def _linear_deltas(coef, X, y, estimator):
    """Per-row derivatives of the loss with respect to the decision values
    of a linear model, shape ``(n_samples, n_rows of coef)``, and the rows it
    misclassifies (None for a regressor).

    The log loss for a classifier (``p - y`` from the exact logistic state
    or from ``predict_proba``), the squared error for a regressor
    (``prediction - y``).
    """
    if isinstance(estimator, LogisticState):
        classes = estimator.classes_
        z = np.asarray(safe_sparse_dot(X, coef.T)) + estimator.intercept_
        proba = expit(z) if coef.shape[0] == 1 else softmax(z, axis=1)
    elif hasattr(estimator, "predict_proba") and not is_regressor(estimator):
        classes = estimator.classes_
        proba = estimator.predict_proba(X)
        proba = proba[:, 1:] if coef.shape[0] == 1 else proba
    elif is_regressor(estimator):
        prediction = np.asarray(estimator.predict(X), dtype=np.float64)
        target = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)
        return prediction.reshape(X.shape[0], -1) - target, None
    else:
        raise ValueError(
            f"The gradient criteria need the model's loss: a classifier with "
            f"predict_proba (log loss) or a least-squares regressor; "
            f"{type(estimator).__name__} has neither. Use 'magnitude' or "
            "'scaled_magnitude'."
        )
    codes = np.searchsorted(classes, y)
    if coef.shape[0] == 1:
        target = (codes == 1).astype(np.float64)[:, np.newaxis]
        wrong = (proba[:, 0] > 0.5) != (codes == 1)
    else:
        target = np.zeros_like(proba)
        target[np.arange(len(codes)), codes] = 1.0
        wrong = proba.argmax(axis=1) != codes
    return proba - target, wrong


def gradient(coef, X, y, estimator, random_state):
    """First-order Taylor: ``|w_j| * sum_i |dloss_i / dw_j| / n`` over the
    training rows (unweighted), with the model's own loss (the log loss for
    a classifier, the squared error for a regressor).

    For a converged L2-regularised linear model the *summed* gradient of the
    data loss is ``-alpha * w`` (the penalty's pull balances it), so the
    textbook ``|w * dL/dw|`` would only rank by ``w**2``, the magnitude. The
    gradient is therefore accumulated in absolute value row by row: for a
    linear model the score is ``|w_j| * mean_i |r_i| |x_ij|`` with ``r_i``
    the row's residual -- the magnitude scaled by how large feature ``j`` is
    on the rows the model gets wrong, ``scaled_magnitude`` weighted by error.
    """
    deltas, _ = _linear_deltas(coef, X, y, estimator)
    return taylor_scores(coef.T, X, deltas).T


# raised around a regressor by this criterion and by the network's (_mlp)
MISCLASSIFIED_NEEDS_CLASSIFIER = (
    "criterion='gradient_misclassified' needs a classifier; use "
    "'gradient' for a regressor."
)


def gradient_misclassified(coef, X, y, estimator, random_state):
    """:func:`gradient` on the misclassified training rows only: each
    weight's contribution to the misclassification. With no misclassified
    row it falls back to all rows. Classifiers only."""
    deltas, wrong = _linear_deltas(coef, X, y, estimator)
    if wrong is None:
        raise ValueError(MISCLASSIFIED_NEEDS_CLASSIFIER)
    if wrong.any():
        X, deltas = X[np.flatnonzero(wrong)], deltas[wrong]
    return taylor_scores(coef.T, X, deltas).T


CRITERIA = {
    "magnitude": magnitude,
    "scaled_magnitude": scaled_magnitude,
    "random": random_scores,
    "gradient": gradient,
    "gradient_misclassified": gradient_misclassified,
}

# Above this many free parameters (live coefficients + intercepts) OBS does not
# form the dense inverse Hessian (8 MB and ~1e9 flops of greedy updates at the
# limit) and ranks by OBD, its diagonal approximation, instead.
OBS_MAX_PARAMS = 1000


def obd(coef, X, y, estimator, random_state):
    """Optimal Brain Damage: ``w_j**2 * H_jj / 2``, the loss increase the
    quadratic model predicts for zeroing one weight with the others fixed.

    ``estimator`` is the logistic state of the pruning loop (``loss``, ``theta``);
    ``H_jj`` is the exact diagonal of ``X^T D X + lambda I`` (scaled by the total
    sample weight), computed without densifying ``X``.
    """
    return 0.5 * coef**2 * estimator.loss.hessian_diagonal(estimator.theta)


def obs(coef, X, y, estimator, random_state):
    """Optimal Brain Surgeon: greedy removal by ``w_q**2 / (2 [H^-1]_qq)`` with
    the weight-compensation update ``dw = -w_q H^-1 e_q / [H^-1]_qq`` after each
    removal, ``H^-1`` downdated rather than recomputed.

    Removes ``estimator.n_keep``'s complement greedily (whole columns, with the
    group form ``w_G^T ([H^-1]_GG)^-1 w_G / 2``, for ``granularity="feature"``)
    and returns scores whose top ``n_keep`` are exactly the survivors. Above
    ``OBS_MAX_PARAMS`` free parameters it returns the OBD scores instead.
    """
    loss, theta = estimator.loss, estimator.theta
    if theta.size > OBS_MAX_PARAMS:
        return obd(coef, X, y, estimator, random_state)
    if estimator.granularity == "feature":
        # every live column is live in every row, and the free parameters are
        # row-major: a column's parameters sit one row length apart
        groups = np.arange(loss.n_free).reshape(loss.n_rows, -1).T
        n_remove = groups.shape[0] - estimator.n_keep
    else:
        groups = np.arange(loss.n_free)[:, np.newaxis]
        n_remove = loss.n_free - estimator.n_keep
    keep_params = np.ones(theta.size, dtype=bool)
    if loss.fit_intercept and loss.n_rows > 1:
        # Softmax is invariant to a shift of all intercepts: fix the last one
        # so that the Hessian is invertible.
        keep_params[-1] = False
    hessian = loss.hessian(theta)[np.ix_(keep_params, keep_params)]
    step_of_group = obs_removal_order(hessian, theta[keep_params], groups, n_remove)
    group_scores = np.where(step_of_group >= 0, step_of_group, n_remove + 1).astype(
        np.float64
    )
    free_scores = np.zeros(theta.size)  # intercepts' slots stay unused
    free_scores[groups.ravel()] = np.repeat(group_scores, groups.shape[1])
    return loss.unpack(free_scores)[0]


def obs_removal_order(hessian, weights, groups, n_remove):
    """Greedy OBS on the quadratic model ``0.5 d^T H d``.

    Parameters
    ----------
    hessian : ndarray of shape (n_params, n_params)
    weights : ndarray of shape (n_params,)
        Current parameters; the quadratic model is centred on them.
    groups : ndarray of int of shape (n_groups, group_size)
        Parameter indices removed together (one row per prunable item).
    n_remove : int
        How many groups to remove.

    Returns
    -------
    step : ndarray of int of shape (n_groups,)
        The step at which each group was removed, ``-1`` for survivors.
    """
    scale = np.abs(np.diag(hessian)).max()
    jitter = 1e-12 * (scale if scale > 0 else 1.0)
    inverse = np.linalg.inv(hessian + jitter * np.eye(hessian.shape[0]))
    weights = weights.astype(np.float64, copy=True)
    step = np.full(groups.shape[0], -1)
    alive = np.ones(groups.shape[0], dtype=bool)
    for t in range(n_remove):
        candidates = np.flatnonzero(alive)
        index = groups[candidates]
        if groups.shape[1] == 1:
            idx = index[:, 0]
            saliency = weights[idx] ** 2 / (2.0 * np.diag(inverse)[idx])
        else:
            blocks = inverse[index[:, :, np.newaxis], index[:, np.newaxis, :]]
            w = weights[index]
            saliency = 0.5 * np.einsum(
                "gi,gi->g", w, np.linalg.solve(blocks, w[:, :, np.newaxis])[..., 0]
            )
        chosen = candidates[np.argmin(saliency)]
        g = groups[chosen]
        block = inverse[np.ix_(g, g)]
        columns = inverse[:, g]
        weights -= columns @ np.linalg.solve(block, weights[g])
        weights[g] = 0.0
        inverse -= columns @ np.linalg.solve(block, columns.T)
        step[chosen] = t
        alive[chosen] = False
    return step


LOGISTIC_CRITERIA = {**CRITERIA, "obd": obd, "obs": obs}
# Criteria that need the exact logistic objective (its Hessian).
SECOND_ORDER = ("obd", "obs")


def score_coefficients(
    criterion, coef, X, y, estimator, random_state=None, criteria=CRITERIA
):
    """Scores of the shape of the 2-D ``coef`` for a criterion name or callable.

    A callable is called as ``criterion(estimator, X, y)`` and must return an
    array of the shape of ``estimator.coef_`` (or of the 2-D ``coef``). Names
    are looked up in ``criteria``.
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
            function = criteria[criterion]
        except KeyError:
            raise ValueError(
                f"Unknown criterion {criterion!r}; expected one of "
                f"{sorted(criteria)} or a callable."
            ) from None
        scores = function(coef, X, y, estimator, random_state)
    if not np.all(np.isfinite(scores) | (scores == np.inf)):
        raise ValueError(
            "The criterion returned NaN or -inf scores; scores must be finite "
            "(or +inf to force a coefficient to stay)."
        )
    return scores
