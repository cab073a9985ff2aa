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

from ._oof import RowPredictions, probabilities_from_decision, row_block_views
from ._osmac import pilot_weighted_rows
from ._row_selection import allocate
from ._sample_scores import STRATEGIES, _has_intercept, inverse_hessian
from .utils._validation import is_softmax_logistic, take_rows

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


def pilot_ranks(sizes, size, seed):
    """The pilot as ranks: for each group (a class; one group for a
    regression) of ``sizes[k]`` rows, the sorted positions, within the group
    in row order, of its pilot rows; uniform without replacement, stratified
    in proportion, every group at least one row. The rows themselves are
    found block by block (:func:`rows_of_ranks`); the draw's memory is the
    pilot's while it takes under a fiftieth of a group (numpy's ``choice``
    permutes the whole group above that)."""
    sizes = np.asarray(sizes)
    quotas = allocate(sizes, min(size, int(sizes.sum())))
    rng = np.random.default_rng(seed)
    return [
        np.sort(rng.choice(int(n), int(q), replace=False))
        for n, q in zip(sizes, quotas, strict=True)
    ]


def rows_of_ranks(codes, n_rows, ranks, before):
    """The positions in a block of ``n_rows`` rows of its pilot rows
    (sorted): ``codes`` the block's class codes (``None`` for a
    regression), ``ranks`` from
    :func:`pilot_ranks`, ``before[k]`` the rows of group ``k`` in the
    blocks before this one."""
    found = []
    for k, group_ranks in enumerate(ranks):
        members = np.arange(n_rows) if codes is None else np.flatnonzero(codes == k)
        lo, hi = np.searchsorted(group_ranks, [before[k], before[k] + len(members)])
        found.append(members[group_ranks[lo:hi] - before[k]])
    return np.sort(np.concatenate(found))


def draw_pilot(y_codes, n_samples, size, seed):
    """The pilot rows (boolean) of rows held in memory: :func:`pilot_ranks`
    over the classes ``y_codes`` (``None``: one group, a regression)."""
    if y_codes is None:
        sizes = np.array([n_samples])
    else:
        sizes = np.bincount(y_codes)
    ranks = pilot_ranks(sizes, size, seed)
    mask = np.zeros(n_samples, dtype=bool)
    mask[rows_of_ranks(y_codes, n_samples, ranks, np.zeros(len(sizes), dtype=int))] = (
        True
    )
    return mask


@dataclass
class Pilot(RowPredictions):
    """Predictions of ``scorer`` fit on the ``rows`` (boolean) of ``X``, for
    every row of ``X``; for a classifier the rows are drawn stratified by
    class (:func:`draw_pilot`), so the pilot model has seen every class."""

    rows: np.ndarray = None

    @property
    def share(self):
        """Every row's probability of being in the pilot (:func:`pilot_share`)."""
        return pilot_share(self.y_codes, self.rows)

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


@dataclass
class PilotBlock(Pilot):
    """A block of rows scored by a pilot model already fit (``fitted``, on
    rows elsewhere): what a strategy reads of a :class:`Pilot`, for one block.
    ``inverse_hessian`` is the pilot rows' (``mmse``), computed once."""

    fitted: object = None
    inverse_hessian: np.ndarray = None

    @cached_property
    def model(self):
        return self.fitted


@dataclass
class PilotScorer:
    """The pilot model, fit once, and what scoring a block of rows by it
    needs: the ``strategy`` (a cost), the ``classes`` (``None`` for a
    regression), the unfitted ``scorer`` (its ``fit_intercept``) and, for
    ``mmse``, the pilot rows' inverse Hessian. Picklable, so that a dask
    worker can score its own blocks."""

    strategy: str
    model: object
    classes: np.ndarray
    scorer: object
    inverse_hessian: np.ndarray = None

    @classmethod
    def fit(cls, strategy, scorer, X, y, classes, fit_params):
        """Fit ``scorer`` on the pilot rows ``X``, ``y`` (with their
        ``fit_params``)."""
        model = clone(scorer).fit(X, y, **fit_params)
        fitted = cls(strategy, model, classes, clone(scorer))
        if strategy == "mmse":
            pilot = fitted._block(X, y)
            fitted.inverse_hessian = inverse_hessian(
                X, pilot.proba, _has_intercept(pilot)
            )
        return fitted

    def hardness(self, X, y):
        """Every row's cost (minus the strategy's score) by the pilot model:
        ``X`` and ``y`` one block of rows."""
        if X.shape[0] == 0:  # an empty chunk
            return np.empty(0)
        return -STRATEGIES[self.strategy](X, y, self._block(X, y))

    def _block(self, X, y):
        """The :class:`PilotBlock` of the rows ``X``, ``y``."""
        codes = None
        if self.classes is not None:
            codes = np.searchsorted(self.classes, y)
        return PilotBlock(
            X=X,
            y=y,
            y_codes=codes,
            classes=self.classes,
            scorer=self.scorer,
            fit_params={},
            fitted=self.model,
            inverse_hessian=self.inverse_hessian,
        )


def pilot_share(y_codes, pilot):
    """Every row's probability of being in the pilot: the pilot's share of
    the row's class (the pilot is stratified), or of all rows (``y_codes``
    ``None``, a regression)."""
    if y_codes is None:
        return np.full(len(pilot), pilot.mean())
    drawn = np.bincount(y_codes[pilot], minlength=y_codes.max() + 1)
    return (drawn / np.bincount(y_codes))[y_codes]


def weighted_by_pilot(X, y, y_codes, classes, fit_params, *, plan):
    """OSMAC's two steps on rows held in memory (an array, a sparse matrix or
    a memmap): the pilot drawn and fit, every row scored in row blocks, the
    union design drawn. ``plan`` a :class:`PilotPlan`. Returns ``(pilot,
    kept, weights, hardness)``: boolean masks, ``1 / pi`` on the kept rows
    and every row's cost."""
    n = X.shape[0]
    n_classes = 1 if classes is None else len(classes)
    pilot = draw_pilot(y_codes, n, plan.pilot_rows(n_classes), plan.pilot_seed)
    params = {key: take_rows(value, pilot, n) for key, value in fit_params.items()}
    scorer = PilotScorer.fit(
        plan.strategy, plan.scorer, X[pilot], y[pilot], classes, params
    )
    n_columns = 1 if classes is None else len(classes)
    hardness = np.concatenate(
        [
            scorer.hardness(block, y[rows])
            for rows, block in row_block_views(X, n_columns)
        ]
    )
    kept, weights = pilot_weighted_rows(
        hardness,
        plan.n_keep,
        pilot=pilot,
        pilot_share=pilot_share(y_codes, pilot),
        uniform_share=plan.uniform_share,
        rng=plan.rng(),
    )
    return pilot, kept, weights, hardness


@dataclass
class PilotPlan:
    """What the two steps are asked for: the ``strategy`` and its
    ``scorer``, the rows kept and the pilot's ``size`` as asked (see
    :meth:`pilot_rows`), the ``uniform_share`` of the second step, and the
    two seeds (the pilot's, and the stream the second step draws its start
    from)."""

    strategy: str
    scorer: object
    n_keep: int
    size: int
    uniform_share: float
    pilot_seed: int
    sampling_seed: int

    def rng(self):
        return np.random.RandomState(self.sampling_seed)

    def pilot_rows(self, n_classes):
        """The pilot's size: as asked, capped at the kept rows (which include
        it), at least one row per class."""
        return max(min(self.size, self.n_keep), n_classes)
