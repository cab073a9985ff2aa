"""How PrunedLogisticRegressionCV picks its level: folds or a criterion.

Held-out scores of every level give a folds x levels table, from which
:func:`choose_level` takes the best or the one-standard-error level;
:func:`information_criterion` scores a level on its own training data
instead (EBIC, GIC), with no folds at all.
"""

import numpy as np
from scipy.special import gammaln, log_softmax
from sklearn.utils.extmath import safe_sparse_dot


def choose_level(table, selection):
    """Index of the chosen level from ``table`` (folds x levels, levels by
    ascending kept count): the sparsest level with the best mean score
    (``"best"``), or the sparsest whose mean is within one standard error of
    the best mean (``"one_se"``; the standard error of the best level's mean
    over folds, ``std / sqrt(n_folds)``, as glmnet's ``lambda.1se``).

    >>> table = np.array([[0.80, 0.91, 0.90], [0.82, 0.91, 0.96]])
    >>> int(choose_level(table, "best")), int(choose_level(table, "one_se"))
    (2, 1)
    """
    mean = table.mean(axis=0)
    best = int(np.argmax(mean))  # first = sparsest among ties
    if selection == "best":
        return best
    std_error = table[:, best].std() / np.sqrt(table.shape[0])
    return int(np.flatnonzero(mean >= mean[best] - std_error)[0])


INFORMATION_CRITERIA = ("ebic", "gic")


def information_criterion(name, fit, X, y_codes, sample_weight):
    """EBIC or GIC of one level's model on its training data (lower is better).

    With ``ll`` the (sample-weighted) log-likelihood, ``k`` the nonzero
    coefficients, ``P`` all coefficients and ``n`` the rows:

    - ``"ebic"`` (Chen & Chen 2008, gamma = 1):
      ``-2 ll + k log(n) + 2 log(binomial(P, k))``;
    - ``"gic"`` (Fan & Tang 2013, as abess's ``ic_type="gic"``):
      ``-2 ll + k log(P) log(log(n))``.
    """
    scores = np.asarray(safe_sparse_dot(X, fit.coef.T, dense_output=True))
    scores = scores + fit.intercept
    if scores.shape[1] == 1:
        scores = np.column_stack([np.zeros(len(scores)), scores[:, 0]])
    log_proba = log_softmax(scores, axis=1)[np.arange(len(y_codes)), y_codes]
    log_likelihood = float(sample_weight @ log_proba)
    n = len(y_codes)
    k, P = int(np.count_nonzero(fit.coef)), fit.coef.size
    if name == "ebic":
        log_binomial = gammaln(P + 1) - gammaln(k + 1) - gammaln(P - k + 1)
        penalty = k * np.log(n) + 2.0 * log_binomial
    else:
        penalty = k * np.log(P) * np.log(np.log(max(n, 3)))
    return -2.0 * log_likelihood + penalty


def mean_log_likelihood(coef, intercept, X, y_codes):
    """Mean log-probability of the true class: ``-log_loss``, computed straight
    from the decision values (what ``"neg_log_loss"`` gives, without the
    scorer's per-call validation, which dominates on small folds)."""
    scores = np.asarray(safe_sparse_dot(X, coef.T, dense_output=True)) + intercept
    if scores.shape[1] == 1:
        scores = np.column_stack([np.zeros(len(scores)), scores[:, 0]])
    log_proba = log_softmax(scores, axis=1)
    return float(np.mean(log_proba[np.arange(len(y_codes)), y_codes]))
