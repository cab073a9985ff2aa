"""Per-row scores for training-sample pruning.

A strategy is a pure function ``(X, y, oof) -> scores`` returning one score per
row, **higher meaning easier** (more typical, more confidently right).
Model-based strategies read out-of-fold predictions from ``oof`` (an
:class:`~skprune.rows.scoring._scorers.OutOfFold`, computed once, lazily), so
a row is never
judged by a model that saw it. Adding a strategy means adding a function to
``STRATEGIES``; no estimator changes. How scores become kept rows is the
business of ``rows.selection``; the greedy coresets (k-center, herding) are
selectors there, not scores.
"""

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.utils import check_random_state
from sklearn.utils.extmath import row_norms, safe_sparse_dot

from ...utils._arrays import row_block_views, squared_distances_to
from ._label_noise import label_quality

# ``forgetting`` trains its scorer for this many passes over the data.
FORGETTING_EPOCHS = 10


def _true_class_margin(values, y_codes):
    """``v_y - max_{k != y} v_k`` for 2-D ``values``; signed value for 1-D."""
    if values.ndim == 1:
        return np.where(y_codes == 1, values, -values)
    return label_quality(values, y_codes)


def onehot_residual_norm(proba, y_codes):
    """``||p(x) - onehot(y)||_2`` per row."""
    if proba.shape[1] == 2:  # sqrt(2) |p_1 - y|, without an n x 2 copy
        return np.sqrt(2.0) * np.abs(proba[:, 1] - (y_codes == 1))
    residual = proba.copy()
    residual[np.arange(len(y_codes)), y_codes] -= 1.0
    return np.sqrt(np.einsum("ij,ij->i", residual, residual))


def random_scores(X, y, oof):
    """Uniform random scores: the baseline every strategy must beat."""
    return check_random_state(oof.random_state).random_sample(X.shape[0])


def margin_scores(X, y, oof):
    """Signed out-of-fold margin of the given label: the decision value of the
    true class minus the best other class (positive when classified right)."""
    return _true_class_margin(oof.decision, oof.y_codes)


def loss_scores(X, y, oof):
    """Minus the out-of-fold loss: log-loss of the given label (classification)
    or absolute residual (regression; its Euclidean norm over several
    targets). Never positive."""
    if not oof.is_classifier:
        residual = oof.y - oof.predictions.reshape(oof.y.shape)
        if residual.ndim == 2:
            return -np.linalg.norm(residual, axis=1)
        return -np.abs(residual)
    proba = oof.proba[np.arange(len(oof.y_codes)), oof.y_codes]
    return np.log(np.clip(proba, 1e-15, 1.0))


def el2n_scores(X, y, oof):
    """Minus EL2N, ``||p(x) - onehot(y)||_2`` (Paul et al. 2021), out of fold.
    Never positive."""
    return -oof.residual_norm


def grand_scores(X, y, oof):
    """Minus GraNd, the norm of the per-row gradient of the log-loss of a linear
    model: exactly ``||p - onehot(y)|| * sqrt(||x||^2 + 1)`` (the ``+ 1`` is
    the intercept); for two classes this is ``sqrt(2) |y - p| sqrt(||x||^2 +
    1)``, OSMAC's optimal subsampling score (Wang, Zhu & Ma 2018). Row norms
    of sparse ``X`` come from its stored values; without the ``+ 1`` for a
    scorer with ``fit_intercept=False``. Never positive."""
    cost = row_norms(X, squared=True).astype(np.float64, copy=False)
    cost += _has_intercept(oof)
    np.sqrt(cost, out=cost)
    cost *= oof.residual_norm
    return np.negative(cost, out=cost)


def _has_intercept(oof):
    """Whether the scorer's linear model has an intercept (its gradient then
    has one more coordinate, 1 per row)."""
    return bool(getattr(oof.scorer, "fit_intercept", True))


# mmse inverts the (n_features + 1) * n_outputs square Hessian: at most this
# many parameters.
MMSE_MAX_PARAMETERS = 2048


