"""Out-of-fold predictions shared by the row-scoring strategies.

A row is never judged by a model that saw it: the scorer is fit once per fold
(lazily, only when a strategy asks) and every row is predicted by the model of
the fold that held it out. Fold models are fit on the user's own labels, so
anything keyed by them (``class_weight``) works as in a plain fit.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.model_selection import check_cv
from sklearn.utils.extmath import safe_sparse_dot

from ._label_noise import find_label_issues
from .utils._validation import (
    check_cv_fits_classes,
    display_label,
    is_softmax_logistic,
    take_rows,
)


@dataclass
class RowPredictions:
    """What every source of per-row predictions holds: ``X``, ``y`` (the
    user's labels, or the float target of a regression), ``y_codes`` (the
    class codes ``0..K-1``), ``classes`` (the sorted labels; ``None`` for
    regression), the ``scorer`` and the ``fit_params`` of its fits (row-aligned
    ones subset with the rows each fit sees)."""

    X: object
    y: np.ndarray
    y_codes: np.ndarray
    classes: np.ndarray
    scorer: object
    fit_params: dict

    @property
    def is_classifier(self):
        return self.classes is not None


@dataclass
class OutOfFold(RowPredictions):
    """Out-of-fold predictions of ``scorer`` on ``X``: every row predicted by
    the model of the ``cv`` fold that held it out."""

    cv: object = 5
    random_state: object = None
    n_jobs: object = None

    @cached_property
    def fold_models(self):
        """``(test rows, scorer fit on the other rows)`` for every fold."""
        if self.is_classifier:
            if len(self.classes) < 2:
                raise ValueError(
                    "Scoring rows by out-of-fold predictions needs at least 2 "
                    f"classes; y has 1 class ({display_label(self.classes[0])!r})."
                )
            check_cv_fits_classes(self.cv, self.y_codes, self.classes)
        splitter = check_cv(self.cv, self.y_codes, classifier=self.is_classifier)
        n_samples = self.X.shape[0]

        def fit_fold(train):
            params = {
                key: take_rows(value, train, n_samples)
                for key, value in self.fit_params.items()
            }
            return clone(self.scorer).fit(self.X[train], self.y[train], **params)

        splits = list(splitter.split(self.X, self.y_codes))
        if self.is_classifier:
            for train, _ in splits:
                missing = np.setdiff1d(
                    np.arange(len(self.classes)), self.y_codes[train]
                )
                if len(missing):
                    raise ValueError(
                        "A training fold of cv has no row of class "
                        f"{display_label(self.classes[missing[0]])!r}, so its model "
                        "cannot score that class; use stratified folds (an "
                        "integer cv) or shuffle the rows."
                    )
        models = Parallel(n_jobs=self.n_jobs)(
            delayed(fit_fold)(train) for train, _ in splits
        )
        return [(test, model) for (_, test), model in zip(splits, models, strict=True)]

    def _class_columns(self, model):
        """Columns of ``model``'s outputs in the code order ``0..K-1``."""
        return np.searchsorted(self.classes, model.classes_)

    def _linear_oof_decision(self):
        """Out-of-fold decision values of linear fold models in one pass over
        ``X`` (row blocks times all folds' coefficients at once, each row then
        reading its own fold's column), without copying each fold's rows out.
        ``None`` when the fold models are not all plain linear models."""
        models = [model for _, model in self.fold_models]
        n_outputs = 1 if len(self.classes) == 2 else len(self.classes)
        # one coef_ row per class (two classes: one row), as LinearClassifierMixin
        # predicts; not one-vs-one SVC coefficients
        linear = all(
            isinstance(m, LinearClassifierMixin)
            and isinstance(getattr(m, "coef_", None), np.ndarray)
            and m.coef_.shape[0] == n_outputs
            for m in models
        )
        if not linear:  # every fold model saw every class (fold_models checks)
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
        # blocks of rows bound the (rows x folds x classes) product
        for rows, block in row_block_views(self.X, n_columns=weights.shape[1]):
            values = safe_sparse_dot(block, weights, dense_output=True)
            values = np.asarray(values) + intercepts
            out[rows] = np.take_along_axis(values, columns[rows], axis=1)
        return out[:, 0] if n_rows == 1 else out

    def _oof(self, method):
        """``method`` of each fold's model on its held-out rows. Classes a
        fold's model never saw get probability 0 (decision value -inf)."""
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
                block[:, self._class_columns(model)] = values
                values = block
            out[test] = values
        return out

    @property
    def curvature_rows(self):
        """The rows the scorer's Hessian is estimated on: all of them."""
        return None

    @cached_property
    def proba(self):
        """Out-of-fold class probabilities, shape (n_samples, n_classes).

        From ``predict_proba`` when the scorer has it, else a sigmoid/softmax
        of its decision values (uncalibrated, but ordered alike).
        """
        if is_softmax_logistic(self.scorer, len(self.classes)) or not hasattr(
            self.scorer, "predict_proba"
        ):
            # predict_proba of a logistic regression is exactly the sigmoid
            # (softmax) of its decision values: reuse the one-pass decision
            return probabilities_from_decision(self.decision)
        return self._oof("predict_proba")

    @cached_property
    def decision(self):
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
        """Confident learning on the out-of-fold probabilities
        (:class:`~skprune._label_noise.LabelIssues`), computed once."""
        return find_label_issues(self.proba, self.y_codes)

    @cached_property
    def predictions(self):
        """Out-of-fold predictions (regression)."""
        return self._oof("predict")


def probabilities_from_decision(decision):
    """Class probabilities from decision values: a sigmoid of a 1-D array
    (two classes), else a softmax over the columns."""
    if decision.ndim == 1:
        positive = expit(decision)
        return np.column_stack([1.0 - positive, positive])
    return softmax(decision, axis=1)


# a row block holds at most this many values of the output (32 MB float64)
BLOCK_VALUES = 2**22


def row_block_views(X, n_columns=1):
    """``(rows, block)`` for consecutive row blocks of ``X`` (``rows`` a
    slice), each small enough that a product with ``n_columns`` columns stays
    under ``BLOCK_VALUES`` values; a CSR block is cut from ``X``'s arrays
    without indexing (scipy copies a cut much smaller than its arrays, so one
    block's values are held twice at a time, never all of ``X``)."""
    step = max(1024, BLOCK_VALUES // max(n_columns, 1))
    for start in range(0, X.shape[0], step):
        rows = slice(start, min(start + step, X.shape[0]))
        yield rows, _row_block(X, rows)


def _row_block(X, rows):
    """Rows ``rows`` (a slice) of ``X``; for CSR cut from its arrays by the
    slice's ``indptr`` range (no row indexing)."""
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
