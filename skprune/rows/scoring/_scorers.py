"""Who scores the rows: out-of-fold models or a pilot model.

Both give every row's predictions through one interface
(:class:`RowPredictions`: ``proba``, ``decision``, ``predictions``, computed
once, lazily), so every strategy reads either without knowing which:

- :class:`OutOfFold`: a row is never judged by a model that saw it; the
  scorer is fit once per fold and every row is predicted by the model of the
  fold that held it out (linear fold models in one pass over ``X``). Fold
  models are fit on the user's own labels, so anything keyed by them
  (``class_weight``) works as in a plain fit. Only these can find wrong
  labels (:attr:`OutOfFold.label_issues`).
- :class:`Pilot`: OSMAC's first step (Wang, Zhu & Ma 2018, Algorithm 2): a
  model fit on a small uniform *pilot* sample of ``r0`` rows (stratified by
  class, :func:`draw_pilot`) predicts every row in one pass over ``X`` (row
  blocks, O(nnz) for a linear scorer, never densified).
  :class:`PilotScorer` is that model fit once and scoring any block of rows
  (a dask worker's chunk included). The weighted rule draws its pilot and
  scores the rows it can keep in one read of ``X``
  (:mod:`skprune.rows.selection._one_read`).
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.model_selection import check_cv
from sklearn.utils.extmath import safe_sparse_dot

from ...utils._arrays import allocate, row_block_views
from ...utils._fit_cache import cached_fit
from ...utils._validation import (
    check_cv_fits_classes,
    display_label,
    is_softmax_logistic,
    take_rows,
)
from ._label_noise import find_label_issues
from ._strategies import (
    STRATEGIES,
    _has_intercept,
    inverse_hessian,
    onehot_residual_norm,
)


@dataclass
class RowPredictions:
    """What every source of per-row predictions holds: ``X``, ``y`` (the
    user's labels, or the float target of a regression), ``y_codes`` (the
    class codes ``0..K-1``), ``classes`` (the sorted labels; ``None`` for
    regression), the ``scorer`` and the ``fit_params`` of its fits (row-aligned
    ones subset with the rows each fit sees); and the predictions of every
    row, each computed once from ``_predict(method)``, the source's own."""

    X: object
    y: np.ndarray
    y_codes: np.ndarray
    classes: np.ndarray
    scorer: object
    fit_params: dict

    @property
    def is_classifier(self):
        return self.classes is not None

    @cached_property
    def decision(self):
        """Decision values of every row (``decision_function``, else the log
        of ``predict_proba``)."""
        if hasattr(self._model, "decision_function"):
            return self._predict("decision_function")
        return np.log(np.clip(self._predict("predict_proba"), 1e-15, 1.0))

    @cached_property
    def proba(self):
        """Class probabilities of every row, shape (n_samples, n_classes):
        ``predict_proba``, or a sigmoid/softmax of the decision values for a
        scorer without it (uncalibrated, but ordered alike) and for a
        logistic regression, whose ``predict_proba`` is exactly that (the
        one-pass decision values are reused)."""
        if reads_predict_proba(self._model, len(self.classes)):
            return self._predict("predict_proba")
        return probabilities_from_decision(self.decision)

    @cached_property
    def predictions(self):
        """Predictions of every row (regression)."""
        return self._predict("predict")

    @cached_property
    def residual_norm(self):
        """``||p(x) - onehot(y)||_2`` of every row; for two classes whose
        probabilities are the sigmoid of the decision values (a logistic
        regression), straight from those: ``sqrt(2) expit(-margin)``, one
        sigmoid and no n x 2 array."""
        if (
            len(self.classes) == 2
            and "proba" not in self.__dict__
            and not reads_predict_proba(self._model, 2)
        ):
            decision = self.decision
            if decision.ndim == 1:
                # sqrt(2) / (1 + exp(margin)), margin = d for the positive
                # class and -d for the other: elementwise, in place
                out = np.where(self.y_codes != 1, -1.0, 1.0)
                out *= decision
                with np.errstate(over="ignore"):  # exp(inf) is right here
                    np.exp(out, out=out)
                out += 1.0
                return np.divide(np.sqrt(2.0), out, out=out)
        return onehot_residual_norm(self.proba, self.y_codes)