def mmse_scores(X, y, oof):
    """Minus OSMAC's ``mMSE`` cost (Wang, Zhu & Ma 2018): the norm of the
    per-row gradient of the log-loss of a linear model after the inverse
    Hessian, ``||M^-1 g_i||`` with ``g_i = (p_i - onehot(y_i)) (x) [x_i, 1]``;
    for two classes ``|y - p| ||M^-1 [x, 1]||`` with ``M = mean p (1 - p)
    [x, 1] [x, 1]^T``. Rows that move the fitted coefficients most (in their
    own metric, not the features') cost most (no intercept coordinate for a
    scorer with ``fit_intercept=False``). ``M`` is estimated on the rows
    the scorer was fit on (the pilot, or all rows out of fold; a
    pseudo-inverse for the softmax's redundant parameters). Never positive."""
    proba, codes = oof.proba, oof.y_codes
    n_classes = proba.shape[1]
    n_outputs = 1 if n_classes == 2 else n_classes
    intercept = _has_intercept(oof)
    n_params = (X.shape[1] + intercept) * n_outputs
    inverse = getattr(oof, "inverse_hessian", None)
    if inverse is None:
        rows = oof.curvature_rows
        if rows is None:  # out of fold: every row, without a copy
            inverse = inverse_hessian(X, proba, intercept)
        else:
            inverse = inverse_hessian(X[rows], proba[rows], intercept)
    residual = proba.copy()
    residual[np.arange(len(codes)), codes] -= 1.0
    out = np.empty(X.shape[0])
    for rows, block in row_block_views(X, n_columns=n_params):
        Xb = _with_intercept(block, intercept)
        if n_outputs == 1:
            moved = np.asarray(safe_sparse_dot(Xb, inverse, dense_output=True))
            out[rows] = np.abs(residual[rows, 1]) * np.linalg.norm(moved, axis=1)
        else:
            d = Xb.shape[1]
            tensor = inverse.reshape(n_classes, d, n_classes, d)
            moved = np.zeros((block.shape[0], n_classes * d))
            for m in range(n_classes):
                part = tensor[:, :, m, :].reshape(n_classes * d, d)
                moved += residual[rows, m, np.newaxis] * np.asarray(
                    safe_sparse_dot(Xb, part.T, dense_output=True)
                )
            out[rows] = np.linalg.norm(moved, axis=1)
    return -out


def inverse_hessian(X, proba, intercept=True):
    """The pseudo-inverse of the log-loss Hessian of a linear model at the
    probabilities ``proba`` of the rows ``X`` (mean over the rows; the
    softmax's redundant parameters make it singular): ``mmse``'s metric."""
    n_classes = proba.shape[1]
    n_outputs = 1 if n_classes == 2 else n_classes
    n_params = (X.shape[1] + intercept) * n_outputs
    if n_params > MMSE_MAX_PARAMETERS:
        raise ValueError(
            f'strategy="mmse" inverts the Hessian of {n_params} parameters '
            f"((n_features{' + 1' if intercept else ''}) x {n_outputs} outputs), "
            "more than "
            f'{MMSE_MAX_PARAMETERS}; use strategy="grand" (OSMAC\'s mVc cost, '
            "which needs no Hessian)."
        )
    Xr = _with_intercept(X, intercept)
    if n_outputs == 1:
        curvature = proba[:, 1] * (1.0 - proba[:, 1])
        hessian = np.asarray(
            safe_sparse_dot(Xr.T, _scale_rows(Xr, curvature), dense_output=True)
        )
    else:
        blocks = [
            [
                np.asarray(
                    safe_sparse_dot(
                        Xr.T,
                        _scale_rows(Xr, proba[:, k] * ((k == m) - proba[:, m])),
                        dense_output=True,
                    )
                )
                for m in range(n_classes)
            ]
            for k in range(n_classes)
        ]
        hessian = np.block(blocks)
    return np.linalg.pinv(hessian / Xr.shape[0], hermitian=True)


