"""Pilot scoring: fit the scorer once on a uniform sample, score every row.

OSMAC's two steps (Wang, Zhu & Ma 2018, Algorithm 2): a model fit on a small
uniform *pilot* sample of ``r0`` rows predicts every row in one pass over
``X`` (row blocks, O(nnz) for a linear scorer, never densified), and those
predictions give the per-row costs the second step samples by. The pilot rows
themselves are kept (the selection rule counts them in its design). A
:class:`Pilot` answers the same questions as :class:`~skprune._oof.OutOfFold`
(``proba``, ``decision``, ``predictions``), so every model-based strategy reads
either without knowing which; only label-noise cleaning, which must judge a
row by a model that never saw it *and* knows every row's neighbours, needs the
out-of-fold models.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from sklearn.base import clone
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.utils.extmath import safe_sparse_dot

from ._oof import (
    RowPredictions,
    is_softmax_logistic,
    probabilities_from_decision,
    row_block_views,
)
from ._row_selection import allocate
from .utils._validation import take_rows

# pilot_size="auto": this many rows (or ten per feature, whichever is more),
# never more than half the kept rows.
PILOT_ROWS = 1000
PILOT_ROWS_PER_FEATURE = 10


def pilot_size(n_keep, n_features, n_classes=1):
    """The pilot rows ``pilot_size="auto"`` takes: ``max(1000, 10 *
    n_features)``, at most half the kept rows, at least one per class.

    >>> pilot_size(10_000, 30), pilot_size(300, 7), pilot_size(9, 4, n_classes=3)
    (1000, 150, 4)
    """
    wanted = max(PILOT_ROWS, PILOT_ROWS_PER_FEATURE * n_features)
    return int(max(min(wanted, n_keep // 2), n_classes, 1))


def draw_pilot(n_samples, size, rng, groups=None):
    """A uniform sample of ``size`` rows without replacement (boolean mask);
    with ``groups`` (the rows of each class) stratified, every class at least
    one row."""
    mask = np.zeros(n_samples, dtype=bool)
    if groups is None:
        mask[rng.choice(n_samples, size=size, replace=False)] = True
        return mask
    sizes = np.array([len(g) for g in groups])
    quotas = allocate(sizes, min(size, int(sizes.sum())))
    for rows, quota in zip(groups, quotas, strict=True):
        mask[rng.choice(rows, size=quota, replace=False)] = True
    return mask


@dataclass
class Pilot(RowPredictions):
    """Predictions of ``scorer`` fit on the ``rows`` (boolean) of ``X``, for
    every row of ``X``; for a classifier the rows are drawn stratified by
    class (:func:`draw_pilot`), so the pilot model has seen every class."""

    rows: np.ndarray = None

    @property
    def share(self):
        """Every row's probability of being in the pilot: the pilot's share
        of the row's class (the pilot is stratified), or of all rows for a
        regression."""
        if not self.is_classifier:
            return np.full(len(self.rows), self.rows.mean())
        drawn = np.bincount(self.y_codes[self.rows], minlength=len(self.classes))
        sizes = np.bincount(self.y_codes, minlength=len(self.classes))
        return (drawn / sizes)[self.y_codes]

    @cached_property
    def model(self):
        """The scorer fit on the pilot rows."""
        params = {
            key: take_rows(value, self.rows, self.X.shape[0])
            for key, value in self.fit_params.items()
        }
        return clone(self.scorer).fit(self.X[self.rows], self.y[self.rows], **params)

    @property
    def curvature_rows(self):
        """The rows the scorer's Hessian is estimated on (OSMAC's ``M_X``)."""
        return self.rows

    def _pass(self, method):
        """``method`` of the pilot model on every row, block by block; a
        linear classifier's decision values as one product per block."""
        model = self.model
        linear = (
            method == "decision_function"
            and isinstance(model, LinearClassifierMixin)
            and isinstance(getattr(model, "coef_", None), np.ndarray)
        )
        parts = []
        n_columns = 1 if self.classes is None else len(self.classes)
        for _, block in row_block_views(self.X, n_columns=n_columns):
            if linear:
                values = safe_sparse_dot(block, model.coef_.T, dense_output=True)
                values = np.asarray(values) + model.intercept_
                if values.shape[1] == 1:
                    values = values[:, 0]
            else:
                values = np.asarray(getattr(model, method)(block))
            parts.append(values)
        return np.concatenate(parts) if parts else np.empty(0)

    @cached_property
    def decision(self):
        """Decision values of the pilot model on every row."""
        if hasattr(self.model, "decision_function"):
            return self._pass("decision_function")
        return np.log(np.clip(self._pass("predict_proba"), 1e-15, 1.0))

    @cached_property
    def proba(self):
        """Class probabilities of the pilot model on every row (a sigmoid or
        softmax of the decision values for a scorer without
        ``predict_proba``, or for a logistic regression, whose
        ``predict_proba`` is exactly that)."""
        model = self.model
        if hasattr(model, "predict_proba") and not is_softmax_logistic(
            model, len(self.classes)
        ):
            return self._pass("predict_proba")
        return probabilities_from_decision(self.decision)

    @cached_property
    def predictions(self):
        """Predictions of the pilot model on every row (regression)."""
        return self._pass("predict")

    @property
    def label_issues(self):
        raise ValueError(
            "Finding wrong labels needs every row judged by a model that did "
            'not see it: use score_by="out_of_fold" (the pilot model saw its '
            "own rows and judges the rest alone)."
        )