def reads_predict_proba(model, n_classes):
    """Whether ``model``'s class probabilities on ``n_classes`` classes are
    read from its ``predict_proba``: when it has one, unless it is a
    logistic regression whose ``predict_proba`` is the sigmoid (softmax) of
    its decision values (those are reused)."""
    return hasattr(model, "predict_proba") and not is_softmax_logistic(model, n_classes)


def probabilities_from_decision(decision):
    """Class probabilities from decision values: a sigmoid of a 1-D array
    (two classes), else a softmax over the columns."""
    if decision.ndim == 1:
        positive = expit(decision)
        return np.column_stack([1.0 - positive, positive])
    return softmax(decision, axis=1)


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
        if self.is_classifier:  # two classes at least: SampleSubsetter checks
            check_cv_fits_classes(self.cv, self.y_codes, self.classes)
        splitter = check_cv(self.cv, self.y_codes, classifier=self.is_classifier)
        n_samples = self.X.shape[0]

        def fit_fold(train):
            params = {
                key: take_rows(value, train, n_samples)
                for key, value in self.fit_params.items()
            }
            return cached_fit(clone(self.scorer), self.X[train], self.y[train], params)

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

    @property
    def _model(self):
        return self.scorer

    def _predict(self, method):
        """``method`` of every row's own fold model (the decision values of
        linear fold models in one pass over ``X``)."""
        if method == "decision_function":
            fast = self._linear_oof_decision()
            if fast is not None:
                return fast
        return self._oof(method)

    @cached_property
    def label_issues(self):
        """Confident learning on the out-of-fold probabilities
        (:class:`~skprune.rows.scoring._label_noise.LabelIssues`), computed once."""
        return find_label_issues(self.proba, self.y_codes)


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

    @cached_property
    def model(self):
        """The scorer fit on the pilot rows."""
        params = {
            key: take_rows(value, self.rows, self.X.shape[0])
            for key, value in self.fit_params.items()
        }
        return cached_fit(
            clone(self.scorer), self.X[self.rows], self.y[self.rows], params
        )

    @property
    def curvature_rows(self):
        """The rows the scorer's Hessian is estimated on (OSMAC's ``M_X``)."""
        return self.rows

    @property
    def _model(self):
        return self.model

    def _predict(self, method):
        """``method`` of the pilot model on every row, block by block (a
        linear classifier's decision values in one product: its output is
        the only array it makes)."""
        if self._linear(method):
            return self._predict_block(method, self.X)
        n_columns = 1 if self.classes is None else len(self.classes)
        parts = [
            self._predict_block(method, block)
            for _, block in row_block_views(self.X, n_columns=n_columns)
        ]
        return np.concatenate(parts) if parts else np.empty(0)

    def _predict_block(self, method, block):
        """``method`` of the pilot model on one block of rows; a linear
        classifier's decision values as one product."""
        model = self.model
        if self._linear(method):
            if model.coef_.shape[0] == 1:  # one product with a vector
                values = np.asarray(safe_sparse_dot(block, model.coef_[0]))
                values += model.intercept_[0]
                return values
            values = safe_sparse_dot(block, model.coef_.T, dense_output=True)
            return np.asarray(values) + model.intercept_
        return np.asarray(getattr(model, method)(block))

    def _linear(self, method):
        """Whether ``method`` is a linear classifier's decision values, one
        product with its coefficients."""
        return (
            method == "decision_function"
            and isinstance(self.model, LinearClassifierMixin)
            and isinstance(getattr(self.model, "coef_", None), np.ndarray)
        )

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

    def _predict(self, method):
        """``method`` of the pilot model on the block (already a block of
        rows: no smaller blocks)."""
        if self.X.shape[0] == 0:
            return np.empty(0)
        return self._predict_block(method, self.X)


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
        model = cached_fit(clone(scorer), X, y, fit_params)
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


@dataclass
class PilotPlan:
    """What the two steps are asked for: the ``strategy`` and its
    ``scorer``, the rows kept and the pilot's ``size`` as asked (see
    :meth:`pilot_rows`), and the two seeds (the pilot's, and the stream the
    second step draws its start from)."""

    strategy: str
    scorer: object
    n_keep: int
    size: int
    pilot_seed: int
    sampling_seed: int

    def rng(self):
        return np.random.RandomState(self.sampling_seed)

    def pilot_rows(self, n_classes):
        """The pilot's size: as asked, capped at the kept rows (which include
        it), at least one row per class."""
        return max(min(self.size, self.n_keep), n_classes)