def _with_intercept(X, intercept=True):
    if not intercept:
        return X
    ones = np.ones((X.shape[0], 1))
    if sparse.issparse(X):
        return sparse.hstack([X, ones], format="csr")
    return np.hstack([X, ones])


def _scale_rows(X, factors):
    if sparse.issparse(X):
        return sparse.diags(factors) @ X
    return X * factors[:, np.newaxis]


def forgetting_scores(X, y, oof):
    """Minus the number of forgetting events (Toneva et al. 2019).

    The scorer (itself when it has ``partial_fit``, else
    ``SGDClassifier(loss="log_loss")``) is trained for ``FORGETTING_EPOCHS``
    passes over the shuffled rows with ``partial_fit``; after each pass a row
    that goes from right to wrong counts one event. Rows never learned count
    ``FORGETTING_EPOCHS + 1``. Forgetting is a property of training on the
    row, so it is measured in-sample by definition. Ties are broken by the
    share of passes the row was right in (more is easier).
    """
    rng = check_random_state(oof.random_state)
    model = oof.scorer
    if not hasattr(model, "partial_fit"):
        model = SGDClassifier(loss="log_loss", random_state=rng.randint(2**31 - 1))
    model = clone(model)
    previous = np.zeros(len(y), dtype=bool)
    events = np.zeros(len(y))
    correct_count = np.zeros(len(y))
    for _ in range(FORGETTING_EPOCHS):
        order = rng.permutation(len(y))
        model.partial_fit(X[order], y[order], classes=oof.classes)
        correct = model.predict(X) == y
        events += previous & ~correct
        correct_count += correct
        previous = correct
    events[correct_count == 0] = FORGETTING_EPOCHS + 1
    return -events + correct_count / (FORGETTING_EPOCHS + 1)


def label_quality_scores(X, y, oof):
    """Label quality: the out-of-fold normalized margin
    ``p_y - max_{k != y} p_k`` in [-1, 1]. The rows confident learning flags
    as likely wrong (``oof.label_issues``) are removed before any other row
    whatever their score; the selection reads the flags from ``oof``."""
    return label_quality(oof.proba, oof.y_codes)


def prototype_scores(X, y, oof):
    """Minus the distance to the class's centroid (one centroid per class: its
    mean), as in Sorscher et al. 2022: typical rows are easy. Never
    positive."""
    scores = np.empty(X.shape[0])
    sq_norms = row_norms(X, squared=True)
    for k in range(len(oof.classes)):
        rows = np.flatnonzero(oof.y_codes == k)
        group = X[rows]
        centroid = np.asarray(group.mean(axis=0)).ravel()
        scores[rows] = -np.sqrt(
            squared_distances_to(group, sq_norms[rows], centroid, centroid @ centroid)
        )
    return scores


STRATEGIES = {
    "random": random_scores,
    "margin": margin_scores,
    "loss": loss_scores,
    "el2n": el2n_scores,
    "grand": grand_scores,
    "forgetting": forgetting_scores,
    "noise": label_quality_scores,
    "prototype": prototype_scores,
    "mmse": mmse_scores,
}

# Every strategy name a user may pass: the scores above and the greedy
# selectors of ``rows.selection._greedy``.
# the greedy coresets, which pick their rows without scores
# (skprune.rows.selection._greedy)
SELECTOR_NAMES = ("kcenter", "herding")

STRATEGY_NAMES = (*STRATEGIES, *SELECTOR_NAMES)

REGRESSION_STRATEGIES = ("random", "loss", "kcenter", "herding")

# Strategies whose scores are minus a nonnegative hardness (a cost), which
# ``keep="weighted"`` samples in proportion to. ``prototype``'s cost, the
# distance to the class centre, is a leverage-like importance (Munteanu et al.
# 2018 sample logistic regression by leverage / sensitivity).
COST_STRATEGIES = ("loss", "el2n", "grand", "mmse", "prototype")

# Strategies that read a model's predictions of every row: scored out of fold,
# or by a pilot model (``score_by``).
MODEL_STRATEGIES = ("margin", "loss", "el2n", "grand", "mmse", "noise")
