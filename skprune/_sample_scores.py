"""Per-row scores for training-sample pruning.

A strategy is a pure function ``(X, y, context) -> scores`` returning one score
per row, **higher meaning easier** (more typical, more confidently right):
``keep="easy"`` keeps the highest scores, ``keep="hard"`` the lowest. Model-based
strategies read out-of-fold predictions from ``context`` (computed once, lazily,
so a row is never judged by a model that saw it). Adding a strategy means
adding a function to ``STRATEGIES``; no estimator changes.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils.extmath import row_norms, safe_sparse_dot

from .utils._validation import check_cv_fits_classes, take_rows

# ``forgetting`` trains its scorer for this many passes over the data.
FORGETTING_EPOCHS = 10


@dataclass
class ScoringContext:
    """What a strategy may use besides ``X`` and ``y``.

    ``y_codes`` are class codes (classification) or the float target
    (regression); ``n_select`` is how many rows a greedy selection strategy
    (k-center, herding) must pick, per group (see ``groups``).
    """

    X: object
    y_codes: np.ndarray
    classes: np.ndarray  # None for regression
    scorer: object
    cv: object
    random_state: object
    n_jobs: object
    groups: list  # row indices of each group scored on its own
    n_select: list  # rows a greedy strategy picks in each group
    fit_params: dict

    @property
    def is_classifier(self):
        return self.classes is not None

    @cached_property
    def fold_models(self):
        """``(test rows, scorer fit on the other rows)`` for every fold."""
        if self.is_classifier:
            check_cv_fits_classes(self.cv, self.y_codes, self.classes)
        splitter = check_cv(self.cv, self.y_codes, classifier=self.is_classifier)
        n_samples = self.X.shape[0]

        def fit_fold(train):
            params = {
                key: take_rows(value, train, n_samples)
                for key, value in self.fit_params.items()
            }
            return clone(self.scorer).fit(self.X[train], self.y_codes[train], **params)

        splits = list(splitter.split(self.X, self.y_codes))
        models = Parallel(n_jobs=self.n_jobs)(
            delayed(fit_fold)(train) for train, _ in splits
        )
        return [(test, model) for (_, test), model in zip(splits, models, strict=True)]

    def _linear_oof_decision(self):
        """Out-of-fold decision values of linear fold models in one pass over
        ``X`` (row blocks times all folds' coefficients at once, each row then
        reading its own fold's column), without copying each fold's rows out.
        ``None`` when the fold models are not all plain linear models that saw
        every class."""
        models = [model for _, model in self.fold_models]
        linear = all(
            isinstance(getattr(m, "coef_", None), np.ndarray)
            and m.coef_.ndim == 2
            and hasattr(m, "intercept_")
            and hasattr(m, "decision_function")
            for m in models
        )
        if not linear or (
            self.is_classifier
            and any(len(m.classes_) != len(self.classes) for m in models)
        ):
            return None
        n_rows = models[0].coef_.shape[0]
        weights = np.ascontiguousarray(np.vstack([m.coef_ for m in models]).T)
        intercepts = np.concatenate(
            [np.broadcast_to(m.intercept_, (n_rows,)) for m in models]
        )
        fold_of = np.empty(self.X.shape[0], dtype=int)
        for f, (test, _) in enumerate(self.fold_models):
            fold_of[test] = f
        columns = fold_of[:, np.newaxis] * n_rows + np.arange(n_rows)
        out = np.empty((self.X.shape[0], n_rows))
        # blocks of rows bound the (rows x folds x classes) product at 32 MB
        step = max(1, 2**22 // weights.shape[1])
        for start in range(0, self.X.shape[0], step):
            block = slice(start, start + step)
            values = safe_sparse_dot(
                _row_block(self.X, block), weights, dense_output=True
            )
            values = np.asarray(values) + intercepts
            out[block] = np.take_along_axis(values, columns[block], axis=1)
        return out[:, 0] if n_rows == 1 else out

    def _oof(self, method):
        """``method`` of each fold's model on its held-out rows: one pass over
        ``X``. Classes a fold's model never saw get probability 0 (decision
        value -inf)."""
        out = None
        for test, model in self.fold_models:
            values = getattr(model, method)(self.X[test])
            if out is None:
                shape = (self.X.shape[0], *values.shape[1:])
                if self.is_classifier and values.ndim == 2:
                    shape = (self.X.shape[0], len(self.classes))
                out = np.zeros(shape)
            if self.is_classifier and values.ndim == 2:
                fill = 0.0 if method == "predict_proba" else -np.inf
                block = np.full((len(test), len(self.classes)), fill)
                block[:, model.classes_] = values
                values = block
            out[test] = values
        return out

    @cached_property
    def oof_proba(self):
        """Out-of-fold class probabilities, shape (n_samples, n_classes).

        From ``predict_proba`` when the scorer has it, else a sigmoid/softmax
        of its decision values (uncalibrated, but ordered alike).
        """
        if type(self.scorer) is LogisticRegression and getattr(
            self.scorer, "multi_class", "auto"
        ) in ("auto", "multinomial", "deprecated"):
            # predict_proba of a logistic regression is exactly the sigmoid
            # (softmax) of its decision values: reuse the one-pass decision
            decision = self.oof_decision
        elif hasattr(self.scorer, "predict_proba"):
            return self._oof("predict_proba")
        else:
            decision = self.oof_decision
        if decision.ndim == 1:
            positive = expit(decision)
            return np.column_stack([1.0 - positive, positive])
        return softmax(decision, axis=1)

    @cached_property
    def oof_decision(self):
        """Out-of-fold decision values (``decision_function``, else log-odds of
        ``predict_proba``)."""
        if hasattr(self.scorer, "decision_function"):
            fast = self._linear_oof_decision()
            if fast is not None:
                return fast
            return self._oof("decision_function")
        proba = np.clip(self._oof("predict_proba"), 1e-15, 1.0)
        return np.log(proba)

    @cached_property
    def label_issues(self):
        """Rows whose given label looks wrong (``flag_label_issues`` on the
        out-of-fold probabilities), computed once."""
        return flag_label_issues(self.oof_proba, self.y_codes)

    @cached_property
    def oof_predict(self):
        """Out-of-fold predictions (regression)."""
        return self._oof("predict")


def _row_block(X, rows):
    """Rows ``rows`` (a slice) of ``X``; for CSR a view on its arrays, no copy."""
    if sparse.issparse(X) and X.format == "csr":
        start, stop, _ = rows.indices(X.shape[0])
        begin, end = X.indptr[start], X.indptr[stop]
        return sparse.csr_matrix(
            (
                X.data[begin:end],
                X.indices[begin:end],
                X.indptr[start : stop + 1] - begin,
            ),
            shape=(stop - start, X.shape[1]),
        )
    return X[rows]


def _true_class_margin(values, y_codes):
    """``v_y - max_{k != y} v_k`` for 2-D ``values``; signed value for 1-D."""
    if values.ndim == 1:
        return np.where(y_codes == 1, values, -values)
    rows = np.arange(len(y_codes))
    true = values[rows, y_codes]
    others = values.copy()
    others[rows, y_codes] = -np.inf
    return true - others.max(axis=1)


def _onehot_residual_norm(proba, y_codes):
    """``||p(x) - onehot(y)||_2`` per row."""
    residual = proba.copy()
    residual[np.arange(len(y_codes)), y_codes] -= 1.0
    return np.sqrt(np.einsum("ij,ij->i", residual, residual))


def random(X, y, context):
    """Uniform random scores: the baseline every strategy must beat."""
    return check_random_state(context.random_state).random_sample(X.shape[0])


def margin(X, y, context):
    """Signed out-of-fold margin of the given label: the decision value of the
    true class minus the best other class (positive when classified right)."""
    return _true_class_margin(context.oof_decision, context.y_codes)


def loss(X, y, context):
    """Minus the out-of-fold loss: log-loss of the given label (classification)
    or absolute residual (regression)."""
    if not context.is_classifier:
        return -np.abs(context.y_codes - context.oof_predict)
    proba = context.oof_proba[np.arange(len(context.y_codes)), context.y_codes]
    return np.log(np.clip(proba, 1e-15, 1.0))


def el2n(X, y, context):
    """Minus EL2N, ``||p(x) - onehot(y)||_2`` (Paul et al. 2021), out of fold."""
    return -_onehot_residual_norm(context.oof_proba, context.y_codes)


def grand(X, y, context):
    """Minus GraNd, the norm of the per-row gradient of the log-loss of a linear
    model: exactly ``||p - onehot(y)|| * sqrt(||x||^2 + 1)`` (the ``+ 1`` is
    the intercept). Row norms of sparse ``X`` come from its stored values."""
    norms = np.sqrt(row_norms(X, squared=True) + 1.0)
    return -_onehot_residual_norm(context.oof_proba, context.y_codes) * norms


def forgetting(X, y, context):
    """Minus the number of forgetting events (Toneva et al. 2019).

    The scorer (itself when it has ``partial_fit``, else
    ``SGDClassifier(loss="log_loss")``) is trained for ``FORGETTING_EPOCHS``
    passes over the shuffled rows with ``partial_fit``; after each pass a row
    that goes from right to wrong counts one event. Rows never learned count
    ``FORGETTING_EPOCHS + 1``. Forgetting is a property of training on the
    row, so it is measured in-sample by definition. Ties are broken by the
    share of passes the row was right in (more is easier).
    """
    rng = check_random_state(context.random_state)
    model = context.scorer
    if not hasattr(model, "partial_fit"):
        model = SGDClassifier(loss="log_loss", random_state=rng.randint(2**31 - 1))
    model = clone(model)
    codes = context.y_codes
    classes = np.arange(len(context.classes))
    previous = np.zeros(len(codes), dtype=bool)
    events = np.zeros(len(codes))
    correct_count = np.zeros(len(codes))
    for _ in range(FORGETTING_EPOCHS):
        order = rng.permutation(len(codes))
        model.partial_fit(X[order], codes[order], classes=classes)
        correct = model.predict(X) == codes
        events += previous & ~correct
        correct_count += correct
        previous = correct
    events[correct_count == 0] = FORGETTING_EPOCHS + 1
    return -events + correct_count / (FORGETTING_EPOCHS + 1)


def noise(X, y, context):
    """Label quality: the out-of-fold normalized margin ``p_y - max_{k != y} p_k``,
    lowered by 3 for the rows that confident learning flags as likely wrong
    (``flag_label_issues``), so that those rank first for removal."""
    quality = _true_class_margin(context.oof_proba, context.y_codes)
    return quality - 3.0 * context.label_issues


def _round_preserving_row_sums(matrix):
    """Round every row to integers summing to the row's rounded total (the
    largest fractional parts round up)."""
    floors = np.floor(matrix)
    missing = np.round(matrix.sum(axis=1)) - floors.sum(axis=1)
    order = np.argsort(-(matrix - floors), axis=1, kind="stable")
    ranks = np.argsort(order, axis=1, kind="stable")
    return (floors + (ranks < missing[:, np.newaxis])).astype(int)


def flag_label_issues(proba, y_codes):
    """Rows whose given label is likely wrong, confident-learning style.

    Class thresholds are the mean out-of-fold probability of each class over
    the rows labelled with it. A row labelled ``i`` is counted in cell
    ``(i, j)`` of the confident joint when ``p_j`` reaches class ``j``'s
    threshold (the largest such ``p_j`` wins); each row of the joint is
    calibrated to the class's row count. Then, as cleanlab's
    ``prune_by_noise_rate``: for every off-diagonal cell ``(i, j)``, the
    ``n_ij`` rows labelled ``i`` with the largest ``p_j - p_i`` are flagged,
    except rows the model predicts as their given label.
    """
    n_classes = proba.shape[1]
    counts = np.bincount(y_codes, minlength=n_classes)
    thresholds = np.array(
        [proba[y_codes == k, k].mean() if counts[k] else 1.0 for k in range(n_classes)]
    )
    above = proba >= thresholds - 1e-6
    best = np.where(above, proba, -np.inf).argmax(axis=1)
    confident = above.any(axis=1)
    joint = np.zeros((n_classes, n_classes))
    np.add.at(joint, (y_codes[confident], best[confident]), 1.0)
    row_sums = joint.sum(axis=1, keepdims=True)
    calibrated = np.divide(
        joint * counts[:, np.newaxis],
        row_sums,
        out=np.zeros_like(joint),
        where=row_sums > 0,
    )
    to_flag = _round_preserving_row_sums(calibrated)
    flagged = np.zeros(len(y_codes), dtype=bool)
    for i in range(n_classes):
        rows = np.flatnonzero(y_codes == i)
        for j in range(n_classes):
            if i != j and to_flag[i, j] > 0:
                margin = proba[rows, j] - proba[rows, i]
                order = np.argsort(-margin, kind="stable")
                flagged[rows[order[: to_flag[i, j]]]] = True
    flagged &= proba.argmax(axis=1) != y_codes
    return flagged


def _greedy_groups(X, context, select):
    scores = np.empty(X.shape[0])
    for rows, n_select in zip(context.groups, context.n_select, strict=True):
        group = X[rows]
        order = select(group, n_select)
        group_scores = np.full(len(rows), -float(len(rows)))
        group_scores[order] = -np.arange(len(order), dtype=np.float64)
        # normalise so groups of different sizes mix fairly
        scores[rows] = group_scores / len(rows)
    return scores


def _squared_distances_to(X, sq_norms, point, point_sq_norm):
    """``||x_i - point||^2`` for every row, without an n x n matrix."""
    cross = np.asarray(safe_sparse_dot(X, point)).ravel()
    return np.maximum(sq_norms - 2.0 * cross + point_sq_norm, 0.0)


def _row(X, i):
    row = X[i]
    return row.toarray().ravel() if sparse.issparse(row) else np.asarray(row)


def _kcenter_order(X, n_select):
    """Greedy k-center: start at the row nearest the mean, then repeatedly take
    the row farthest from everything taken. O(n_select * nnz(X)) time, O(n)
    memory: one distance vector, updated per pick."""
    if n_select == 0:
        return np.array([], dtype=int)
    sq_norms = row_norms(X, squared=True)
    mean = np.asarray(X.mean(axis=0)).ravel()
    nearest = _squared_distances_to(X, sq_norms, mean, mean @ mean)
    order = [int(np.argmin(nearest))]
    center = _row(X, order[0])
    closest = _squared_distances_to(X, sq_norms, center, center @ center)
    for _ in range(1, n_select):
        closest[order[-1]] = -1.0
        pick = int(np.argmax(closest))
        order.append(pick)
        center = _row(X, pick)
        closest = np.minimum(
            closest, _squared_distances_to(X, sq_norms, center, center @ center)
        )
        closest[order] = -1.0
    return np.asarray(order)


def _herding_order(X, n_select):
    """Herding (Welling 2009, as in iCaRL): repeatedly take the row that brings
    the mean of the taken rows closest to the mean of all rows. O(n) memory."""
    sq_norms = row_norms(X, squared=True)
    mean = np.asarray(X.mean(axis=0)).ravel()
    total = np.zeros_like(mean)
    taken = np.zeros(X.shape[0], dtype=bool)
    order = []
    for t in range(1, n_select + 1):
        # || (total + x_i) / t - mean ||^2, expanded: a = total / t - mean
        a = total / t - mean
        cost = a @ a + 2.0 * np.asarray(safe_sparse_dot(X, a)).ravel() / t
        cost += sq_norms / t**2
        cost[taken] = np.inf
        pick = int(np.argmin(cost))
        order.append(pick)
        taken[pick] = True
        total += _row(X, pick)
    return np.asarray(order, dtype=int)


def kcenter(X, y, context):
    """Greedy k-center coreset (Sener & Savarese 2018), per class when the
    selection is stratified: rows picked earlier score higher; unpicked rows
    score lowest."""
    return _greedy_groups(X, context, _kcenter_order)


def herding(X, y, context):
    """Herding selection (Welling 2009), per class when stratified: rows
    picked earlier score higher."""
    return _greedy_groups(X, context, _herding_order)


def prototype(X, y, context):
    """Minus the distance to the class's k-means centroid (one centroid per
    class: its mean), as in Sorscher et al. 2022: typical rows are easy."""
    scores = np.empty(X.shape[0])
    sq_norms = row_norms(X, squared=True)
    for k in range(len(context.classes)):
        rows = np.flatnonzero(context.y_codes == k)
        group = X[rows]
        centroid = np.asarray(group.mean(axis=0)).ravel()
        scores[rows] = -np.sqrt(
            _squared_distances_to(group, sq_norms[rows], centroid, centroid @ centroid)
        )
    return scores


STRATEGIES = {
    "random": random,
    "margin": margin,
    "loss": loss,
    "el2n": el2n,
    "grand": grand,
    "forgetting": forgetting,
    "noise": noise,
    "kcenter": kcenter,
    "herding": herding,
    "prototype": prototype,
}

REGRESSION_STRATEGIES = ("random", "loss", "kcenter", "herding")
GREEDY = ("kcenter", "herding")
